import { randomBytes } from 'crypto';
import { useNativeCrc32ForYazl, yazlsCrc32 } from './native-crc32';

describe('native CRC-32 for yazl', () => {
  it('gives the same CRC-32 as buffer-crc32 for the same bytes, fed whole or in chunks, from any previous value', () => {
    const crc = yazlsCrc32();
    const javascript = crc.unsigned;
    const samples = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('<row r="1"><c r="A1" t="inlineStr"><is><t>é</t></is></c></row>'), randomBytes(70_000)];
    const expected = samples.map((b) => javascript(b));
    const chunked = (fn: typeof javascript, data: Buffer) => {
      let value = 0;
      for (let i = 0; i < data.length; i += 4093) value = fn(data.subarray(i, i + 4093), value);
      return value;
    };
    const expectedChunked = chunked(javascript, samples[3]);
    expect(useNativeCrc32ForYazl()).toBe(true);
    expect(crc.unsigned).not.toBe(javascript);
    expect(samples.map((b) => crc.unsigned(b))).toEqual(expected);
    expect(chunked(crc.unsigned, samples[3])).toBe(expectedChunked);
    expect(crc.unsigned(samples[2], 0xdeadbeef)).toBe(javascript(samples[2], 0xdeadbeef));
    // idempotent
    const patched = crc.unsigned;
    expect(useNativeCrc32ForYazl()).toBe(true);
    expect(crc.unsigned).toBe(patched);
  });
});
