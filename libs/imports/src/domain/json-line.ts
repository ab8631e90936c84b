const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonLineResult = { ok: true; object: Record<string, unknown> } | { ok: false; failure: string };

/**
 * Parses one JSONL line defensively: nesting depth is measured on the text BEFORE JSON.parse
 * (a deeply nested line cannot exhaust the stack), keys `__proto__`, `constructor` and
 * `prototype` are refused anywhere (prototype pollution), and integers beyond 2^53 are refused
 * instead of being silently rounded (quote them as strings to keep them exact).
 */
export function parseJsonLine(line: string, maxDepth: number, maxKeys: number): JsonLineResult {
  const { depth, topLevelKeys } = measure(line, maxDepth);
  if (depth > maxDepth) return { ok: false, failure: `the JSON is nested deeper than ${maxDepth} levels (rule: max depth ${maxDepth})` };
  let problem: string | null = null;
  let value: unknown;
  try {
    value = JSON.parse(line, function reviver(this: unknown, key: string, v: unknown) {
      if (FORBIDDEN_KEYS.has(key)) problem ??= `the key "${key}" is not allowed (rule: no __proto__, constructor or prototype keys)`;
      if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
        problem ??= `the number at key "${key}" is an integer beyond 2^53 and cannot be kept exact; send it as a string (rule: safe integers)`;
      }
      return v;
    });
  } catch (error) {
    return { ok: false, failure: `the line is not valid JSON (${(error as Error).message})` };
  }
  if (problem) return { ok: false, failure: problem };
  const inexact = LONG_NUMBER_RUN.test(line) ? inexactNumber(line) : null;
  if (inexact) {
    return { ok: false, failure: `the number ${inexact.slice(0, 60)} has more digits than a JSON number keeps exact (it would be read as ${String(Number(inexact))}); send it as a string (rule: exact numbers)` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, failure: 'the line is not a JSON object (rule: one object per line)' };
  }
  const keys = Object.keys(value);
  if (keys.length > maxKeys) return { ok: false, failure: `the object has ${keys.length} keys, more than the limit of ${maxKeys}` };
  // JSON.parse keeps the last of a repeated key and drops the others without a word, so the text
  // names more keys than the object has: the line is ambiguous and fails, as two keys differing
  // only in case do (a column given twice).
  if (topLevelKeys > keys.length) {
    return { ok: false, failure: `the key "${repeatedKey(line).slice(0, 200)}" appears more than once (rule: each column once)` };
  }
  return { ok: true, object: value as Record<string, unknown> };
}

/**
 * A number with 16 or more significant digits has a run of at least 16 digits and dots, and one
 * too large or small for a double an exponent of 3 digits: a line with neither is never scanned.
 */
const LONG_NUMBER_RUN = /[\d.]{16}|[eE][+-]?\d{3}/;
const NUMBER_LITERAL = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The first number literal of a JSON text (outside its strings) that JSON.parse cannot read
 * exactly: `100.00999999999999999` is read as 100.01, and the digits sent are lost without a word.
 * Compared as decimal digits and exponent, so `1.50` and `1.5e0` are exact, and
 * `0.30000000000000004` too. Null when every number is kept as written.
 */
function inexactNumber(text: string): string | null {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER_LITERAL.lastIndex = i;
      const literal = NUMBER_LITERAL.exec(text)?.[0];
      if (!literal) continue;
      i += literal.length - 1;
      const written = decimal(literal);
      const read = decimal(String(Number(literal)));
      if (written.digits !== read.digits || written.exponent !== read.exponent) return literal;
    }
  }
  return null;
}

/** A number's significant digits and decimal exponent (`-12.50e1` → 125, 3): what it means, however written. */
function decimal(literal: string): { digits: string; exponent: number } {
  let text = literal.replace(/^[-+]/, '');
  let exponent = 0;
  const e = text.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(text.slice(e + 1));
    text = text.slice(0, e);
  }
  const dot = text.indexOf('.');
  const whole = dot >= 0 ? text.slice(0, dot) : text;
  let digits = whole + (dot >= 0 ? text.slice(dot + 1) : '');
  exponent += whole.length;
  const zeros = /^0*/.exec(digits)![0].length;
  digits = digits.slice(zeros).replace(/0+$/, '');
  return digits ? { digits, exponent: exponent - zeros } : { digits: '0', exponent: 0 };
}

/** Deepest object/array nesting of a JSON text; stops counting once past `limit`. */
export function measureDepth(text: string, limit: number): number {
  return measure(text, limit).depth;
}

/**
 * One pass over a JSON text: its deepest nesting (counting stops once past `limit`) and how many
 * keys its top-level object names, a repeated key once per occurrence.
 */
function measure(text: string, limit: number): { depth: number; topLevelKeys: number } {
  let topLevelKeys = 0;
  const depth = walk(text, limit, () => void topLevelKeys++);
  return { depth, topLevelKeys };
}

/** The first key a (valid) JSON object text names twice, escapes decoded; only called when there is one. */
function repeatedKey(text: string): string {
  const seen = new Set<string>();
  let repeated: string | null = null;
  walk(text, Infinity, (from, to) => {
    const name = JSON.parse(text.slice(from, to + 1)) as string;
    if (seen.has(name)) repeated ??= name;
    seen.add(name);
  });
  return repeated ?? '?';
}

/**
 * Walks a JSON text's structure without parsing it: returns the deepest object/array nesting
 * (stopping once past `limit`), and calls `onKey` with the quotes' positions of every string at
 * depth 1 that a colon follows (a key of the top-level object).
 */
function walk(text: string, limit: number, onKey: (from: number, to: number) => void): number {
  let depth = 0;
  let max = 0;
  let stringAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (stringAt >= 0) {
      if (c === 0x5c) i++;
      else if (c === 0x22) {
        if (depth === 1) {
          let j = i + 1;
          while (isJsonSpace(text.charCodeAt(j))) j++;
          if (text.charCodeAt(j) === 0x3a) onKey(stringAt, i);
        }
        stringAt = -1;
      }
    } else if (c === 0x22) stringAt = i;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** JSON's insignificant whitespace: space, tab, line feed, carriage return. */
const isJsonSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
