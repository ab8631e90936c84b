import type { ImportColumn } from '../public/dependencies/import-processor.dependency';
import { validateCell, validateCellGeneral } from './row-validator';

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
      '2024-01-00', '0099-05-05', '0100-05-05', '0000-01-01', '9999-12-31', '2024-1-01', '2024/01/01', '２０２４-01-01',
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
  });
});
