import { parseByteRange } from './byte-range';

describe('parseByteRange', () => {
  it('reads the three single-range forms, clamping the end to the last byte', () => {
    expect(parseByteRange('bytes=0-0', 100)).toEqual({ start: 0, end: 0 });
    expect(parseByteRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseByteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=90-1000', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('BYTES = 5 - 6', 100)).toEqual({ start: 5, end: 6 });
  });

  it('sends the whole file for no header, other units, several ranges and malformed values', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=abc', 'bytes=-', 'bytes=5-4', 'bytes=1-2-3']) {
      expect(parseByteRange(header, 100)).toBeNull();
    }
  });

  it('calls a range wholly past the end, or an empty suffix, unsatisfiable', () => {
    expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=100-200', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-5', 0)).toBe('unsatisfiable');
  });

  it('takes positions past any file (more digits than a safe integer) as larger than the file: clamped, whole, or unsatisfiable', () => {
    const huge = '99999999999999999999';
    expect(parseByteRange(`bytes=0-${huge}`, 100)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange(`bytes=10-${huge}`, 100)).toEqual({ start: 10, end: 99 });
    expect(parseByteRange(`bytes=-${huge}`, 100)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange(`bytes=${huge}-`, 100)).toBe('unsatisfiable');
    expect(parseByteRange(`bytes=${huge}-${huge}9`, 100)).toBe('unsatisfiable');
    expect(parseByteRange(`bytes=${huge}-5`, 100)).toBeNull(); // last before first: ignored
    expect(parseByteRange('bytes=-000', 100)).toBe('unsatisfiable');
  });
});
