import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ConflictError, newId, NotFoundError, Principal, UnsupportedMediaTypeError, ValidationError } from '@porter/shared-kernel';
import { DiscardJobAttachmentsCommand, StagedJobAttachments, StageJobAttachmentsCommand, SubmitJobCommand } from '@porter/job-queue';
import type { AddImportBatchOptions, ImportUpload } from '../../public/actions/add-import-batch.command';
import type { ImportBatchInfo } from '../../public/entities/import-batch-info';
import { ColumnMappingOverride, mappingProblems } from '../../domain/column-resolution';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { sanitizeFileName } from '../../domain/file-name';
import { validateHeader } from '../../domain/header-validation';
import type { ImportTypeDefinition } from '../../public/dependencies/import-processor.dependency';
import { IMPORT_BATCH_JOB_TYPE, ImportBatchJobPayload } from '../../domain/import-batch-job';
import { batchInfoOf, scopeOf } from '../import-read-models';
import { IMPORT_FILE_READERS, ImportFileReaders } from '../ports/import-file-reader.port';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../ports/import-type-catalog.port';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';
import { StoredUpload, UPLOAD_STORE, UploadStore } from '../ports/upload-store.port';

interface Received {
  batchId: string;
  fileName: string | null;
  mapping: ColumnMappingOverride | null;
  stored: StoredUpload;
}

/**
 * Adds the files of one request to a record, all or nothing: each file is stored as it arrives
 * (streamed, never held in memory), and only after the last one do the batches and their jobs
 * commit, in one transaction. Whatever fails before that commit (a refused file, a refused request,
 * a conflict) leaves no batch and no job, and deletes every file stored for the request.
 */
@Injectable()
export class ImportBatchIntake {
  constructor(
    @Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository,
    @Inject(IMPORT_TYPE_CATALOG) private readonly catalog: ImportTypeCatalog,
    @Inject(UPLOAD_STORE) private readonly uploads: UploadStore,
    @Inject(IMPORT_FILE_READERS) private readonly readers: ImportFileReaders,
    private readonly commandBus: CommandBus,
  ) {}

  async add(principal: Principal, importRecordId: string, files: AsyncIterable<ImportUpload>, options: AddImportBatchOptions): Promise<ImportBatchInfo[]> {
    const scope = scopeOf(principal);
    const scheduledFor = options.scheduledFor ?? null;
    // Checked before a byte is stored: another tenant's record is a 404 like a missing one.
    const record = await this.repository.findRecord(scope, importRecordId);
    if (!record) throw new NotFoundError('Import record', importRecordId);
    if (record.finalizedAt) throw new ConflictError(`Import record ${importRecordId} is finalized; it takes no more batches`);
    const definition = this.catalog.find(record.type);
    if (!definition) throw new ConflictError(`Import type "${record.type}" is no longer registered`);

    const received: Received[] = [];
    // The request's attachments, stored as they arrive under the id the batch's job will get.
    let staged: StagedJobAttachments | null = null;
    try {
      for await (const file of files) {
        if (file.part === 'attachment') {
          staged = await this.commandBus.execute(new StageJobAttachmentsCommand(principal, one({ stream: file.stream, fileName: file.fileName, contentType: file.contentType ?? null }), staged));
          continue;
        }
        const mapping = file.mapping === undefined || file.mapping === null ? null : (file.mapping as ColumnMappingOverride);
        if (mapping) {
          const problems = mappingProblems(definition, mapping);
          if (problems.length) throw new ValidationError('The column mapping does not fit the import type', problems);
        }
        const batchId = newId();
        const stored = await this.uploads.store(file.stream, principal.tenant, record.id, batchId, { fileName: file.fileName, contentType: file.contentType ?? null });
        received.push({ batchId, fileName: file.fileName, mapping, stored });
        if (!definition.formats.includes(stored.format)) {
          throw new UnsupportedMediaTypeError(
            `The file is ${stored.format.toUpperCase()}, which import type "${record.type}" does not accept (it accepts ${definition.formats.join(', ')})`,
          );
        }
        // A sheet names a part of a workbook: given with a CSV or JSONL file it would be ignored
        // without a word, and the caller may have uploaded the wrong file.
        if (options.sheet && stored.format !== 'xlsx') {
          throw new ValidationError('Only an XLSX file has sheets', [{ path: 'sheet', message: `given with a ${stored.format.toUpperCase()} file, which has none` }]);
        }
        // A CSV header is in the upload's first bytes; an XLSX header is read from the stored file
        // (its zip directory is at the end). Their problems are answered now (422), before a batch
        // exists. JSONL lines carry their own keys: each line is checked by the structural pass.
        const header = stored.csvHeader ?? (stored.format === 'xlsx' ? await this.xlsxHeader(stored, definition, mapping, options.sheet ?? null) : null);
        if (header) checkHeaderNow(header, definition, mapping);
      }
      if (!received.length) throw new ValidationError('No file was uploaded', [{ path: 'file', message: 'is required' }]);
      if (staged?.files.length && received.length > 1) {
        throw new ValidationError('Attachments go with an upload of one file', [{ path: 'attachment', message: `sent with ${received.length} files; send them with one` }]);
      }
      const batches = await this.repository.inTransaction(async (transaction) => {
        const locked = await this.repository.findRecord(scope, importRecordId, true);
        if (!locked) throw new NotFoundError('Import record', importRecordId);
        if (locked.finalizedAt) throw new ConflictError(`Import record ${importRecordId} is finalized; it takes no more batches`);
        const created = [];
        for (const { batchId, fileName, mapping, stored } of received) {
          if (!options.force) {
            const same = await this.repository.findBatchBySha(record.id, stored.sha256);
            if (same) {
              throw new ConflictError(
                `This file (sha256 ${stored.sha256}) was already uploaded to import record ${record.id} as batch ${same.id}; add ?force=true to import it again`,
              );
            }
          }
          const batch = await this.repository.insertBatch({
            id: batchId,
            importRecordId: record.id,
            tenant: principal.tenant,
            fileName: sanitizeFileName(fileName),
            format: stored.format,
            sheet: options.sheet ?? null,
            mapping,
            storageKey: stored.storageKey,
            sizeBytes: stored.sizeBytes,
            sha256: stored.sha256,
            forced: options.force === true,
          });
          const payload: ImportBatchJobPayload = { importRecordId: record.id, importBatchId: batchId, mode: 'process' };
          const { jobId } = await this.commandBus.execute(
            new SubmitJobCommand(principal, IMPORT_BATCH_JOB_TYPE, { ...payload }, {
              name: batchJobName(record.type, batch.fileName),
              description: `Batch ${batchId} of import record ${record.id}`,
              scheduledFor,
              transaction,
              attachments: staged,
            }),
          );
          await this.repository.setBatchJob(batchId, jobId);
          created.push({ ...batch, jobId });
        }
        return created;
      });
      return batches.map((batch) => batchInfoOf(record, batch));
    } catch (error) {
      await Promise.all(received.map((r) => this.uploads.discard(r.stored.storageKey).catch(() => undefined)));
      await this.commandBus.execute(new DiscardJobAttachmentsCommand(staged)).catch(() => undefined);
      if ((error as { code?: string }).code === '23505') {
        throw new ConflictError(`This file was already uploaded to import record ${record.id} (or twice in this request); add ?force=true to import it again`);
      }
      throw error;
    }
  }

  /**
   * The header row of a stored XLSX upload, read through the XLSX reader (the chosen sheet's first
   * non-blank row). A workbook the reader refuses (no such sheet, an empty sheet, hostile XML) gives
   * null: the structural pass fails the batch with the reader's own message, as for CSV. So does
   * one whose parts (workbook, shared strings, the sheet up to its header) hold more than
   * UPLOAD_HEADER_XML_BYTES: within the part limits a 600 KB upload inflated 100 MB of XML, 35 s
   * of the API's CPU per request before the answer.
   */
  private async xlsxHeader(stored: StoredUpload, definition: ImportTypeDefinition, mapping: ColumnMappingOverride | null, sheet: string | null): Promise<string[] | null> {
    const file = this.uploads.source(stored);
    let reader;
    try {
      reader = await this.readers.xlsx.open(file, { sheet, definition, mapping, xmlPartBytes: UPLOAD_HEADER_XML_BYTES }, 0);
    } catch (error) {
      if (error instanceof FileRejectedError) return null;
      throw error;
    }
    try {
      return reader.header;
    } finally {
      await reader.close();
    }
  }
}

/** How much XML of each part the upload's XLSX header check reads (the worker reads the whole file under the import limits). */
const UPLOAD_HEADER_XML_BYTES = 16 * 1024 * 1024;

/** The header's problems as a 422 listing each (the structural pass reports the same ones on the batch). */
function checkHeaderNow(header: string[], definition: ImportTypeDefinition, mapping: ColumnMappingOverride | null): void {
  try {
    validateHeader(header, definition, mapping);
  } catch (error) {
    if (!(error instanceof FileRejectedError)) throw error;
    throw new ValidationError(`The file's header does not fit import type "${definition.type}": ${error.message}`, [{ path: 'file', message: error.message }]);
  }
}

async function* one<T>(item: T): AsyncGenerator<T> {
  yield item;
}

/**
 * The batch job's name, "Import <type>: <file name>", cut to the 200 characters a job's name may
 * hold: the file name alone may have 200, and a longer job name refused the whole upload with a
 * 422 about a `name` the caller never sent.
 */
function batchJobName(type: string, fileName: string | null): string {
  const name = `Import ${type}${fileName ? `: ${fileName}` : ''}`;
  if (name.length <= 200) return name;
  // not between the two halves of a surrogate pair (an emoji)
  const cut = /[\ud800-\udbff]$/.test(name.slice(0, 199)) ? 198 : 199;
  return `${name.slice(0, cut)}…`;
}
