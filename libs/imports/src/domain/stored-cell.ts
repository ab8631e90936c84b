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
