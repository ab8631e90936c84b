import type { FileScan, ImportFileReader, ReadOptions, RowReader, SourceFile, SourceRow } from '../../application/ports/import-file-reader.port';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { unneutraliseFormula } from '../../domain/formula';
import { ImportLimits } from '../../domain/import-limits';
import { chooseSheet, readSharedStrings, sheetRows } from './xlsx-sheet';
import { openWorkbook } from './xlsx-workbook';

/** XLSX workbooks: one sheet (the upload's `sheet`, else the first) read as rows of cell text. */
export class XlsxFileReader implements ImportFileReader {
  constructor(private readonly limits: ImportLimits) {}

  /** The structural pass for XLSX: the whole sheet is read once (limits, XML, row count). */
  async scan(file: SourceFile, options: ReadOptions): Promise<FileScan> {
    const reader = await this.open(file, options, 0);
    let count = 0;
    try {
      for await (const _ of reader.rows) count++;
    } finally {
      await reader.close();
    }
    return { dataRows: count };
  }

  open(file: SourceFile, { sheet, xmlPartBytes }: ReadOptions, skipRows: number): Promise<RowReader> {
    const limits = xmlPartBytes === undefined ? this.limits : { ...this.limits, quickLookPartBytes: xmlPartBytes };
    return openXlsx(file, limits, sheet, skipRows);
  }
}

const isBlank = (row: string[]) => row.every((c) => c === '');

/** Opens the chosen (or first) sheet; the first non-blank row is the header. */
async function openXlsx(file: SourceFile, limits: ImportLimits, sheetName: string | null, skipRows: number): Promise<RowReader> {
  const book = await openWorkbook(file, limits);
  try {
    const sheetPath = await chooseSheet(book, limits, sheetName);
    const strings = await readSharedStrings(book, limits);
    const iterator = sheetRows(book, sheetPath, strings, limits)[Symbol.asyncIterator]();
    let header: string[] | null = null;
    while (!header) {
      const next = await iterator.next();
      if (next.done) throw new FileRejectedError('the XLSX sheet is empty (no header row)');
      if (!isBlank(next.value.cells)) header = next.value.cells;
    }
    while (header.length && header[header.length - 1] === '') header.pop();
    const width = header.length;

    async function* rows(): AsyncGenerator<SourceRow> {
      let rowNumber = 0;
      while (true) {
        const next = await iterator.next();
        if (next.done) return;
        const { cells, errors } = next.value;
        if (isBlank(cells)) continue;
        rowNumber++;
        if (rowNumber <= skipRows) continue;
        // Excel omits empty trailing cells: pad; content beyond the header is a ragged row.
        while (cells.length > width && cells[cells.length - 1] === '') cells.pop();
        while (cells.length < width) cells.push('');
        for (let i = 0; i < cells.length; i++) {
          const c = cells[i];
          if (c.length > 1 && c.charCodeAt(0) === 0x27) cells[i] = unneutraliseFormula(c);
        }
        if (errors.length) {
          // The row fails; its other cells are still validated, and the failure names their problems too (prepareRow).
          const failedCells = errors.map(({ column, value }) => ({
            index: column,
            problem: `column ${JSON.stringify(header![column] ?? `#${column + 1}`)}: value ${JSON.stringify(value)} is an Excel error, not a value (rule: no error values)`,
          }));
          yield { rowNumber, cells, failure: failedCells.map((c) => c.problem).join('; '), failedCells };
        } else yield { rowNumber, cells };
      }
    }
    return {
      header,
      rows: rows(),
      close: async () => {
        await iterator.return?.(undefined);
        book.zip.close();
      },
    };
  } catch (error) {
    book.zip.close();
    throw error;
  }
}
