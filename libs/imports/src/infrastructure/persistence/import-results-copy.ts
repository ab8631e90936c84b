import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyBuffer, copyValue } from '@porter/platform';
import type { RowResult } from '../../application/ports/chunk-connection.port';
import { encodeStoredRow } from '../../domain/stored-cell';

/**
 * Row results in bulk through COPY, in the transaction open on `client`; each gets a random id
 * made here (see CopyBuffer.uuid); the source cells are kept only for rows that did not complete,
 * with the length of their JSON text (what byte-bounded pages of them add up, see storedRowsPage).
 */
export async function copyResults(client: PoolClient, batchId: string, results: readonly RowResult[]): Promise<void> {
  if (!results.length) return;
  const out = new CopyBuffer(results.length * 96);
  const batch = `${copyValue(batchId)}\t`;
  for (const r of results) {
    out.raw(batch);
    out.uint(r.rowNumber);
    out.byte(TAB);
    out.uuid();
    out.byte(TAB);
    out.raw(r.status);
    out.byte(TAB);
    out.value(r.referenceId);
    out.byte(TAB);
    out.value(r.failureDetails);
    out.byte(TAB);
    if (r.status === 'completed') out.raw('\\N\t\\N');
    else {
      const source = jsonbText(encodeStoredRow(r.cells, r.final || hasUnstorable(r.cells) ? (r.failureDetails ?? 'failed') : null));
      out.value(source);
      out.byte(TAB);
      out.uint(source.length);
    }
    out.byte(LF);
  }
  const copy = client.query(
    copyFrom(`COPY imports.import_result (import_batch_id, row_number, id, status, reference_id, failure_details, source, source_length) FROM STDIN`),
  );
  await pipeline(Readable.from([out.view()]), copy);
}

/** JSON for a jsonb column: NUL and lone surrogates, which jsonb refuses, are replaced. */
export function jsonbText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replace(UNSTORABLE, '\uFFFD') : v));
}

/** A cell jsonb would store changed (jsonbText): the stored row could not fail again the same way. */
function hasUnstorable(cells: readonly unknown[]): boolean {
  // JSON writes a number it cannot hold (a JSONL 1e400 read as Infinity) as null.
  return cells.some((cell) => (typeof cell === 'string' && UNSTORABLE_TEST.test(cell)) || (typeof cell === 'number' && !Number.isFinite(cell)));
}

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** The same pattern without the global flag, whose `test` would keep a position between calls. */
const UNSTORABLE_TEST = new RegExp(UNSTORABLE.source);
const TAB = 0x09;
const LF = 0x0a;
