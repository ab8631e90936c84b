import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { createHash } from 'crypto';
import { LocalFileStorage, STRAY_TEMP_FILE_AGE_MS } from './local-file-storage';
import { storageKey } from './file-storage.port';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('LocalFileStorage', () => {
  let root: string;
  let storage: LocalFileStorage;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-storage-'));
    storage = new LocalFileStorage(root);
    await storage.init();
  });

  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('puts, stats, gets, lists and deletes an object, with its size and sha256', async () => {
    const stored = await storage.put('tenant-a/exports/one.csv', Readable.from(['a,b\n', '1,2\n']));
    expect(stored).toEqual({
      key: 'tenant-a/exports/one.csv',
      sizeBytes: 8,
      sha256: createHash('sha256').update('a,b\n1,2\n').digest('hex'),
    });
    expect((await storage.stat('tenant-a/exports/one.csv'))?.sizeBytes).toBe(8);
    expect(await readAll(await storage.get('tenant-a/exports/one.csv'))).toBe('a,b\n1,2\n');
    expect(await readAll(await storage.get('tenant-a/exports/one.csv', { start: 4, end: 6 }))).toBe('1,2');
    const listed = [];
    for await (const o of storage.list('tenant-a')) listed.push(o.key);
    expect(listed).toEqual(['tenant-a/exports/one.csv']);
    await storage.delete('tenant-a/exports/one.csv');
    await storage.delete('tenant-a/exports/one.csv');
    expect(await storage.stat('tenant-a/exports/one.csv')).toBeNull();
    await expect(storage.get('tenant-a/exports/one.csv')).rejects.toThrow('was not found');
  });

  it('shows nothing under the key until the write commits, and nothing after an abort', async () => {
    const writer = storage.openWriter('t/partial.csv');
    writer.stream.write('half of a file');
    await new Promise((r) => setImmediate(r));
    expect(await storage.stat('t/partial.csv')).toBeNull();
    await writer.abort();
    expect(await storage.stat('t/partial.csv')).toBeNull();
    expect(await fs.readdir(path.join(root, '.tmp'))).toEqual([]);

    const second = storage.openWriter('t/partial.csv');
    second.stream.write('complete');
    expect(await storage.stat('t/partial.csv')).toBeNull();
    await second.commit();
    expect(await readAll(await storage.get('t/partial.csv'))).toBe('complete');
  });

  it('leaves no file when the source stream fails midway', async () => {
    const failing = new Readable({
      read() {
        this.push('some bytes');
        this.destroy(new Error('source broke'));
      },
    });
    await expect(storage.put('t/broken.csv', failing)).rejects.toThrow('source broke');
    expect(await storage.stat('t/broken.csv')).toBeNull();
    expect(await fs.readdir(path.join(root, '.tmp'))).toEqual([]);
  });

  it('removes stray temp files older than a day at start and leaves younger ones to their writers', async () => {
    const tmp = path.join(root, '.tmp');
    const stale = path.join(tmp, 'died-yesterday');
    const young = path.join(tmp, 'still-writing');
    await fs.writeFile(stale, 'half');
    await fs.writeFile(young, 'half');
    const longAgo = new Date(Date.now() - STRAY_TEMP_FILE_AGE_MS - 60_000);
    await fs.utimes(stale, longAgo, longAgo);
    await new LocalFileStorage(root).init();
    expect(await fs.readdir(tmp)).toEqual(['still-writing']);
  });

  it('refuses keys that could escape the storage root', async () => {
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', '.hidden', 'a/./b']) {
      await expect(storage.put(key, Readable.from(['x']))).rejects.toThrow('invalid storage key');
    }
    expect(() => storageKey('tenant', '..')).toThrow('invalid storage key segment');
    expect(storageKey('tenant', 'exports', 'abc.csv')).toBe('tenant/exports/abc.csv');
  });

  it('deletes everything under a prefix', async () => {
    await storage.put('p/1/a', Readable.from(['1']));
    await storage.put('p/1/b', Readable.from(['2']));
    await storage.put('p/2/c', Readable.from(['3']));
    expect(await storage.deletePrefix('p/1')).toBe(2);
    expect(await storage.stat('p/2/c')).not.toBeNull();
  });
});

describe('LocalFileStorage.sweepStaleTemporary', () => {
  it('removes temporary files untouched since the cut-off, keeps fresher ones and finished objects', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-sweep-'));
    const storage = new LocalFileStorage(root);
    await storage.init();
    await storage.put('kept/object', Readable.from([Buffer.from('done')]));
    const tmp = path.join(root, '.tmp');
    await fs.writeFile(path.join(tmp, 'dead-writer'), 'half a file');
    await fs.writeFile(path.join(tmp, 'live-writer'), 'still coming');
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(path.join(tmp, 'dead-writer'), old, old);
    expect(await storage.sweepStaleTemporary(new Date(Date.now() - 30_000))).toBe(1);
    expect(await fs.readdir(tmp)).toEqual(['live-writer']);
    expect((await storage.stat('kept/object'))?.sizeBytes).toBe(4);
    await fs.rm(root, { recursive: true, force: true });
  });
});
