import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import { ParallelDeflateRaw } from './parallel-deflate';

/** Sheet-like text: repetitive. */
function sheetXml(rows: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < rows; i++) parts.push(`<row r="${i}"><c r="A${i}" t="inlineStr"><is><t>name ${(i * 7919) % 977}</t></is></c><c r="B${i}"><v>${i * 3.5}</v></c></row>`);
  return Buffer.from(parts.join(''));
}

/** Bytes no deflate can shorten. */
function noise(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = 2463534242;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function deflate(input: Buffer, chunkBytes: number, blockBytes?: number, inFlight?: number): Promise<{ out: Buffer; stream: ParallelDeflateRaw }> {
  const stream = new ParallelDeflateRaw(1, blockBytes, inFlight);
  const chunks: Buffer[] = [];
  const pieces = function* () {
    for (let at = 0; at < input.length; at += chunkBytes) yield input.subarray(at, at + chunkBytes);
  };
  await pipeline(Readable.from(pieces()), stream, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return { out: Buffer.concat(chunks), stream };
}

describe('ParallelDeflateRaw', () => {
  it.each([
    ['one block', 50_000, 1 << 18, 3],
    ['many small blocks', 2_000, 10_000, 3],
    ['many blocks, chunks larger than a block', 100_000, 30_000, 2],
    ['blocks one at a time', 7_000, 40_000, 1],
  ])('is one raw deflate stream of the input: %s', async (_name, chunkBytes, blockBytes, inFlight) => {
    const input = Buffer.concat([sheetXml(20_000), noise(70_000), sheetXml(5_000)]);
    const { out, stream } = await deflate(input, chunkBytes, blockBytes, inFlight);
    expect(zlib.inflateRawSync(out).equals(input)).toBe(true);
    expect(stream.crc32).toBe(zlib.crc32(input));
    expect(stream.bytesIn).toBe(input.length);
    expect(stream.bytesOut).toBe(out.length);
  });

  it('compresses as well as one zlib stream, within 1 %', async () => {
    const input = sheetXml(60_000);
    const { out } = await deflate(input, 1 << 16, 1 << 16, 3);
    const single = zlib.deflateRawSync(input, { level: 1 }).length;
    expect(out.length).toBeLessThan(single * 1.01);
  });

  it('writes the same bytes however the input is chunked', async () => {
    const input = sheetXml(30_000);
    const [a, b] = await Promise.all([deflate(input, 1_000, 50_000, 3), deflate(input, 77_777, 50_000, 3)]);
    expect(a.out.equals(b.out)).toBe(true);
  });

  it('keeps at most its pieces in flight, even for one write many blocks long', async () => {
    const input = sheetXml(40_000);
    const stream = new ParallelDeflateRaw(1, 1 << 16, 3);
    let most = 0;
    let sampling = true;
    const sample = () => {
      most = Math.max(most, stream.piecesInFlight);
      if (sampling) setImmediate(sample);
    };
    sample();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => stream.on('end', resolve));
    stream.end(input);
    await ended;
    sampling = false;
    expect(input.length).toBeGreaterThan(40 * (1 << 16));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
    expect(zlib.inflateRawSync(Buffer.concat(chunks)).equals(input)).toBe(true);
  });

  it('writes a valid empty stream for no input', async () => {
    const { out, stream } = await deflate(Buffer.alloc(0), 1, 1000, 3);
    expect(zlib.inflateRawSync(out).length).toBe(0);
    expect(stream.crc32).toBe(0);
  });

  it('fails the stream, not the process, on a level zlib refuses', async () => {
    const stream = new ParallelDeflateRaw(42, 10);
    await expect(pipeline(Readable.from([Buffer.alloc(100)]), stream, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) void chunk;
    })).rejects.toThrow(/level/);
  });
});
