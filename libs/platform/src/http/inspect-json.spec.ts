import { inspectJson, MAX_JSON_DEPTH, MAX_JSON_KEYS } from './http-pipeline.module';

describe('inspectJson (request bodies before validation)', () => {
  const nest = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = i % 2 ? { a: value } : [value];
    return value;
  };

  it('accepts ordinary bodies up to the depth limit', () => {
    expect(inspectJson({ type: 'employees', filters: { department: 'R&D', active: true }, scopeIds: ['a'] })).toBeNull();
    expect(inspectJson(nest(MAX_JSON_DEPTH))).toBeNull();
  });

  it('refuses nesting past the limit without overflowing the stack, however deep', () => {
    expect(inspectJson(nest(MAX_JSON_DEPTH + 1))).toBe('deep');
    expect(inspectJson({ filters: nest(200_000) })).toBe('deep');
  });

  it('finds NUL in strings and keys at any depth', () => {
    expect(inspectJson({ name: 'a\u0000b' })).toBe('nul');
    expect(inspectJson({ a: [{ ['k\u0000']: 1 }] })).toBe('nul');
  });

  it('refuses an object with more than MAX_JSON_KEYS properties at any depth; arrays are not counted', () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(inspectJson(keys(MAX_JSON_KEYS))).toBeNull();
    expect(inspectJson(keys(MAX_JSON_KEYS + 1))).toBe('wide');
    expect(inspectJson({ filters: keys(MAX_JSON_KEYS + 1) })).toBe('wide');
    expect(inspectJson({ ids: Array.from({ length: 10_000 }, (_, i) => String(i)) })).toBeNull();
  });

  it('finds lone UTF-16 surrogates in strings and keys (a pair is a character like any other)', () => {
    expect(inspectJson(JSON.parse('{"name":"\\ud800x"}'))).toBe('surrogate');
    expect(inspectJson(JSON.parse('{"a":["x\\udc00"]}'))).toBe('surrogate');
    expect(inspectJson(JSON.parse('{"\\ud83d":1}'))).toBe('surrogate');
    expect(inspectJson(JSON.parse('{"name":"\\ud83d\\ude00 ok"}'))).toBeNull();
  });

  it('refuses properties named like built-in object properties, which class-transformer would drop without a word, and names them', () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'prototype']) {
      const found: { key?: string } = {};
      expect(inspectJson(JSON.parse(`{"type":"employees","filters":{"${key}":"x"}}`), found)).toBe('reserved');
      expect(found.key).toBe(key);
    }
    expect(inspectJson({ filters: { department: 'toString', constructorName: 'x' } })).toBeNull();
    expect(inspectJson({ ids: ['constructor'] })).toBeNull();
  });
});
