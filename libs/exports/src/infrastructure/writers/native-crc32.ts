import * as path from 'path';
import * as zlib from 'zlib';

type Crc32 = ((...args: unknown[]) => Buffer) & { unsigned: (buf: Buffer | string, previous?: number | Buffer) => number };
type NativeCrc32 = (data: Buffer | string, value?: number) => number;

/**
 * yazl (the XLSX writer's zip) takes each entry's CRC-32 from `buffer-crc32`, a table lookup per
 * byte in JavaScript: about a quarter of the XLSX writer's CPU. Node ≥ 20.15 computes the same
 * CRC-32 natively (`zlib.crc32`, zlib's vectorised code). This points yazl's copy of
 * `buffer-crc32.unsigned` at it, once; same values for the same bytes (checked by
 * native-crc32.spec.ts against the JavaScript code). Returns false, changing nothing, on a Node
 * without `zlib.crc32`.
 */
export function useNativeCrc32ForYazl(): boolean {
  const native = (zlib as unknown as { crc32?: NativeCrc32 }).crc32;
  if (typeof native !== 'function') return false;
  const crc = yazlsCrc32();
  if ((crc.unsigned as { native?: boolean }).native) return true;
  const unsigned = (buf: Buffer | string, previous?: number | Buffer): number =>
    native(buf, previous === undefined ? 0 : Buffer.isBuffer(previous) ? previous.readUInt32BE(0) : previous >>> 0);
  crc.unsigned = Object.assign(unsigned, { native: true });
  return true;
}

/** The `buffer-crc32` module yazl itself loads (it may be a nested copy). */
export function yazlsCrc32(): Crc32 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('buffer-crc32', { paths: [path.dirname(require.resolve('yazl'))] })) as Crc32;
}
