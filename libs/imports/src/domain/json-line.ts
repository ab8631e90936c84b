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
