import { porterInProcess, SeenRequest } from '../../../../test/cli/porter-in-process';

const accepted = (req: SeenRequest) => ({ status: 202, body: { id: 'e1', jobId: 'j1', status: 'pending', ...(req.body as object) } });

describe('porter export: request options', () => {
  it('--compression and --notify-email reach the request as compression and notify.email; nothing unasked is sent', async () => {
    const gz = await porterInProcess(['export', 'employees', '-f', 'csv', '--compression', 'gzip', '--notify-email', '--columns', 'email', '--filter', 'active=false'], accepted);
    expect(gz).toMatchObject({ code: 0, stdout: 'Export e1 requested (job j1, pending).\nFollow it: porter jobs watch j1\n' });
    expect(gz.requests).toEqual([
      { method: 'POST', url: '/api/v1/exports', body: { type: 'employees', format: 'csv', compression: 'gzip', notify: { email: true }, columns: ['email'], filters: { active: false } } },
    ]);
    const plain = await porterInProcess(['export', 'employees', '-f', 'xlsx'], accepted);
    expect(plain.requests[0].body).toEqual({ type: 'employees', format: 'xlsx' });
  });

  it('a compression the API does not offer, or an address after --notify-email (the address is the token\'s claim), is a usage error before any request', async () => {
    const zip = await porterInProcess(['export', 'employees', '-f', 'csv', '--compression', 'zip'], accepted);
    expect(zip).toMatchObject({ code: 2, requests: [] });
    expect(zip.stderr).toContain("argument 'zip' is invalid. Allowed choices are none, gzip.");
    const address = await porterInProcess(['export', 'employees', '-f', 'csv', '--notify-email', 'bob@example.com'], accepted);
    expect(address).toMatchObject({ code: 2, requests: [] });
    expect(address.stderr).toContain('too many arguments');
  });

  it("the API's refusal of notify.email (no email claim, no SMTP) is exit 2 naming the field", async () => {
    const problem = { title: 'Unprocessable Content', status: 422, errors: [{ path: 'notify.email', message: 'your token has no email claim to send the notification to' }] };
    const refused = await porterInProcess(['export', 'employees', '-f', 'csv', '--notify-email'], () => ({ status: 422, body: problem }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('  notify.email: your token has no email claim');
  });
});

describe('porter token --email', () => {
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

  it('puts the address in the email claim', async () => {
    const minted = await porterInProcess(['token', '--user', 'ada', '--tenant', 'acme', '--email', 'ada@acme.example']);
    expect(minted.code).toBe(0);
    expect(claimsOf(minted.stdout.trim())).toMatchObject({ sub: 'ada', tenant: 'acme', email: 'ada@acme.example' });
    expect(claimsOf((await porterInProcess(['token', '--user', 'ada', '--tenant', 'acme'])).stdout.trim()).email).toBeUndefined();
  });

  it('refuses what the API would refuse in a token (exit 2, one message), printing no token', async () => {
    for (const bad of ['ada', 'Ada <ada@acme.example>', 'ada@acme', 'a da@acme.example', 'ada@acme.example\r\nBcc: all@acme.example', '', `${'a'.repeat(250)}@x.io`]) {
      const refused = await porterInProcess(['token', '--user', 'ada', '--tenant', 'acme', '--email', bad]);
      expect({ bad, code: refused.code, stdout: refused.stdout }).toEqual({ bad, code: 2, stdout: '' });
      expect(refused.stderr).toContain('porter: --email must be one plain address such as alice@example.com');
    }
  });

  it('refuses the subject "system", which the API refuses in every token (exit 2)', async () => {
    for (const who of [['--user', 'system'], ['--app', 'system']]) {
      const refused = await porterInProcess(['token', ...who, '--tenant', 'acme']);
      expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: 2, stdout: '' });
      expect(refused.stderr).toContain('"system" is reserved for the work Porter does on its own');
    }
  });
});
