import type { FileScan, ImportFileReader, ReadOptions, RowReader, SourceFile, SourceRow } from '../../application/ports/import-file-reader.port';
import { jsonlKeyPosition } from '../../domain/column-resolution';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { ImportLimits } from '../../domain/import-limits';
import { unneutraliseFormula } from '../../domain/formula';
import { parseJsonLine } from '../../domain/json-line';
import { JsonlKeysApplied } from '../../domain/jsonl-keys-applied';
import { Utf8Checker } from '../../domain/utf8-check';

/** JSONL files: one JSON object per line, its keys naming the type's columns. */
export class JsonlFileReader implements ImportFileReader {
  constructor(private readonly limits: ImportLimits) {}

  /** The structural pass: UTF-8 and line lengths over the whole file, and its row count. */
  async scan(file: SourceFile): Promise<FileScan> {
    let count = 0;
    for await (const line of lines(file, this.limits.maxRecordBytes, true)) {
      void line;
      count++;
    }
    if (count === 0) throw new FileRejectedError('the file is empty (no JSON lines)');
    return { dataRows: count };
  }

  /** The rows, each line's keys placed by the type's column names and aliases and the upload's mapping (see openJsonl). */
  open(file: SourceFile, { definition, mapping }: ReadOptions, skipRows: number): Promise<RowReader> {
    return openJsonl(
      file,
      this.limits,
      definition.columns.map((c) => c.name),
      skipRows,
      jsonlKeyPosition(definition, mapping),
    );
  }
}

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
  const emit = (buf: Buffer, start: number) => {
    let text = buf.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    // A UTF-8 byte-order mark (as Windows editors write) opens the file, it is not part of the first line.
    if (start === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
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
          const text = emit(buf, lineStart);
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
      const text = emit(Buffer.concat(parts), lineStart);
      if (text.trim()) yield { text, offset: lineStart };
    }
  } finally {
    stream.destroy();
  }
}

/**
 * JSONL rows. A JSONL file has no header: every line names its own columns. The reader's header is
 * the type's columns (in the type's order) and each line's keys are placed by name, so lines may
 * differ in the keys they carry:
 * - a key that is not one of the type's columns, or a column given twice (keys differing only in
 *   case), fails that line alone (like a ragged CSV row: a line's keys are that line's structure);
 * - a column the line does not carry is left `undefined`: an optional one is simply absent (the
 *   host leaves it unchanged on an update), a required one fails the row's validation.
 * Every line is parsed defensively (depth, forbidden keys, big integers); a bad line fails alone.
 * `position` places a key (names, aliases and the upload's mapping; null = a key to skip). The keys
 * placed are the file's column mapping (`columnMapping`), the skipped rows' too (read for it alone).
 */
async function openJsonl(
  file: SourceFile,
  limits: ImportLimits,
  columns: readonly string[],
  skipRows: number,
  position: (key: string) => number | null | undefined,
): Promise<RowReader> {
  const iterator = lines(file, limits.maxRecordBytes, false)[Symbol.asyncIterator]();
  const header = [...columns];
  const keys = new JsonlKeysApplied(header, position);

  function toRow(rowNumber: number, text: string): SourceRow {
    const parsed = parseJsonLine(text, limits.maxJsonDepth, limits.maxColumns);
    if (!parsed.ok) return { rowNumber, cells: [text], failure: parsed.failure };
    const cells: unknown[] = new Array(header.length).fill(undefined);
    const seen: Array<string | undefined> = new Array(header.length).fill(undefined);
    const unknown: string[] = [];
    const twice: string[] = [];
    for (const [key, value] of Object.entries(parsed.object)) {
      const at = keys.place(key);
      if (at === null) continue;
      if (at === undefined) {
        unknown.push(key);
        continue;
      }
      if (seen[at] !== undefined) twice.push(`"${seen[at]}" and "${key}"`);
      seen[at] = key;
      cells[at] = typeof value === 'string' && value.length > 1 && value.charCodeAt(0) === 0x27 ? unneutraliseFormula(value) : value;
    }
    const problems: string[] = [];
    if (unknown.length) problems.push(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (rule: only the type's columns)`);
    if (twice.length) problems.push(`keys ${twice.join(', ')} name the same column (rule: each column once)`);
    return problems.length ? { rowNumber, cells, failure: problems.join('; ') } : { rowNumber, cells };
  }

  async function* rows(): AsyncGenerator<SourceRow> {
    let rowNumber = 0;
    while (true) {
      const next = await iterator.next();
      if (next.done) return;
      rowNumber++;
      if (rowNumber <= skipRows) {
        // A resumed run: the rows before its checkpoint were imported; their keys still belong to the file's mapping.
        const parsed = parseJsonLine(next.value.text, limits.maxJsonDepth, limits.maxColumns);
        if (parsed.ok) for (const key of Object.keys(parsed.object)) keys.place(key);
        continue;
      }
      yield toRow(rowNumber, next.value.text);
    }
  }

  return { header, rows: rows(), columnMapping: () => keys.toRecord(), close: async () => void (await iterator.return?.(undefined)) };
}
