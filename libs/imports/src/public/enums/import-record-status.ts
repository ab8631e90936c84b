/**
 * Status of an import record (the seed's meanings):
 * - `created`: created, no batch processing has started;
 * - `started`: processing has started on at least one batch;
 * - `completed`: the record was finalised and every one of its batches is terminal.
 */
export enum ImportRecordStatus {
  Created = 'created',
  Started = 'started',
  Completed = 'completed',
}
