import { PassThrough, Writable } from 'stream';
import { finished } from 'stream/promises';
import { promisify } from 'util';
import * as zlib from 'zlib';
import { ParallelDeflateRaw } from './parallel-deflate';

const deflateRaw = promisify(zlib.deflateRaw);

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END_OF_DIRECTORY = 0x06054b50;
const VERSION_NEEDED = 20;
const VERSION_NEEDED_ZIP64 = 45;
/** Unix, APPNOTE 6.3. */
const VERSION_MADE_BY = (3 << 8) | 63;
const NAME_IS_UTF8 = 1 << 11;
const SIZES_IN_DESCRIPTOR = 1 << 3;
const DEFLATED = 8;
/** Past this a size or an offset needs zip64 fields (0xFFFFFFFF itself means "see zip64"). */
const MAX_32 = 0xfffffffe;
/** Every entry's time, 2020-01-01 00:00:00 (MS-DOS fields, and Unix seconds for the UT extra field): identical rows, identical files. */
const DOS_TIME = 0;
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;
const UNIX_TIME = Date.UTC(2020, 0, 1) / 1000;
/** A regular file, rw-r--r--, in the high half of the external attributes. */
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;

interface Entry {
  readonly name: Buffer;
  readonly offset: number;
  /** Sizes and CRC-32 follow the data (a streamed entry) rather than lead it. */
  readonly streamed: boolean;
  crc32: number;
  size: number;
  compressedSize: number;
}

/**
 * The data descriptor is zip64 (8-byte sizes) only when a size needs it: a streaming reader, which
 * has no central directory to ask, reads a 16-byte descriptor after a local header without zip64
 * fields, whatever the entry's offset (yazl chose by the offset too, which such readers misread).
 */
const sizesNeedZip64 = (e: Entry) => e.size > MAX_32 || e.compressedSize > MAX_32;
/** The central directory's record of an entry needs zip64 fields for its sizes or its offset. */
const needsZip64 = (e: Entry, force: boolean) => force || sizesNeedZip64(e) || e.offset > MAX_32;
const flags = (e: Entry) => (e.streamed ? NAME_IS_UTF8 | SIZES_IN_DESCRIPTOR : NAME_IS_UTF8);
const uint64 = (buffer: Buffer, value: number, at: number) => buffer.writeBigUInt64LE(BigInt(value), at);

/**
 * A zip archive written as a stream, for the XLSX writer: deflated entries, either streamed (their
 * bytes written to the Writable `addStream` returns, deflated in parallel pieces, sizes and CRC-32
 * in a data descriptor after them) or whole buffers; zip64 fields where a size or an offset passes
 * 4 GB; a fixed timestamp so the same rows give the same file. Entries are written in the order
 * they were added; the central directory goes at the end.
 *
 * It replaces yazl, whose one zlib stream per entry could not deflate a sheet on more than one
 * thread (ADR 097). It writes the same records yazl wrote, field for field, but the deflate and
 * the data descriptor's width (chosen by the entry's sizes alone, see sizesNeedZip64).
 */
export class ZipStream {
  /** The archive's bytes; it ends after `end()` once every entry is written, and fails with the first failure. */
  readonly outputStream = new PassThrough({ highWaterMark: 1 << 16 });
  private offset = 0;
  private readonly entries: Entry[] = [];
  private queue: Promise<void> = Promise.resolve();
  /** Streamed entries added but not yet being written: failed with the archive, so that no write to one waits for good. */
  private readonly waiting = new Set<ParallelDeflateRaw>();

  /** The entry being written now. */
  private current: ParallelDeflateRaw | null = null;

  /** `forceZip64`: zip64 fields on every entry and the directory, as past 4 GB (yazl's `forceZip64Format`; tests read such archives without writing 4 GB). */
  constructor(private readonly options: { forceZip64?: boolean } = {}) {
    // The archive's stream closed before it ended (destroyed by its reader, or by a failure):
    // every entry still being written or waiting fails with it, so no writer waits for good.
    this.outputStream.once('close', () => {
      if (this.outputStream.readableEnded) return;
      const error = this.outputStream.errored ?? new Error('the zip stream closed before it ended');
      this.current?.destroy(error);
      for (const data of this.waiting) data.destroy(error);
    });
  }

  /** An entry whose bytes are written to (and ended on) the returned stream. */
  addStream(name: string, level: number): Writable {
    const data = new ParallelDeflateRaw(level);
    if (this.outputStream.destroyed) {
      data.destroy(this.outputStream.errored ?? new Error('the zip stream closed before it ended'));
      return data;
    }
    this.waiting.add(data);
    this.enqueue(() => this.pumpStream(Buffer.from(name, 'utf8'), data));
    return data;
  }

  addBuffer(name: string, bytes: Buffer, level: number): void {
    this.enqueue(async () => {
      const compressed = await deflateRaw(bytes, { level });
      const entry: Entry = { name: Buffer.from(name, 'utf8'), offset: this.offset, streamed: false, crc32: zlib.crc32(bytes), size: bytes.length, compressedSize: compressed.length };
      this.write(localHeader(entry));
      this.write(compressed);
      this.entries.push(entry);
    });
  }

  /** Writes the central directory after the entries added so far, then ends `outputStream`. */
  end(): void {
    this.enqueue(async () => {
      const start = this.offset;
      for (const entry of this.entries) this.write(centralHeader(entry, this.options.forceZip64 === true));
      this.write(endOfDirectory(this.entries.length, start, this.offset - start, this.options.forceZip64 === true));
      this.outputStream.end();
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.outputStream.destroyed ? undefined : step()))
      .catch((error: Error) => {
        this.outputStream.destroy(error);
        for (const data of this.waiting) data.destroy(error);
      });
  }

  private async pumpStream(name: Buffer, data: ParallelDeflateRaw): Promise<void> {
    this.waiting.delete(data);
    this.current = data;
    const entry: Entry = { name, offset: this.offset, streamed: true, crc32: 0, size: 0, compressedSize: 0 };
    this.write(localHeader(entry));
    data.pipe(this.outputStream, { end: false });
    try {
      // Also settles for an entry that was destroyed before its turn came.
      await finished(data, { writable: false });
    } catch (error) {
      throw data.errored ?? error;
    } finally {
      this.current = null;
    }
    entry.crc32 = data.crc32;
    entry.size = data.bytesIn;
    entry.compressedSize = data.bytesOut;
    this.offset += data.bytesOut;
    this.write(dataDescriptor(entry));
    this.entries.push(entry);
  }

  private write(bytes: Buffer): void {
    this.outputStream.write(bytes);
    this.offset += bytes.length;
  }
}

function localHeader(entry: Entry): Buffer {
  const header = Buffer.alloc(30 + entry.name.length);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(VERSION_NEEDED, 4);
  header.writeUInt16LE(flags(entry), 6);
  header.writeUInt16LE(DEFLATED, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  if (!entry.streamed) {
    // Only the XLSX's small parts are buffers: a size past 4 GB cannot happen.
    header.writeUInt32LE(entry.crc32, 14);
    header.writeUInt32LE(entry.compressedSize, 18);
    header.writeUInt32LE(entry.size, 22);
  }
  header.writeUInt16LE(entry.name.length, 26);
  entry.name.copy(header, 30);
  return header;
}

function dataDescriptor(entry: Entry): Buffer {
  const zip64 = sizesNeedZip64(entry);
  const descriptor = Buffer.alloc(zip64 ? 24 : 16);
  descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
  descriptor.writeUInt32LE(entry.crc32, 4);
  if (zip64) {
    uint64(descriptor, entry.compressedSize, 8);
    uint64(descriptor, entry.size, 16);
  } else {
    descriptor.writeUInt32LE(entry.compressedSize, 8);
    descriptor.writeUInt32LE(entry.size, 12);
  }
  return descriptor;
}

function centralHeader(entry: Entry, force: boolean): Buffer {
  const zip64 = needsZip64(entry, force);
  const extra = 9 + (zip64 ? 28 : 0);
  const header = Buffer.alloc(46 + entry.name.length + extra);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(VERSION_MADE_BY, 4);
  header.writeUInt16LE(zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, 6);
  header.writeUInt16LE(flags(entry), 8);
  header.writeUInt16LE(DEFLATED, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(entry.crc32, 16);
  header.writeUInt32LE(zip64 ? 0xffffffff : entry.compressedSize, 20);
  header.writeUInt32LE(zip64 ? 0xffffffff : entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt16LE(extra, 30);
  // comment length, disk number, internal attributes: 0
  header.writeUInt32LE(FILE_ATTRIBUTES, 38);
  header.writeUInt32LE(zip64 ? 0xffffffff : entry.offset, 42);
  let at = 46 + entry.name.copy(header, 46);
  // Info-ZIP's UT extra field: modification time (the atime flag set, as Info-ZIP does).
  header.writeUInt16LE(0x5455, at);
  header.writeUInt16LE(5, at + 2);
  header.writeUInt8(0b11, at + 4);
  header.writeUInt32LE(UNIX_TIME, at + 5);
  at += 9;
  if (zip64) {
    header.writeUInt16LE(0x0001, at);
    header.writeUInt16LE(24, at + 2);
    uint64(header, entry.size, at + 4);
    uint64(header, entry.compressedSize, at + 12);
    uint64(header, entry.offset, at + 20);
  }
  return header;
}

function endOfDirectory(count: number, start: number, size: number, force: boolean): Buffer {
  const zip64 = force || count >= 0xffff || start > MAX_32 || size > MAX_32;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_DIRECTORY, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : size, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : start, 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(ZIP64_END, 0);
  uint64(record, 56 - 12, 4);
  record.writeUInt16LE(VERSION_MADE_BY, 12);
  record.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
  uint64(record, count, 24);
  uint64(record, count, 32);
  uint64(record, size, 40);
  uint64(record, start, 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(ZIP64_LOCATOR, 0);
  uint64(locator, start + size, 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}
