import { ImportFormat } from '../public/enums/import-format';
import type { ImportTypeDefinition } from '../public/dependencies/import-processor.dependency';
import { validateHeader } from './header-validation';
import { prepareRow, validationOptionsFor } from './prepared-row';

const TYPE: ImportTypeDefinition = {
  type: 't',
  formats: [ImportFormat.Xlsx],
  uniqueKey: ['email'],
  chunkSize: 10,
  columns: [
    { name: 'id', type: 'ignored' },
    { name: 'name', type: 'string', required: true, maxLength: 5 },
    { name: 'email', type: 'email', required: true },
    { name: 'salary', type: 'decimal', precision: 6, scale: 2 },
  ],
};
const mapping = validateHeader(['id', 'name', 'email', 'salary'], TYPE);
const xlsx = validationOptionsFor(ImportFormat.Xlsx);
const excelError = (column: string, value: string) => `column "${column}": value "${value}" is an Excel error, not a value (rule: no error values)`;

describe('prepareRow: a row the reader failed', () => {
  it('with failed cells (Excel error values): lists them and the problems of its other cells, in column order', () => {
    const row = {
      rowNumber: 4,
      cells: ['#REF!', 'Toolong', 'not-an-email', '#DIV/0!'],
      failure: `${excelError('id', '#REF!')}; ${excelError('salary', '#DIV/0!')}`,
      failedCells: [
        { index: 0, problem: excelError('id', '#REF!') },
        { index: 3, problem: excelError('salary', '#DIV/0!') },
      ],
    };
    expect(prepareRow(row, mapping, xlsx)).toEqual({
      rowNumber: 4,
      cells: row.cells,
      values: null,
      failure: [
        excelError('id', '#REF!'),
        'column "name": value "Toolong" is longer than 5 characters (rule: maxLength 5)',
        'column "email": value "not-an-email" is not an email address (rule: email)',
        excelError('salary', '#DIV/0!'),
      ].join('; '),
      final: true,
    });
  });

  it('with failed cells and otherwise valid cells: the failed cells alone', () => {
    const row = { rowNumber: 1, cells: ['', 'Ada', 'ada@x.co', '#N/A'], failure: excelError('salary', '#N/A'), failedCells: [{ index: 3, problem: excelError('salary', '#N/A') }] };
    expect(prepareRow(row, mapping, xlsx)).toMatchObject({ values: null, failure: excelError('salary', '#N/A'), final: true });
  });

  it('with failed cells, and a required cell left empty or a field count that is not the header\'s', () => {
    const failedCells = [{ index: 2, problem: excelError('email', '#N/A') }];
    expect(prepareRow({ rowNumber: 1, cells: ['', '', '#N/A', ''], failure: failedCells[0].problem, failedCells }, mapping, xlsx).failure).toBe(
      `column "name": a value is required (rule: required); ${excelError('email', '#N/A')}`,
    );
    expect(prepareRow({ rowNumber: 1, cells: ['', 'Ada', '#N/A', '', 'extra'], failure: failedCells[0].problem, failedCells }, mapping, xlsx).failure).toBe(
      `${excelError('email', '#N/A')}; the row has 5 fields but the header has 4 (rule: same number of fields as the header)`,
    );
  });

  it('without failed cells (a JSONL line that is no JSON object, a stored final failure): its failure as it is', () => {
    expect(prepareRow({ rowNumber: 2, cells: ['{oops'], failure: 'the line is not JSON' }, mapping, xlsx)).toEqual({
      rowNumber: 2,
      cells: ['{oops'],
      values: null,
      failure: 'the line is not JSON',
      final: true,
    });
  });
});
