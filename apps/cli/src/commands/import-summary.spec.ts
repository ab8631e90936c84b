import { ImportBatch, importSummary } from './import-summary';

const batch = (status: string, counts: Partial<ImportBatch['counts']>, errorDetails: string | null = null, rowsInFile: number | null = null): ImportBatch => ({
  id: 'b1', importRecordId: 'r1', jobId: 'j1', fileName: 'x.csv', status, errorDetails, rowsInFile,
  counts: { total: 0, completed: 0, failed: 0, partiallyFailed: 0, ...counts },
});

describe('importSummary', () => {
  it("gives the batch's reason when the whole batch failed", () => {
    expect(importSummary('header.csv', batch('failed', {}, 'the file has a header row but no data rows'), false, null)).toEqual([
      'header.csv: 0 rows, 0 imported, 0 failed (batch failed: the file has a header row but no data rows).',
    ]);
    expect(importSummary('abort.csv', batch('failed', { total: 1, failed: 1 }, 'row 2 is invalid: email: is not an email address'), false, '/d/abort.failed-rows.csv')).toEqual([
      'abort.csv: 1 row, 0 imported, 1 failed (batch failed: row 2 is invalid: email: is not an email address).',
      'Failed rows with their reasons: /d/abort.failed-rows.csv',
    ]);
  });

  it("counts the file's rows, not only those with a result: an aborted batch says how many were left without a result", () => {
    expect(importSummary('abort.csv', batch('failed', { total: 1, failed: 1 }, 'aborted at row 2: row 2 is invalid', 5), false, null)).toEqual([
      'abort.csv: 5 rows, 0 imported, 1 failed, 4 not imported (batch failed: aborted at row 2: row 2 is invalid).',
    ]);
    expect(importSummary('abort.csv', batch('failed', { total: 1, failed: 1 }, 'aborted', 2), true, null)).toEqual([
      'Dry run of abort.csv: 2 rows, 0 valid, 1 failed, 1 not checked (batch failed: aborted).',
    ]);
    // Every row has a result: nothing more to say; the header-only file has no rows at all.
    expect(importSummary('one.csv', batch('completed', { total: 1, completed: 1 }, null, 1), false, null)).toEqual(['one.csv: 1 row, 1 imported, 0 failed (batch completed).']);
    expect(importSummary('header.csv', batch('failed', {}, 'the file has a header row but no data rows', 0), false, null)).toEqual([
      'header.csv: 0 rows, 0 imported, 0 failed (batch failed: the file has a header row but no data rows).',
    ]);
  });

  it('says nothing more when there is no reason: counts, partial failures, dry runs', () => {
    expect(importSummary('people.csv', batch('partially_failed', { total: 3, completed: 1, failed: 1, partiallyFailed: 1 }), false, null)).toEqual([
      'people.csv: 3 rows, 1 imported, 1 failed, 1 partially failed (batch partially_failed).',
    ]);
    expect(importSummary('fine.csv', batch('completed', { total: 2, completed: 2 }), true, null)).toEqual(['Dry run of fine.csv: 2 rows, 2 valid, 0 failed (batch completed).']);
  });
});
