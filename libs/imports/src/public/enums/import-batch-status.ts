/**
 * Status of an import batch (the seed's meanings), derived from its results:
 * - `created`: created, no processing has started;
 * - `started`: processing has started (some result not yet terminal);
 * - `failed`: processing failed: the file was refused, the batch was aborted, or every row failed;
 * - `partially_failed`: some rows succeeded while others failed (or partially failed);
 * - `completed`: every row completed.
 */
export enum ImportBatchStatus {
  Created = 'created',
  Started = 'started',
  Failed = 'failed',
  PartiallyFailed = 'partially_failed',
  Completed = 'completed',
}

export const TERMINAL_IMPORT_BATCH_STATUSES: readonly ImportBatchStatus[] = [
  ImportBatchStatus.Failed,
  ImportBatchStatus.PartiallyFailed,
  ImportBatchStatus.Completed,
];
