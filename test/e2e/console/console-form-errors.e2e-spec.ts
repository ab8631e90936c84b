import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { client } from '../jobs/job-support';
import { pageWidth, shot, signIn, useConsole } from './console-support';

const ENV = { LOG_LEVEL: 'info' };

/** How the console says what is wrong with what a user typed: once, at the field, before sending when it can. */
describe('web console: field errors and empty lists', () => {
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true }).replace(/^Bearer /, '');

  // No worker: the jobs these tests create wait.
  const c = useConsole(ENV, { worker: false });
  beforeEach(() => signIn(c.page, c.baseUrl, token));

  it('a query the server cannot parse is said once, under the Query field', async () => {
    const { page } = c;
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
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'jobs-query-error-phone');

    // A query that parses clears it and lists what it matches.
    await query.fill('status==failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No jobs match these filters.').waitFor();
    expect(await message.count()).toBe(0);
    expect(await query.getAttribute('aria-invalid')).toBeNull();
  });

  it('an empty list on its first page says so and has no pager; a list with items has one', async () => {
    const { page, api } = c;
    const nav = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name });
    const pager = page.getByRole('navigation', { name: 'Pages' });
    for (const [section, empty] of [
      ['Jobs', 'No jobs yet.'],
      ['Exports', 'No exports yet.'],
      ['Imports', 'No imports yet.'],
      ['Schedules', 'No schedules yet.'],
      ['Webhooks', 'No endpoints yet.'],
    ]) {
      await nav(section).click();
      await page.getByText(empty).waitFor();
      expect(await pager.count()).toBe(0);
      if (section === 'Schedules' || section === 'Webhooks') await shot(page, `empty-${section.toLowerCase()}`);
    }
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByText('No endpoints yet.').waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'empty-webhooks-phone');

    // One export (its job waits: no worker here) and the pager is back, with its count.
    const created = await client(api.baseUrl, `Bearer ${token}`).call('POST', '/api/v1/exports', { type: 'employees', format: 'csv' });
    expect(created.status).toBeLessThan(300);
    await nav('Exports').click();
    await pager.getByText('1–1 of 1').waitFor();
    await nav('Jobs').click();
    await pager.getByText('1–1 of 1').waitFor();
    // A page past the end (an old link) says so, with Previous to the last page; it said "41–1 of 1".
    await page.goto(`${api.baseUrl}/console/jobs?offset=40`);
    await pager.getByText('Past the end (1 in all)').waitFor();
    await pager.getByRole('button', { name: 'Previous' }).click();
    await pager.getByText('1–1 of 1').waitFor();
  });

  it('the export form says a run-later time in the past and no column ticked before sending, at their fields', async () => {
    const { page } = c;
    const posts: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && /\/api\/v1\/(exports|export-schedules)$/.test(r.url()) && posts.push(r.url()));
    /** A datetime-local value `hours` from now. */
    const local = (hours: number) =>
      page.evaluate((h) => {
        const d = new Date(Date.now() + h * 3600_000);
        return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      }, hours);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Exports' }).click();
    const form = page.getByRole('form', { name: 'New export' });
    const runLater = form.getByLabel('Run later (optional)');
    const create = form.getByRole('button', { name: 'Create export' });

    await runLater.fill(await local(-1));
    await create.click();
    const pastError = form.locator('#scheduledFor-error');
    expect(await pastError.innerText()).toBe('In the past: the export would run now. Pick a later time, or clear the field.');
    expect(await runLater.getAttribute('aria-invalid')).toBe('true');
    expect(await runLater.getAttribute('aria-describedby')).toBe('scheduledFor-error');
    await shot(page, 'export-run-later-past');
    await runLater.fill(await local(2));
    expect(await pastError.count()).toBe(0);

    const boxes = form.locator('input[name=columns]');
    for (const box of await boxes.all()) await box.uncheck();
    await create.click();
    const columnsError = form.locator('#columns-error');
    expect(await columnsError.innerText()).toBe('Tick at least one column (all of them ticked exports every column).');
    expect(await form.getByRole('group', { name: 'Columns' }).getAttribute('aria-describedby')).toBe('columns-error');
    await page.setViewportSize({ width: 390, height: 800 });
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'export-no-columns-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    // The first box ticked after the error stays ticked (the error going re-rendered the form between the click's input and change events).
    await boxes.first().check();
    expect(await boxes.first().isChecked()).toBe(true);
    expect(await columnsError.count()).toBe(0);
    expect(posts).toEqual([]);

    // Fixed, it is sent: one column, due in two hours.
    await create.click();
    await page.locator('tr[data-export-id]').getByText('without first_name').waitFor();
    expect(posts).toHaveLength(1);

    // The schedule form shares the fields and their check.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Schedules' }).click();
    const scheduleForm = page.getByRole('form', { name: 'New schedule' });
    await scheduleForm.locator('input[name=columns]').first().waitFor();
    for (const box of await scheduleForm.locator('input[name=columns]').all()) await box.uncheck();
    await scheduleForm.getByRole('button', { name: 'Create schedule' }).click();
    await scheduleForm.locator('#columns-error').waitFor();
    expect(posts).toHaveLength(1);
  });

  it('after Create export the form says where the export went and clears its name and run-later time, keeping what to export', async () => {
    const { page } = c;
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Exports' }).click();
    const form = page.getByRole('form', { name: 'New export' });
    await form.getByLabel('Name (optional)').fill('payroll for review');
    await form.getByLabel('Format').selectOption('jsonl');
    await form.locator('input[name=columns][value=notes]').uncheck();
    await form.getByRole('button', { name: 'Create export' }).click();
    const said = form.getByRole('status');
    await said.waitFor();
    expect(await said.innerText()).toBe('Export requested: payroll for review — first in Your exports below.');
    const row = page.locator('tr[data-export-id]').first();
    await row.getByRole('link', { name: 'payroll for review' }).waitFor();
    expect(await said.getByRole('link').getAttribute('href')).toBe(await row.getByRole('link', { name: 'payroll for review' }).getAttribute('href'));
    // This export's own name goes (sent again it would make a twin); what to export stays for a similar one.
    expect(await form.getByLabel('Name (optional)').inputValue()).toBe('');
    expect(await form.getByLabel('Run later (optional)').inputValue()).toBe('');
    expect(await form.getByLabel('Format').inputValue()).toBe('jsonl');
    expect(await form.locator('input[name=columns][value=notes]').isChecked()).toBe(false);
    await shot(page, 'export-created');
    // The line goes when the form changes.
    await form.getByLabel('Name (optional)').fill('next');
    expect(await said.count()).toBe(0);
  });
});
