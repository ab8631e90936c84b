import * as zlib from 'zlib';
import { zipEntries as readZip } from './test-support/file-text';
import { ZipStream } from './zip-stream';

function collect(zip: ZipStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    zip.outputStream.once('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.once('error', reject);
  });
}

const sheet = (rows: number) => Buffer.from(Array.from({ length: rows }, (_, i) => `<row r="${i + 2}"><c r="A${i + 2}"><v>${i}</v></c></row>`).join(''));

async function archive(options: { forceZip64?: boolean } = {}): Promise<{ bytes: Buffer; sheets: Buffer[] }> {
  const zip = new ZipStream(options);
  const bytes = collect(zip);
  const sheets = [sheet(40_000), sheet(3)];
  for (const [i, content] of sheets.entries()) {
    const entry = zip.addStream(`xl/worksheets/sheet${i + 1}.xml`, 1);
    for (let at = 0; at < content.length; at += 100_000) entry.write(content.subarray(at, at + 100_000));
    entry.end();
  }
  zip.addBuffer('xl/workbook.xml', Buffer.from('<workbook>ü</workbook>'), 6);
  zip.addBuffer('[Content_Types].xml', Buffer.alloc(0), 6);
  zip.end();
  return { bytes: await bytes, sheets };
}

describe('ZipStream', () => {
  it('writes an archive another reader takes entry by entry, in order, with the right CRC-32 and sizes', async () => {
    const { bytes, sheets } = await archive();
    const entries = await readZip(bytes);
    expect(entries.map((e) => e.name)).toEqual(['xl/worksheets/sheet1.xml', 'xl/worksheets/sheet2.xml', 'xl/workbook.xml', '[Content_Types].xml']);
    expect(entries[0]!.content.equals(sheets[0]!)).toBe(true);
    expect(entries[1]!.content.equals(sheets[1]!)).toBe(true);
    expect(entries[2]!.content.toString('utf8')).toBe('<workbook>ü</workbook>');
    expect(entries[3]!.content.length).toBe(0);
    for (const entry of entries) {
      expect(entry.method).toBe(8);
      expect(entry.crc32).toBe(zlib.crc32(entry.content));
    }
    // Streamed entries say their sizes follow them; every name is flagged UTF-8.
    expect(entries.map((e) => e.flags)).toEqual([0x808, 0x808, 0x800, 0x800]);
  });

  it('writes zip64 fields that the reader follows', async () => {
    const { bytes, sheets } = await archive({ forceZip64: true });
    // The zip64 end-of-directory record and its locator lead the classic end record.
    expect(bytes.readUInt32LE(bytes.length - 22 - 20 - 56)).toBe(0x06064b50);
    const entries = await readZip(bytes);
    expect(entries).toHaveLength(4);
    expect(entries[0]!.content.equals(sheets[0]!)).toBe(true);
    expect(entries[2]!.content.toString('utf8')).toBe('<workbook>ü</workbook>');
  });

  it('keeps data descriptors at 16 bytes while the sizes fit, even with zip64 fields elsewhere, for readers that stream', async () => {
    const { bytes } = await archive({ forceZip64: true });
    // A streamed entry: local header, data, a 16-byte descriptor, then the next local header.
    const [first, second] = await readZip(bytes);
    const descriptorAt = first!.offset + 30 + Buffer.byteLength(first!.name) + first!.compressedSize;
    expect(bytes.readUInt32LE(descriptorAt)).toBe(0x08074b50);
    expect(second!.offset).toBe(descriptorAt + 16);
    expect(bytes.readUInt32LE(second!.offset)).toBe(0x04034b50);
  });

  it('writes the same bytes for the same entries', async () => {
    const [a, b] = await Promise.all([archive(), archive()]);
    expect(a.bytes.equals(b.bytes)).toBe(true);
  });

  it('fails its output with the error of an entry that failed', async () => {
    const zip = new ZipStream();
    const bytes = collect(zip);
    const entry = zip.addStream('xl/worksheets/sheet1.xml', 1);
    entry.on('error', () => undefined);
    entry.write(sheet(10));
    entry.destroy(new Error('the rows stopped'));
    await expect(bytes).rejects.toThrow('the rows stopped');
  });

  it('fails an entry still waiting for its turn when the archive fails', async () => {
    const zip = new ZipStream();
    const bytes = collect(zip);
    bytes.catch(() => undefined);
    const first = zip.addStream('a.xml', 1);
    const second = zip.addStream('b.xml', 1);
    first.on('error', () => undefined);
    const secondFailed = new Promise((resolve) => second.once('error', resolve));
    first.destroy(new Error('disk full'));
    await expect(secondFailed).resolves.toEqual(new Error('disk full'));
  });

  it('fails, never leaves waiting, an entry destroyed before its turn', async () => {
    const zip = new ZipStream();
    const bytes = collect(zip);
    const first = zip.addStream('a.xml', 1);
    const second = zip.addStream('b.xml', 1);
    second.on('error', () => undefined);
    second.destroy(new Error('gave up'));
    first.end(sheet(10));
    zip.end();
    await expect(bytes).rejects.toThrow('gave up');
  });

  it('fails the entry being written, and the ones waiting, when its reader destroys the archive', async () => {
    const zip = new ZipStream();
    zip.outputStream.on('error', () => undefined);
    const first = zip.addStream('a.xml', 1);
    const second = zip.addStream('b.xml', 1);
    const failed = (entry: NodeJS.WritableStream) => new Promise<Error>((resolve) => entry.once('error', resolve));
    const both = Promise.all([failed(first), failed(second)]);
    first.write(sheet(10));
    zip.outputStream.destroy(new Error('the reader went away'));
    const [a, b] = await both;
    expect(a.message).toBe('the reader went away');
    expect(b.message).toBe('the reader went away');
    // An entry added afterwards fails at once.
    const late = zip.addStream('c.xml', 1);
    const lateError = failed(late);
    expect(late.destroyed).toBe(true);
    expect((await lateError).message).toBe('the reader went away');
  });
});
