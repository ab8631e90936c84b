import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { HostResolver, postWebhook, resolveAllowed, WebhookUrlRefused } from './guarded-http';

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

  describe('DNS rebinding (a resolver of the test answers differently from one lookup to the next)', () => {
    /** Answers `answers[i]` at the i-th lookup (the last one from then on), counting lookups. */
    const rebinding = (...answers: string[]) => {
      const resolver: HostResolver & { calls: number } = Object.assign(
        async () => {
          const address = answers[Math.min(resolver.calls++, answers.length - 1)];
          return [{ address, family: 4 }];
        },
        { calls: 0 },
      );
      return resolver;
    };

    it('a name that was public when registered and is loopback or private when sent is refused at send, before any connection', async () => {
      const port = new URL(base).port;
      const url = new URL(`http://hooks.rebind.test:${port}/ok`);
      for (const inside of ['127.0.0.1', '10.1.2.3', '169.254.169.254']) {
        const resolver = rebinding('93.184.215.14', inside);
        // Registration's check: public, accepted.
        await expect(resolveAllowed(url, [], resolver)).resolves.toEqual({ address: '93.184.215.14', family: 4 });
        const before = hits.length;
        await expect(postWebhook(url, {}, '{}', { timeoutMs: 2000, allowedHosts: [], resolver })).rejects.toThrow(new RegExp(`resolves to ${inside.replace(/\./g, '\\.')}`));
        expect(hits.length).toBe(before);
      }
    });

    it('the connection goes to the address that was checked: the name is resolved once per attempt, never again by the socket', async () => {
      const port = new URL(base).port;
      // Checked and allowed: 127.0.0.1 (the receiver). Any later lookup would answer an address
      // nobody listens on; the post still reaches the receiver, so the socket used the checked one.
      const resolver = rebinding('127.0.0.1', '127.0.0.2');
      const before = hits.length;
      const res = await postWebhook(new URL(`http://pinned.test:${port}/ok`), {}, '{}', { timeoutMs: 2000, allowedHosts: ['pinned.test:*'], resolver });
      expect(res.statusCode).toBe(200);
      expect(resolver.calls).toBe(1);
      expect(hits.slice(before)).toEqual(['/ok']);
    });

    it('a resolver that never answers is cut at the delivery timeout', async () => {
      const silent: HostResolver = () => new Promise(() => undefined);
      const started = Date.now();
      await expect(postWebhook(new URL('http://silent.test/ok'), {}, '{}', { timeoutMs: 300, allowedHosts: [], resolver: silent })).rejects.toThrow(
        'silent.test could not be resolved within 300 ms',
      );
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('a mixed answer (public and private) is refused: one blocked address is enough', async () => {
      const mixed: HostResolver = async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '192.168.0.10', family: 4 },
      ];
      await expect(resolveAllowed(new URL('http://mixed.test/'), [], mixed)).rejects.toThrow(/resolves to 192\.168\.0\.10/);
    });
  });
});
