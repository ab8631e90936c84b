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
});
