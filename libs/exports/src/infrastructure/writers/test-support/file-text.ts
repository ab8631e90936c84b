import * as yauzl from 'yauzl';

/** An XLSX file's entries as text (names and contents), the same for the same sheets whatever the deflate's input chunks; other formats' bytes as they are. */
export async function readable(bytes: Buffer): Promise<string> {
  if (bytes[0] !== 0x50 || bytes[1] !== 0x4b) return bytes.toString('utf8');
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.fromBuffer(bytes, { lazyEntries: true }, (e, z) => (e ? reject(e) : resolve(z!))));
  const parts: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, (e, stream) => {
        if (e) return reject(e);
        const chunks: Buffer[] = [];
        stream!.on('data', (c: Buffer) => chunks.push(c));
        stream!.on('end', () => {
          parts.push(`${entry.fileName}\n${Buffer.concat(chunks).toString('utf8')}`);
          zip.readEntry();
        });
      }),
    );
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return parts.join('\n');
}
