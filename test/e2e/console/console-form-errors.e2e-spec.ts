import { randomUUID } from 'crypto';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';
import { launchBrowser, pageErrors, shot, signIn } from './console-support';

const ENV = { LOG_LEVEL: 'info' };

/** How the console says what is wrong with what a user typed: once, at the field, before sending when it can. */
describe('web console: field errors and empty lists', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true }).replace(/^Bearer /, '');
  const pageWidth = () => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);

  beforeAll(async () => {
    [api, browser] = await Promise.all([startApi(ENV), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.process.stop();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    errors = pageErrors(page);
    await signIn(page, api.baseUrl, token);
  });
  afterEach(async () => {
    await context?.close();
    expect(errors).toEqual([]);
  });

  it('a query the server cannot parse is said once, under the Query field', async () => {
    const query = page.getByLabel('Query');
    await query.fill('status===');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/query=status/);
    const message = page.locator('#query-error');
    await message.waitFor();
    expect(await message.innerText()).toMatch(/unknown operator "=" \(use == or <>\) at position 9/);
    expect(await query.getAttribute('aria-invalid')).toBe('true');
    expect(await query.getAttribute('aria-describedby')).toBe('query-error');
    // Said once on the whole page: no problem box repeating it as its detail or its field list.
    expect(await page.getByText(/unknown operator/).count()).toBe(1);
    expect(await page.locator('.problem').count()).toBe(0);
    await shot(page, 'jobs-query-error');
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await shot(page, 'jobs-query-error-phone');

    // A query that parses clears it and lists what it matches.
    await query.fill('status==failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No jobs match these filters.').waitFor();
    expect(await message.count()).toBe(0);
    expect(await query.getAttribute('aria-invalid')).toBeNull();
  });
});
