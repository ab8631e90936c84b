import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { LocalFileStorage, STRAY_TEMP_FILE_AGE_MS, WRITEBACK_BYTES } from './local-file-storage';
import { describeFileStorageContract } from './storage-contract';

describeFileStorageContract('LocalFileStorage', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-storage-'));
  const storage = new LocalFileStorage(root);
  await storage.init();
  return {
    storage,
    leftovers: () => fs.readdir(path.join(root, '.tmp')),
    dispose: () => fs.rm(root, { recursive: true, force: true }),
  };
});

describe('LocalFileStorage', () => {
  let root: string;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-storage-'));
  });

  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('writes a large file back in the background as it goes (one datasync at a time), and still commits it whole', async () => {
    const storage = new LocalFileStorage(root);
    await storage.init();
    // The module object itself (an `import * as` binding is a copy the code under test never calls).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const datasync = jest.spyOn(require('fs') as typeof import('fs'), 'fdatasync');
    try {
      const writer = storage.openWriter('big/file.bin');
      const chunk = Buffer.alloc(1 << 20, 7);
      const chunks = Math.ceil((2.5 * WRITEBACK_BYTES) / chunk.length);
      const hash = createHash('sha256');
      for (let i = 0; i < chunks; i++) {
        hash.update(chunk);
        if (!writer.stream.write(chunk)) await new Promise((r) => writer.stream.once('drain', r));
      }
      const stored = await writer.commit();
      expect(stored).toEqual({ key: 'big/file.bin', sizeBytes: chunks * chunk.length, sha256: hash.digest('hex') });
      expect((await fs.stat(path.join(root, 'big/file.bin'))).size).toBe(chunks * chunk.length);
      // At most one per WRITEBACK_BYTES written, at least one for a file this size.
      expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(datasync.mock.calls.length).toBeLessThanOrEqual(2);
      expect(typeof datasync.mock.calls[0][0]).toBe('number');
    } finally {
      datasync.mockRestore();
    }
  });

  it('removes stray temp files older than a day at start and leaves younger ones to their writers', async () => {
    await new LocalFileStorage(root).init();
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

  it('sweeps temporary files untouched since the cut-off, keeps fresher ones and finished objects', async () => {
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
  });
});
