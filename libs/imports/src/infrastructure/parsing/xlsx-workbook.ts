import { PassThrough, Readable } from 'stream';
import { StringDecoder } from 'string_decoder';
import { SaxesParser, SaxesTagPlain } from 'saxes';
import * as yauzl from 'yauzl';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { ImportLimits } from '../../domain/import-limits';
import type { SourceFile } from '../../application/ports/import-file-reader.port';

/*
 * The XLSX package: the zip archive read by ranges from storage, its central directory checked
 * against the limits before anything is inflated, and its XML parts streamed (what the parts say is
 * read in xlsx-sheet.ts).
 */

/**
 * The tail of a zip holds its central directory; yauzl reads it with one small ranged read per
 * entry. The last TAIL_BYTES of the file are fetched once and those reads are served from memory
 * (a workbook's whole central directory, usually), so opening a workbook costs one ranged read of
 * storage, not two per entry (which on S3 are two requests per entry).
 */
const TAIL_BYTES = 256 * 1024;

/** yauzl reads the central directory and entries by range: storage ranges serve it. */
class StorageRandomAccessReader extends yauzl.RandomAccessReader {
  private tail: Promise<{ start: number; bytes: Buffer }> | null = null;

  constructor(private readonly file: SourceFile) {
    super();
  }

  private readTail(): Promise<{ start: number; bytes: Buffer }> {
    this.tail ??= (async () => {
      const start = Math.max(0, this.file.sizeBytes - TAIL_BYTES);
      if (this.file.sizeBytes === 0) return { start, bytes: Buffer.alloc(0) };
      const chunks: Buffer[] = [];
      for await (const chunk of await this.file.open({ start, end: this.file.sizeBytes - 1 })) chunks.push(chunk as Buffer);
      return { start, bytes: Buffer.concat(chunks) };
    })();
    return this.tail;
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    if (end <= start) {
      out.end();
      return out;
    }
    const cached = start >= Math.max(0, this.file.sizeBytes - TAIL_BYTES);
    (cached
      ? this.readTail().then((tail) => Readable.from([tail.bytes.subarray(start - tail.start, end - tail.start)]))
      : this.file.open({ start, end: end - 1 })
    )
      .then((stream) => {
        stream.on('error', (error) => out.destroy(error));
        stream.pipe(out);
      })
      .catch((error: Error) => out.destroy(error));
    return out;
  }
}

/** An opened workbook: its zip and its entries by name. */
export interface Workbook {
  zip: yauzl.ZipFile;
  entries: Map<string, yauzl.Entry>;
}

/**
 * A readable zip archive that is not a spreadsheet (a Word document, a Java archive, a plain
 * zip...): the upload answers 415, like any other format Porter does not read.
 */
export class NotAnXlsxWorkbookError extends FileRejectedError {
  constructor(names: Iterable<string>) {
    super(`the file is a zip archive but not an XLSX workbook (it has no xl/workbook.xml)${packageHint(names)}`);
    this.name = 'NotAnXlsxWorkbookError';
  }
}

function packageHint(names: Iterable<string>): string {
  const all = new Set(names);
  if (all.has('word/document.xml')) return '; it looks like a Word document (.docx)';
  if (all.has('ppt/presentation.xml')) return '; it looks like a PowerPoint presentation (.pptx)';
  if (all.has('META-INF/MANIFEST.MF')) return '; it looks like a Java archive (.jar)';
  if (all.has('mimetype') && all.has('content.xml')) return '; it looks like an OpenDocument file (.ods, .odt); save it as .xlsx';
  return '';
}

/**
 * Opens the zip and checks its central directory: entry count, each part's declared size and
 * compression ratio, the declared total, encryption, and that it is a workbook at all. Nothing is
 * inflated here. (The bytes actually inflated are checked while parts are read: see streamXml.)
 */
export async function openWorkbook(file: SourceFile, limits: ImportLimits): Promise<Workbook> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new StorageRandomAccessReader(file), file.sizeBytes, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (error) {
    throw new FileRejectedError(`the file starts like a zip archive (XLSX) but cannot be opened: ${(error as Error).message}`);
  }
  if (zip.entryCount > limits.maxZipEntries) {
    zip.close();
    throw new FileRejectedError(`the XLSX has ${zip.entryCount} zip entries, more than the limit of ${limits.maxZipEntries}`);
  }
  const entries = new Map<string, yauzl.Entry>();
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      total += entry.uncompressedSize;
      if (entry.uncompressedSize > limits.maxPartBytes) {
        throw new FileRejectedError(`the XLSX part "${entry.fileName}" decompresses to ${entry.uncompressedSize} bytes, more than the limit of ${limits.maxPartBytes} (zip bomb?)`);
      }
      if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize > Math.max(entry.compressedSize, 1) * limits.maxCompressionRatio) {
        throw new FileRejectedError(
          `the XLSX part "${entry.fileName}" has a compression ratio of ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))}:1, more than the limit of ${limits.maxCompressionRatio}:1 (zip bomb?)`,
        );
      }
      if (total > limits.maxUncompressedBytes) {
        throw new FileRejectedError(`the XLSX decompresses to more than ${limits.maxUncompressedBytes} bytes in total (zip bomb?)`);
      }
      if (entry.isEncrypted()) throw new FileRejectedError('the XLSX is encrypted (password-protected); save it without a password');
      entries.set(entry.fileName.replace(/^\/+/, ''), entry);
    }
  } catch (error) {
    zip.close();
    if (error instanceof FileRejectedError) throw error;
    throw new FileRejectedError(`the XLSX zip structure is invalid: ${(error as Error).message}`);
  }
  if (!entries.has('xl/workbook.xml')) {
    zip.close();
    throw new NotAnXlsxWorkbookError(entries.keys());
  }
  return { zip, entries };
}

/**
 * The upload's check of a file that starts like a zip: its central directory, read from the
 * stored file's tail (see openWorkbook), must be a workbook's within the limits. A .docx, a .jar
 * or a plain zip is refused before a batch exists; the sheet itself is read by the worker.
 */
export async function inspectXlsx(file: SourceFile, limits: ImportLimits): Promise<void> {
  const book = await openWorkbook(file, limits);
  book.zip.close();
}

/**
 * Streams one XML part through saxes, calling `onTag`/`onText`/`onClose` as it goes and
 * yielding control after each chunk (so a consumer can apply backpressure). DOCTYPEs are
 * refused (no entity of any kind is ever expanded). The bytes actually inflated are counted
 * against the part limit, and yauzl stops a part that inflates past the size its central
 * directory entry declares; so the declared sizes checked in openWorkbook (per part and in total)
 * bound what is inflated, whatever the local headers claim.
 */
export async function* streamXml(
  book: Workbook,
  name: string,
  limits: ImportLimits,
  handlers: { open?: (tag: SaxesTagPlain) => void; text?: (text: string) => void; close?: (tag: SaxesTagPlain) => void },
): AsyncGenerator<void> {
  const entry = book.entries.get(name);
  if (!entry) throw new FileRejectedError(`the XLSX has no part "${name}"`);
  let stream: Readable;
  try {
    stream = await book.zip.openReadStreamPromise(entry);
  } catch (error) {
    throw new FileRejectedError(`the XLSX part "${name}" cannot be read: ${(error as Error).message}`);
  }
  const parser = new SaxesParser({ xmlns: false });
  let failure: Error | null = null;
  parser.on('doctype', () => {
    failure ??= new FileRejectedError(`the XLSX part "${name}" declares a DOCTYPE; DTDs and external entities are not allowed`);
  });
  parser.on('error', (error) => {
    failure ??= new FileRejectedError(`the XLSX part "${name}" is not well-formed XML: ${error.message}`);
  });
  // Where the parser last reported something: what it read since is held in memory (a text, an
  // attribute value, a comment), so a run longer than maxXmlRunChars refuses the part.
  let reportedAt = 0;
  const reported = () => void (reportedAt = parser.position);
  const { open, text, close } = handlers;
  parser.on('opentag', open ? (tag) => (reported(), open(tag as SaxesTagPlain)) : reported);
  parser.on('text', text ? (value) => (reported(), text(value)) : reported);
  parser.on('closetag', close ? (tag) => (reported(), close(tag as SaxesTagPlain)) : reported);
  for (const event of ['comment', 'cdata', 'processinginstruction'] as const) parser.on(event, reported);
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  let written = 0;
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      if (bytes > limits.maxPartBytes) throw new FileRejectedError(`the XLSX part "${name}" decompresses past the limit of ${limits.maxPartBytes} bytes (zip bomb?)`);
      if (bytes > (limits.quickLookPartBytes ?? Infinity)) throw new FileRejectedError(`the XLSX part "${name}" is longer than a quick look reads`);
      const text = decoder.write(chunk as Buffer);
      parser.write(text);
      written += text.length;
      if (failure) throw failure;
      // (written, not parser.position: between two writes saxes counts the last chunk twice)
      if (written - reportedAt > limits.maxXmlRunChars) {
        throw new FileRejectedError(`the XLSX part "${name}" has a text, attribute or comment longer than ${limits.maxXmlRunChars} characters (no spreadsheet's)`);
      }
      yield;
    }
    parser.write(decoder.end());
    parser.close();
    if (failure) throw failure;
    yield;
  } catch (error) {
    if (error instanceof FileRejectedError) throw error;
    const message = (error as Error).message;
    // yauzl counts the bytes it inflates against the size the central directory declares (which
    // the limits above were checked on) and stops the part as soon as it inflates past it.
    const declared = /^too many bytes in the stream\. expected (\d+)/.exec(message);
    if (declared) {
      throw new FileRejectedError(`the XLSX part "${name}" inflates to more than the ${declared[1]} bytes its zip directory declares (a malformed or hostile archive)`);
    }
    throw new FileRejectedError(`the XLSX part "${name}" cannot be read: ${message}`);
  } finally {
    stream.destroy();
  }
}
