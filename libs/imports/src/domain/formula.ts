/**
 * Porter's exports neutralise spreadsheet formulas by prefixing a `'` to a text cell that starts
 * with = + - @, a tab, a carriage return or a line feed, or with `'`s before one (in CSV, XLSX and
 * JSONL alike). An import of such a file undoes exactly that: one leading `'` before `'`s and one
 * of those characters is dropped (`'=x` → `=x`, `''=x` → `'=x`), so export → import is faithful.
 * Any other leading `'` is data and kept. (Imports never evaluate formulas: values are stored as text.)
 */
const NEUTRALISED = /^'+[=+\-@\t\r\n]/;

export function unneutraliseFormula(value: string): string {
  return NEUTRALISED.test(value) ? value.slice(1) : value;
}
