import { HttpException } from '@nestjs/common';
import Fastify, { FastifyRequest } from 'fastify';
import { Readable } from 'stream';
import request from 'supertest';
import { ByteRange, FileDownload, GoneError } from '@porter/shared-kernel';
import { countsAsDownload, sendFileDownload } from './send-file-download';

const BYTES = Buffer.from('0123456789');
const SHA = 'ab'.repeat(32);

/** A Fastify app that sends `download` for GET /file and records the ranges it was opened with. */
async function serving(download: Partial<FileDownload>) {
  const opened: Array<ByteRange | undefined> = [];
  const file: FileDownload = {
    fileName: 'Zoë.csv',
    contentType: 'text/csv; charset=utf-8',
    sizeBytes: BYTES.length,
    sha256: SHA,
    open: async (range) => {
      opened.push(range);
      return Readable.from([range ? BYTES.subarray(range.start, range.end + 1) : BYTES]);
    },
    ...download,
  };
  const fastify = Fastify();
  fastify.get('/file', async (req, reply) => {
    await sendFileDownload(req, reply, file).catch((error: Error) => {
      if (error instanceof HttpException) return reply.code(error.getStatus()).send({ status: error.getStatus() });
      if (error instanceof GoneError) return reply.code(410).send({ status: 410 });
      throw error;
    });
  });
  await fastify.ready();
  apps.push(fastify);
  return { app: fastify.server, opened };
}

const apps: Array<ReturnType<typeof Fastify>> = [];
afterAll(async () => Promise.all(apps.map((app) => app.close())));

describe('sendFileDownload', () => {
  it('sends the whole file with its length, name, digest and no caching', async () => {
    const { app, opened } = await serving({});
    const res = await request(app).get('/file');
    expect(res.status).toBe(200);
    expect(res.text).toBe('0123456789');
    expect(res.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-length': '10',
      'content-disposition': `attachment; filename="Zo_.csv"; filename*=UTF-8''Zo%C3%AB.csv`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'accept-ranges': 'bytes',
      etag: `"${SHA}"`,
      'repr-digest': `sha-256=:${Buffer.from(SHA, 'hex').toString('base64')}:`,
    });
    expect(opened).toEqual([undefined]);
  });

  it('answers one range 206 from a ranged read, and an unsatisfiable one 416 without opening the file', async () => {
    const { app, opened } = await serving({});
    const part = await request(app).get('/file').set('Range', 'bytes=2-4');
    expect(part.status).toBe(206);
    expect(part.text).toBe('234');
    expect(part.headers).toMatchObject({ 'content-range': 'bytes 2-4/10', 'content-length': '3' });
    const past = await request(app).get('/file').set('Range', 'bytes=10-');
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe('bytes */10');
    expect(past.headers['content-disposition']).toContain('attachment');
    expect(opened).toEqual([{ start: 2, end: 4 }]);
  });

  it('sends the whole file when If-Range names another version', async () => {
    const { app } = await serving({});
    const same = await request(app).get('/file').set('Range', 'bytes=0-0').set('If-Range', `"${SHA}"`);
    expect(same.status).toBe(206);
    const other = await request(app).get('/file').set('Range', 'bytes=0-0').set('If-Range', '"other"');
    expect(other.status).toBe(200);
    expect(other.text).toBe('0123456789');
  });

  it('streams a file of unknown size whole, without length, ranges or validators', async () => {
    const { app, opened } = await serving({ sizeBytes: null, sha256: null });
    const res = await request(app).get('/file').set('Range', 'bytes=0-1');
    expect(res.status).toBe(200);
    expect(res.text).toBe('0123456789');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['accept-ranges']).toBeUndefined();
    expect(res.headers.etag).toBeUndefined();
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(opened).toEqual([undefined]);
  });

  it("answers the module's refusal from open before any status is sent", async () => {
    const { app } = await serving({ open: () => Promise.reject(new GoneError('purged since the checks')) });
    expect((await request(app).get('/file')).status).toBe(410);
  });
});

describe('countsAsDownload', () => {
  const asking = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as FastifyRequest;

  it('counts a GET that receives the file from its first byte, and one whose Range is ignored (the whole file is sent)', () => {
    for (const range of [undefined, 'bytes=0-', 'bytes=0-99', 'bytes=10-5', 'bytes=-', 'bytes=0-1,5-9', 'items=3-4']) {
      expect({ range, counts: countsAsDownload(asking('GET', range ? { range } : {})) }).toEqual({ range, counts: true });
    }
    expect(countsAsDownload(asking('GET', { range: 'bytes=500-', 'if-range': '"etag"' }))).toBe(true);
  });

  it('does not count a HEAD, nor a Range that resumes or splits a download (it starts past the first byte)', () => {
    expect(countsAsDownload(asking('HEAD', {}))).toBe(false);
    for (const range of ['bytes=500-', 'bytes=-500', 'bytes=5-9']) expect(countsAsDownload(asking('GET', { range }))).toBe(false);
  });
});
