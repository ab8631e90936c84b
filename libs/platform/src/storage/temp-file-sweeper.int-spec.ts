import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../config/porter-config';
import { LocalFileStorage } from './local-file-storage';
import { TempFileSweeper } from './temp-file-sweeper';

/**
 * Every worker sweeps the temporary files of dead writers. Several hosts sharing one store (the
 * same directory here; a bucket in production, where a second abort of an upload is NoSuchUpload
 * and not counted) sweep at once: each stale file is removed, and counted, once; a live writer's
 * file is left alone.
 */
describe('temp file sweep with three sweepers at once', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-sweep-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('removes each of 300 stale temporary files once in all', async () => {
    const stores = [0, 1, 2].map(() => new LocalFileStorage(dir));
    await stores[0].init();
    const tmp = path.join(dir, '.tmp');
    const old = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 300; i++) {
      const file = path.join(tmp, `dead-${i}`);
      await fs.writeFile(file, 'partial');
      await fs.utimes(file, old, old);
    }
    const live = stores[0].openWriter('exports/live.csv');
    live.stream.write('still writing');

    const config = loadConfig({ STORAGE_DIR: dir, STORAGE_TMP_MAX_AGE_MS: '60000' });
    const removed: number[] = [];
    const sweepers = stores.map((store) => {
      const counting = Object.create(store, {
        sweepStaleTemporary: { value: async (olderThan: Date) => store.sweepStaleTemporary(olderThan).then((n) => (removed.push(n), n)) },
      });
      return new TempFileSweeper(counting, config);
    });
    await Promise.all(sweepers.map((s) => s.sweep()));

    expect(removed.reduce((a, b) => a + b, 0)).toBe(300);
    const left = await fs.readdir(tmp);
    expect(left).toHaveLength(1);
    await live.abort();
  });
});
