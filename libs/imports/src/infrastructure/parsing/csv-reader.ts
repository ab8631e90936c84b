import { parse } from 'csv-parse';
import { CsvStructureScanner, RecordDelimiter } from '../../domain/csv-structure-scanner';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { unneutraliseFormula } from '../../domain/formula';
import { ImportLimits } from '../../domain/import-limits';
import { RowReader, SourceFile, SourceRow } from './source-file';

export interface CsvScan {
  dataRows: number;
  delimiter: RecordDelimiter;
}

/** The structural pass (see CsvStructureScanner): nothing is written before it succeeds. */
export async function scanCsv(file: SourceFile, limits: ImportLimits): Promise<CsvScan> {
  const scanner = new CsvStructureScanner(limits);
  const stream = await file.open();
  try {
    for await (const chunk of stream) scanner.push(chunk as Buffer);
  } finally {
    stream.destroy();
  }
  const dataRows = scanner.end();
  if (scanner.records === 0) throw new FileRejectedError('the file is empty (no header row)');
  return { dataRows, delimiter: scanner.delimiter ?? '\n' };
}

/**
 * Streams a CSV with csv-parse (RFC 4180: quoted fields with commas, quotes and line breaks; the
 * BOM stripped; the record delimiter found by the scan), one record at a time.
 */
export async function openCsv(file: SourceFile, scan: CsvScan, limits: ImportLimits, skipRows = 0): Promise<RowReader> {
  const stream = await file.open();
  const parser = stream.pipe(
    parse({
      bom: true,
      record_delimiter: scan.delimiter,
      max_record_size: limits.maxRecordBytes,
      skip_empty_lines: true,
      relax_column_count: true,
    }),
  );
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  const first = await iterator.next().catch((error: Error) => {
    throw new FileRejectedError(`the CSV could not be parsed: ${error.message}`);
  });
  if (first.done) throw new FileRejectedError('the file is empty (no header row)');
  const header = first.value;

  async function* rows(): AsyncGenerator<SourceRow> {
    let rowNumber = 0;
    while (true) {
      let next: IteratorResult<string[]>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw new FileRejectedError(`the CSV could not be parsed after row ${rowNumber}: ${(error as Error).message}`);
      }
      if (next.done) return;
      rowNumber++;
      if (rowNumber <= skipRows) continue;
      const record = next.value;
      for (let i = 0; i < record.length; i++) {
        const cell = record[i];
        if (cell.length > 1 && cell.charCodeAt(0) === 0x27) record[i] = unneutraliseFormula(cell);
      }
      yield { rowNumber, cells: record };
    }
  }

  return {
    header,
    rows: rows(),
    close: async () => {
      stream.destroy();
      parser.destroy();
    },
  };
}
