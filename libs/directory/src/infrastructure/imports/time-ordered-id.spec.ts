import { timeOrderedId, writeTimeOrderedId } from './time-ordered-id';

describe('time-ordered ids (UUIDv7)', () => {
  it('are valid v7 UUIDs carrying the current millisecond', () => {
    const before = Date.now();
    const id = timeOrderedId();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 1);
  });

  it('strictly increase, even thousands within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => timeOrderedId());
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('write in place into a buffer', () => {
    const b = Buffer.alloc(40, 0x2e);
    writeTimeOrderedId(b, 2);
    expect(b.toString('latin1', 0, 2)).toBe('..');
    expect(b.toString('latin1', 2, 38)).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.toString('latin1', 38)).toBe('..');
  });
});
