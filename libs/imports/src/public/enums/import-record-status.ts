/**
 * Status of an import record (the seed's meanings):
 * - `created`: created, no batch processing has started (batches may have been uploaded and
 *   wait for their jobs, e.g. scheduled for later);
 * - `started`: processing has started on at least one batch (set when a batch's job first runs;
 *   a retry of a completed record's batch reopens it to `started`);
 * - `completed`: the record was finalised and every one of its batches is terminal.
 */
export enum ImportRecordStatus {
  Created = 'created',
  Started = 'started',
  Completed = 'completed',
}
