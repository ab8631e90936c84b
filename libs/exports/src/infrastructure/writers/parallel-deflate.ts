import { Transform, TransformCallback } from 'stream';
import * as zlib from 'zlib';

/** Input bytes deflated as one independent piece (see ParallelDeflateRaw). */
export const DEFLATE_BLOCK_BYTES = 1 << 18;
/** Pieces being deflated on libuv's thread pool at once, per stream. */
export const DEFLATE_BLOCKS_IN_FLIGHT = 3;
/**
 * zlib's output buffer per piece: a level-1 piece of sheet XML (~10 % of its input) fits in one,
 * so each piece is one round trip to the thread pool instead of one per 16 KB (Node's default).
 */
const OUTPUT_CHUNK_BYTES = 1 << 16;
/** A final, empty block with fixed Huffman codes: `BFINAL=1, BTYPE=01`, then end-of-block. */
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

/**
 * A raw deflate stream (RFC 1951) made of pieces deflated side by side, as pigz does: the input
 * is cut into blocks of `DEFLATE_BLOCK_BYTES` (at fixed offsets, whatever the writes), each
 * deflated by zlib on libuv's thread pool and ended with a sync flush (byte-aligned, not final),
 * up to `DEFLATE_BLOCKS_IN_FLIGHT` at once; their output is emitted in order and ended by an
 * empty final block. Any inflater reads the
 * concatenation as one stream. Each piece starts without the 32 KB window before it (pigz passes
 * it as a dictionary): on a 1M-row sheet at level 1 that costs 1.4 % of the size (97.8 MB
 * against 96.4 MB), and sparing the dictionary is worth more.
 *
 * One zlib stream deflates on one thread, a 16 KB output buffer per round trip, so an XLSX export
 * waited on it with the main thread 40 % idle (ADR 097). The CRC-32 and the byte counts a zip entry
 * needs are kept on the way (`crc32`, `bytesIn`, `bytesOut`).
 */
export class ParallelDeflateRaw extends Transform {
  /** CRC-32 of the input so far (zip's checksum, of the uncompressed bytes). */
  crc32 = 0;
  bytesIn = 0;
  bytesOut = 0;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private readonly pieces: Array<Promise<Buffer>> = [];

  constructor(
    private readonly level: number,
    private readonly blockBytes = DEFLATE_BLOCK_BYTES,
    private readonly inFlight = DEFLATE_BLOCKS_IN_FLIGHT,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc32 = zlib.crc32(chunk, this.crc32);
    this.bytesIn += chunk.length;
    this.cut(chunk).then(() => callback(), callback);
  }

  /**
   * Blocks are cut at fixed offsets of the input, so the output does not depend on how the input
   * was chunked: the same rows give the same file. A write larger than a block waits after each
   * block it starts, so one large write never has more than `inFlight` pieces on the pool.
   */
  private async cut(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (this.partBytes + rest.length >= this.blockBytes) {
      const take = this.blockBytes - this.partBytes;
      this.parts.push(rest.subarray(0, take));
      this.partBytes += take;
      this.startBlock();
      rest = rest.subarray(take);
      await this.emitPieces(this.inFlight - 1);
    }
    if (rest.length) {
      this.parts.push(rest);
      this.partBytes += rest.length;
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.partBytes) this.startBlock();
    } catch (error) {
      return callback(error as Error);
    }
    this.emitPieces(0).then(() => {
      this.emit_(FINAL_EMPTY_BLOCK);
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Pieces still on the thread pool finish there; their output is dropped.
    this.pieces.length = 0;
    this.parts = [];
    callback(error);
  }

  /** Pieces on the thread pool now (for tests). */
  get piecesInFlight(): number {
    return this.pieces.length;
  }

  /** Emits finished pieces, in order, until at most `keep` are still being deflated. */
  private async emitPieces(keep: number): Promise<void> {
    while (this.pieces.length > keep) this.emit_(await this.pieces[0]!.finally(() => this.pieces.shift()));
  }

  private emit_(bytes: Buffer): void {
    this.bytesOut += bytes.length;
    this.push(bytes);
  }

  private startBlock(): void {
    const block = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    const options: zlib.ZlibOptions = { level: this.level, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: OUTPUT_CHUNK_BYTES };
    const piece = new Promise<Buffer>((resolve, reject) => zlib.deflateRaw(block, options, (error, out) => (error ? reject(error) : resolve(out))));
    // Seen by emitPieces in its turn; a failure before then must not count as unhandled.
    piece.catch(() => undefined);
    this.pieces.push(piece);
  }
}
