import { ImportBatchStatus } from '../public/enums/import-batch-status';

export interface ResultTally {
  /** Results not terminal yet (created, started, retrying). */
  pending: number;
  completed: number;
  partiallyFailed: number;
  failed: number;
}

/**
 * The seed's projection of a batch's status from its results: no result yet → created; any
 * result still pending → started; all completed → completed; all failed → failed; otherwise
 * (a mix, or any partially failed) → partially_failed.
 */
export function deriveBatchStatus(tally: ResultTally): ImportBatchStatus {
  const total = tally.pending + tally.completed + tally.partiallyFailed + tally.failed;
  if (total === 0) return ImportBatchStatus.Created;
  if (tally.pending > 0) return ImportBatchStatus.Started;
  if (tally.completed === total) return ImportBatchStatus.Completed;
  if (tally.failed === total) return ImportBatchStatus.Failed;
  return ImportBatchStatus.PartiallyFailed;
}
