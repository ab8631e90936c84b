import type { FileScan, ImportFileReader, ReadOptions, RowReader, SourceFile, SourceRow } from '../../application/ports/import-file-reader.port';
import { CsvStructureScanner } from '../../domain/csv-structure-scanner';
import { CsvTokenizer } from '../../domain/csv-tokenizer';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { unneutraliseFormula } from '../../domain/formula';
import { ImportLimits } from '../../domain/import-limits';

/** CSV files, read with Porter's own tokenizer (ADR 035) in both passes. */
export class CsvFileReader implements ImportFileReader {
  constructor(private readonly limits: ImportLimits) {}

  /** The structural pass (see CsvStructureScanner): nothing is written before it succeeds. */
  async scan(file: SourceFile): Promise<FileScan> {
    const scanner = new CsvStructureScanner(this.limits);
    const stream = await file.open();
    try {
      for await (const chunk of stream) scanner.push(chunk as Buffer);
    } finally {
      stream.destroy();
    }
    const dataRows = scanner.end();
    if (scanner.records === 0) throw new FileRejectedError('the file is empty (no header row)');
    return { dataRows };
  }

  /**
   * Streams the records (RFC 4180: quoted fields with commas, quotes and line breaks; CRLF, LF or
   * CR; the BOM stripped; the same checks as the structural pass, so a file that passed it reads the
   * same here), one chunk of the file at a time.
   */
  open(file: SourceFile, _options: ReadOptions, skipRows: number): Promise<RowReader> {
    return openCsv(file, this.limits, skipRows);
  }
}

async function openCsv(file: SourceFile, limits: ImportLimits, skipRows: number): Promise<RowReader> {
  const stream = await file.open();
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const tokenizer = new CsvTokenizer(limits, { materialize: true });
  let records: string[][] = [];
  let next = 0;
  let ended = false;
  /** Makes `records[next]` the next record; false at the end of the file. */
  const fill = async (): Promise<boolean> => {
    while (next >= records.length) {
      if (ended) return false;
      const chunk = await chunks.next();
      if (chunk.done) {
        ended = true;
        records = tokenizer.end();
      } else records = tokenizer.push(chunk.value);
      next = 0;
    }
    return true;
  };
  try {
    if (!(await fill())) throw new FileRejectedError('the file is empty (no header row)');
  } catch (error) {
    stream.destroy();
    throw error;
  }
  // A header cell neutralised like data (a failed-rows file's header is the uploader's text) reads back as it was.
  const header = records[next++].map(unneutraliseFormula);

  let rowNumber = 0;
  /** The rows of the records tokenized so far (at least one row, unless the file has ended). */
  async function nextBatch(): Promise<SourceRow[] | null> {
    while (await fill()) {
      const batch: SourceRow[] = [];
      for (; next < records.length; next++) {
        const record = records[next];
        rowNumber++;
        if (rowNumber <= skipRows) continue;
        for (let i = 0; i < record.length; i++) {
          const cell = record[i];
          if (cell.length > 1 && cell.charCodeAt(0) === 0x27) record[i] = unneutraliseFormula(cell);
        }
        batch.push({ rowNumber, cells: record });
      }
      if (batch.length) return batch;
    }
    return null;
  }
  async function* batches(): AsyncGenerator<SourceRow[]> {
    for (let batch = await nextBatch(); batch; batch = await nextBatch()) yield batch;
  }
  async function* rows(): AsyncGenerator<SourceRow> {
    for await (const batch of batches()) yield* batch;
  }

  return {
    header,
    rows: rows(),
    batches: batches(),
    close: async () => {
      stream.destroy();
    },
  };
}
