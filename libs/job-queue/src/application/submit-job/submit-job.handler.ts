import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { currentTraceContext, PORTER_CONFIG, PorterConfig, Transaction, TransactionRunner } from '@porter/platform';
import { FieldError, newId, ValidationError } from '@porter/shared-kernel';
import { SubmitJobCommand, SubmitJobResult } from '../../public/actions/submit-job.command';
import { JobStatus } from '../../public/enums/job-status';
import { MAX_JOB_ATTACHMENTS } from '../../public/actions/attach-job-files.command';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../ports/job-attachment.store.port';
import { JOB_REPOSITORY, JobRepository, NewJob } from '../ports/job.repository.port';
import { TenantLimitsCache } from '../tenant-limits/tenant-limits.cache';

export const MAX_PRIORITY = 1000;

@CommandHandler(SubmitJobCommand)
export class SubmitJobHandler implements ICommandHandler<SubmitJobCommand, SubmitJobResult> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    private readonly limits: TenantLimitsCache,
    @Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore,
    private readonly transactions: TransactionRunner,
  ) {}

  async execute(command: SubmitJobCommand): Promise<SubmitJobResult> {
    const { principal, type, payload, options } = command;
    const errors: FieldError[] = [];
    if (typeof type !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(type)) {
      errors.push({ path: 'type', message: 'must be 1-100 letters, digits, ".", "_", ":" or "-"' });
    }
    const priority = options.priority ?? 0;
    if (!Number.isInteger(priority) || Math.abs(priority) > MAX_PRIORITY) {
      errors.push({ path: 'priority', message: `must be an integer between -${MAX_PRIORITY} and ${MAX_PRIORITY}` });
    }
    const scheduledFor = options.scheduledFor ?? null;
    if (scheduledFor && Number.isNaN(scheduledFor.getTime())) errors.push({ path: 'scheduledFor', message: 'must be a valid date' });
    if (options.name && options.name.length > 200) errors.push({ path: 'name', message: 'must be at most 200 characters' });
    if (options.idempotencyKey && options.idempotencyKey.length > 200) {
      errors.push({ path: 'idempotencyKey', message: 'must be at most 200 characters' });
    }
    const staged = options.attachments?.files.length ? options.attachments : null;
    if (staged && staged.files.length > MAX_JOB_ATTACHMENTS) errors.push({ path: 'attachments', message: `must be at most ${MAX_JOB_ATTACHMENTS} files` });
    if (errors.length) throw new ValidationError('The job cannot be submitted', errors);

    // maxPendingJobs (ADR 052): 429 with Retry-After past it. An idempotent replay is refused too
    // while the tenant is full; it succeeds as a replay once there is room.
    // Follow-up work (webhook attempts, emails) was admitted with the work it follows.
    if (!options.followUp) await this.limits.admitSubmission(principal.tenant);
    const future = scheduledFor !== null && scheduledFor.getTime() > Date.now();
    const job: NewJob = {
      id: options.attachments?.jobId ?? newId(),
      principal,
      type,
      payload: payload ?? {},
      name: options.name ?? null,
      description: options.description ?? null,
      status: future ? JobStatus.Scheduled : JobStatus.Pending,
      scheduledFor: future ? scheduledFor : null,
      priority,
      // The per-type limit is known where the handler lives (the worker) and set when a run starts.
      maxAttempts: this.config.jobMaxAttempts,
      idempotencyKey: options.idempotencyKey ?? null,
      traceContext: currentTraceContext(),
    };
    if (!staged) return this.jobs.submit(job, options.transaction ?? null);
    const withAttachments = async (transaction: Transaction) => {
      const result = await this.jobs.submit(job, transaction);
      if (result.created) await this.attachments.record(staged, transaction);
      return result;
    };
    const result = options.transaction ? await withAttachments(options.transaction) : await this.transactions.run(withAttachments);
    // A replay answers with the earlier job: these files belong to no job.
    if (!result.created) await this.attachments.discard(staged.files.map((f) => f.storageKey));
    return result;
  }
}
