import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { client } from '../jobs/job-support';
import { ARTIFACTS, pageWidth, seedEmployees, shot, signIn, useConsole } from './console-support';
import * as path from 'path';

const ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  SCHEDULE_TICK_INTERVAL_MS: '250',
  WORKER_CONCURRENCY: '4',
  // Slow enough for the README screenshot to catch an export's bar mid-way.
  EXPORT_BATCH_SIZE: '100',
  EXPORT_MAX_ROWS_PER_SECOND: '500',
  LOG_LEVEL: 'info',
};
const SCHEDULES = '/api/v1/export-schedules';

/** The Schedules page (recurring exports) in a real browser against the real API and worker. */
describe('web console: recurring export schedules', () => {
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true }).replace(/^Bearer /, '');
  const c = useConsole(ENV, { seed: { tenant, employees: 40 }, contextOptions: { timezoneId: 'Europe/Berlin', locale: 'en-GB' } });
  const alice = () => client(c.baseUrl, `Bearer ${token}`);
  const nav = (name: string) => c.page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name });

  it("creates a schedule from the export form's fields and sees its next run; a bad cron shows the API's 400 problem", async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, token);
    await nav('Schedules').click();
    await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor();
    // The browser's own zone is the default.
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');

    // A bad cron: the page shows the same title and detail the API answers.
    const refused = await alice().call('POST', SCHEDULES, { type: 'employees', format: 'csv', cron: 'every day', timezone: 'Europe/Berlin' });
    expect(refused.status).toBe(400);
    const problem = refused.json as { title: string; detail: string; errors?: Array<{ path: string; message: string }> };
    await page.getByLabel('Type').selectOption('employees');
    await page.getByLabel('Cron').fill('every day');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    // The API's cron error is said once, under the Cron field, which is marked invalid.
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const shown = await alert.innerText();
    expect(shown).toBe(problem.errors!.find((e) => e.path === 'cron')!.message);
    expect(shown).toMatch(/five fields/);
    expect(await page.getByLabel('Cron').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'schedule-bad-cron');

    // The same generated fields as the export form: a filter, a column left out, gzip, a name.
    await page.getByRole('textbox', { name: 'Department' }).fill('Sales');
    await page.locator('input[name=columns][value=notes]').uncheck();
    await page.getByLabel('Compress (gzip)').check();
    await page.getByLabel('Name (optional)').fill('weekday sales list');
    await page.getByLabel('Cron').fill('0 6 * * 1-5');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    const row = page.getByRole('row', { name: /weekday sales list/ });
    await row.waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);

    const { json: list } = await alice().call('GET', SCHEDULES);
    expect(list.items).toHaveLength(1);
    const created = list.items[0];
    expect(created).toMatchObject({ name: 'weekday sales list', type: 'employees', format: 'csv', compression: 'gzip', filters: { department: 'Sales' }, cron: '0 6 * * 1-5', timezone: 'Europe/Berlin', enabled: true });
    expect(created.columns).not.toContain('notes');
    expect(created.columns).toContain('email');
    // Next run as the browser shows it (en-GB, Berlin), computed from the API's nextRunAt.
    const nextRun = await page.evaluate((iso) => new Date(iso).toLocaleString(), created.nextRunAt as string);
    const text = await row.innerText();
    expect(text).toContain('0 6 * * 1-5');
    expect(text).toContain('Europe/Berlin');
    expect(text).toContain(nextRun);
    expect(await row.getByRole('checkbox', { name: 'Enabled: weekday sales list' }).isChecked()).toBe(true);
    await shot(page, 'schedules');

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'schedules-phone');
  });

  it('runs a schedule now and follows its run to the job; edits cron, zone and name; pauses it; deletes it after confirming', async () => {
    const { page, api } = c;
    const { json: s } = await alice().call('POST', SCHEDULES, { type: 'employees', format: 'jsonl', cron: '@daily', timezone: 'UTC', name: 'daily staff' });
    await signIn(page, api.baseUrl, token);
    await nav('Schedules').click();
    await page.getByRole('link', { name: 'daily staff' }).click();
    await page.getByRole('heading', { name: 'daily staff', level: 1 }).waitFor();
    // The next five ticks, each a day apart.
    expect(await page.locator('.facts dd').nth(2).locator(':scope > div').count()).toBe(5);

    // By keyboard: Tab from the heading reaches "Run now", Enter runs it.
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'Run now'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (globalThis as any).document.activeElement?.textContent?.trim() ?? '');
    }
    expect(focused).toBe('Run now');
    await page.keyboard.press('Enter');
    const run = page.locator('tr[data-run-id]').first();
    await run.waitFor();
    expect(await run.innerText()).toContain('run now');
    // The run's export ends; its row links to the export's job.
    for (let i = 0; i < 60 && !(await run.innerText()).includes('succeeded'); i++) {
      // Half a second for the row to say so, else Refresh runs.
      if (await run.getByText('succeeded').waitFor({ timeout: 500 }).then(() => true, () => false)) break;
      await page.getByRole('button', { name: 'Refresh runs' }).click();
    }
    expect(await run.innerText()).toContain('succeeded');
    await shot(page, 'schedule-detail');
    // The exports page says the export came from this schedule, and links back to it.
    await nav('Exports').click();
    const fromSchedule = page.getByTestId('export-schedule').first();
    await fromSchedule.waitFor();
    expect(await fromSchedule.getByRole('link').getAttribute('href')).toBe(`/console/schedules/${s.id}`);
    await shot(page, 'exports-from-schedule');
    await fromSchedule.getByRole('link').click();
    await page.getByRole('heading', { name: 'daily staff', level: 1 }).waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'schedule-detail-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Edit: cron, zone and name.
    const edit = page.getByRole('form', { name: 'Edit' });
    await edit.getByLabel('Name').fill('early staff');
    await edit.getByLabel('Cron').fill('30 2 * * *');
    await edit.getByLabel('Time zone').fill('America/New_York');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'early staff', level: 1 }).waitFor();
    await page.locator('.facts').getByText('30 2 * * * in America/New_York').waitFor();
    // The next runs are said in the schedule's zone: 02:30 there.
    await page.locator('.facts').getByText(/02:30:00 \(America\/New_York\)/).first().waitFor();
    const { json: edited } = await alice().call('GET', `${SCHEDULES}/${s.id}`);
    expect(edited).toMatchObject({ name: 'early staff', cron: '30 2 * * *', timezone: 'America/New_York', enabled: true });
    // 02:30 in New York, whatever the date.
    expect(new Date(edited.nextRunAt).toLocaleTimeString('en-US', { timeZone: 'America/New_York', hour12: false })).toBe('02:30:00');

    // A bad zone on edit: the API's problem, the schedule unchanged.
    await edit.getByLabel('Time zone').fill('Mars/Olympus');
    await edit.getByRole('button', { name: 'Save' }).click();
    expect(await edit.getByRole('alert').innerText()).toMatch(/unknown time zone/);
    expect(await edit.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true');
    await edit.getByLabel('Time zone').fill('America/New_York');

    // Pause with the toggle: no next run.
    await page.getByRole('checkbox', { name: 'Enabled: early staff' }).uncheck();
    await page.locator('.facts').getByText('paused').waitFor();
    const { json: paused } = await alice().call('GET', `${SCHEDULES}/${s.id}`);
    expect(paused).toMatchObject({ enabled: false, nextRunAt: null });
    await nav('Schedules').click();
    const row = page.getByRole('row', { name: /early staff/ });
    expect(await row.innerText()).toContain('paused');
    expect(await row.getByRole('checkbox', { name: 'Enabled: early staff' }).isChecked()).toBe(false);

    // Delete, after saying no once, then yes.
    await row.getByRole('link', { name: 'early staff' }).click();
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByRole('button', { name: 'Delete schedule' }).click();
    expect((await alice().call('GET', `${SCHEDULES}/${s.id}`)).status).toBe(200);
    page.once('dialog', (dialog) => {
      expect(dialog.message()).toContain('early staff');
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Delete schedule' }).click();
    await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor();
    await page.getByRole('row', { name: /weekday sales list/ }).waitFor();
    expect(await page.getByRole('row', { name: /early staff/ }).count()).toBe(0);
    expect((await alice().call('GET', `${SCHEDULES}/${s.id}`)).status).toBe(404);
  });

  it('the jobs page with the Query filter, as in the README (docs/images/console.png)', async () => {
    const { page, api } = c;
    // The README's screenshot: tenant "demo", a mix of jobs, two bars moving, filtered by a query.
    const demo = bearer('alice', 'demo', { admin: true }).replace(/^Bearer /, '');
    const jobs = client(api.baseUrl, `Bearer ${demo}`);
    await seedEmployees('demo', 3000);
    const exportOf = async (format: string, extra: Record<string, unknown> = {}) => {
      const res = await jobs.call('POST', '/api/v1/exports', { type: 'employees', format, ...extra });
      expect(res.status).toBe(202);
      return res.json as { id: string; jobId: string };
    };
    const done = async (jobId: string) => {
      for (let i = 0; i < 120 && !['succeeded', 'failed'].includes((await jobs.job(jobId)).status); i++) await new Promise((r) => setTimeout(r, 250));
    };
    // Submitted in the list's order, the two finished exports running side by side (WORKER_CONCURRENCY).
    const sales = await exportOf('jsonl', { filters: { department: 'Sales' } });
    await jobs.submit('porter-test.steps', { steps: 2, stepMs: 50 }, { name: 'nightly warm-up' });
    await jobs.submit('porter-test.steps', { steps: 1, failAttempts: 1, nonRetryable: true }, { name: 'payroll sync' });
    const ops = await exportOf('xlsx', { filters: { department: 'Ops' } });
    await Promise.all([done(sales.jobId), done(ops.jobId)]);
    const slow = await exportOf('csv');
    await jobs.submit('porter-test.steps', { steps: 600, stepMs: 100 }, { name: 'quarterly reconciliation' });
    await jobs.submit('porter-test.noop', {}, { name: 'monthly report', scheduledFor: new Date(Date.now() + 86_400_000).toISOString() });

    await signIn(page, api.baseUrl, demo);
    await page.getByLabel('Query').fill('submittedBy==alice sortBy submittedAt/desc');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/query=submittedBy/);
    await page.getByRole('row', { name: /payroll sync/ }).getByText('failed').waitFor({ timeout: 30_000 });
    await page.getByRole('row', { name: /monthly report/ }).getByText('scheduled').waitFor();
    // Both running bars caught mid-way.
    await page.waitForFunction(
      (exportJob) => {
        const doc = (globalThis as any).document;
        const value = (name: string) => Array.from(doc.querySelectorAll('tbody tr')).find((r: any) => r.textContent.includes(name)) as any;
        const bar = (row: any) => row?.querySelector('progress')?.value ?? 0;
        const exportRow = doc.querySelector(`a[href="/console/jobs/${exportJob}"]`)?.closest('tr');
        return bar(value('quarterly reconciliation')) > 5 && bar(exportRow) > 20 && bar(exportRow) < 90;
      },
      slow.jobId,
      { timeout: 30_000, polling: 100 },
    );
    expect(await page.locator('tbody tr').count()).toBe(7);
    expect(await page.getByLabel('Query').isVisible()).toBe(true);
    // No focus ring or hover on the screenshot.
    await page.evaluate(() => (globalThis as any).document.activeElement?.blur());
    await page.mouse.move(640, 760);
    await page.screenshot({ path: path.join(ARTIFACTS, 'readme-console.png') });
  });
});
