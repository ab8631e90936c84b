/** Excel refuses longer cell text; longer values are cut (and documented). */
export const XLSX_MAX_CELL_CHARS = 32_767;

/**
 * Cell text is ECMA-376's ST_Xstring (Part 1, §22.9.2.19): a reader decodes `_xHHHH_` to the UTF-16
 * code unit HHHH. So the characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE,
 * U+FFFF) are written that way, `_x0001_`, and a `_` that would begin such a sequence, a literal
 * `_x0041_` say, as `_x005F_`: `_x005F_x0041_` reads back as `_x0041_`, not `A`. The `_` is escaped
 * before `x` + four hex digits + `_`, and before `x` + four hex digits + a forbidden character,
 * whose escape starts with a `_` (`_x0041` + U+0001 would otherwise be written `_x0041_x0001_`).
 * A lone surrogate half has no UTF-8 form: it becomes U+FFFD. `&` `<` `>` are entities, and CR a
 * character reference (every XML reader would normalise a literal CR to LF).
 */
const XML_FORBIDDEN = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF';
const ESCAPED = new RegExp(
  `[&<>\\r${XML_FORBIDDEN}]|_(?=x[0-9A-Fa-f]{4}(?:_|[${XML_FORBIDDEN}]))|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]`,
  'g',
);
/**
 * One character class, as cheap a test as before `_` joined it: text holding none of these is written
 * as it is (text with a `_` but nothing to escape comes out of ESCAPED unchanged).
 */
const NEEDS_ESCAPE = /[&<>\r_\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
export const XML_FORBIDDEN_CHARS = new RegExp(`[${XML_FORBIDDEN}]`, 'g');

function escapeOne(ch: string): string {
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '\r':
      return '&#13;';
    case '_':
      return '_x005F_';
  }
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return '\uFFFD';
  return `_x${code.toString(16).toUpperCase().padStart(4, '0')}_`;
}

export function xmlText(value: string): string {
  // Cut at Excel's limit, but not between the two halves of a character outside the BMP (an emoji):
  // the half left would become U+FFFD.
  const cut = value.length > XLSX_MAX_CELL_CHARS && isHighSurrogate(value.charCodeAt(XLSX_MAX_CELL_CHARS - 1)) ? XLSX_MAX_CELL_CHARS - 1 : XLSX_MAX_CELL_CHARS;
  const text = value.length > XLSX_MAX_CELL_CHARS ? value.slice(0, cut) : value;
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, escapeOne) : text;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
