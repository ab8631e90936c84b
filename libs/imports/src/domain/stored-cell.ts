/**
 * The source cells of a row that did not complete are kept (jsonb) so a retry can validate them
 * again and the failed-rows CSV can show them. JSON has no `undefined`, yet an absent JSONL key
 * (left as it is by the host) differs from an explicit null (cleared): absence is stored as the
 * marker `{"$absent": true}`. A file's own object value with a `$`-key is wrapped as
 * `{"$value": ...}`, so no file content can pass for the marker.
 */
export function encodeStoredCell(cell: unknown): unknown {
  if (cell === undefined) return ABSENT;
  if (isObject(cell) && Object.keys(cell).some((k) => k.startsWith('$'))) return { $value: cell };
  return cell;
}

/** The cell as the file had it: `undefined` for an absent JSONL key. */
export function decodeStoredCell(stored: unknown): unknown {
  if (!isObject(stored)) return stored;
  if (stored.$absent === true && Object.keys(stored).length === 1) return undefined;
  if ('$value' in stored && Object.keys(stored).length === 1) return stored.$value;
  return stored;
}

const ABSENT = Object.freeze({ $absent: true });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A failed row whose stored cells cannot fail it again the same way is stored with its failure as
 * a last element `{"$failed": "<failure>"}`: a reader's refusal (a JSONL line that is not an object,
 * a key given twice or unknown, a number past 2^53: the cells kept are not what was refused) or a
 * cell jsonb cannot hold (NUL, a lone surrogate: stored replaced by U+FFFD, which would pass). A
 * retry then fails it again with the same words instead of importing what the file never said.
 * File content cannot pass for the marker: a file's `$`-keyed object is stored wrapped.
 */
export function encodeStoredRow(cells: readonly unknown[], replayFailure: string | null): unknown[] {
  const stored = cells.map(encodeStoredCell);
  return replayFailure === null ? stored : [...stored, { $failed: replayFailure }];
}

/** The cells as the file had them, and the failure a retry must repeat (encodeStoredRow). */
export function decodeStoredRow(stored: readonly unknown[]): { cells: unknown[]; failure?: string } {
  const last = stored[stored.length - 1];
  if (isObject(last) && typeof last.$failed === 'string' && Object.keys(last).length === 1) {
    return { cells: stored.slice(0, -1).map(decodeStoredCell), failure: last.$failed };
  }
  return { cells: stored.map(decodeStoredCell) };
}
