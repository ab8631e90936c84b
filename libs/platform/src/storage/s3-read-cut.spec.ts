import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import type { Readable } from 'stream';
import { S3FileStorage } from './s3-file-storage';
import { StorageUnavailableError } from './storage-unavailable';

/**
 * A GetObject whose connection breaks while the body arrives (QA: s3rver killed while an import
 * read its upload) must fail as StorageUnavailableError, as a store that was away before the read
 * does, so the job is retried without using up an attempt (ADR 091). The store here is a real
 * HTTP server on 127.0.0.1 that answers GetObject with a Content-Length and then, per test, sends
 * the body whole or cuts the connection part-way.
 */
const SIZE = 1_000_000;
let behaviour: 'whole' | 'cut' = 'whole';
let server: Server;
let storage: S3FileStorage;
const bodyOf = (n: number) => Buffer.alloc(n, 'x');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(SIZE), etag: '"e"' });
    if (behaviour === 'whole') {
      res.end(bodyOf(SIZE));
      return;
    }
    res.write(bodyOf(SIZE / 4), () => setTimeout(() => req.socket.destroy(), 20));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  storage = new S3FileStorage({
    bucket: 'porter',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    keyPrefix: '',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  storage?.client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('S3FileStorage.get when the connection breaks mid-body', () => {
  it('reads a whole object as before', async () => {
    behaviour = 'whole';
    expect((await readAll(await storage.get('a/file.csv'))).length).toBe(SIZE);
  });

  it('fails the read with StorageUnavailableError (the store went away), naming what happened', async () => {
    behaviour = 'cut';
    const stream = await storage.get('a/file.csv');
    const failure = await readAll(stream).then(
      () => new Error('the read completed'),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect((failure as Error).message).toMatch(/^storage unreachable: /);
  });

  it('lets a reader stop early without an error nobody hears', async () => {
    behaviour = 'whole';
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const stream = await storage.get('a/file.csv');
      for await (const chunk of stream) {
        expect((chunk as Buffer).length).toBeGreaterThan(0);
        break; // destroys the stream
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stream.destroyed).toBe(true);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});
