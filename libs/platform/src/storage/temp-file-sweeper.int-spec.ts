import { promises as fs } from 'fs';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../config/porter-config';
import { LocalFileStorage } from './local-file-storage';
import { S3FileStorage } from './s3-file-storage';
import { TempFileSweeper } from './temp-file-sweeper';
import { MotoServer, startMoto, motoAvailable } from './moto-test-server';
import type { FileStorage } from './file-storage.port';
import type { PorterConfig } from '../config/porter-config';

/** One sweeper per store, each adding what its sweep removed to `removed`. */
function countingSweepers(stores: FileStorage[], config: PorterConfig, removed: number[]): TempFileSweeper[] {
  return stores.map((store) => {
    const counting = Object.create(store, {
      sweepStaleTemporary: { value: async (olderThan: Date) => store.sweepStaleTemporary(olderThan).then((n) => (removed.push(n), n)) },
    });
    return new TempFileSweeper(counting, config);
  });
}

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
    const sweepers = countingSweepers(stores, config, removed);
    await Promise.all(sweepers.map((s) => s.sweep()));

    expect(removed.reduce((a, b) => a + b, 0)).toBe(300);
    const left = await fs.readdir(tmp);
    expect(left).toHaveLength(1);
    await live.abort();
  });
});

const withMoto = motoAvailable();
if (!withMoto) process.stderr.write('\n[temp sweep] moto_server is not on PATH: the S3 sweep with three sweepers is skipped\n');

(withMoto ? describe : describe.skip)('S3 multipart sweep with three sweepers at once (moto_server)', () => {
  const credentials = { accessKeyId: 'sweep', secretAccessKey: 'sweep-secret' };
  let moto: MotoServer;
  let endpoint: string;
  let admin: S3Client;

  beforeAll(async () => {
    moto = await startMoto('sweep', credentials);
    endpoint = moto.endpoint;
    admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  }, 60_000);

  afterAll(async () => {
    admin?.destroy();
    await moto?.stop();
  });

  it('aborts each of 40 dead uploads once in all (an upload another sweeper aborted first is not counted)', async () => {
    for (let i = 0; i < 40; i++) await admin.send(new CreateMultipartUploadCommand({ Bucket: 'sweep', Key: `porter/exports/dead-${i}.csv` }));
    const config = loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'sweep', STORAGE_TMP_MAX_AGE_MS: '1000' });
    const stores = [0, 1, 2].map(
      () => new S3FileStorage({ bucket: 'sweep', endpoint, region: 'us-east-1', forcePathStyle: true, keyPrefix: 'porter', credentials }),
    );
    const removed: number[] = [];
    const sweepers = countingSweepers(stores, config, removed);
    // moto dates every upload's Initiated in 2010 and these have no parts: all 40 are stale.
    await Promise.all(sweepers.map((s) => s.sweep()));

    expect(removed.reduce((a, b) => a + b, 0)).toBe(40);
    expect((await admin.send(new ListMultipartUploadsCommand({ Bucket: 'sweep' }))).Uploads ?? []).toEqual([]);
    for (const store of stores) store.client.destroy();
  });
});
