import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { ApiClient } from './client';
import { CliError } from './errors';

describe('ApiClient against something that is not the Porter API', () => {
  let server: Server;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('answers a 200 that is not JSON (a proxy page, another service) with one line and exit 3', async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const failure = await new ApiClient(base, 'token').get('/api/v1/jobs').catch((error) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({
      exitCode: 3,
      message: `GET ${base}/api/v1/jobs answered 200 with something that is not JSON (text/plain: "ok"); is ${base} the Porter API?`,
    });
  });
});

describe('ApiClient.download', () => {
  let server: Server;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'porter-cli-download-'));
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const serve = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
    server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it('reports the bytes received of the Content-Length as they arrive, and saves every byte', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 'x');
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length, 'content-disposition': 'attachment; filename="people.csv"' });
      // In pieces, so that the reader sees more than one chunk.
      let at = 0;
      const next = () => (at >= body.length ? res.end() : res.write(body.subarray(at, (at += 256 * 1024)), next));
      next();
    });
    const seen: Array<[number, number | null]> = [];
    const saved = await new ApiClient(base, 'token').download('/f', dir, true, (received, total) => seen.push([received, total]));
    expect(saved).toEqual({ file: path.join(dir, 'people.csv'), bytes: body.length });
    expect(readFileSync(saved.file).equals(body)).toBe(true);
    expect(seen[0]).toEqual([0, body.length]);
    expect(seen[seen.length - 1]).toEqual([body.length, body.length]);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every(([received, total], i) => total === body.length && (i === 0 || received > seen[i - 1][0]))).toBe(true);
  });

  it('reports no total when the answer gives no length (chunked); a cut body leaves no file and says so (exit 3)', async () => {
    const base = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      if (req.url === '/cut') {
        res.write('a,b\n1,2\n');
        setTimeout(() => res.destroy(), 50);
      } else res.end('a,b\n1,2\n');
    });
    const seen: Array<number | null> = [];
    const saved = await new ApiClient(base, 'token').download('/whole', path.join(dir, 'whole.csv'), false, (_r, total) => seen.push(total));
    expect(saved.bytes).toBe(8);
    expect(new Set(seen)).toEqual(new Set([null]));
    const failure = await new ApiClient(base, 'token').download('/cut', path.join(dir, 'cut.csv')).catch((error) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({ exitCode: 3, message: expect.stringMatching(new RegExp(`^The download of ${path.join(dir, 'cut.csv')} was cut off after 8 B \\(.+\\); nothing was saved: run the command again$`)) });
    expect(readdirSync(dir).filter((name) => name.startsWith('cut.csv'))).toEqual([]);
  });

  it('with retry, fetches a file the API could not serve yet (restarting: refused, then 503, then cut before a byte): the whole file, no part left', async () => {
    // A port with nothing on it for a while: the API restarting.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    let answers = 0;
    const notes: string[] = [];
    const client = new ApiClient(`http://127.0.0.1:${port}`, 'token');
    const downloading = client.download('/f', path.join(dir, 'later.csv'), false, undefined, {
      policy: { firstDelayMs: 50, maxDelayMs: 200, giveUpAfterMs: 10_000 },
      onUnreachable: (error) => notes.push(error.message),
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    server = createServer((_req, res) => {
      answers++;
      if (answers === 1) {
        res.writeHead(503, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'Service Unavailable', status: 503 }));
      } else if (answers === 2) {
        // Headers, then the connection drops before the body's first byte.
        res.writeHead(200, { 'content-type': 'text/csv', 'content-length': 8 }).flushHeaders();
        setTimeout(() => res.destroy(), 20);
      } else res.writeHead(200, { 'content-type': 'text/csv', 'content-length': 8 }).end('a,b\n1,2\n');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    expect(await downloading).toEqual({ file: path.join(dir, 'later.csv'), bytes: 8 });
    expect(readFileSync(path.join(dir, 'later.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(answers).toBe(3);
    expect(notes).toEqual([expect.stringContaining('could not be reached (ECONNREFUSED)')]);
    expect(readdirSync(dir).filter((name) => name.startsWith('later.csv.'))).toEqual([]);
  });

  it('with retry, still does not retry a download cut after bytes arrived (exit 3 at once)', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('a,b\n');
      setTimeout(() => res.destroy(), 20);
    });
    const failure = await new ApiClient(base, 'token')
      .download('/cut', path.join(dir, 'cut-once.csv'), false, undefined, { policy: { firstDelayMs: 10, maxDelayMs: 10, giveUpAfterMs: 5000 } })
      .catch((error) => error);
    expect(failure).toMatchObject({ exitCode: 3, message: expect.stringContaining('was cut off after 4 B') });
  });
});
