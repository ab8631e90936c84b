import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { postWebhook, resolveAllowed, WebhookUrlRefused } from './guarded-http';

/** The sender on real sockets: a receiver on 127.0.0.1 started here. */
describe('postWebhook (SSRF guard at connect time, no redirects, timeout)', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/ok': (_req, res) => res.writeHead(200).end('y'.repeat(4000)),
    '/redirect': (_req, res) => res.writeHead(302, { location: '/ok' }).end(),
    '/hang': () => undefined,
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      req.resume();
      req.on('end', () => (routes[req.url ?? ''] ?? ((_q: IncomingMessage, r: ServerResponse) => r.writeHead(404).end()))(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const allow = ['127.0.0.1:*'];

  it('refuses a loopback receiver without the allowlist, before any connection', async () => {
    const before = hits.length;
    await expect(postWebhook(new URL(`${base}/ok`), {}, '{}', { timeoutMs: 2000, allowedHosts: [] })).rejects.toThrow(WebhookUrlRefused);
    await expect(postWebhook(new URL(`${base}/ok`), {}, '{}', { timeoutMs: 2000, allowedHosts: [] })).rejects.toThrow(/loopback/);
    expect(hits.length).toBe(before);
  });

  it('refuses a name that resolves to loopback (localhost) unless that name is allowed', async () => {
    const port = new URL(base).port;
    await expect(resolveAllowed(new URL(`http://localhost:${port}/ok`), allow)).rejects.toThrow(/resolves to .* loopback/);
    const res = await postWebhook(new URL(`http://localhost:${port}/ok`), {}, '{}', { timeoutMs: 2000, allowedHosts: ['localhost:*'] });
    expect(res.statusCode).toBe(200);
  });

  it('posts to an allowed receiver and keeps 1 KiB of the answer', async () => {
    const res = await postWebhook(new URL(`${base}/ok`), { 'webhook-id': 'msg_1' }, '{"a":1}', { timeoutMs: 2000, allowedHosts: allow });
    expect(res).toEqual({ statusCode: 200, body: 'y'.repeat(1024) });
  });

  it('does not follow a redirect', async () => {
    const before = hits.length;
    const res = await postWebhook(new URL(`${base}/redirect`), {}, '{}', { timeoutMs: 2000, allowedHosts: allow });
    expect(res.statusCode).toBe(302);
    expect(hits.slice(before)).toEqual(['/redirect']);
  });

  it('cuts a receiver that does not answer at the timeout', async () => {
    const started = Date.now();
    await expect(postWebhook(new URL(`${base}/hang`), {}, '{}', { timeoutMs: 300, allowedHosts: allow })).rejects.toThrow('timed out after 300 ms');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
