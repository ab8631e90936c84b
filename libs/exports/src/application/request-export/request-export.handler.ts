import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { DiscardJobAttachmentsCommand, JobToSubmit, StagedJobAttachments, StageJobAttachmentsCommand, SubmitJobCommand } from '@porter/job-queue';
import { ConflictError, FieldError, ForbiddenError, newId, NotFoundError, Principal, ValidationError } from '@porter/shared-kernel';
import { currentTraceContext, PORTER_CONFIG, PorterConfig, TransactionRunner } from '@porter/platform';
import { whyMayNotRequest } from '../../domain/export-access';
import { exportRequestFingerprint } from '../../domain/export-request-fingerprint';
import { RequestExportCommand, RequestExportResult } from '../../public/actions/request-export.command';
import { EXPORT_REPOSITORY, ExportRecord, ExportRepository, NewExportRecord } from '../ports/export-repository.port';
import type { ExportInfo } from '../../public/entities/export-info';
import { EXPORT_TYPE_CATALOG, ExportTypeCatalog } from '../ports/export-type-catalog.port';
import { validateExportRequest } from './export-request.validator';
import { ExportRequestGroupCommit } from './export-request.group-commit';

type Validated = Awaited<ReturnType<typeof validateExportRequest>>;

/** The job type exports submits; its handler lives in ExportsWorkerModule. */
export const EXPORT_JOB_TYPE = 'export';

@CommandHandler(RequestExportCommand)
export class RequestExportHandler implements ICommandHandler<RequestExportCommand, RequestExportResult> {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly commandBus: CommandBus,
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(EXPORT_TYPE_CATALOG) private readonly types: ExportTypeCatalog,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    private readonly groupCommit: ExportRequestGroupCommit,
  ) {}

  async execute({ principal, request, options }: RequestExportCommand): Promise<RequestExportResult> {
    const { definition, format, filters, scopeIds, name, scheduledFor, columns, ids, compression } = await validateExportRequest(this.types, request);

    const refusal = whyMayNotRequest(principal, definition.scope, scopeIds);
    if (refusal) throw new ForbiddenError(`You may not request a "${definition.type}" export: ${refusal}`);
    const notifyEmail = this.notifyEmailOf(principal, request.notify);

    // The request's files are stored once it is known to be valid and allowed (ADR 060); from
    // here on every way out but a committed submit discards them.
    const staged: StagedJobAttachments | null = options.attachments
      ? await this.commandBus.execute(new StageJobAttachmentsCommand(principal, options.attachments))
      : null;
    try {
      return await this.submit(principal, options, staged, { definition, format, filters, scopeIds, name, scheduledFor, columns, ids, compression, notifyEmail });
    } catch (error) {
      await this.commandBus.execute(new DiscardJobAttachmentsCommand(staged));
      throw error;
    }
  }

  private async submit(
    principal: Principal,
    options: RequestExportCommand['options'],
    staged: StagedJobAttachments | null,
    { definition, format, filters, scopeIds, name, scheduledFor, columns, ids, compression, notifyEmail }: Validated & { notifyEmail: string | null },
  ): Promise<RequestExportResult> {
    const fingerprint = exportRequestFingerprint({ type: definition.type, format, filters, scopeIds, name, scheduledFor, columns, ids, compression, notifyEmail: notifyEmail !== null });
    const key = options.idempotencyKey?.trim() || null;
    if (key) {
      if (key.length > 200) throw new ValidationError('The Idempotency-Key is too long', [{ path: 'Idempotency-Key', message: 'must be at most 200 characters' }]);
      const earlier = await this.exports.findByIdempotencyKey(principal.tenant, principal.userId, key);
      if (earlier) return this.discardingOnReplay(staged, this.replay(principal, earlier, fingerprint));
    }

    const exportId = newId();
    const job: JobToSubmit = {
      principal,
      type: EXPORT_JOB_TYPE,
      payload: { exportId },
      name: name ?? `${definition.type} export (${format})`,
      description: `Export ${exportId}`,
      scheduledFor,
      traceContext: currentTraceContext(),
    };
    const record: Omit<NewExportRecord, 'jobId'> = {
      id: exportId,
      tenant: principal.tenant,
      requestedBy: principal.userId,
      requestedByKind: principal.kind,
      type: definition.type,
      scope: definition.scope,
      format,
      name,
      filters,
      scopeIds,
      idempotencyKey: key,
      requestFingerprint: fingerprint,
      scheduledFor: scheduledFor ?? null,
      scheduleId: options.scheduleId ?? null,
      columns,
      ids,
      compression,
      notifyEmail,
      createdAt: new Date(),
    };
    let created: { jobId: string; info: ExportInfo };
    try {
      // Job and request commit together, or not at all; the request comes back as its requester
      // sees it (no read after commit). Without files, concurrent requests share one transaction
      // (ADR 073); with files, the job is submitted with its staged attachments in one of its own.
      created = staged ? await this.writeWithAttachments(job, record, staged) : await this.groupCommit.write({ job, record });
    } catch (error) {
      // Two requests with the same key raced: the loser answers like a replay.
      if (key && error instanceof UniqueConstraintViolationException) {
        const earlier = await this.exports.findByIdempotencyKey(principal.tenant, principal.userId, key);
        if (earlier) return this.discardingOnReplay(staged, this.replay(principal, earlier, fingerprint));
      }
      throw error;
    }
    return { exportId, jobId: created.jobId, created: true, export: created.info };
  }

  private writeWithAttachments(job: JobToSubmit, record: Omit<NewExportRecord, 'jobId'>, staged: StagedJobAttachments): Promise<{ jobId: string; info: ExportInfo }> {
    return this.transactions.run(async (transaction) => {
      // SubmitJobCommand takes the trace context from the request it runs in (this one).
      const { principal, type, payload, name, description, scheduledFor } = job;
      const options = { name, description, scheduledFor };
      const submitted = await this.commandBus.execute(new SubmitJobCommand(principal, type, payload, { ...options, transaction, attachments: staged }));
      const [info] = await this.exports.insertRequests([{ ...record, jobId: submitted.jobId }], transaction);
      return { jobId: submitted.jobId, info };
    });
  }

  /** A replay answers with the earlier export: the files sent with this request belong to no job. */
  private async discardingOnReplay(staged: StagedJobAttachments | null, replay: Promise<RequestExportResult>): Promise<RequestExportResult> {
    await this.commandBus.execute(new DiscardJobAttachmentsCommand(staged));
    return replay;
  }

  /** `notify.email: true` → the requester's address (400 when the token has none or mail is not set up). */
  private notifyEmailOf(principal: Principal, notify: RequestExportCommand['request']['notify']): string | null {
    if (notify === undefined || notify === null) return null;
    const errors: FieldError[] = [];
    if (typeof notify !== 'object' || Array.isArray(notify)) errors.push({ path: 'notify', message: 'must be an object like { "email": true }' });
    else {
      for (const key of Object.keys(notify)) if (key !== 'email') errors.push({ path: `notify.${key}`, message: 'is not a notification channel (email)' });
      if (notify.email !== undefined && typeof notify.email !== 'boolean') errors.push({ path: 'notify.email', message: 'must be true or false' });
      else if (notify.email === true && !this.config.smtpUrl) errors.push({ path: 'notify.email', message: 'email notifications are not set up on this Porter (SMTP_URL)' });
      else if (notify.email === true && !principal.email) errors.push({ path: 'notify.email', message: 'your token carries no email address (claim "email")' });
    }
    if (errors.length) throw new ValidationError('The export request is invalid', errors);
    return notify.email === true ? principal.email : null;
  }

  private async replay(principal: RequestExportCommand['principal'], earlier: ExportRecord, fingerprint: string): Promise<RequestExportResult> {
    if (earlier.deletedAt) {
      // Keys do not expire while their request exists, and a deleted request still exists (kept for
      // audit): replaying it would point at an export the caller can no longer see.
      throw new ConflictError(
        `The Idempotency-Key was used for export ${earlier.id}, which has been deleted; use a new key to request the export again`,
      );
    }
    if (earlier.requestFingerprint !== fingerprint) {
      throw new ValidationError('The Idempotency-Key was already used with a different request body', [
        { path: 'Idempotency-Key', message: 'was used for another export request; use a new key for a different request' },
      ]);
    }
    const info = await this.exports.getVisible(principal, earlier.id);
    if (!info) throw new NotFoundError('Export', earlier.id);
    return { exportId: earlier.id, jobId: earlier.jobId, created: false, export: info };
  }
}
