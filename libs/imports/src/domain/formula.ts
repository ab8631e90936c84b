/**
 * Porter's exports neutralise spreadsheet formulas by prefixing a `'` to a text cell that starts
 * with = + - @, a tab, a carriage return or a line feed (in CSV, XLSX and JSONL alike). An import of such a file undoes exactly that: a leading `'`
 * followed by one of those characters is dropped, so export → import is faithful. Any other
 * leading `'` is data and kept. (Imports never evaluate formulas: values are stored as text.)
 */
const NEUTRALISED = /^'[=+\-@\t\r\n]/;

export function unneutraliseFormula(value: string): string {
  return NEUTRALISED.test(value) ? value.slice(1) : value;
}
