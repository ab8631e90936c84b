import { ImportFormat } from '../public/enums/import-format';
import { batchInfoOf } from './import-read-models';
import type { ImportBatchRow, ImportRecordRow } from './ports/imports-repository.port';

const record = { dryRun: false, onError: 'continue' } as ImportRecordRow;
const batch = (counts: Pick<ImportBatchRow, 'countCompleted' | 'countFailed' | 'countPartiallyFailed' | 'countPending'>): ImportBatchRow =>
  ({ id: 'b', importRecordId: 'r', format: ImportFormat.Csv, sizeBytes: 1, status: 'started', createdAt: new Date(0), startedAt: null, completedAt: null, ...counts }) as ImportBatchRow;

describe('a batch read model', () => {
  it('counts the rows being retried: the counts add up to the total during a retry', () => {
    // retry-failed-rows of 3 failed and 1 partially failed rows out of 10, one of them rewritten (failed again) so far.
    const { counts } = batchInfoOf(record, batch({ countCompleted: 6, countFailed: 1, countPartiallyFailed: 0, countPending: 3 }));
    expect(counts).toEqual({ total: 10, completed: 6, failed: 1, partiallyFailed: 0, retrying: 3 });
    const parts = Object.entries(counts).reduce((n, [key, value]) => (key === 'total' ? n : n + value), 0);
    expect(parts).toBe(counts.total);
  });

  it('shows no row retrying once nothing is pending', () => {
    expect(batchInfoOf(record, batch({ countCompleted: 6, countFailed: 3, countPartiallyFailed: 1, countPending: 0 })).counts).toEqual({
      total: 10,
      completed: 6,
      failed: 3,
      partiallyFailed: 1,
      retrying: 0,
    });
  });
});
