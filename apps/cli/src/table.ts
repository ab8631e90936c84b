/**
 * Text tables for people (`porter jobs ls`). Cells are the users' own text, so a name may hold
 * tabs, line breaks or escape codes, be 200 characters long, or be written in a script whose
 * characters take two columns of a terminal: each cell is made one line of printable text, capped
 * at its column's width (with "…"), and padded by what it takes on screen, not by its length.
 */

/** Wide (two-column) code points: CJK, Hangul, full-width forms, most emoji. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
/** Zero-width: combining marks, joiners, variation selectors. */
const ZERO = /[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f\u20d0-\u20ff]/u;

/** The columns a character takes on a terminal. */
const widthOf = (ch: string) => (ZERO.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1);

/** The columns a string takes on a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += widthOf(ch);
  return width;
}

/** One line of printable text: runs of whitespace (tabs, line breaks) as one space, control characters dropped. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
}

/** `text` cut to at most `max` columns, ending with "…" when it was cut. */
export function fit(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = '';
  let width = 0;
  for (const ch of text) {
    if (width + widthOf(ch) > max - 1) break;
    out += ch;
    width += widthOf(ch);
  }
  return out + '…';
}

/**
 * Aligned columns two spaces apart, no trailing spaces. `maxWidths[i]` caps column i (cells
 * wider are cut with "…"; the full text is one `porter … show` or `--json` away).
 */
export function table(rows: string[][], maxWidths: Array<number | undefined> = []): string[] {
  const cells = rows.map((row) => row.map((cell, i) => fit(oneLine(cell), maxWidths[i] ?? Infinity)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => displayWidth(row[i]))));
  return cells.map((row) => row.map((cell, i) => cell + ' '.repeat(widths[i] - displayWidth(cell))).join('  ').trimEnd());
}

/** What a list prints instead of an empty table: `No jobs yet.`, `No schedules at offset 40 (12 in all).` */
export function emptyPageLine(what: string, total: number, offset: number, filtered = false): string {
  if (total > 0) return `No ${what} at offset ${offset} (${total} in all).`;
  return filtered ? `No ${what} match these filters.` : `No ${what} yet.`;
}
