import { mkdirSync } from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { Browser, BrowserContext, BrowserContextOptions, chromium, Page, Request } from 'playwright-core';
import { PorterProcess, startApi, startWorker, WorkerProcess } from '../../support/processes';

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

/** How wide the page's content is (more than the viewport: the page scrolls sideways). */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
}

/** Collects what the page logs as errors (a console that throws is a failing console). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The API sends a Content-Security-Policy (helmet): anything it blocks is a bug of the console.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  return errors;
}

/**
 * Lets (at least) `ms` of the page's time pass without waiting for it: the page's clock (installed
 * with `page.clock.install()` before the page loaded) is run forward `stepMs` at a time, each
 * step's timers fired and the API requests they made answered before the next step, so timers
 * that chain on an answer (a list read again 5 s after its last read came back) run as they would
 * in real time. Between steps the clock flows on as usual.
 */
export async function letPageTimePass(page: Page, ms: number, stepMs = 250): Promise<void> {
  const inFlight = new Set<Request>();
  const started = (r: Request) => inFlight.add(r);
  const ended = (r: Request) => inFlight.delete(r);
  page.on('request', started);
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  try {
    for (let passed = 0; passed < ms; passed += stepMs) {
      await page.clock.runFor(Math.min(stepMs, ms - passed));
      for (let i = 0; i < 1000 && inFlight.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
      if (inFlight.size > 0) throw new Error(`letPageTimePass: ${inFlight.size} request(s) still unanswered after 10 s`);
      // Two turns of the page's event loop: what an answer resolved (a timer set again) is done.
      await page.evaluate(() => undefined);
      await page.evaluate(() => undefined);
    }
  } finally {
    page.off('request', started);
    page.off('requestfinished', ended);
    page.off('requestfailed', ended);
  }
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

/** Every console spec's browser window: a desktop screen unless the spec says otherwise. */
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };

export interface ConsoleOptions {
  /** Employees to put in the host's table before the tests (tenant and count), e.g. `{ tenant, employees: 6000 }`. */
  seed?: { tenant: string; employees: number };
  /** Also start a worker with the same ENV (the default); false for pages that need no job to run. */
  worker?: boolean;
  /** More setup of the spec's own (other processes, say), run alongside the start; the spec stops what it starts. */
  alongside?: () => Promise<unknown>;
  /** Each test's browser context: DESKTOP plus these (a time zone, a locale, downloads, permissions). */
  contextOptions?: BrowserContextOptions;
  /** False: no context and page opened for each test (most tests of the spec use none); a test that needs one calls newContext. */
  pagePerTest?: boolean;
}

/** What `useConsole` gives a spec; each accessor is valid inside its tests (after beforeAll / beforeEach). */
export interface ConsoleRun {
  /** The API process, started with the spec's ENV. */
  readonly api: { process: PorterProcess; baseUrl: string };
  /** Shorthand for api.baseUrl. */
  readonly baseUrl: string;
  /** The worker process (only when `worker` is not false). */
  readonly worker: WorkerProcess;
  readonly browser: Browser;
  /** This test's context and its page, new for each test and closed after it. */
  readonly context: BrowserContext;
  readonly page: Page;
  /** What this test's page logged as errors; the test fails unless it stays empty. */
  readonly errors: string[];
  /**
   * Opens this test's context with other options (on top of DESKTOP), in place of the one it had:
   * that one is closed and its errors checked at once; the new page's errors are checked after
   * the test as usual.
   */
  newContext(options?: BrowserContextOptions): Promise<Page>;
}

/**
 * The setup of a console spec, in one place: registers the jest hooks that start the API (and a
 * worker) with `env`, launch one browser for the file, seed employees; give each test a new
 * context and page (opened while the test before it runs); after each test close it and fail on
 * any page error; after all, close the browser and stop the processes.
 */
export function useConsole(env: Record<string, string>, options: ConsoleOptions = {}): ConsoleRun {
  interface Tab {
    context: BrowserContext;
    page: Page;
    errors: string[];
  }
  let api: { process: PorterProcess; baseUrl: string } | undefined;
  let worker: WorkerProcess | undefined;
  let browser: Browser | undefined;
  /** This test's context, page and page errors. */
  let tab: Tab | undefined;
  /** The next test's, opened while this one runs (a new page takes a few hundred ms to open). */
  let nextTab: Promise<Tab> | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useConsole: no ${what} (used outside a test, or its setup failed)`);
    return value;
  };
  const openTab = async (contextOptions: BrowserContextOptions): Promise<Tab> => {
    const context = await ready(browser, 'browser').newContext({ ...DESKTOP, ...contextOptions });
    const page = await context.newPage();
    return { context, page, errors: pageErrors(page) };
  };
  const pagePerTest = options.pagePerTest !== false;
  const openNextTab = () => {
    if (!pagePerTest) return;
    nextTab = openTab(options.contextOptions ?? {});
    nextTab.catch(() => undefined); // awaited (and its failure thrown) by the next beforeEach
  };

  beforeAll(async () => {
    [api, worker] = await Promise.all([
      startApi(env),
      options.worker === false ? undefined : startWorker(env),
      launchBrowser().then((launched) => {
        browser = launched;
        openNextTab();
      }),
      options.seed && seedEmployees(options.seed.tenant, options.seed.employees),
      options.alongside?.(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), api?.process.stop(), worker?.stop()]);
  });
  beforeEach(async () => {
    if (!pagePerTest) return;
    tab = await (nextTab ?? openTab(options.contextOptions ?? {}));
    openNextTab();
  });
  afterEach(async () => {
    const ended = tab;
    tab = undefined;
    await ended?.context.close();
    expect(ended?.errors ?? []).toEqual([]);
  });

  return {
    get api() {
      return ready(api, 'API');
    },
    get baseUrl() {
      return ready(api, 'API').baseUrl;
    },
    get worker() {
      return ready(worker, 'worker');
    },
    get browser() {
      return ready(browser, 'browser');
    },
    get context() {
      return ready(tab, 'context').context;
    },
    get page() {
      return ready(tab, 'page').page;
    },
    get errors() {
      return ready(tab, 'page').errors;
    },
    async newContext(contextOptions: BrowserContextOptions = {}) {
      const ended = tab;
      tab = undefined;
      await ended?.context.close();
      expect(ended?.errors ?? []).toEqual([]);
      tab = await openTab(contextOptions);
      return tab.page;
    },
  };
}
