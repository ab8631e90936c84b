/**
 * PostgreSQL COPY text format (`COPY ... TO STDOUT`, the default format): fields separated by tabs,
 * rows ended by LF, NULL written `\N`, and backslash escapes for backslash, tab, LF, CR, BS, FF
 * and VT. One definition of how a field reads back, for every module that reads COPY text.
 */
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v' };

/** The value of one field's text (between separators) once its backslash escapes are undone. */
export function unescapeCopyText(field: string): string {
  return field.indexOf('\\') === -1 ? field : field.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}
