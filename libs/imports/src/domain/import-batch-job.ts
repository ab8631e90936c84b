/** The job type that processes a batch (registered by the imports worker module). */
export const IMPORT_BATCH_JOB_TYPE = 'import-batch';

export interface ImportBatchJobPayload {
  importRecordId: string;
  importBatchId: string;
  /** `process`: the whole file; `retry`: only the rows whose results are `retrying`. */
  mode: 'process' | 'retry';
}
