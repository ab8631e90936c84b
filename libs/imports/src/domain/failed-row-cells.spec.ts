import type { ImportTypeDefinition } from '../public/dependencies/import-processor.dependency';
import { ImportFormat } from '../public/enums/import-format';
import { failedRowCsvCells } from './failed-row-cells';
import { validateHeader } from './header-validation';
import { validateRow } from './row-validator';

const TYPE: ImportTypeDefinition = {
  type: 'people',
  formats: [ImportFormat.Csv, ImportFormat.Xlsx, ImportFormat.Jsonl],
  columns: [
    { name: 'email', type: 'string', required: true },
    { name: 'hired_at', type: 'date', aliases: ['Hire date'] },
    { name: 'salary', type: 'decimal', precision: 14, scale: 2 },
  ],
  uniqueKey: ['email'],
  chunkSize: 10,
};

describe('failed-rows CSV cells', () => {
  const mapping = validateHeader(['Hire date', 'email', 'salary'], TYPE);
  const xlsx = failedRowCsvCells(ImportFormat.Xlsx, mapping)!;

  it("write an XLSX date column's Excel serial as the ISO date it imports as, which CSV reads as the same value", () => {
    // 45444.5625 is 2024-06-01 13:30 (the reader reads a number's exact text; the date keeps the day).
    const cells = ['45444.5625', 'ada@example.com', '12,5'];
    const shown = xlsx(cells);
    expect(shown).toEqual(['2024-06-01', 'ada@example.com', '12,5']);
    expect(cells[0]).toBe('45444.5625'); // the stored cells are not changed
    const asXlsx = validateRow(['45444.5625', 'ada@example.com', '12.5'], mapping, { excelSerialDates: true });
    const asCsv = validateRow(['2024-06-01', 'ada@example.com', '12.5'], mapping);
    expect(asCsv).toEqual(asXlsx);
    expect(asCsv).toMatchObject({ ok: true, values: { hired_at: '2024-06-01' } });
  });

  it('leave every other cell as stored: text dates, invalid serials, empty cells, other columns', () => {
    expect(xlsx(['2019-05-04', 'a@b.co', '10'])).toEqual(['2019-05-04', 'a@b.co', '10']);
    expect(xlsx(['0', 'a@b.co', '45444'])).toEqual(['0', 'a@b.co', '45444']);
    expect(xlsx(['99999999', 'a@b.co', ''])).toEqual(['99999999', 'a@b.co', '']);
    expect(xlsx(['', 'a@b.co', ''])).toEqual(['', 'a@b.co', '']);
    expect(xlsx(['next tuesday', 'a@b.co', ''])).toEqual(['next tuesday', 'a@b.co', '']);
    expect(xlsx([43831, 'a@b.co', ''])).toEqual(['2020-01-01', 'a@b.co', '']);
  });

  it('change nothing for CSV and JSONL batches, nor for a header without a date column', () => {
    expect(failedRowCsvCells(ImportFormat.Csv, mapping)).toBeNull();
    expect(failedRowCsvCells(ImportFormat.Jsonl, mapping)).toBeNull();
    expect(failedRowCsvCells(ImportFormat.Xlsx, validateHeader(['email', 'salary'], TYPE))).toBeNull();
  });
});
