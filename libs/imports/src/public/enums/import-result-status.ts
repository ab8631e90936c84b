/**
 * Status of one row's result (the seed's meanings):
 * - `created`: created, no processing has started;
 * - `started`: the row is being processed;
 * - `completed`: the row was written (its reference id names what it created or updated);
 * - `partially_failed`: the row was written but part of it failed (see failure details);
 * - `failed`: the row was not written (see failure details);
 * - `retrying`: the row failed and is being processed again (RetryFailedRowsCommand).
 */
export enum ImportResultStatus {
  Created = 'created',
  Started = 'started',
  Completed = 'completed',
  PartiallyFailed = 'partially_failed',
  Failed = 'failed',
  Retrying = 'retrying',
}
