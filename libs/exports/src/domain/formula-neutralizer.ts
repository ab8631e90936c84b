/**
 * Spreadsheet tools run a cell that starts with = + - @ (or a tab/CR/LF that precedes one) as a
 * formula: an exported value like `=HYPERLINK(...)` typed by one user would execute on another's
 * machine (CSV/formula injection, OWASP). Prefixing `'` makes it text; the value is still readable.
 */
export function needsNeutralizing(value: string): boolean {
  if (value.length === 0) return false;
  const c = value.charCodeAt(0);
  // = + - @ \t \r \n
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 || c === 10;
}

export function neutralizeFormula(value: string): string {
  return needsNeutralizing(value) ? `'${value}` : value;
}
