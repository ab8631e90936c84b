import { Inject, Injectable } from '@nestjs/common';
import { PassThrough, Readable } from 'stream';
import { stringify } from 'csv-stringify';
import { Pool } from 'pg';
import { PG_POOL } from '@porter/platform';
import type { ImportResultsReader } from '../../application/ports/import-results-reader.port';
import type { ImportResultInfo } from '../../public/entities/import-result-info';
import type { ImportResultStatus } from '../../public/enums/import-result-status';
import { decodeStoredRow } from '../../domain/stored-cell';
import { STORED_ROWS_PAGE_CHARS, storedRowsPageSql } from './stored-rows-page';

const FAILED_ROWS_PAGE_SQL = storedRowsPageSql(
  'row_number, failure_details, source',
  `import_batch_id = $1 AND status IN ('failed', 'partially_failed')`,
  { after: 2, limit: 3, budget: 4 },
);

@Injectable()
export class PgImportResultsReader implements ImportResultsReader {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(batchId: string, status: ImportResultStatus | undefined, offset: number, limit: number) {
    const params: unknown[] = [batchId];
    let where = 'import_batch_id = $1';
    if (status) {
      params.push(status);
      where += ' AND status = $2';
    }
    const [rows, count] = await Promise.all([
      this.pool.query(
        `SELECT id, import_batch_id, row_number, status, reference_id, failure_details
           FROM imports.import_result WHERE ${where} ORDER BY row_number OFFSET ${offset} LIMIT ${limit}`,
        params,
      ),
      this.pool.query(`SELECT count(*)::int AS n FROM imports.import_result WHERE ${where}`, params),
    ]);
    const items: ImportResultInfo[] = rows.rows.map((r) => ({
      id: r.id,
      importBatchId: r.import_batch_id,
      rowNumber: r.row_number,
      status: r.status,
      referenceId: r.reference_id,
      failureDetails: r.failure_details,
    }));
    return { items, total: count.rows[0].n as number };
  }

  /**
   * Streams failed rows page by page (never all in memory) as CSV: the original
   * columns, then `error`. A cell that starts like a formula gets a leading `'` (as exports do),
   * the header's cells too (they are the uploader's text), so opening the file in a spreadsheet
   * runs nothing; re-importing it strips that quote again (the CSV reader, header included).
   * `cellsOf` turns the stored cells into the ones written (an XLSX batch's dates: failedRowCsvCells).
   */
  failedRowsCsv(batchId: string, header: string[], cellsOf: ((cells: readonly unknown[]) => unknown[]) | null = null): Readable {
    const out = new PassThrough();
    // CRLF, as RFC 4180 and Porter's CSV exports end their lines.
    const csv = stringify({ header: true, columns: [...header.map(cellText), 'error'], bom: true, record_delimiter: 'windows' });
    csv.pipe(out);
    void (async () => {
      try {
        // Keyset pages on the failed rows' index, bounded by rows and by stored characters (ADR 105):
        // constant memory, no long-held connection.
        let after = 0;
        while (true) {
          const { rows } = await this.pool.query<{ row_number: number; failure_details: string | null; source: unknown[] | null }>({
            name: 'imports.failed-rows-page.v2',
            text: FAILED_ROWS_PAGE_SQL,
            values: [batchId, after, 1000, STORED_ROWS_PAGE_CHARS],
          });
          if (!rows.length) break;
          for (const r of rows) {
            const decoded = decodeStoredRow(r.source ?? []).cells;
            const stored = cellsOf ? cellsOf(decoded) : decoded;
            const cells = header.map((_, i) => cellText(stored[i]));
            const ok = csv.write([...cells, cellText(`row ${r.row_number}: ${r.failure_details ?? ''}`)]);
            if (!ok) await new Promise((resolve) => csv.once('drain', resolve));
          }
          after = rows[rows.length - 1].row_number;
        }
        csv.end();
      } catch (error) {
        out.destroy(error as Error);
      }
    })();
    return out;
  }
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  // As exports neutralise (formula-neutralizer.ts): `'`s before a formula character get one more.
  return /^'*[=+\-@\t\r\n]/.test(s) ? `'${s}` : s;
}
