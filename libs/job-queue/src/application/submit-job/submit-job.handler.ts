import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { currentTraceContext, PORTER_CONFIG, PorterConfig, Transaction, TransactionRunner } from '@porter/platform';
import { SubmitJobCommand, SubmitJobResult } from '../../public/actions/submit-job.command';
import { MAX_JOB_ATTACHMENTS } from '../../public/actions/attach-job-files.command';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../ports/job-attachment.store.port';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';
import { TenantLimitsCache } from '../tenant-limits/tenant-limits.cache';
import { assertValidJobRequest, jobRequestErrors, newJobOf } from './new-job';

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
    const errors = jobRequestErrors({ principal, type, payload, ...options });
    const staged = options.attachments?.files.length ? options.attachments : null;
    if (staged && staged.files.length > MAX_JOB_ATTACHMENTS) errors.push({ path: 'attachments', message: `must be at most ${MAX_JOB_ATTACHMENTS} files` });
    assertValidJobRequest(errors);

    // maxPendingJobs (ADR 052): 429 with Retry-After past it. An idempotent replay is refused too
    // while the tenant is full; it succeeds as a replay once there is room.
    // Follow-up work (webhook attempts, emails) was admitted with the work it follows.
    if (!options.followUp) await this.limits.admitSubmission(principal.tenant);
    const job = newJobOf(
      { principal, type, payload, ...options },
      { id: options.attachments?.jobId, maxAttempts: this.config.jobMaxAttempts, traceContext: currentTraceContext() },
    );
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
