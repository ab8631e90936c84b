import type { ImportColumn } from '../public/dependencies/import-processor.dependency';
import type { ColumnMapping } from './header-validation';
import { validateCell, validateCellGeneral, validateRow } from './row-validator';

/** The fast paths for canonical text must give exactly what the general rules give. */
describe('validateCell fast paths agree with the general rules', () => {
  const date: ImportColumn = { name: 'd', type: 'date' };
  const decimal: ImportColumn = { name: 'x', type: 'decimal', precision: 6, scale: 2 };
  const integerDecimal: ImportColumn = { name: 'n', type: 'decimal', precision: 3, scale: 0 };
  const boolean: ImportColumn = { name: 'b', type: 'boolean' };

  const check = (column: ImportColumn, values: string[]) => {
    for (const value of values) {
      for (const excelSerialDates of [false, true]) {
        expect({ value, excelSerialDates, r: validateCell(value, column, { excelSerialDates }) }).toEqual({
          value,
          excelSerialDates,
          r: validateCellGeneral(value, column, { excelSerialDates }),
        });
      }
    }
  };

  it('dates: calendar days, leap years, years before 100, other shapes', () => {
    check(date, [
      '2024-02-29', '2023-02-29', '1900-02-29', '2000-02-29', '2024-04-31', '2024-12-31', '2024-13-01', '2024-00-10',
      '2024-01-00', '0099-05-05', '0100-05-05', '0000-01-01', '0001-01-01', '0099-12-31', '0004-02-29', '0100-02-29', '9999-12-31', '2024-1-01', '2024/01/01', '２０２４-01-01',
      ' 2024-01-01', '2024-01-01T00:00:00Z', '2024-01-0a', '45000', '45000.5',
    ]);
  });

  it('decimals: leading zeros, signs, fractions, precision and scale', () => {
    check(decimal, ['0', '0.5', '0.50', '00.5', '1234.56', '12345.6', '1234.567', '5.', '.5', '-1.5', '+1', '1,5', '١٢', '9999', '10000.00']);
    check(integerDecimal, ['0', '999', '1000', '1.0', '007']);
  });

  it('JSON numbers in exponent form are their exact digits: a tiny one is refused by the scale, not rounded to 0', () => {
    const tooManyDigits = (shown: string) => ({ problem: `column "x": value ${shown} has more than 2 digits after the decimal point (rule: decimal(6,2))` });
    expect(validateCell(1e-21, decimal)).toEqual(tooManyDigits('"1e-21"'));
    expect(validateCell(-1.23e-30, decimal)).toEqual(tooManyDigits('"-1.23e-30"'));
    expect(validateCell(1.5e-7, decimal)).toEqual(tooManyDigits('"1.5e-7"'));
    expect(validateCell(1e-21, { name: 'f', type: 'string' })).toBe('0.000000000000000000001');
    expect(validateCell(-1.23e-30, { name: 'f', type: 'string' })).toBe('-0.00000000000000000000000000000123');
    expect(validateCell(1.5e21, { name: 'f', type: 'string' })).toBe('1500000000000000000000');
    expect(validateCell(12.5, decimal)).toBe('12.5');
  });

  it('a JSON number past ±1.8e308 (1e400, read as Infinity) is refused as too large, not shown as "null"', () => {
    const tooLarge = (name: string, rule: string) => ({ problem: `column "${name}": the number is too large to be a finite number, beyond ±1.8e308 (rule: ${rule})` });
    expect(validateCell(JSON.parse('1e400'), decimal)).toEqual(tooLarge('x', 'decimal(6,2)'));
    expect(validateCell(JSON.parse('-1e400'), decimal)).toEqual(tooLarge('x', 'decimal(6,2)'));
    expect(validateCell(Infinity, { name: 'n', type: 'integer' })).toEqual(tooLarge('n', 'integer'));
    // In a text column it is not the word "Infinity".
    expect(validateCell(JSON.parse('1e400'), { name: 'notes', type: 'string' })).toEqual(tooLarge('notes', 'text'));
    expect(validateCell(12.5, { name: 'notes', type: 'string' })).toBe('12.5');
    expect(validateCell(NaN, decimal)).toEqual({ problem: 'column "x": value "NaN" is not a finite number (rule: decimal(6,2))' });
    expect(validateCell(1.7976931348623157e308, decimal)).toEqual({
      problem: 'column "x": value "1.7976931348623157e+308" is an integer beyond 2^53 and cannot be kept exact; quote it as a string (rule: decimal(6,2))',
    });
  });

  it('dates in years 0001-0099 are calendar dates (Date.UTC would read them as 19xx); year 0000 is none', () => {
    expect(validateCell('0001-01-01', date)).toBe('0001-01-01');
    expect(validateCell('0099-12-31', date)).toBe('0099-12-31');
    expect(validateCellGeneral('0001-01-01', date, {})).toBe('0001-01-01');
    expect(validateCellGeneral('0099-12-31T00:00:00Z', date, {})).toBe('0099-12-31');
    expect(validateCellGeneral('0004-02-29', date, {})).toBe('0004-02-29');
    const notADate = (value: string) => ({ problem: `column "d": value "${value}" is not a calendar date (rule: date YYYY-MM-DD)` });
    expect(validateCell('0000-01-01', date)).toEqual(notADate('0000-01-01'));
    expect(validateCell('0001-02-29', date)).toEqual(notADate('0001-02-29'));
    expect(validateCell('0100-02-29', date)).toEqual(notADate('0100-02-29'));
    expect(validateCell(1, date, { excelSerialDates: true })).toBe('1900-01-01');
    expect(validateCell(2958465, date, { excelSerialDates: true })).toBe('9999-12-31');
  });

  it('Excel serial dates: 59 and 61 are 1900-02-28 and 1900-03-01; 60, Excel\'s fictitious 1900-02-29, is no date', () => {
    const day: ImportColumn = { name: 'd', type: 'date' };
    expect(validateCell(59, day, { excelSerialDates: true })).toBe('1900-02-28');
    expect(validateCell(61, day, { excelSerialDates: true })).toBe('1900-03-01');
    expect(validateCell('60.5', day, { excelSerialDates: true })).toEqual({ problem: 'column "d": value "60.5" is not a valid Excel date (rule: date YYYY-MM-DD)' });
    expect(validateCell(45444.5625, day, { excelSerialDates: true })).toBe('2024-06-01');
  });

  it('booleans', () => {
    check(boolean, ['true', 'false', 'TRUE', ' false ', 'yes', 't']);
  });

  it('text and emails: NUL, length, pattern, trimming and case', () => {
    const name: ImportColumn = { name: 's', type: 'string', maxLength: 5, pattern: /\S/, patternHint: 'not blank' };
    const free: ImportColumn = { name: 'f', type: 'string' };
    const email: ImportColumn = { name: 'e', type: 'email', maxLength: 30 };
    check(name, ['Ada', 'Adaaa', 'Adaaaa', '   ', 'a\u0000', ' Ada', 'é€😀']);
    check(free, ['x', 'a\u0000b', ' spaced ', "'=1"]);
    check(email, ['a@b.co', ' A@B.CO ', 'A@b', 'a b@c.de', 'a@b.co\u0000', `${'a'.repeat(30)}@b.co`, 'Zoë@exämple.org']);
    check(free, ['\ud800x', 'x\udc00', '\udc00\ud800', '😀\ud83d', '😀', 'é😀x']);
    check(email, ['a\ud800@b.co', 'a@b.co\udfff', '😀@b.co']);
  });

  it('a lone surrogate fails its row like a NUL (Postgres would store U+FFFD), naming the column and its position', () => {
    const free: ImportColumn = { name: 'first_name', type: 'string' };
    const notUnicode = (shown: string, code: string, at: number, name = 'first_name') => ({
      problem: `column "${name}": value ${shown} is not valid Unicode: a lone surrogate (U+${code}) at character ${at}, which cannot be stored (rule: valid Unicode)`,
    });
    expect(validateCell('\ud800x', free)).toEqual(notUnicode('"\\ud800x"', 'D800', 1));
    expect(validateCell('ab\udc00', free)).toEqual(notUnicode('"ab\\udc00"', 'DC00', 3));
    expect(validateCell('😀é\udbff', free)).toEqual(notUnicode('"😀é\\udbff"', 'DBFF', 3));
    expect(validateCell('\udc00\ud800', free)).toEqual(notUnicode('"\\udc00\\ud800"', 'DC00', 1));
    expect(validateCell('a\ud800@b.co', { name: 'email', type: 'email' })).toEqual(notUnicode('"a\\ud800@b.co"', 'D800', 2, 'email'));
    expect(validateCell('😀 Zoë', free)).toBe('😀 Zoë');
    // The JSONL line QA sent: {"first_name":"\ud800x","last_name":"B","email":"surr1@x.io"}
    const mapping: ColumnMapping = {
      header: ['first_name', 'last_name', 'email'],
      columns: [free, { name: 'last_name', type: 'string' }, { name: 'email', type: 'email', required: true }],
    };
    const line = JSON.parse('{"first_name":"\\ud800x","last_name":"B","email":"surr1@x.io"}') as Record<string, string>;
    expect(validateRow([line.first_name, line.last_name, line.email], mapping, { emptyStringIsValue: true })).toEqual({
      ok: false,
      failure: 'column "first_name": value "\\ud800x" is not valid Unicode: a lone surrogate (U+D800) at character 1, which cannot be stored (rule: valid Unicode)',
    });
  });
});
