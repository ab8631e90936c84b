import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { HealthIndicatorService } from '@nestjs/terminus';
import { loadConfig } from '../config/porter-config';
import { DependencyHealthIndicators } from '../health/health-indicators';
import { LocalFileStorage } from './local-file-storage';
import { S3FileStorage, S3FileStorageOptions } from './s3-file-storage';
import { createFileStorage } from './storage.module';
import { attachmentDisposition } from '../http/content-disposition';
import { describeFileStorageContract, generated, readAll } from './storage-contract';
import { motoAvailable, startMoto } from './moto-test-server';

/**
 * S3FileStorage against REAL S3 servers on 127.0.0.1, started here (no mock of the SDK):
 *
 * - s3rver (npm devDependency, always there) serves objects, ranges, listings, batch deletes and
 *   multipart uploads, but 3.7.1 implements neither ListMultipartUploads nor AbortMultipartUpload,
 *   answers `bytes=0-0` with the whole object, and fails any truncated listing on Node 20 (its
 *   continuation tokens use DES, which OpenSSL 3 no longer offers). On it the contract runs
 *   without the abort of a started multipart upload and the first-byte range, and leftovers are
 *   read from its upload directory on disk.
 * - moto_server (Python's moto, present on this project's machines) implements those too: the
 *   full contract, listings past one page and the multipart lifecycle (abort, sweep) run on it. Where `moto_server` is not
 *   on PATH those tests are skipped with a warning.
 */
const BUCKET = 'porter-test';
const PART = 5 * 1024 * 1024; // S3's minimum part size: the 20 MB writes become 4 parts
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?: () => void };
};

let runs = 0;
const runPrefix = () => `porter-int/${Date.now().toString(36)}-${++runs}`;

interface Server {
  endpoint: string;
  stop(): Promise<void>;
}

async function startS3rver(directory: string): Promise<Server> {
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.httpServer?.closeAllConnections?.();
      await server.close();
    },
  };
}

const startMotoServer = (): Promise<Server> => startMoto(BUCKET, CREDENTIALS);

function storageOn(endpoint: string, keyPrefix: string, extra: Partial<S3FileStorageOptions> = {}): S3FileStorage {
  return new S3FileStorage({
    bucket: BUCKET,
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    keyPrefix,
    credentials: CREDENTIALS,
    partSize: PART,
    ...extra,
  });
}

async function pendingUploads(client: S3Client, prefix: string): Promise<string[]> {
  const page = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

/** Records the name of every command the client sends (the real requests still go out). */
function recordCommands(storage: S3FileStorage): string[] {
  const sent: string[] = [];
  storage.client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'porterRecordCommands' },
  );
  return sent;
}

// ---------------------------------------------------------------- s3rver

describe('S3FileStorage on s3rver', () => {
  let directory: string;
  let server: Server;

  beforeAll(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-s3rver-'));
    server = await startS3rver(directory);
  });

  afterAll(async () => {
    await server?.stop();
    await fs.rm(directory, { recursive: true, force: true });
  });

  /** Multipart uploads s3rver still holds (it keeps each in `<bucket>/._S3rver_uploads/<id>/key`). */
  async function s3rverUploads(prefix: string): Promise<string[]> {
    const uploadsDir = path.join(directory, BUCKET, '._S3rver_uploads');
    const found: string[] = [];
    for (const id of await fs.readdir(uploadsDir).catch(() => [] as string[])) {
      const key = await fs.readFile(path.join(uploadsDir, id, 'key'), 'utf8').catch(() => '');
      if (key.startsWith(prefix)) found.push(`${key} ${id}`);
    }
    return found;
  }

  describeFileStorageContract(
    'S3FileStorage on s3rver',
    async () => {
      const prefix = runPrefix();
      const storage = storageOn(server.endpoint, prefix);
      return {
        storage,
        leftovers: () => s3rverUploads(prefix + '/'),
        dispose: async () => {
          await storage.deletePrefix('');
          storage.client.destroy();
        },
      };
    },
    { abortAfterLargeWrite: false, firstByteRange: false },
  );

  it('presigns a GET that downloads the object without credentials, named by Content-Disposition, until it expires', async () => {
    const prefix = runPrefix();
    const storage = storageOn(server.endpoint, prefix);
    const body = 'id,name\n1,Zoë\n';
    await storage.put('exports/file.csv', Readable.from([Buffer.from(body)]));
    const disposition = attachmentDisposition('employees 2026-12-04 Zoë.csv');
    const url = await storage.presignedGetUrl('exports/file.csv', { expiresInSeconds: 2, contentDisposition: disposition, contentType: 'text/csv; charset=utf-8' });
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain('X-Amz-Expires=2');
    // A plain fetch: no SDK, no credentials, as a browser or a webhook receiver would.
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toBe(body);
    expect(res.headers.get('content-disposition')).toBe(disposition);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // s3rver enforces the expiry (not the signature: see DEPENDENCIES notes); the link stops working.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status !== 403 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await fetch(url)).status;
    }
    expect(status).toBe(403);
    await storage.deletePrefix('');
    storage.client.destroy();
  });

  it('streams a 20 MB write as a multipart upload of 5 MiB parts, completed only by commit', async () => {
    const prefix = runPrefix();
    const storage = storageOn(server.endpoint, prefix);
    const sent = recordCommands(storage);
    const source = generated(20 * 1000 * 1000);
    const writer = storage.openWriter('big/file.bin');
    await new Promise<void>((resolve, reject) => source.stream().on('error', reject).pipe(writer.stream).on('finish', resolve));
    // The whole 20 MB went into the writer, which buffers ~3 parts at most: the full parts were
    // sent as the bytes came (streaming, not the file collected in memory); the last waits for
    // commit, and nothing is under the key yet.
    expect(sent.filter((c) => c === 'UploadPartCommand').length).toBe(3);
    expect(await s3rverUploads(prefix + '/big/file.bin')).toHaveLength(1);
    expect(await storage.stat('big/file.bin')).toBeNull();
    expect(await writer.commit()).toEqual({ key: 'big/file.bin', sizeBytes: 20_000_000, sha256: source.sha256 });
    expect(sent.filter((c) => c !== 'HeadObjectCommand')).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    expect(await s3rverUploads(prefix + '/')).toEqual([]);
    expect((await storage.stat('big/file.bin'))?.sizeBytes).toBe(20_000_000);
    await storage.deletePrefix('');
    storage.client.destroy();
  });

  it('sends every part from a fixed pool of queueSize + 1 buffers, reused part after part (no buffer per part)', async () => {
    const prefix = runPrefix();
    const storage = storageOn(server.endpoint, prefix, { queueSize: 2 });
    const bodies = new Set<ArrayBufferLike>();
    let parts = 0;
    storage.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') {
          parts++;
          bodies.add(((args.input as { Body: Buffer }).Body).buffer);
        }
        return next(args);
      },
      { step: 'initialize', name: 'porterRecordPartBodies' },
    );
    const source = generated(12 * PART + 12345);
    const writer = storage.openWriter('pool/file.bin');
    await new Promise<void>((resolve, reject) => source.stream().on('error', reject).pipe(writer.stream).on('finish', resolve));
    expect(await writer.commit()).toEqual({ key: 'pool/file.bin', sizeBytes: 12 * PART + 12345, sha256: source.sha256 });
    expect(parts).toBe(13);
    expect(bodies.size).toBeLessThanOrEqual(3);
    expect((await readAll(await storage.get('pool/file.bin'))).length).toBe(12 * PART + 12345);
    await storage.deletePrefix('');
    storage.client.destroy();
  });

  it('sends a file of exactly one part as one PutObject at commit, and one of exactly two parts as two parts', async () => {
    const prefix = runPrefix();
    const storage = storageOn(server.endpoint, prefix);
    const sent = recordCommands(storage);
    for (const [name, bytes] of [['one.bin', PART], ['two.bin', 2 * PART], ['empty.bin', 0]] as const) {
      const source = generated(bytes);
      const writer = storage.openWriter(name);
      await new Promise<void>((resolve, reject) => source.stream().on('error', reject).pipe(writer.stream).on('finish', resolve));
      expect(await writer.commit()).toEqual({ key: name, sizeBytes: bytes, sha256: source.sha256 });
      expect((await storage.stat(name))?.sizeBytes).toBe(bytes);
    }
    expect(sent.filter((c) => c !== 'HeadObjectCommand')).toEqual([
      'PutObjectCommand',
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
      'PutObjectCommand',
    ]);
    await storage.deletePrefix('');
    storage.client.destroy();
  });

  it('puts every key under S3_KEY_PREFIX and lists keys without it', async () => {
    const prefix = runPrefix();
    const storage = storageOn(server.endpoint, prefix + '/');
    await storage.put('tenant/exports/a.csv', Readable.from(['a']));
    const raw = await storage.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'porter-int/' }));
    expect((raw.Contents ?? []).map((o) => o.Key)).toContain(`${prefix}/tenant/exports/a.csv`);
    const keys = [];
    for await (const o of storage.list('tenant')) keys.push(o.key);
    expect(keys).toEqual(['tenant/exports/a.csv']);
    // Another prefix (another environment sharing the bucket) sees none of it.
    const other = storageOn(server.endpoint, runPrefix());
    expect(await other.stat('tenant/exports/a.csv')).toBeNull();
    for await (const o of other.list('')) throw new Error(`unexpected ${o.key}`);
    await storage.deletePrefix('');
    storage.client.destroy();
    other.client.destroy();
  });

  it('is what FILE_STORAGE holds when STORAGE_DRIVER=s3 (credentials from the environment), and readiness then checks the bucket', async () => {
    const prefix = runPrefix();
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    const s3Env = { STORAGE_DRIVER: 's3', S3_BUCKET: BUCKET, S3_ENDPOINT: server.endpoint, S3_FORCE_PATH_STYLE: 'true', S3_KEY_PREFIX: prefix };
    const indicatorsFor = (storage: unknown, env: Record<string, string>) =>
      new DependencyHealthIndicators(new HealthIndicatorService(), null as never, null as never, storage as never, loadConfig(env));
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-local-'));
    try {
      const storage = await createFileStorage(loadConfig(s3Env));
      expect(storage).toBeInstanceOf(S3FileStorage);
      await storage.put('via/module.txt', Readable.from(['hello']));
      const raw = await (storage as S3FileStorage).client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix + '/' }));
      expect((raw.Contents ?? []).map((o) => o.Key)).toEqual([`${prefix}/via/module.txt`]);

      const ready = indicatorsFor(storage, s3Env);
      expect(ready.readinessChecks()).toHaveLength(3);
      expect(await ready.s3()).toEqual({ s3: { status: 'up' } });
      const missingEnv = { ...s3Env, S3_BUCKET: 'porter-missing' };
      const down = await indicatorsFor(await createFileStorage(loadConfig(missingEnv)), missingEnv).s3();
      expect(down.s3.status).toBe('down');
      expect(down.s3.message).toBe(`S3 bucket "porter-missing" does not exist at ${server.endpoint} (HTTP 404)`);

      const localEnv = { STORAGE_DIR: dir };
      const local = await createFileStorage(loadConfig(localEnv));
      expect(local).toBeInstanceOf(LocalFileStorage);
      expect(indicatorsFor(local, localEnv).readinessChecks()).toHaveLength(2);
      await storage.deletePrefix('');
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('answers ping while the bucket is there and fails it otherwise', async () => {
    const storage = storageOn(server.endpoint, '');
    await expect(storage.ping()).resolves.toBeUndefined();
    const missing = new S3FileStorage({ bucket: 'porter-missing', endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, keyPrefix: '', credentials: CREDENTIALS });
    // The problem names the bucket and where it was looked for (the SDK says "NotFound: UnknownError").
    await expect(missing.ping()).rejects.toThrow(`S3 bucket "porter-missing" does not exist at ${server.endpoint}`);
    const nowhere = new S3FileStorage({ bucket: BUCKET, endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, keyPrefix: '', credentials: CREDENTIALS });
    await expect(nowhere.ping()).rejects.toThrow('S3 endpoint http://127.0.0.1:9 is unreachable (ECONNREFUSED)');
    storage.client.destroy();
    missing.client.destroy();
    nowhere.client.destroy();
  });
});

// ---------------------------------------------------------------- moto

const withMoto = motoAvailable();
if (!withMoto) {
  process.stderr.write('\n[s3 storage] moto_server is not on PATH: multipart abort and sweep tests are skipped\n');
}

(withMoto ? describe : describe.skip)('S3FileStorage on moto_server', () => {
  let server: Server;
  let admin: S3Client;

  beforeAll(async () => {
    server = await startMotoServer();
    admin = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
  }, 60_000);

  afterAll(async () => {
    admin?.destroy();
    await server?.stop();
  });

  describeFileStorageContract('S3FileStorage on moto_server', async () => {
    const prefix = runPrefix();
    const storage = storageOn(server.endpoint, prefix);
    return {
      storage,
      leftovers: () => pendingUploads(admin, prefix + '/'),
      dispose: async () => {
        await storage.deletePrefix('');
        storage.client.destroy();
      },
    };
  });

  it('lists past one page and deletes past one DeleteObjects batch (1000 keys) under a prefix', async () => {
    const storage = storageOn(server.endpoint, runPrefix());
    const sent = recordCommands(storage);
    for (let start = 0; start < 1005; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, 1005 - start) }, (_, i) => storage.put(`many/k${start + i}`, Readable.from([String(start + i)]))),
      );
    }
    let listed = 0;
    for await (const o of storage.list('many')) listed += o.key.startsWith('many/k') ? 1 : 0;
    expect(listed).toBe(1005);
    expect(sent.filter((c) => c === 'ListObjectsV2Command')).toHaveLength(2);
    sent.length = 0;
    expect(await storage.deletePrefix('many')).toBe(1005);
    expect(sent.filter((c) => c === 'DeleteObjectsCommand')).toHaveLength(2);
    for await (const o of storage.list('many')) throw new Error(`left ${o.key}`);
    storage.client.destroy();
  });

  it('a part the store refuses fails the caller\'s writes, and nothing is left under the key', async () => {
    const prefix = runPrefix();
    const storage = storageOn(server.endpoint, prefix);
    let parts = 0;
    storage.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && ++parts === 2) throw new Error('store refused part 2');
        return next(args);
      },
      { step: 'initialize', name: 'porterRefusePart' },
    );
    const writer = storage.openWriter('refused/file.bin');
    const error = await new Promise<Error>((resolve) => {
      generated(10 * PART).stream().pipe(writer.stream).on('error', resolve).on('finish', () => resolve(new Error('finished without error')));
    });
    expect(error.message).toBe('store refused part 2');
    await expect(writer.commit()).rejects.toThrow('store refused part 2');
    expect(await storage.stat('refused/file.bin')).toBeNull();
    // The multipart upload begun with part 1 was aborted: no parts are left behind either.
    expect(await pendingUploads(admin, prefix + '/')).toEqual([]);
    storage.client.destroy();
  });

  it('sweeps the multipart upload of a writer that died, once its newest part is older than the cut-off', async () => {
    const prefix = runPrefix();
    const storage = storageOn(server.endpoint, prefix);
    // A writer that sent one full part and then stopped (its process died): neither commit nor abort.
    const dead = storage.openWriter('exports/dead.bin');
    dead.stream.write((await readAll(generated(PART + 1000).stream())));
    const deadline = Date.now() + 10_000;
    while ((await pendingUploads(admin, prefix + '/')).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await pendingUploads(admin, prefix + '/')).toHaveLength(1);
    // Another application's upload in the same bucket, outside S3_KEY_PREFIX, is not Porter's to sweep.
    const foreignKey = `other-app/${prefix}/x`;
    const foreign = await admin.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: foreignKey }));

    // Its part is fresh: a live writer could still be sending parts.
    expect(await storage.sweepStaleTemporary(new Date(Date.now() - 60_000))).toBe(0);
    expect(await pendingUploads(admin, prefix + '/')).toHaveLength(1);

    // Past the cut-off it is a dead writer's upload: aborted, parts and all.
    expect(await storage.sweepStaleTemporary(new Date(Date.now() + 60_000))).toBe(1);
    expect(await pendingUploads(admin, prefix + '/')).toEqual([]);
    expect(await pendingUploads(admin, `other-app/${prefix}/`)).toHaveLength(1);
    expect(await storage.stat('exports/dead.bin')).toBeNull();
    // A sweep finding nothing (or racing another worker's) is not an error.
    expect(await storage.sweepStaleTemporary(new Date(Date.now() + 60_000))).toBe(0);

    // Were the writer alive after all, its commit fails instead of publishing a partial file.
    await expect(dead.commit()).rejects.toBeDefined();
    expect(await storage.stat('exports/dead.bin')).toBeNull();
    expect(await pendingUploads(admin, prefix + '/')).toEqual([]);

    await admin.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: foreignKey, UploadId: foreign.UploadId }));
    storage.client.destroy();
  });
});
