import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, newId, NotFoundError, UnsupportedMediaTypeError } from '@porter/shared-kernel';
import { SubmitJobCommand } from '@porter/job-queue';
import { AddImportBatchCommand } from '../../public/actions/add-import-batch.command';
import type { ImportBatchInfo } from '../../public/entities/import-batch-info';
import { sanitizeFileName } from '../../domain/file-name';
import { IMPORT_BATCH_JOB_TYPE, ImportBatchJobPayload } from '../../domain/import-batch-job';
import { batchInfoOf, scopeOf } from '../import-read-models';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../ports/import-type-catalog.port';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';
import { UPLOAD_STORE, UploadStore } from '../ports/upload-store.port';

@CommandHandler(AddImportBatchCommand)
export class AddImportBatchHandler implements ICommandHandler<AddImportBatchCommand, ImportBatchInfo> {
  constructor(
    @Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository,
    @Inject(IMPORT_TYPE_CATALOG) private readonly catalog: ImportTypeCatalog,
    @Inject(UPLOAD_STORE) private readonly uploads: UploadStore,
    private readonly commandBus: CommandBus,
  ) {}

  async execute({ principal, importRecordId, upload, options }: AddImportBatchCommand): Promise<ImportBatchInfo> {
    const scope = scopeOf(principal);
    // Checked before a byte is stored: another tenant's record is a 404 like a missing one.
    const record = await this.repository.findRecord(scope, importRecordId);
    if (!record) throw new NotFoundError('Import record', importRecordId);
    if (record.finalizedAt) throw new ConflictError(`Import record ${importRecordId} is finalized; it takes no more batches`);
    const definition = this.catalog.find(record.type);
    if (!definition) throw new ConflictError(`Import type "${record.type}" is no longer registered`);

    const batchId = newId();
    const stored = await this.uploads.store(upload.stream, principal.tenant, record.id, batchId);
    try {
      if (!definition.formats.includes(stored.format)) {
        throw new UnsupportedMediaTypeError(`The file is ${stored.format.toUpperCase()}, which import type "${record.type}" does not accept (it accepts ${definition.formats.join(', ')})`);
      }
      const batch = await this.repository.inTransaction(async () => {
        const locked = await this.repository.findRecord(scope, importRecordId, true);
        if (!locked) throw new NotFoundError('Import record', importRecordId);
        if (locked.finalizedAt) throw new ConflictError(`Import record ${importRecordId} is finalized; it takes no more batches`);
        if (!options.force) {
          const same = await this.repository.findBatchBySha(record.id, stored.sha256);
          if (same) {
            throw new ConflictError(
              `This file (sha256 ${stored.sha256}) was already uploaded to import record ${record.id} as batch ${same.id}; add ?force=true to import it again`,
            );
          }
        }
        const created = await this.repository.insertBatch({
          id: batchId,
          importRecordId: record.id,
          tenant: principal.tenant,
          fileName: sanitizeFileName(upload.fileName),
          format: stored.format,
          sheet: options.sheet ?? null,
          storageKey: stored.storageKey,
          sizeBytes: stored.sizeBytes,
          sha256: stored.sha256,
          forced: options.force === true,
        });
        const payload: ImportBatchJobPayload = { importRecordId: record.id, importBatchId: batchId, mode: 'process' };
        const { jobId } = await this.commandBus.execute(
          new SubmitJobCommand(principal, IMPORT_BATCH_JOB_TYPE, { ...payload }, {
            name: `Import ${record.type}${created.fileName ? `: ${created.fileName}` : ''}`,
            description: `Batch ${batchId} of import record ${record.id}`,
          }),
        );
        await this.repository.setBatchJob(batchId, jobId);
        if (locked.status === 'created') await this.repository.updateRecord(record.id, { status: 'started' });
        return { ...created, jobId };
      });
      return batchInfoOf(record, batch);
    } catch (error) {
      await this.uploads.discard(stored.storageKey).catch(() => undefined);
      if ((error as { code?: string }).code === '23505') {
        throw new ConflictError(`This file (sha256 ${stored.sha256}) was already uploaded to import record ${record.id}; add ?force=true to import it again`);
      }
      throw error;
    }
  }
}
