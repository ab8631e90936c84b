import { randomBytes } from 'crypto';
import { Writable } from 'stream';
import { compressedOutput } from '../../application/generate-export/export-file-shape';
import type { ExportFileWriterConstructor } from '../../application/ports/export-file-writer.port';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { CsvExportWriter } from './csv-export.writer';
import { JsonlExportWriter } from './jsonl-export.writer';
import { writeWithBackpressure } from './stream-write';
import { XlsxExportWriter } from './xlsx-export.writer';

const columns: ExportColumn[] = [
  { key: 'id', header: 'id', type: 'string' },
  { key: 'noise', header: 'noise', type: 'string' },
];

/** Rows that do not compress away, so bytes reach the file whatever the format. */
function batch(size: number): ExportRow[] {
  return Array.from({ length: size }, (_, i) => [String(i), randomBytes(96).toString('base64')]);
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3975'), { code: 'ECONNREFUSED' });
}

/**
 * A file stream like the storage writers' (ADR 091): acknowledges writes asynchronously, fails
 * after `failAfter` bytes, and keeps an 'error' listener of its own, so its failure reaches the
 * export through its writes, never as an unheard 'error'.
 */
function failingFile(failAfter: number): Writable {
  let received = 0;
  const file = new Writable({
    highWaterMark: 1 << 16,
    write(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      setImmediate(() => callback(received > failAfter ? refused() : null));
    },
  });
  file.on('error', () => undefined);
  return file;
}

function withinSeconds<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${seconds} s (a hang)`)), seconds * 1000)));
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

describe('export writers when the file fails (ADR 091)', () => {
  let uncaught: unknown[];
  const onUncaught = (error: unknown) => uncaught.push(error);
  beforeEach(() => {
    uncaught = [];
    process.on('uncaughtException', onUncaught);
  });
  afterEach(() => {
    process.off('uncaughtException', onUncaught);
    expect(uncaught).toEqual([]);
  });

  const cases: Array<[string, ExportFileWriterConstructor, 'none' | 'gzip', number]> = [
    ['CSV', CsvExportWriter, 'none', 256 * 1024],
    ['CSV, gzip', CsvExportWriter, 'gzip', 256 * 1024],
    ['JSONL, gzip, failing before the first byte is acknowledged', JsonlExportWriter, 'gzip', 0],
    ['XLSX', XlsxExportWriter, 'none', 256 * 1024],
    ['XLSX, gzip', XlsxExportWriter, 'gzip', 256 * 1024],
  ];

  it.each(cases)('%s: the export fails with the file error, neither hanging nor crashing', async (_name, Writer, compression, failAfter) => {
    const file = failingFile(failAfter);
    const output = compressedOutput(compression, file);
    const writer = new Writer(output.stream, columns, { neutralizeFormulas: true, csvBom: false, sheetName: 'people' });
    const run = async () => {
      await writer.writeHeader();
      for (let i = 0; i < 400; i++) {
        await writer.writeRows(batch(500));
        // Between batches an export does other work (reads rows, reports progress).
        await new Promise((r) => setImmediate(r));
      }
      await writer.finish();
      await output.finish();
    };
    await expect(withinSeconds(run(), 20)).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:3975');
    writer.abort();
    output.abort();
    await new Promise((r) => setTimeout(r, 20));
  });

  it('gzip: finish() after the file failed rejects at once instead of waiting for an end that never comes', async () => {
    const file = failingFile(0);
    const output = compressedOutput('gzip', file);
    output.stream.write(randomBytes(1 << 20));
    await new Promise((r) => setTimeout(r, 50));
    await expect(withinSeconds(output.finish(), 5)).rejects.toThrow('ECONNREFUSED');
  });

  it('writeWithBackpressure rejects with the stream error, also for a stream that failed before the write', async () => {
    const file = failingFile(0);
    await expect(withinSeconds(writeWithBackpressure(file, Buffer.alloc(1 << 17)), 5)).rejects.toThrow('ECONNREFUSED');
    await new Promise((r) => setTimeout(r, 20));
    await expect(writeWithBackpressure(file, 'more')).rejects.toThrow('ECONNREFUSED');
  });
});
