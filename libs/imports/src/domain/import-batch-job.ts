/** The job type that processes a batch (registered by the imports worker module). */
export const IMPORT_BATCH_JOB_TYPE = 'import-batch';

export interface ImportBatchJobPayload {
  importRecordId: string;
  importBatchId: string;
  /**
   * `process`: the whole file (from the checkpoint, when a run resumes); `retry`: only the rows
   * whose results are `retrying`; `resume`: a batch that ended before the end of its file (aborted,
   * or its job failed or was cancelled): the `retrying` rows, then the file from the row after
   * the checkpoint, every row going on past failures (onError "continue").
   */
  mode: 'process' | 'retry' | 'resume';
}
