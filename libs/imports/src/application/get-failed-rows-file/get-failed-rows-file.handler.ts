import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ConflictError, FileDownload, NotFoundError } from '@porter/shared-kernel';
import { failedRowCsvCells } from '../../domain/failed-row-cells';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { validateHeader } from '../../domain/header-validation';
import { GetFailedRowsFileQuery } from '../../public/queries/get-failed-rows-file.query';
import { scopeOf } from '../import-read-models';
import { IMPORT_RESULTS_READER, ImportResultsReader } from '../ports/import-results-reader.port';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../ports/import-type-catalog.port';
import { ImportBatchRow, IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

@QueryHandler(GetFailedRowsFileQuery)
export class GetFailedRowsFileHandler implements IQueryHandler<GetFailedRowsFileQuery, FileDownload> {
  constructor(
    @Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository,
    @Inject(IMPORT_RESULTS_READER) private readonly results: ImportResultsReader,
    @Inject(IMPORT_TYPE_CATALOG) private readonly catalog: ImportTypeCatalog,
  ) {}

  async execute({ principal, importRecordId, importBatchId }: GetFailedRowsFileQuery): Promise<FileDownload> {
    const record = await this.repository.findRecord(scopeOf(principal), importRecordId);
    if (!record) throw new NotFoundError('Import record', importRecordId);
    const batch = await this.repository.findBatch(record.id, importBatchId);
    if (!batch) throw new NotFoundError('Import batch', importBatchId);
    if (!batch.header) {
      throw new ConflictError(`Import batch ${importBatchId} has no row results${batch.errorDetails ? `: the file was refused (${batch.errorDetails})` : ' yet'}`);
    }
    const { header } = batch;
    const cellsOf = this.csvCells(record.type, batch, header);
    const base = (batch.fileName ?? `batch-${batch.id}`).replace(/\.[A-Za-z0-9]{1,5}$/, '');
    return {
      fileName: `${base}-failed-rows.csv`,
      contentType: 'text/csv; charset=utf-8',
      sizeBytes: null,
      sha256: null,
      open: async () => this.results.failedRowsCsv(batch.id, header, cellsOf),
    };
  }

  /** How the batch's stored cells are written so the file imports back as CSV (an XLSX batch's dates: failedRowCsvCells). */
  private csvCells(type: string, batch: ImportBatchRow, header: string[]) {
    const definition = this.catalog.find(type);
    if (!definition || batch.format !== 'xlsx') return null;
    try {
      return failedRowCsvCells(batch.format, validateHeader(header, definition, batch.mapping));
    } catch (error) {
      // The type changed since the batch was read (a deployment): the cells are written as stored.
      if (error instanceof FileRejectedError) return null;
      throw error;
    }
  }
}
