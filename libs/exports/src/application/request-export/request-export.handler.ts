import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { SubmitJobCommand } from '@porter/job-queue';
import { ConflictError, FieldError, ForbiddenError, newId, NotFoundError, ValidationError } from '@porter/shared-kernel';
import { whyMayNotRequest } from '../../domain/export-access';
import { exportRequestFingerprint } from '../../domain/export-request-fingerprint';
import { RequestExportCommand, RequestExportResult } from '../../public/actions/request-export.command';
import { EXPORT_DATA_SOURCES, ExportDataSourceRegistry } from '../../public/dependencies/export-data-source.dependency';
import { EXPORT_TYPE_REGISTRY, ExportTypeRegistry } from '../../public/enums/export-type';
import { FileFormat, isFileFormat } from '../../public/enums/file-format';
import { EXPORT_REPOSITORY, ExportRecord, ExportRepository } from '../ports/export-repository.port';
import { validateExportFilters } from './export-filters.validator';
import { validateExportShape } from './export-shape.validator';

/** The job type exports submits; its handler lives in ExportsWorkerModule. */
export const EXPORT_JOB_TYPE = 'export';

const MAX_SCOPE_IDS = 100;

@CommandHandler(RequestExportCommand)
export class RequestExportHandler implements ICommandHandler<RequestExportCommand, RequestExportResult> {
  constructor(
    private readonly em: EntityManager,
    private readonly commandBus: CommandBus,
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(EXPORT_TYPE_REGISTRY) private readonly types: ExportTypeRegistry,
    @Inject(EXPORT_DATA_SOURCES) private readonly sources: ExportDataSourceRegistry,
  ) {}

  async execute({ principal, request, options }: RequestExportCommand): Promise<RequestExportResult> {
    const definition = this.types.get(request.type);
    if (!definition || !this.sources.has(request.type)) {
      throw new ValidationError(`Unknown export type "${request.type}"`, [
        { path: 'type', message: `must be one of: ${this.types.list().map((t) => t.type).join(', ') || '(none registered)'}` },
      ]);
    }
    const errors: FieldError[] = [];
    if (!isFileFormat(request.format) || !definition.formats.includes(request.format)) {
      errors.push({ path: 'format', message: `must be one of: ${definition.formats.join(', ')}` });
    }
    const scopeIds = [...new Set(request.scopeIds ?? [])].sort();
    if (definition.scope === 'local') {
      if (!scopeIds.length) errors.push({ path: 'scopeIds', message: `is required for the local export type "${definition.type}"` });
      if (scopeIds.length > MAX_SCOPE_IDS) errors.push({ path: 'scopeIds', message: `must hold at most ${MAX_SCOPE_IDS} scope ids` });
      scopeIds.forEach((id, i) => {
        if (typeof id !== 'string' || !id.trim() || id.length > 200) errors.push({ path: `scopeIds.${i}`, message: 'must be a non-empty string of at most 200 characters' });
      });
    } else if (scopeIds.length) {
      errors.push({ path: 'scopeIds', message: `must be empty: "${definition.type}" is a global export type` });
    }
    const filters = request.filters ?? {};
    if (typeof filters !== 'object' || Array.isArray(filters)) errors.push({ path: 'filters', message: 'must be an object' });
    else errors.push(...(await validateExportFilters(definition.filters, filters)));
    const name = request.name?.trim() || null;
    if (name && name.length > 200) errors.push({ path: 'name', message: 'must be at most 200 characters' });
    const scheduledFor = request.scheduledFor ?? null;
    if (scheduledFor && Number.isNaN(scheduledFor.getTime())) errors.push({ path: 'scheduledFor', message: 'must be a valid date' });
    if (errors.length) throw new ValidationError('The export request is invalid', errors);
    const { columns, ids, compression } = validateExportShape(definition, request);

    const refusal = whyMayNotRequest(principal, definition.scope, scopeIds);
    if (refusal) throw new ForbiddenError(`You may not request a "${definition.type}" export: ${refusal}`);

    const format = request.format as FileFormat;
    const fingerprint = exportRequestFingerprint({ type: definition.type, format, filters, scopeIds, name, scheduledFor, columns, ids, compression });
    const key = options.idempotencyKey?.trim() || null;
    if (key) {
      if (key.length > 200) throw new ValidationError('The Idempotency-Key is too long', [{ path: 'Idempotency-Key', message: 'must be at most 200 characters' }]);
      const earlier = await this.exports.findByIdempotencyKey(principal.tenant, principal.userId, key);
      if (earlier) return this.replay(principal, earlier, fingerprint);
    }

    const exportId = newId();
    let jobId: string;
    try {
      jobId = await this.em.fork().transactional(async () => {
        // Job and request commit together: the job-queue handler's EntityManager resolves to this
        // transaction, and the request is written through the same one.
        const submitted = await this.commandBus.execute(
          new SubmitJobCommand(principal, EXPORT_JOB_TYPE, { exportId }, {
            name: name ?? `${definition.type} export (${format})`,
            description: `Export ${exportId}`,
            scheduledFor,
          }),
        );
        await this.exports.insertRequest({
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
          jobId: submitted.jobId,
          idempotencyKey: key,
          requestFingerprint: fingerprint,
          scheduledFor: scheduledFor ?? null,
          columns,
          ids,
          compression,
          createdAt: new Date(),
        });
        return submitted.jobId;
      });
    } catch (error) {
      // Two requests with the same key raced: the loser answers like a replay.
      if (key && error instanceof UniqueConstraintViolationException) {
        const earlier = await this.exports.findByIdempotencyKey(principal.tenant, principal.userId, key);
        if (earlier) return this.replay(principal, earlier, fingerprint);
      }
      throw error;
    }
    const info = await this.exports.getVisible(principal, exportId);
    if (!info) throw new NotFoundError('Export', exportId);
    return { exportId, jobId, created: true, export: info };
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
