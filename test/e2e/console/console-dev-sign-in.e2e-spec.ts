import { randomUUID } from 'crypto';
import { PorterProcess, startApi } from '../../support/processes';
import { shot, useConsole } from './console-support';

/**
 * The development sign-in mints tokens for anyone: it must exist under NODE_ENV=development only.
 * API processes of the same build: one per NODE_ENV, and a development one given its own secret.
 */
describe('console development sign-in', () => {
  let test: { process: PorterProcess; baseUrl: string };
  let ownSecret: { process: PorterProcess; baseUrl: string };
  // The browser's API is the development one; the other two are started alongside it.
  const dev = useConsole(
    { NODE_ENV: 'development' },
    {
      worker: false,
      // One test of three uses the browser: it opens its page itself.
      pagePerTest: false,
      alongside: async () => {
        [test, ownSecret] = await Promise.all([
          startApi({ NODE_ENV: 'test' }),
          // NODE_ENV left at its default (development) on an API set up with a secret of its own.
          startApi({ NODE_ENV: 'development', AUTH_JWT_SECRET: `a-secret-of-its-own-${randomUUID()}` }),
        ]);
      },
    },
  );
  afterAll(() => Promise.all([test?.process.stop(), ownSecret?.process.stop()]));

  const signIn = (baseUrl: string, body: unknown) =>
    fetch(`${baseUrl}/api/dev/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('is refused (403 problem) unless NODE_ENV=development', async () => {
    const available = await fetch(`${test.baseUrl}/api/dev/sign-in`);
    expect(available.status).toBe(403);
    const minted = await signIn(test.baseUrl, { user: 'mallory', tenant: 'acme', admin: true });
    expect(minted.status).toBe(403);
    expect(minted.headers.get('content-type')).toContain('application/problem+json');
    expect(await minted.json()).toMatchObject({ title: 'Forbidden', detail: expect.stringContaining('only when NODE_ENV=development') });
  });

  it('is refused (403) under NODE_ENV=development too when the API has a token secret of its own', async () => {
    expect((await fetch(`${ownSecret.baseUrl}/api/dev/sign-in`)).status).toBe(403);
    const minted = await signIn(ownSecret.baseUrl, { user: 'mallory', tenant: 'acme', admin: true });
    expect(minted.status).toBe(403);
    expect(await minted.json()).toMatchObject({ detail: expect.stringContaining('only with the development token secret: this API verifies tokens with its own AUTH_JWT_SECRET') });
  });

  it('mints a working token under NODE_ENV=development, validates its body, and the console offers it', async () => {
    expect(await (await fetch(`${dev.baseUrl}/api/dev/sign-in`)).json()).toEqual({ available: true });
    const tenant = `t-${randomUUID()}`;
    const res = await signIn(dev.baseUrl, { user: 'dora', tenant, admin: true });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const jobs = await fetch(`${dev.baseUrl}/api/v1/jobs`, { headers: { authorization: `Bearer ${token}` } });
    expect(jobs.status).toBe(200);
    const bad = await signIn(dev.baseUrl, { user: 'has space', tenant: '' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('user must not contain spaces');

    const page = await dev.newContext();
    await page.goto(`${dev.baseUrl}/console/`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    // A refused token's problem shows in its own form, under its button, not below the
    // development form (out of view on a phone); typing in the form clears it.
    await page.getByLabel('Bearer token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const tokenForm = page.locator('form', { has: page.getByLabel('Bearer token') });
    await tokenForm.getByRole('alert').waitFor();
    expect(await tokenForm.getByRole('alert').innerText()).toMatch(/Unauthorized \(401\)[\s\S]*Invalid token/);
    expect(await page.getByRole('alert').count()).toBe(1);
    await page.getByLabel('Bearer token').fill('still-not-a-token');
    expect(await page.getByRole('alert').count()).toBe(0);
    // The development form's own refusal shows in that form.
    await page.getByLabel('User').fill('has space');
    await page.getByRole('button', { name: 'Sign in for development' }).click();
    const devForm = page.locator('form', { has: page.getByRole('heading', { name: 'Development sign-in' }) });
    await devForm.getByRole('alert').waitFor();
    expect(await devForm.getByRole('alert').innerText()).toContain('user must not contain spaces');
    expect(await tokenForm.getByRole('alert').count()).toBe(0);
    await page.getByLabel('User').fill('dora');
    await page.getByLabel('Tenant').fill(tenant);
    await shot(page, 'dev-sign-in');
    await page.getByRole('button', { name: 'Sign in for development' }).click();
    await page.getByText(`dora @ ${tenant} (admin)`).waitFor();
  });
});
