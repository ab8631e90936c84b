import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { LocalFileStorage } from './local-file-storage';
import { openS3MultipartWriter } from './s3-multipart-writer';
import { StorageUnavailableError } from './storage-unavailable';

const PART = 64 * 1024;

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3975'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
}

/** An S3 client whose commands answer through `behave` (by command name); records what was sent. */
function fakeS3(behave: (name: string, count: number) => unknown | Promise<unknown>) {
  const sent: string[] = [];
  const client = {
    send: async (command: object) => {
      const name = command.constructor.name.replace(/Command$/, '');
      sent.push(name);
      return behave(name, sent.filter((n) => n === name).length);
    },
  } as unknown as S3Client;
  return { client, sent };
}

function s3Writer(client: S3Client) {
  return openS3MultipartWriter({ client, bucket: 'b', objectKey: 'k', key: 'k', partSize: PART, queueSize: 2, isNoSuchUpload: () => false });
}

const ok = (name: string) => (name === 'CreateMultipartUpload' ? { UploadId: 'u1' } : name === 'UploadPart' ? { ETag: '"e"' } : {});

/**
 * Writes `bytes` like an export writer does (write, then wait for 'drain' or a failure), with NO
 * 'error' listener of its own between waits: what a failed write reports is what it rejects with.
 */
async function writeLikeAnExport(stream: Writable, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(16 * 1024, 1);
  for (let written = 0; written < bytes; written += chunk.length) {
    // An export does other work between writes (reads rows, reports progress): a failure often
    // comes while nothing waits on the stream.
    await new Promise((r) => setImmediate(r));
    if (stream.errored) throw stream.errored;
    if (stream.destroyed) throw new Error('closed');
    if (!stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          stream.off('drain', onDrain);
          stream.off('error', done);
          stream.off('close', onClose);
          if (error) reject(error);
          else resolve();
        };
        const onDrain = () => done();
        const onClose = () => done(stream.errored ?? new Error('closed'));
        stream.on('drain', onDrain);
        stream.on('error', done);
        stream.on('close', onClose);
      });
    }
  }
}

describe('storage writers when the store fails (ADR 091)', () => {
  let uncaught: unknown[];
  const onUncaught = (error: unknown) => uncaught.push(error);
  beforeEach(() => {
    uncaught = [];
    process.on('uncaughtException', onUncaught);
  });
  afterEach(() => {
    process.off('uncaughtException', onUncaught);
    expect(uncaught).toEqual([]);
  });

  it('S3: a part failing mid-way fails the next write and the commit with StorageUnavailableError, never an unheard error event', async () => {
    const { client, sent } = fakeS3((name, n) => {
      if (name === 'UploadPart' && n >= 2) throw refused();
      return ok(name);
    });
    const writer = s3Writer(client);
    const failure = await writeLikeAnExport(writer.stream, 20 * PART).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect(failure?.message).toBe('storage unreachable: connect ECONNREFUSED 127.0.0.1:3975');
    // Nobody listens any more, and the stream failed: still nothing reaches the process.
    await new Promise((r) => setTimeout(r, 20));
    await expect(writer.commit()).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(sent).toContain('AbortMultipartUpload');
    expect(sent).not.toContain('CompleteMultipartUpload');
  });

  it('S3: an idle writer whose part failed in the background reports it at the next write and at commit', async () => {
    const { client } = fakeS3((name) => {
      if (name === 'UploadPart') throw refused();
      return ok(name);
    });
    const writer = s3Writer(client);
    await writeLikeAnExport(writer.stream, PART + 1024); // one part sent, not yet failed when the write returns
    await new Promise((r) => setTimeout(r, 20)); // it fails now, while nobody writes
    const failure = await writeLikeAnExport(writer.stream, 2 * PART).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    await expect(writer.commit()).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('S3: the store unreachable before the first part (CreateMultipartUpload) and at the commit of a small file', async () => {
    const create = fakeS3((name) => {
      if (name === 'CreateMultipartUpload') throw refused();
      return ok(name);
    });
    const writer = s3Writer(create.client);
    await expect(writeLikeAnExport(writer.stream, 10 * PART)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(writer.abort()).resolves.toBeUndefined();

    const put = fakeS3((name) => {
      if (name === 'PutObject') throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
      return ok(name);
    });
    const small = s3Writer(put.client);
    await writeLikeAnExport(small.stream, 1024);
    await expect(small.commit()).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('S3: aborting while the store is still unreachable resolves (the sweep aborts the upload later); an error answer stays what it is', async () => {
    const { client, sent } = fakeS3((name, n) => {
      if (name === 'UploadPart' && n >= 2) throw refused();
      if (name === 'AbortMultipartUpload') throw refused();
      return ok(name);
    });
    const writer = s3Writer(client);
    await expect(writeLikeAnExport(writer.stream, 20 * PART)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(writer.abort()).resolves.toBeUndefined();
    expect(sent).toContain('AbortMultipartUpload');

    const denied = fakeS3((name) => {
      if (name === 'UploadPart') throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      return ok(name);
    });
    const refusedWriter = s3Writer(denied.client);
    const failure = await writeLikeAnExport(refusedWriter.stream, 20 * PART).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure?.name).toBe('AccessDenied');
    expect(failure).not.toBeInstanceOf(StorageUnavailableError);
  });

  it('local disk: a write error (ENOSPC) fails the next write and the commit, leaves no temp file, and never crashes', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-storage-fail-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fsModule = require('fs') as typeof import('fs');
    const real = fsModule.createWriteStream;
    const spy = jest.spyOn(fsModule, 'createWriteStream').mockImplementation(((file: string, options: object) => {
      const stream = real(file, options as never);
      let written = 0;
      const original = stream._write.bind(stream);
      stream._write = (chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void) => {
        written += chunk.length;
        if (written > 256 * 1024) return callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
        original(chunk, encoding, callback);
      };
      return stream;
    }) as never);
    try {
      const storage = new LocalFileStorage(root);
      await storage.init();
      const writer = storage.openWriter('a/file.bin');
      await expect(writeLikeAnExport(writer.stream, 4 << 20)).rejects.toThrow('ENOSPC');
      await expect(writer.commit()).rejects.toThrow('ENOSPC');
      expect(await fs.readdir(path.join(root, '.tmp'))).toEqual([]);
      expect(await storage.stat('a/file.bin')).toBeNull();
    } finally {
      spy.mockRestore();
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
