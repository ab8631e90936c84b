import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { LocalFileStorage, STRAY_TEMP_FILE_AGE_MS } from './local-file-storage';
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
