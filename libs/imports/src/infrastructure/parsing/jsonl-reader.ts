import { FileRejectedError } from '../../domain/file-rejected.error';
import { ImportLimits } from '../../domain/import-limits';
import { unneutraliseFormula } from '../../domain/formula';
import { parseJsonLine } from '../../domain/json-line';
import { Utf8Checker } from '../../domain/utf8-check';
import { RowReader, SourceFile, SourceRow } from './source-file';

/**
 * Splits a byte stream into lines (LF, an optional CR before it dropped) without ever holding
 * more than `maxBytes` of one line; blank lines are skipped.
 */
async function* lines(file: SourceFile, maxBytes: number, checkUtf8: boolean): AsyncGenerator<{ text: string; offset: number }> {
  const stream = await file.open();
  const utf8 = checkUtf8 ? new Utf8Checker() : null;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let lineStart = 0;
  let offset = 0;
  const emit = (buf: Buffer) => {
    let text = buf.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text;
  };
  try {
    for await (const raw of stream) {
      const chunk = raw as Buffer;
      if (utf8) {
        const bad = utf8.push(chunk);
        if (bad !== null) throw new FileRejectedError(`the file is not valid UTF-8 (invalid byte at byte offset ${bad})`, bad);
      }
      let from = 0;
      while (from < chunk.length) {
        const nl = chunk.indexOf(0x0a, from);
        const end = nl < 0 ? chunk.length : nl;
        partBytes += end - from;
        if (partBytes > maxBytes) {
          throw new FileRejectedError(`the line starting at byte offset ${lineStart} is longer than the limit of ${maxBytes} bytes`, lineStart);
        }
        parts.push(chunk.subarray(from, end));
        if (nl < 0) break;
        const buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        if (buf.length && !(buf.length === 1 && buf[0] === 0x0d)) {
          const text = emit(buf);
          if (text.trim()) yield { text, offset: lineStart };
        }
        parts = [];
        partBytes = 0;
        from = nl + 1;
        lineStart = offset + from;
      }
      offset += chunk.length;
    }
    if (utf8) {
      const bad = utf8.end();
      if (bad !== null) throw new FileRejectedError(`the file is not valid UTF-8 (truncated character at byte offset ${bad})`, bad);
    }
    if (parts.length) {
      const text = emit(Buffer.concat(parts));
      if (text.trim()) yield { text, offset: lineStart };
    }
  } finally {
    stream.destroy();
  }
}

/** The structural pass: UTF-8 and line lengths over the whole file, and its row count. */
export async function scanJsonl(file: SourceFile, limits: ImportLimits): Promise<{ dataRows: number }> {
  let count = 0;
  for await (const line of lines(file, limits.maxRecordBytes, true)) {
    void line;
    count++;
  }
  if (count === 0) throw new FileRejectedError('the file is empty (no JSON lines)');
  return { dataRows: count };
}

/**
 * JSONL rows: the keys of the first line act as the header (checked like a CSV header); every
 * line is parsed defensively (depth, forbidden keys, big integers) and a bad line fails alone.
 */
export async function openJsonl(file: SourceFile, limits: ImportLimits, knownColumns: Set<string>, skipRows = 0): Promise<RowReader> {
  const iterator = lines(file, limits.maxRecordBytes, false)[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new FileRejectedError('the file is empty (no JSON lines)');
  const firstParsed = parseJsonLine(first.value.text, limits.maxJsonDepth, limits.maxColumns);
  if (!firstParsed.ok) throw new FileRejectedError(`the first line cannot be read, so the columns are unknown: ${firstParsed.failure}`);
  const header = Object.keys(firstParsed.object);
  const position = new Map(header.map((k, i) => [k.toLowerCase(), i]));

  function toRow(rowNumber: number, text: string, parsed = parseJsonLine(text, limits.maxJsonDepth, limits.maxColumns)): SourceRow {
    if (!parsed.ok) return { rowNumber, cells: [text], failure: parsed.failure };
    const cells: unknown[] = new Array(header.length).fill(null);
    const extra: string[] = [];
    for (const [key, value] of Object.entries(parsed.object)) {
      const at = position.get(key.toLowerCase());
      if (at === undefined) extra.push(key);
      else cells[at] = typeof value === 'string' && value.length > 1 && value.charCodeAt(0) === 0x27 ? unneutraliseFormula(value) : value;
    }
    if (extra.length) {
      const unknown = extra.filter((k) => !knownColumns.has(k.toLowerCase()));
      const failure = unknown.length
        ? `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (rule: only the type's columns)`
        : `key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')} not present on the first line (rule: the first line names the columns)`;
      return { rowNumber, cells, failure };
    }
    return { rowNumber, cells };
  }

  async function* rows(): AsyncGenerator<SourceRow> {
    let rowNumber = 1;
    if (skipRows < 1) yield toRow(1, first.value!.text, firstParsed);
    while (true) {
      const next = await iterator.next();
      if (next.done) return;
      rowNumber++;
      if (rowNumber <= skipRows) continue;
      yield toRow(rowNumber, next.value.text);
    }
  }

  return { header, rows: rows(), close: async () => void (await iterator.return?.(undefined)) };
}
