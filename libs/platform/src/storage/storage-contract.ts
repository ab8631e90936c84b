/// <reference types="jest" />
// Jest globals: the build (types: node) compiles this file too, though only specs import it.
import { createHash } from 'crypto';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { NotFoundError } from '@porter/shared-kernel';
import { FileStorage, storageKey } from './file-storage.port';

/**
 * The behaviour every FileStorage adapter owes its callers, as one jest suite: each adapter's spec
 * calls `describeFileStorageContract` with a factory giving a fresh, empty storage per test. Only
 * imported by specs (it calls jest's globals).
 */
export interface StorageContractSubject {
  storage: FileStorage;
  /** What writers left behind under this storage: temp files (disk), incomplete multipart uploads (S3). */
  leftovers(): Promise<string[]>;
  dispose(): Promise<void>;
}

export interface StorageContractOptions {
  /** Bytes of the large write (streamed, never built whole). Default 20 MB. */
  largeBytes?: number;
  /**
   * Abort a write that has already sent data to the store (on S3: a started multipart upload).
   * Off only for a test server that cannot abort multipart uploads.
   */
  abortAfterLargeWrite?: boolean;
  /** Off only for s3rver 3.7.1, which answers `Range: bytes=0-0` with the whole object. */
  firstByteRange?: boolean;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `bytes` of deterministic, non-repeating-per-chunk content, generated 64 KiB at a time. */
export function generated(bytes: number): { stream: () => Readable; sha256: string } {
  const chunkOf = (index: number, length: number): Buffer => {
    const chunk = Buffer.alloc(length, index % 251);
    chunk.writeUInt32BE(index, 0);
    return chunk;
  };
  const sizes = function* () {
    let left = bytes;
    for (let index = 0; left > 0; index++) {
      const length = Math.min(64 * 1024, left);
      left -= length;
      yield chunkOf(index, length);
    }
  };
  const hash = createHash('sha256');
  for (const chunk of sizes()) hash.update(chunk);
  return { stream: () => Readable.from(sizes()), sha256: hash.digest('hex') };
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const text = async (stream: Readable) => (await readAll(stream)).toString('utf8');
const tick = () => new Promise((resolve) => setImmediate(resolve));

export function describeFileStorageContract(
  name: string,
  open: () => Promise<StorageContractSubject>,
  options: StorageContractOptions = {},
): void {
  const largeBytes = options.largeBytes ?? 20 * 1000 * 1000;

  describe(`${name} (FileStorage contract)`, () => {
    let subject: StorageContractSubject;
    let storage: FileStorage;

    beforeEach(async () => {
      subject = await open();
      storage = subject.storage;
    });

    afterEach(() => subject.dispose());

    it('puts, stats, gets, lists and deletes an object, with its size and sha256', async () => {
      const stored = await storage.put('tenant-a/exports/one.csv', Readable.from(['a,b\n', '1,2\n']));
      expect(stored).toEqual({ key: 'tenant-a/exports/one.csv', sizeBytes: 8, sha256: sha256('a,b\n1,2\n') });
      const stat = await storage.stat('tenant-a/exports/one.csv');
      expect(stat).toMatchObject({ key: 'tenant-a/exports/one.csv', sizeBytes: 8 });
      // A real time, recent (a server's clock may differ a little from ours).
      expect(Math.abs(stat!.modifiedAt.getTime() - Date.now())).toBeLessThan(3600_000);
      expect(await text(await storage.get('tenant-a/exports/one.csv'))).toBe('a,b\n1,2\n');
      const listed = [];
      for await (const o of storage.list('tenant-a')) listed.push(o.key);
      expect(listed).toEqual(['tenant-a/exports/one.csv']);
      await storage.delete('tenant-a/exports/one.csv');
      await storage.delete('tenant-a/exports/one.csv');
      expect(await storage.stat('tenant-a/exports/one.csv')).toBeNull();
    });

    it('reads inclusive byte ranges, open-ended ones too', async () => {
      await storage.put('t/range.txt', Readable.from(['0123456789']));
      expect(await text(await storage.get('t/range.txt', { start: 4, end: 6 }))).toBe('456');
      if (options.firstByteRange !== false) expect(await text(await storage.get('t/range.txt', { start: 0, end: 0 }))).toBe('0');
      expect(await text(await storage.get('t/range.txt', { start: 0, end: 1 }))).toBe('01');
      expect(await text(await storage.get('t/range.txt', { start: 7 }))).toBe('789');
      expect(await text(await storage.get('t/range.txt', { start: 9, end: 9 }))).toBe('9');
    });

    it('throws NotFoundError for a missing key, and stat answers null', async () => {
      const missing = storage.get('t/never-written.csv');
      await expect(missing).rejects.toBeInstanceOf(NotFoundError);
      await expect(storage.get('t/never-written.csv')).rejects.toThrow('File t/never-written.csv was not found');
      await expect(storage.get('t/never-written.csv', { start: 0, end: 3 })).rejects.toBeInstanceOf(NotFoundError);
      expect(await storage.stat('t/never-written.csv')).toBeNull();
    });

    it('stores an empty object', async () => {
      expect(await storage.put('t/empty.csv', Readable.from([]))).toEqual({ key: 't/empty.csv', sizeBytes: 0, sha256: sha256('') });
      expect((await storage.stat('t/empty.csv'))?.sizeBytes).toBe(0);
      expect(await text(await storage.get('t/empty.csv'))).toBe('');
    });

    it('shows nothing under the key until the write commits, and nothing after an abort', async () => {
      const writer = storage.openWriter('t/partial.csv');
      writer.stream.write('half of a file');
      await tick();
      expect(await storage.stat('t/partial.csv')).toBeNull();
      await writer.abort();
      await writer.abort(); // twice is harmless
      expect(await storage.stat('t/partial.csv')).toBeNull();
      expect(await subject.leftovers()).toEqual([]);

      const second = storage.openWriter('t/partial.csv');
      second.stream.write('complete');
      expect(await storage.stat('t/partial.csv')).toBeNull();
      expect(await second.commit()).toMatchObject({ key: 't/partial.csv', sizeBytes: 8, sha256: sha256('complete') });
      expect(await text(await storage.get('t/partial.csv'))).toBe('complete');
      await expect(second.commit()).rejects.toThrow('already settled');
      expect(await subject.leftovers()).toEqual([]);
    });

    it('still shows nothing after the caller ended the stream, until commit', async () => {
      const writer = storage.openWriter('t/ended.csv');
      await pipeline(Readable.from(['all ', 'the ', 'bytes']), writer.stream);
      await tick();
      expect(await storage.stat('t/ended.csv')).toBeNull();
      const stored = await writer.commit();
      expect(stored).toEqual({ key: 't/ended.csv', sizeBytes: 13, sha256: sha256('all the bytes') });
      expect(await text(await storage.get('t/ended.csv'))).toBe('all the bytes');

      const dropped = storage.openWriter('t/dropped.csv');
      await pipeline(Readable.from(['finished but not wanted']), dropped.stream);
      await dropped.abort();
      expect(await storage.stat('t/dropped.csv')).toBeNull();
      expect(await subject.leftovers()).toEqual([]);
    });

    it('replaces an existing object whole on a second commit under the same key', async () => {
      await storage.put('t/again.csv', Readable.from(['first version, longer']));
      const writer = storage.openWriter('t/again.csv');
      writer.stream.write('second');
      await tick();
      expect(await text(await storage.get('t/again.csv'))).toBe('first version, longer');
      await writer.commit();
      expect(await text(await storage.get('t/again.csv'))).toBe('second');
    });

    it('leaves no object and nothing behind when the source stream fails midway', async () => {
      const failing = new Readable({
        read() {
          this.push('some bytes');
          this.destroy(new Error('source broke'));
        },
      });
      await expect(storage.put('t/broken.csv', failing)).rejects.toThrow('source broke');
      expect(await storage.stat('t/broken.csv')).toBeNull();
      expect(await subject.leftovers()).toEqual([]);
    });

    it('refuses keys that could escape the storage root', async () => {
      for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', '.hidden', 'a/./b', '.tmp/x']) {
        await expect(storage.put(key, Readable.from(['x']))).rejects.toThrow('invalid storage key');
        expect(() => storage.openWriter(key)).toThrow('invalid storage key');
      }
      expect(() => storageKey('tenant', '..')).toThrow('invalid storage key segment');
      expect(storageKey('tenant', 'exports', 'abc.csv')).toBe('tenant/exports/abc.csv');
    });

    it('lists what is under a prefix as a directory, with sizes, and everything for an empty prefix', async () => {
      await storage.put('p/1/a', Readable.from(['1']));
      await storage.put('p/1/b', Readable.from(['22']));
      await storage.put('p/10/c', Readable.from(['333']));
      await storage.put('q/d', Readable.from(['4444']));
      const keysOf = async (prefix: string) => {
        const found: Array<[string, number]> = [];
        for await (const o of storage.list(prefix)) found.push([o.key, o.sizeBytes]);
        return found.sort(([a], [b]) => a.localeCompare(b));
      };
      expect(await keysOf('p/1')).toEqual([['p/1/a', 1], ['p/1/b', 2]]);
      expect(await keysOf('p/1/')).toEqual([['p/1/a', 1], ['p/1/b', 2]]);
      expect(await keysOf('p')).toEqual([['p/1/a', 1], ['p/1/b', 2], ['p/10/c', 3]]);
      expect(await keysOf('')).toEqual([['p/1/a', 1], ['p/1/b', 2], ['p/10/c', 3], ['q/d', 4]]);
      expect(await keysOf('nothing/here')).toEqual([]);
    });

    it('deletes everything under a prefix', async () => {
      await storage.put('p/1/a', Readable.from(['1']));
      await storage.put('p/1/b', Readable.from(['2']));
      await storage.put('p/10/c', Readable.from(['3']));
      await storage.put('p/2/c', Readable.from(['3']));
      expect(await storage.deletePrefix('p/1')).toBe(2);
      expect(await storage.stat('p/1/a')).toBeNull();
      expect(await storage.stat('p/10/c')).not.toBeNull();
      expect(await storage.stat('p/2/c')).not.toBeNull();
      expect(await storage.deletePrefix('p/1')).toBe(0);
    });

    it(`streams a large write (${largeBytes} bytes) through and reads it back whole and in a range`, async () => {
      const source = generated(largeBytes);
      const stored = await storage.put('t/large.bin', source.stream());
      expect(stored).toEqual({ key: 't/large.bin', sizeBytes: largeBytes, sha256: source.sha256 });
      expect((await storage.stat('t/large.bin'))?.sizeBytes).toBe(largeBytes);
      const readBack = createHash('sha256');
      let readBytes = 0;
      for await (const chunk of await storage.get('t/large.bin')) {
        readBack.update(chunk as Buffer);
        readBytes += (chunk as Buffer).length;
      }
      expect(readBytes).toBe(largeBytes);
      expect(readBack.digest('hex')).toBe(source.sha256);
      // Chunk 100 starts at 100 * 64 KiB with its index, then is filled with index % 251.
      const tail = await readAll(await storage.get('t/large.bin', { start: 100 * 65536, end: 100 * 65536 + 5 }));
      expect([...tail]).toEqual([0, 0, 0, 100, 100, 100]);
    });

    if (options.abortAfterLargeWrite !== false) {
      it('aborts a write that already sent most of a large file, leaving no object and nothing behind', async () => {
        const writer = storage.openWriter('t/abandoned.bin');
        const source = generated(Math.min(largeBytes, 12 * 1000 * 1000)).stream();
        await pipeline(source, writer.stream);
        await tick();
        expect(await storage.stat('t/abandoned.bin')).toBeNull();
        await writer.abort();
        expect(await storage.stat('t/abandoned.bin')).toBeNull();
        expect(await subject.leftovers()).toEqual([]);
      });
    }
  });
}
