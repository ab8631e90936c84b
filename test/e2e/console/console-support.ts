import { mkdirSync } from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { Browser, chromium, Page } from 'playwright-core';

/** Screenshots of every console spec land here (gitignored; CI keeps them as artefacts). */
export const ARTIFACTS = path.resolve(__dirname, '..', '..', '..', 'test-artifacts', 'console');

/**
 * Debian's chromium (apt-get install chromium): Playwright's own browser download cannot run on
 * these machines. CHROMIUM_PATH points elsewhere when needed.
 */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Collects what the page logs as errors (a console that throws is a failing console). */
/** How wide the page's content is (more than the viewport: the page scrolls sideways). */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
}

export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The API sends a Content-Security-Policy (helmet): anything it blocks is a bug of the console.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  return errors;
}

/** Signs in the way a person does: keyboard only, pasting the token. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.insertText(token);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
}

/** `count` employees for the tenant, straight into the host's table (reference data to export). */
export async function seedEmployees(tenant: string, count: number): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  try {
    await pool.query(
      `INSERT INTO directory.employee (tenant, first_name, last_name, email, department, active)
       SELECT $1, 'First ' || n, 'Last ' || n, 'person' || n || '@example.com', CASE WHEN n % 2 = 0 THEN 'Sales' ELSE 'Ops' END, true
       FROM generate_series(1, $2::int) AS n`,
      [tenant, count],
    );
  } finally {
    await pool.end();
  }
}
