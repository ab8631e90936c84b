import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { explainScans, statementsSent } from '@porter/platform';
import { ImportResultStatus } from '../../public/enums/import-result-status';
import { PgImportResultsReader } from './pg-import-results.reader';

/**
 * The failed rows of a large batch (ADR 088): listing them, counting them and the failed-rows CSV
 * read the failed rows, not every result of the batch.
 */
describe('PgImportResultsReader on a large batch with few failed rows', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const reader = new PgImportResultsReader(pool);
  const batchId = randomUUID();
  const otherBatch = randomUUID();

  beforeAll(async () => {
    // 50,000 results, 200 of them failed (every 250th row) and 50 partially failed, beside
    // another batch of 50,000 completed rows; analysed and vacuumed as autovacuum leaves them.
    await pool.query(
      `INSERT INTO imports.import_result (import_batch_id, row_number, status, failure_details, source)
       SELECT $1, g, CASE WHEN g % 250 = 0 THEN 'failed' WHEN g % 1000 = 7 THEN 'partially_failed' ELSE 'completed' END,
              CASE WHEN g % 250 = 0 OR g % 1000 = 7 THEN 'bad row ' || g END, jsonb_build_array('cell ' || g)
       FROM generate_series(1, 50000) g`,
      [batchId],
    );
    await pool.query(
      `INSERT INTO imports.import_result (import_batch_id, row_number, status) SELECT $1, g, 'completed' FROM generate_series(1, 50000) g`,
      [otherBatch],
    );
    await pool.query('VACUUM ANALYZE imports.import_result');
  });
  afterAll(async () => {
    await pool.query('DELETE FROM imports.import_result WHERE import_batch_id = ANY($1::uuid[])', [[batchId, otherBatch]]);
    await pool.end();
  });

  /** Runs `work`, then re-runs every statement it sent on the result table under EXPLAIN ANALYZE: the result rows each read. */
  async function rowsRead(work: () => Promise<unknown>): Promise<number[]> {
    const sent = await statementsSent(pool, (text) => text.includes('imports.import_result'), work);
    const reads: number[] = [];
    for (const { text, values } of sent) reads.push((await explainScans(pool, text, values, 'import_result')).reduce((n, scan) => n + scan.rowsRead, 0));
    return reads;
  }

  it('lists and counts the failed rows by reading those rows only', async () => {
    let page: Awaited<ReturnType<PgImportResultsReader['list']>> | undefined;
    const reads = await rowsRead(async () => (page = await reader.list(batchId, ImportResultStatus.Failed, 100, 20)));
    expect(page?.total).toBe(200);
    expect(page?.items.map((r) => r.rowNumber)).toEqual(Array.from({ length: 20 }, (_, i) => (101 + i) * 250));
    expect(page?.items.every((r) => r.status === ImportResultStatus.Failed && r.failureDetails === `bad row ${r.rowNumber}`)).toBe(true);
    expect(reads).toHaveLength(2);
    // The page reads the 120 rows up to its end; the count, the 200 failed rows.
    for (const read of reads) expect(read).toBeLessThanOrEqual(250);

    const partial = await reader.list(batchId, ImportResultStatus.PartiallyFailed, 0, 100);
    expect(partial.total).toBe(50);
    expect(partial.items[0].rowNumber).toBe(7);
  });

  it('streams the failed-rows CSV (failed and partially failed) by reading those rows only', async () => {
    let csv = '';
    const reads = await rowsRead(async () => {
      for await (const chunk of reader.failedRowsCsv(batchId, ['name'])) csv += String(chunk);
    });
    const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines[0]).toBe('name,error');
    expect(lines).toHaveLength(1 + 250);
    expect(lines[1]).toBe('cell 7,row 7: bad row 7');
    // One page of 250 rows and the empty page after it.
    expect(reads.length).toBeGreaterThanOrEqual(1);
    for (const read of reads) expect(read).toBeLessThanOrEqual(1000);
  });

  it("neutralises the header's cells like the data's: the uploader's text runs nothing in a spreadsheet", async () => {
    let csv = '';
    for await (const chunk of reader.failedRowsCsv(batchId, ['=HYPERLINK("http://evil/","x")', '+1', 'name'])) {
      csv += String(chunk);
      if (csv.includes('\n')) break;
    }
    expect(csv.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(`"'=HYPERLINK(""http://evil/"",""x"")",'+1,name,error`);
  });
});
