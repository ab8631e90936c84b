import type { ImportResultStatus } from '../enums/import-result-status';

/** The outcome of one data row of a batch. */
export interface ImportResultInfo {
  id: string;
  importBatchId: string;
  /** 1-based index of the data row in the file (the header is not counted). */
  rowNumber: number;
  status: ImportResultStatus;
  referenceId: string | null;
  failureDetails: string | null;
}
