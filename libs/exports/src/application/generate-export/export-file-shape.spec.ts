import { PassThrough } from 'stream';
import { gunzipSync } from 'zlib';
import { compressedOutput, exportFileDetails, selectColumns } from './export-file-shape';
import { FileFormat } from '../../public/enums/file-format';

const DECLARED = [
  { key: 'a', header: 'A', type: 'string' as const },
  { key: 'b', header: 'B', type: 'string' as const },
  { key: 'c', header: 'C', type: 'number' as const },
];

describe('export file shape', () => {
  it('picks and orders the declared columns by key', () => {
    expect(selectColumns(DECLARED, null)).toBe(DECLARED);
    expect(selectColumns(DECLARED, ['c', 'a']).map((c) => c.header)).toEqual(['C', 'A']);
    expect(() => selectColumns(DECLARED, ['z'])).toThrow(/no longer declared/);
  });

  it('names a gzip file <name>.<format>.gz as application/gzip', () => {
    const record = { type: 'people', createdAt: new Date('2026-12-04T10:00:00Z'), id: 'abcdef12-0000-4000-8000-000000000000', format: FileFormat.Jsonl };
    expect(exportFileDetails({ ...record, compression: 'none' })).toEqual({ fileName: 'people-2026-12-04-abcdef12.jsonl', contentType: 'application/x-ndjson; charset=utf-8' });
    expect(exportFileDetails({ ...record, compression: 'gzip' })).toEqual({ fileName: 'people-2026-12-04-abcdef12.jsonl.gz', contentType: 'application/gzip' });
  });

  it('compresses everything written into the file without ending the file stream', async () => {
    const file = new PassThrough();
    const chunks: Buffer[] = [];
    file.on('data', (c: Buffer) => chunks.push(c));
    const output = compressedOutput('gzip', file);
    for (let i = 0; i < 1000; i++) output.stream.write(`line ${i}\n`);
    await output.finish();
    expect(file.writableEnded).toBe(false);
    expect(gunzipSync(Buffer.concat(chunks)).toString().split('\n')).toHaveLength(1001);
    const plain = new PassThrough();
    expect(compressedOutput('none', plain).stream).toBe(plain);
  });
});
