import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { parse } from 'csv-parse/sync';
import { bearer } from '../../support/int-app';
import { freePort, PorterProcess, startApi, startWorker } from '../../support/processes';
import { smtpReceiver } from '../../support/smtp-receiver';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from '../exports/export-support';



/** The optional email channel: `notify: { email: true }` mails the requester a download link when the export is ready. */
describe('export-ready email (e2e, real SMTP server)', () => {
  const tenant = `t-${randomUUID()}`;
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
  let api: PorterProcess;
  let worker: PorterProcess;
  let pool: Pool;
  let baseUrl: string;

  beforeAll(async () => {
    smtp = await smtpReceiver();
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const port = String(await freePort());
    baseUrl = `http://127.0.0.1:${port}`;
    const env = { ...EXPORT_ENV, PORT: port, PUBLIC_BASE_URL: baseUrl, SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: 'Porter <porter@example.test>' };
    api = (await startApi(env)).process;
    worker = await startWorker(env);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await new Promise((resolve) => smtp?.server.close(() => resolve(undefined)));
    await pool?.end();
  });

  it('mails the requester, once, a link that downloads the file without a token', async () => {
    const ada = exportsClient(baseUrl, bearer('ada', tenant, { admin: true, email: 'ada@acme.example' }));
    const requested = await ada.request({ type: 'employees', format: 'csv', name: 'Payroll', notify: { email: true } });
    expect(requested.status).toBe(202);
    const info = await waitForExport(ada, requested.json.id);
    const mail = await waitFor(() => smtp.mails.find((m) => m.data.includes(info.id)), { timeoutMs: 30_000, what: 'the export-ready email' });
    expect(mail.from).toBe('porter@example.test');
    expect(mail.to).toEqual(['ada@acme.example']);
    // RFC 2047 Q-encoded by the mailer (quotes in the subject); decoded here by hand
    const subject = mail.data.match(/^Subject: (.*)$/m)![1].replace(/^=\?UTF-8\?Q\?(.*)\?=$/i, (_, q: string) =>
      q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    );
    expect(subject).toBe('Your export "Payroll" is ready');
    const unfolded = mail.data.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const link = unfolded.match(/https?:\/\/\S+\/file\?\S+/)?.[0];
    expect(link).toBeDefined();
    const download = await fetch(link!);
    expect(download.status).toBe(200);
    expect(parse((await download.text()).replace(/^\uFEFF/, ''))).toHaveLength(TRICKY_EMPLOYEES.length + 1);
    // once: a later export without notify sends nothing more for this one
    const plain = await ada.request({ type: 'employees', format: 'csv' });
    await waitForExport(ada, plain.json.id);
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.mails.filter((m) => m.data.includes(info.id))).toHaveLength(1);
    expect(smtp.mails.some((m) => m.data.includes(plain.json.id))).toBe(false);
  });

  it('treats adding or dropping notify.email under the same Idempotency-Key as another request (422), not as a replay that mails nothing', async () => {
    const ada = exportsClient(baseUrl, bearer('ada', tenant, { admin: true, email: 'ada@acme.example' }));
    const body = { type: 'employees', format: 'csv', name: 'Keyed' };
    const first = await ada.request(body, { 'Idempotency-Key': 'keyed-plain' });
    expect(first.status).toBe(202);
    const added = await ada.request({ ...body, notify: { email: true } }, { 'Idempotency-Key': 'keyed-plain' });
    expect(added.status).toBe(422);
    const notified = await ada.request({ ...body, notify: { email: true } }, { 'Idempotency-Key': 'keyed-notify' });
    expect(notified.status).toBe(202);
    expect((await ada.request(body, { 'Idempotency-Key': 'keyed-notify' })).status).toBe(422);
    // The same request again is a replay of the same export.
    const again = await ada.request({ ...body, notify: { email: true } }, { 'Idempotency-Key': 'keyed-notify' });
    expect(again).toMatchObject({ status: 202, json: { id: notified.json.id } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses notify.email for a token without an email claim (422), and malformed or unknown channels (400), naming the field', async () => {
    const bob = exportsClient(baseUrl, bearer('bob', tenant, { admin: true }));
    const noAddress = await bob.request({ type: 'employees', format: 'csv', notify: { email: true } });
    // checked by the command, like the type's other rules: 422 naming the field
    expect(noAddress.status).toBe(422);
    expect(noAddress.json.errors).toEqual([expect.objectContaining({ path: 'notify.email', message: expect.stringContaining('no email address') })]);
    const badValue = await bob.request({ type: 'employees', format: 'csv', notify: { email: 'yes' } });
    expect(badValue.status).toBe(400);
    expect(JSON.stringify(badValue.json.errors)).toContain('notify.email');
    const unknown = await bob.request({ type: 'employees', format: 'csv', notify: { sms: true } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json.errors)).toContain('sms');
  });
});
