/** One value in PostgreSQL COPY text format (tab-separated, `\N` for NULL, backslash escapes). */
export function copyValue(value: string | null): string {
  if (value === null) return '\\N';
  if (value.includes('\u0000')) value = value.replace(/\u0000/g, '\uFFFD');
  return SPECIAL.test(value) ? value.replace(SPECIAL_G, escape) : value;
}

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_G = /[\\\n\r\t]/g;
const escape = (c: string) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t');

/** JSON for a jsonb column: NUL and lone surrogates, which jsonb refuses, are replaced. */
export function jsonbText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replace(UNSTORABLE, '\uFFFD') : v));
}

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
