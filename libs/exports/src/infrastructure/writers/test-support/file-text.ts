import * as yauzl from 'yauzl';

/** One entry of a zip archive as yauzl (another zip implementation than Porter's) reads it. */
export interface ZipEntryRead {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  offset: number;
  compressedSize: number;
  content: Buffer;
}

/** Every entry of a zip archive, in the order of its central directory, sizes checked by yauzl. */
export async function zipEntries(bytes: Buffer): Promise<ZipEntryRead[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.fromBuffer(bytes, { lazyEntries: true }, (e, z) => (e ? reject(e) : resolve(z!))));
  const entries: ZipEntryRead[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream!.on('data', (c: Buffer) => chunks.push(c));
        stream!.on('error', reject);
        stream!.on('end', () => {
          entries.push({
            name: entry.fileName,
            flags: entry.generalPurposeBitFlag,
            method: entry.compressionMethod,
            crc32: entry.crc32,
            offset: entry.relativeOffsetOfLocalHeader,
            compressedSize: entry.compressedSize,
            content: Buffer.concat(chunks),
          });
          zip.readEntry();
        });
      }),
    );
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

/** An XLSX file's entries as text (names and contents), the same for the same sheets whatever the deflate's input chunks; other formats' bytes as they are. */
export async function readable(bytes: Buffer): Promise<string> {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) return bytes.toString('utf8');
  return (await zipEntries(bytes)).map((entry) => `${entry.name}\n${entry.content.toString('utf8')}`).join('\n');
}
