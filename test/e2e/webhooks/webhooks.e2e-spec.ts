import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { freePort, PorterProcess, startApi, startWorker, WorkerProcess } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from '../exports/export-support';
import { verifySignature, WebhookReceiver } from './webhook-receiver';
import { employeesCsv, importsClient } from '../imports/import-support';

const EXPORTS = 100;

/**
 * Webhooks end to end: a real API, real workers and a receiver on 127.0.0.1 (allowed through
 * WEBHOOK_ALLOWED_HOSTS). Every delivery's signature is checked by a hand-written verifier.
 */
describe('webhooks (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  const otherTenant = `t-${randomUUID()}`;
  const receiver = new WebhookReceiver();
  let env: Record<string, string>;
  let api: PorterProcess;
  let worker: WorkerProcess;
  let pool: Pool;
  let baseUrl: string;
  let admin: ExportsClient;
  let user: ExportsClient;
  let otherAdmin: ExportsClient;

  const register = async (client: ExportsClient, path: string, events: string[] = ['*']) => {
    const res = await client.call('POST', '/api/v1/webhooks', { url: `${receiver.url}${path}`, events });
    expect(res.status).toBe(201);
    return res.json as { id: string; secret: string };
  };
  const deliveries = async (id: string) => (await admin.call('GET', `/api/v1/webhooks/${id}/deliveries?limit=1000`)).json;

  beforeAll(async () => {
    await receiver.start();
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const port = String(await freePort());
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      ...EXPORT_ENV,
      PORT: port,
      PUBLIC_BASE_URL: baseUrl,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:*',
      WEBHOOK_BACKOFF_BASE_MS: '100',
      WEBHOOK_TIMEOUT_MS: '1500',
      WORKER_CONCURRENCY: '8',
      WEBHOOK_DISABLE_AFTER_MS: '3000',
      // Longer than the exports e2e's 2 s: a delivery whose lease lapses is sent again (at least
      // once), and a machine running two spec files at once can starve a worker that long.
      JOB_LOCK_DURATION_MS: '5000',
    };
    api = (await startApi(env)).process;
    worker = await startWorker(env);
    admin = exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));
    user = exportsClient(baseUrl, bearer('bob', tenant, {}));
    otherAdmin = exportsClient(baseUrl, bearer('ada', otherTenant, { admin: true }));
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await receiver.stop();
    await pool?.end();
  });

  describe('registration', () => {
    it('answers 201 with a whsec_ secret shown only there, and never in reads', async () => {
      const res = await admin.call('POST', '/api/v1/webhooks', { url: `${receiver.url}/registered`, events: ['job.failed'], description: 'ops' });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ url: `${receiver.url}/registered`, events: ['job.failed'], enabled: true, description: 'ops' });
      expect(res.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      const read = await admin.call('GET', `/api/v1/webhooks/${res.json.id}`);
      expect(read.status).toBe(200);
      expect(read.json.secret).toBeUndefined();
      expect(JSON.stringify((await admin.call('GET', '/api/v1/webhooks')).json)).not.toContain(res.json.secret);
      // At rest: encrypted, not the secret.
      const { rows } = await pool.query(`SELECT secret_encrypted FROM webhooks.endpoint WHERE id = $1`, [res.json.id]);
      expect(rows[0].secret_encrypted).not.toContain(res.json.secret.slice(6));
      const rotated = await admin.call('POST', `/api/v1/webhooks/${res.json.id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.json.secret).toMatch(/^whsec_/);
      expect(rotated.json.secret).not.toBe(res.json.secret);
    });

    it.each([
      ['a private address', 'http://10.0.0.1/hook'],
      ['the metadata address', 'http://169.254.169.254/latest/meta-data'],
      ['loopback written as IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]:8080/hook'],
      ['loopback by name, port not allowed', 'http://localhost/hook'],
      ['IPv6 loopback', 'http://[::1]/hook'],
      ['CGNAT', 'http://100.64.1.1/hook'],
      ['a non-http scheme', 'ftp://example.com/hook'],
    ])('refuses %s (400 naming the url)', async (_what, url) => {
      const res = await admin.call('POST', '/api/v1/webhooks', { url, events: ['*'] });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.json.detail).toMatch(/url refused/);
    });

    it('refuses unknown event types (422)', async () => {
      const res = await admin.call('POST', '/api/v1/webhooks', { url: `${receiver.url}/x`, events: ['export.done'] });
      expect(res.status).toBe(422);
      expect(res.json.errors).toEqual([expect.objectContaining({ path: 'events' })]);
    });

    it("is a tenant admin's: a non-admin gets 403, another tenant 404", async () => {
      const mine = await register(admin, '/mine');
      expect((await user.call('POST', '/api/v1/webhooks', { url: `${receiver.url}/u`, events: ['*'] })).status).toBe(403);
      expect((await user.call('GET', '/api/v1/webhooks')).status).toBe(403);
      for (const [method, path] of [
        ['GET', ''],
        ['PATCH', ''],
        ['DELETE', ''],
        ['POST', '/ping'],
        ['POST', '/rotate-secret'],
        ['GET', '/deliveries'],
      ]) {
        const res = await otherAdmin.call(method, `/api/v1/webhooks/${mine.id}${path}`, method === 'PATCH' ? { enabled: false } : undefined);
        expect([method, path, res.status]).toEqual([method, path, 404]);
      }
      // Listed newest first, or oldest first with sort=oldest.
      const later = await register(admin, '/later');
      const ids = async (query: string) => (await admin.call('GET', `/api/v1/webhooks${query}`)).json.items.map((w: { id: string }) => w.id).filter((id: string) => [mine.id, later.id].includes(id));
      expect(await ids('?limit=1000')).toEqual([later.id, mine.id]);
      expect(await ids('?limit=1000&sort=oldest')).toEqual([mine.id, later.id]);
      expect((await admin.call('DELETE', `/api/v1/webhooks/${later.id}`)).status).toBe(204);
      expect((await admin.call('DELETE', `/api/v1/webhooks/${mine.id}`)).status).toBe(204);
      expect((await admin.call('GET', `/api/v1/webhooks/${mine.id}`)).status).toBe(404);
    });
  });

  it('delivers a ping, signed (checked by an independent verifier)', async () => {
    const hook = await register(admin, '/ping', ['job.failed']);
    const ping = await admin.call('POST', `/api/v1/webhooks/${hook.id}/ping`);
    expect(ping.status).toBe(202);
    await waitFor(() => receiver.at('/ping').length === 1, { timeoutMs: 20_000, what: 'the ping' });
    const [req] = receiver.at('/ping');
    expect(verifySignature(hook.secret, req)).toBe(true);
    expect(verifySignature(hook.secret, { ...req, body: req.body.replace('ping', 'pong') })).toBe(false);
    expect(req.headers['webhook-id']).toBe(ping.json.eventId);
    expect(JSON.parse(req.body)).toMatchObject({ type: 'ping', data: { webhookId: hook.id } });
    expect(Date.parse(JSON.parse(req.body).timestamp)).not.toBeNaN();
    await waitFor(async () => (await deliveries(hook.id)).items[0]?.status === 'succeeded', { timeoutMs: 10_000, what: 'the ping recorded' });
    expect((await deliveries(hook.id)).items[0]).toMatchObject({ eventType: 'ping', attempts: 1, lastStatusCode: 204 });
  });

  it(`delivers exactly ${EXPORTS} export.ready events (distinct webhook-ids) for ${EXPORTS} exports, with working download links (two workers' event feeds racing)`, async () => {
    const hook = await register(admin, '/exports', ['export.ready']);
    // A second worker process: both read the event feeds and send deliveries at once (ADR 045).
    const second = await startWorker(env);
    try {
    const requested = await Promise.all(Array.from({ length: EXPORTS }, () => admin.request({ type: 'employees', format: 'csv' })));
    expect(requested.map((r) => r.status)).toEqual(Array(EXPORTS).fill(202));
    await Promise.all(requested.map((r) => waitForExport(admin, r.json.id, ['succeeded'], 120_000)));
    await waitFor(() => new Set(receiver.at('/exports').map((r) => r.headers['webhook-id'])).size >= EXPORTS, { timeoutMs: 60_000, what: `${EXPORTS} export.ready deliveries` });
    // A little longer: a duplicate would show up now.
    await waitFor(async () => (await deliveries(hook.id)).items.every((d: { status: string }) => d.status === 'succeeded'), { timeoutMs: 10_000, what: 'deliveries recorded' });
    // One event per export: as many distinct webhook-ids as exports. A POST beyond those repeats
    // an id: a delivery job whose lease lapsed (a loaded machine can stall a worker that long) is
    // sent again, as at-least-once delivery allows; receivers deduplicate on webhook-id.
    const all = receiver.at('/exports');
    const got = [...new Map(all.map((r) => [r.headers['webhook-id'], r])).values()];
    expect(got).toHaveLength(EXPORTS);
    expect(all.length - EXPORTS).toBeLessThanOrEqual(2);
    expect(all.every((r) => r.body === got.find((g) => g.headers['webhook-id'] === r.headers['webhook-id'])!.body)).toBe(true);
    expect(all.every((r) => verifySignature(hook.secret, r))).toBe(true);
    const bodies = got.map((r) => JSON.parse(r.body));
    expect(bodies.every((b) => b.type === 'export.ready')).toBe(true);
    expect(new Set(bodies.map((b) => b.data.id))).toEqual(new Set(requested.map((r) => r.json.id)));
    const sample = bodies[0].data;
    expect(sample).toMatchObject({ status: 'succeeded', result: expect.objectContaining({ fileName: expect.any(String) }) });
    expect(Date.parse(sample.downloadUrlExpiresAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const file = await fetch(sample.downloadUrl);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain(sample.result.fileName);
    expect((await deliveries(hook.id)).totalRecords).toBe(EXPORTS);
    // Delivery log paging: two pages of 60 hold every delivery once.
    const page1 = (await admin.call('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=60&offset=0`)).json;
    const page2 = (await admin.call('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=60&offset=60`)).json;
    expect([page1.items.length, page2.items.length, page1.totalRecords]).toEqual([60, EXPORTS - 60, EXPORTS]);
    expect(new Set([...page1.items, ...page2.items].map((d: { id: string }) => d.id)).size).toBe(EXPORTS);
    // sort=oldest is the same list reversed, as for every list.
    const newest = (await deliveries(hook.id)).items.map((d: { id: string }) => d.id);
    const oldest = (await admin.call('GET', `/api/v1/webhooks/${hook.id}/deliveries?limit=1000&sort=oldest`)).json.items.map((d: { id: string }) => d.id);
    expect(oldest).toEqual([...newest].reverse());
    expect((await admin.call('GET', `/api/v1/webhooks/${hook.id}/deliveries?sort=sideways`)).status).toBe(400);
    expect((await admin.call('DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
    } finally {
      await second.stop();
      // Gone even when an assertion failed: a left-over export.ready endpoint would fail the resend tests too.
      await admin.call('DELETE', `/api/v1/webhooks/${hook.id}`);
    }
  }, 180_000);

  it('retries a failing receiver with backoff and delivers on the 4th attempt, same webhook-id', async () => {
    receiver.on('/flaky', (_req, res, count) => res.writeHead(count <= 3 ? 500 : 200).end(count <= 3 ? 'not yet' : 'ok'));
    const hook = await register(admin, '/flaky', ['job.failed']);
    await admin.call('POST', `/api/v1/webhooks/${hook.id}/ping`);
    await waitFor(() => receiver.at('/flaky').length === 4, { timeoutMs: 30_000, what: 'four attempts' });
    const attempts = receiver.at('/flaky');
    expect(new Set(attempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(attempts.every((r) => verifySignature(hook.secret, r))).toBe(true);
    // Backoff: the waits grow (base 100 ms, ×2 each, ±20% jitter).
    const gaps = attempts.slice(1).map((r, i) => r.at - attempts[i].at);
    expect(gaps[0]).toBeGreaterThanOrEqual(80);
    expect(gaps[2]).toBeGreaterThanOrEqual(320);
    await waitFor(async () => (await deliveries(hook.id)).items[0]?.status === 'succeeded', { timeoutMs: 10_000, what: 'the delivery recorded' });
    expect((await deliveries(hook.id)).items[0]).toMatchObject({ attempts: 4, lastStatusCode: 200, lastError: null, lastResponseBody: 'ok' });

    // Redelivery: the same webhook-id again.
    const [delivery] = (await deliveries(hook.id)).items;
    expect((await admin.call('POST', `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`)).status).toBe(202);
    await waitFor(() => receiver.at('/flaky').length === 5, { timeoutMs: 20_000, what: 'the redelivery' });
    expect(receiver.at('/flaky')[4].headers['webhook-id']).toBe(attempts[0].headers['webhook-id']);
    expect((await otherAdmin.call('POST', `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`)).status).toBe(404);
  });

  it('cuts a hanging receiver at the timeout (WEBHOOK_TIMEOUT_MS=1500)', async () => {
    const cut: number[] = [];
    receiver.on('/hang', (_req, res) => {
      // Never answers; notes when Porter gives up and closes the connection.
      res.on('close', () => cut.push(Date.now()));
    });
    const hook = await register(admin, '/hang', ['job.failed']);
    await admin.call('POST', `/api/v1/webhooks/${hook.id}/ping`);
    await waitFor(() => cut.length >= 1, { timeoutMs: 20_000, what: 'the first attempt to be cut' });
    const held = cut[0] - receiver.at('/hang')[0].at;
    expect(held).toBeGreaterThanOrEqual(1200);
    expect(held).toBeLessThan(5000);
    await waitFor(async () => (await deliveries(hook.id)).items[0]?.attempts >= 1, { timeoutMs: 10_000, what: 'the attempt recorded' });
    const [d] = (await deliveries(hook.id)).items;
    expect(d).toMatchObject({ status: 'pending', lastStatusCode: null, lastError: 'timed out after 1500 ms' });
    expect((await admin.call('DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it("keeps the first 1 KiB of a failing receiver's answer", async () => {
    receiver.on('/big', (_req, res) => res.writeHead(503).end('x'.repeat(5000)));
    const hook = await register(admin, '/big', ['job.failed']);
    await admin.call('POST', `/api/v1/webhooks/${hook.id}/ping`);
    await waitFor(async () => (await deliveries(hook.id)).items[0]?.attempts >= 1, { timeoutMs: 20_000, what: 'the attempt recorded' });
    const [d] = (await admin.call('GET', `/api/v1/webhooks/${hook.id}/deliveries?status=pending`)).json.items;
    expect(d).toMatchObject({ lastStatusCode: 503, lastError: 'HTTP 503', lastResponseBody: 'x'.repeat(1024) });
    expect((await admin.call('DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('records an answer holding a NUL (which Postgres cannot store) as delivered, once: no stall, no repeat', async () => {
    receiver.on('/nul', (_req, res) => res.writeHead(200).end('ok \u0000<script>'));
    const hook = await register(admin, '/nul', ['ping']);
    await admin.call('POST', `/api/v1/webhooks/${hook.id}/ping`);
    await waitFor(async () => (await deliveries(hook.id)).items[0]?.status === 'succeeded', { timeoutMs: 20_000, what: 'the delivery recorded' });
    const [d] = (await deliveries(hook.id)).items;
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200, lastResponseBody: 'ok \uFFFD<script>' });
    // Sent once: the run ended (before, its end failed to write and the job ran again every lease).
    await new Promise((resolve) => setTimeout(resolve, 5500)); // past the 5 s lease a failed end left it to
    expect(receiver.at('/nul')).toHaveLength(1);
    expect((await admin.call('DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('still delivers, with the same webhook-id, when the worker is SIGKILLed mid-delivery', async () => {
    let release: (() => void) | null = null;
    receiver.on('/crash', (_req, res, count) => {
      if (count === 1) {
        release = () => res.destroy();
        return;
      }
      res.writeHead(200).end('ok');
    });
    const hook = await register(admin, '/crash', ['job.failed']);
    await admin.call('POST', `/api/v1/webhooks/${hook.id}/ping`);
    await waitFor(() => receiver.at('/crash').length === 1, { timeoutMs: 20_000, what: 'the first attempt to arrive' });
    await worker.stop('SIGKILL');
    (release as (() => void) | null)?.();
    worker = await startWorker(env);
    await waitFor(() => receiver.at('/crash').length >= 2, { timeoutMs: 30_000, what: 'the delivery after the crash' });
    const [first, second] = receiver.at('/crash');
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(verifySignature(hook.secret, second)).toBe(true);
    await waitFor(async () => (await deliveries(hook.id)).items[0]?.status === 'succeeded', { timeoutMs: 10_000, what: 'the delivery recorded' });
  }, 90_000);

  describe('resend', () => {
    it('emits export.ready again with a fresh link and a new id, for a succeeded export', async () => {
      const hook = await register(admin, '/resend', ['export.ready']);
      const r = await admin.request({ type: 'employees', format: 'jsonl' });
      const info = await waitForExport(admin, r.json.id);
      await waitFor(() => receiver.at('/resend').length === 1, { timeoutMs: 20_000, what: 'the first export.ready' });
      const resent = await admin.call('POST', `/api/v1/exports/${info.id}/resend`);
      expect(resent.status).toBe(202);
      expect(resent.json.deliveries).toBe(1);
      await waitFor(() => receiver.at('/resend').length === 2, { timeoutMs: 20_000, what: 'the resent export.ready' });
      const [a, b] = receiver.at('/resend');
      expect(b.headers['webhook-id']).not.toBe(a.headers['webhook-id']);
      expect(verifySignature(hook.secret, b)).toBe(true);
      expect(JSON.parse(b.body).data.id).toBe(info.id);
      // A link made for this delivery (its 24 h start now; signed to the second, so one made in the
      // same second as the first is the same URL), and it works without a token.
      const [first, second] = [JSON.parse(a.body).data, JSON.parse(b.body).data];
      expect(second.downloadUrl).toEqual(expect.any(String));
      expect(Date.parse(second.downloadUrlExpiresAt)).toBeGreaterThanOrEqual(Date.parse(first.downloadUrlExpiresAt));
      expect(Date.parse(second.downloadUrlExpiresAt)).toBeGreaterThan(Date.parse(JSON.parse(b.body).timestamp) + 23 * 3600_000);
      const download = await fetch(second.downloadUrl);
      expect(download.status).toBe(200);
      expect((await download.text()).trim().split('\n').length).toBe(info.itemsCount);
    });

    it('answers 409 naming the expiry for an export whose file has expired', async () => {
      const r = await admin.request({ type: 'employees', format: 'csv' });
      const info = await waitForExport(admin, r.json.id);
      await pool.query(`UPDATE exports.export_result SET expires_at = now() - interval '1 minute' WHERE export_request_id = $1`, [info.id]);
      const conflict = await admin.call('POST', `/api/v1/exports/${info.id}/resend`);
      expect(conflict.status).toBe(409);
      expect(conflict.json.detail).toMatch(/expired at .*: its file is gone/);
    });

    it('answers 409 when no endpoint of the tenant subscribes to export.ready: nothing would be sent', async () => {
      // The other tenant has no webhooks at all.
      const r = await otherAdmin.request({ type: 'employees', format: 'csv' });
      const info = await waitForExport(otherAdmin, r.json.id);
      const conflict = await otherAdmin.call('POST', `/api/v1/exports/${info.id}/resend`);
      expect(conflict.status).toBe(409);
      expect(conflict.json.detail).toMatch(/^No enabled webhook endpoint of tenant .* subscribes to export\.ready: there is nothing to resend to/);
    });

    it('answers 403 to a colleague who sees the export (same scopes) but neither requested it nor is an admin; so does deleting it', async () => {
      // Registered by an admin holding the scope: deliveries carry what the endpoint's owner may see.
      const scopedAdmin = exportsClient(baseUrl, bearer('ada', tenant, { admin: true, scopes: ['north'] }));
      const hook = await register(scopedAdmin, '/resend-own', ['export.ready']);
      const sam = exportsClient(baseUrl, bearer('sam', tenant, { scopes: ['north'] }));
      const cole = exportsClient(baseUrl, bearer('cole', tenant, { scopes: ['north'] }));
      const r = await sam.request({ type: 'scope-employees', format: 'csv', scopeIds: ['north'] });
      const info = await waitForExport(sam, r.json.id);
      expect((await cole.get(info.id)).status).toBe(200);
      const refused = await cole.call('POST', `/api/v1/exports/${info.id}/resend`);
      expect(refused.status).toBe(403);
      expect(refused.json.detail).toBe(`Only its requester (sam) or a tenant admin may send export ${info.id}'s export.ready again`);
      expect((await cole.remove(info.id)).status).toBe(403);
      expect((await sam.call('POST', `/api/v1/exports/${info.id}/resend`)).status).toBe(202);
      await waitFor(() => receiver.at('/resend-own').length === 2, { timeoutMs: 20_000, what: 'the export.ready and its resend' });
      expect((await admin.call('DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
    });

    it('answers 409 for an export that has not succeeded, 404 for one the caller cannot see', async () => {
      const later = await admin.request({ type: 'employees', format: 'csv', scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
      const conflict = await admin.call('POST', `/api/v1/exports/${later.json.id}/resend`);
      expect(conflict.status).toBe(409);
      expect(conflict.json.detail).toMatch(/only a succeeded export/);
      expect((await otherAdmin.call('POST', `/api/v1/exports/${later.json.id}/resend`)).status).toBe(404);
      await admin.remove(later.json.id);
    });
  });

  it('sends job.cancelled to endpoints subscribed to it, with the job', async () => {
    const hook = await register(admin, '/jobs', ['job.cancelled']);
    const later = await admin.request({ type: 'employees', format: 'csv', scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
    expect((await admin.call('POST', `/api/v1/jobs/${later.json.jobId}/cancel`)).status).toBe(200);
    // Only this job's event: a cancellation committed just before the endpoint was registered may arrive too.
    const ofThisJob = () => receiver.at('/jobs').filter((r) => JSON.parse(r.body).data?.id === later.json.jobId);
    await waitFor(() => ofThisJob().length === 1, { timeoutMs: 20_000, what: 'job.cancelled' });
    const [req] = ofThisJob();
    expect(verifySignature(hook.secret, req)).toBe(true);
    expect(JSON.parse(req.body)).toMatchObject({ type: 'job.cancelled', data: { id: later.json.jobId, status: 'cancelled' } });
  });

  it('sends job.succeeded and job.failed, signed, with the job as GET /jobs/{id} shows it', async () => {
    const hook = await register(admin, '/outcomes', ['job.succeeded', 'job.failed']);
    const ofJob = (jobId: string) => receiver.at('/outcomes').filter((r) => JSON.parse(r.body).data?.id === jobId);
    // Succeeds: an export's job.
    const r = await admin.request({ type: 'employees', format: 'csv' });
    await waitForExport(admin, r.json.id);
    await waitFor(() => ofJob(r.json.jobId).length === 1, { timeoutMs: 20_000, what: 'job.succeeded' });
    const [succeeded] = ofJob(r.json.jobId);
    expect(verifySignature(hook.secret, succeeded)).toBe(true);
    const job = (await admin.call('GET', `/api/v1/jobs/${r.json.jobId}`)).json;
    expect(JSON.parse(succeeded.body)).toMatchObject({ type: 'job.succeeded', data: { id: job.id, type: job.type, status: 'succeeded', progress: job.progress } });
    // Fails: an import batch whose file cannot be read fails its job (once, no retry).
    const imports = importsClient(baseUrl, bearer('ada', tenant, { admin: true }));
    const { batch } = await imports.importFile(`first_name,last_name,email\nAda,Lovelace,ada@example.com\n"Grace,Hopper,grace@example.com\n`, 'broken.csv');
    expect(batch.status).toBe('failed');
    await waitFor(() => ofJob(batch.jobId).length === 1, { timeoutMs: 20_000, what: 'job.failed' });
    const [failed] = ofJob(batch.jobId);
    expect(verifySignature(hook.secret, failed)).toBe(true);
    expect(failed.headers['webhook-id']).not.toBe(succeeded.headers['webhook-id']);
    expect(JSON.parse(failed.body)).toMatchObject({
      type: 'job.failed',
      data: { id: batch.jobId, status: 'failed', errorDetails: expect.stringContaining('unterminated quoted field') },
    });
    // Only the subscribed types: no job.cancelled, export.ready or other event reached this path.
    expect(receiver.at('/outcomes').every((req) => ['job.succeeded', 'job.failed'].includes(JSON.parse(req.body).type))).toBe(true);
  });

  it('sends import.completed when a record completes on finalize, with its batch counts', async () => {
    const hook = await register(admin, '/imports', ['import.completed']);
    const imports = importsClient(baseUrl, bearer('ada', tenant, { admin: true }));
    const { recordId, batch } = await imports.importFile(employeesCsv(5, 900));
    expect(batch.status).toBe('completed');
    // All batches were done before finalize: the completion comes from finalize itself.
    expect((await imports.call('POST', `/api/v1/imports/${recordId}/finalize`)).status).toBe(200);
    await waitFor(() => receiver.at('/imports').length === 1, { timeoutMs: 20_000, what: 'import.completed' });
    const [req] = receiver.at('/imports');
    expect(verifySignature(hook.secret, req)).toBe(true);
    expect(JSON.parse(req.body)).toMatchObject({
      type: 'import.completed',
      data: { id: recordId, status: 'completed', batches: [expect.objectContaining({ counts: expect.objectContaining({ total: 5, completed: 5 }) })] },
    });
  });

  it('disables an endpoint that fails continuously (WEBHOOK_DISABLE_AFTER_MS) and keeps a webhook.disabled record', async () => {
    receiver.on('/down', (_req, res) => res.writeHead(500).end('down'));
    const hook = await register(admin, '/down', ['job.failed']);
    await admin.call('POST', `/api/v1/webhooks/${hook.id}/ping`);
    const disabled = await waitFor(
      async () => {
        const res = await admin.call('GET', `/api/v1/webhooks/${hook.id}`);
        return res.json.enabled === false ? res.json : null;
      },
      { timeoutMs: 30_000, what: 'the endpoint to be disabled' },
    );
    expect(disabled.disabledReason).toMatch(/every delivery failed since/);
    const { rows } = await pool.query(`SELECT type, data FROM webhooks.endpoint_log WHERE endpoint_id = $1`, [hook.id]);
    expect(rows).toEqual([expect.objectContaining({ type: 'webhook.disabled' })]);
    await waitFor(async () => (await deliveries(hook.id)).items[0]?.status === 'failed', { timeoutMs: 10_000, what: 'the delivery to fail' });
    const seen = receiver.at('/down').length;
    expect((await admin.call('POST', `/api/v1/webhooks/${hook.id}/ping`)).status).toBe(409);
    // Enabling again clears it.
    const enabled = await admin.call('PATCH', `/api/v1/webhooks/${hook.id}`, { enabled: true });
    expect(enabled.json).toMatchObject({ enabled: true, disabledReason: null });
    expect(receiver.at('/down').length).toBe(seen);
    expect((await admin.call('DELETE', `/api/v1/webhooks/${hook.id}`)).status).toBe(204);
  });
});
