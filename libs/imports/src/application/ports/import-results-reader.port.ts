import type { Readable } from 'stream';
import type { ImportResultInfo } from '../../public/entities/import-result-info';
import type { ImportResultStatus } from '../../public/enums/import-result-status';

/** Reads of per-row results (kept on the raw pool: a batch may hold millions). */
export interface ImportResultsReader {
  list(batchId: string, status: ImportResultStatus | undefined, offset: number, limit: number): Promise<{ items: ImportResultInfo[]; total: number }>;
  /**
   * CSV of the failed rows: the file's columns plus `error`, streamed. `cellsOf` turns a row's
   * stored cells into the cells written (failedRowCsvCells); without it they are written as stored.
   */
  failedRowsCsv(batchId: string, header: string[], cellsOf?: ((cells: readonly unknown[]) => unknown[]) | null): Readable;
}

export const IMPORT_RESULTS_READER = Symbol('IMPORT_RESULTS_READER');
