/**
 * Spreadsheet tools run a cell that starts with = + - @ (or a tab/CR/LF that precedes one) as a
 * formula: an exported value like `=HYPERLINK(...)` typed by one user would execute on another's
 * machine (CSV/formula injection, OWASP). Prefixing `'` makes it text; the value is still readable.
 * A value that already starts with `'`s before such a character (`'=x`, typed by a person to keep
 * it text) gets one more, so that an import, which drops exactly one `'` before such a character,
 * gives it back as it was: export → import is faithful for every value.
 */
export function needsNeutralizing(value: string): boolean {
  let i = 0;
  while (i < value.length && value.charCodeAt(i) === 39) i++; // '
  if (i === value.length) return false;
  const c = value.charCodeAt(i);
  // = + - @ \t \r \n
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 || c === 10;
}

export function neutralizeFormula(value: string): string {
  return needsNeutralizing(value) ? `'${value}` : value;
}
