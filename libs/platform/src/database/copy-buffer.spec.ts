import { CopyBuffer, copyValue } from './copy-buffer';

describe('COPY text building', () => {
  it('escapes values and writes integers and random v4 UUIDs as bytes', () => {
    const out = new CopyBuffer(4);
    out.uint(0);
    out.byte(0x09);
    out.uint(1234567);
    out.byte(0x09);
    out.value('a\tb\\c\nd\re');
    out.byte(0x09);
    out.value(null);
    out.byte(0x09);
    out.value('zoë €');
    out.byte(0x09);
    out.uuid();
    out.uuid();
    const [zero, big, escaped, nul, text, uuids] = out.view().toString('utf8').split('\t');
    expect([zero, big, escaped, nul, text]).toEqual(['0', '1234567', 'a\\tb\\\\c\\nd\\re', '\\N', 'zoë €']);
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const [a, b] = [uuids.slice(0, 36), uuids.slice(36)];
    expect(a).toMatch(v4);
    expect(b).toMatch(v4);
    expect(a).not.toBe(b);
  });

  it('writes booleans as t/f, numbers as text, an absent value as NULL', () => {
    const out = new CopyBuffer(4);
    for (const v of [true, false, 12.5, undefined, 'é\tx']) {
      out.value(v);
      out.byte(0x09);
    }
    expect(out.view().toString('utf8')).toBe('t\tf\t12.5\t\\N\té\\tx\t');
  });

  it('grows past its first capacity', () => {
    const out = new CopyBuffer(1);
    for (let i = 0; i < 5000; i++) out.value('€'.repeat(3));
    expect(out.view().toString('utf8')).toBe('€'.repeat(15000));
  });

  it('keeps NUL, which Postgres text cannot store, out', () => {
    expect(copyValue('a\u0000b')).toBe('a\uFFFDb');
    const out = new CopyBuffer(4);
    out.value('a\u0000b');
    expect(out.view().toString('utf8')).toBe('a\uFFFDb');
  });
});
