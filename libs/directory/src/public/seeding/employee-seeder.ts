import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { seededRandom } from '@porter/platform';

export interface SeedEmployeesOptions {
  tenant: string;
  count: number;
  /** Number of operational scopes (scope-01 … scope-NN) employees are spread over. */
  scopes?: number;
  /** PRNG seed: the same seed gives the same names, salaries, dates and notes. */
  seed?: number;
  /**
   * Delete the tenant's existing employees first (default true). With false the new employees are
   * added, numbered after the highest `….<n>@example.com` email of the tenant.
   */
  replace?: boolean;
  onProgress?: (written: number, total: number) => void;
}

const FIRST = ['Anna', 'Zoë', 'José', 'Łukasz', 'Søren', 'Renée', 'Ægir', 'Chloé', 'Mateo', 'Fatima', 'Yuki', 'Olusegun', 'Priya', 'Noah', 'Émile', 'Ines', 'Björn', 'Giulia', 'Wei', 'Amélie', 'Sean', 'Leila', 'Dmitri', 'Aoife'];
const LAST = ['Müller', "O'Brien", 'García', 'Nowak', 'Øster', 'Dubois', 'Smith', 'Rossi', 'Kowalski', 'Nakamura', 'Okafor', 'Sharma', 'Johansson', 'van der Berg', 'Đorđević', 'Li', 'Martin', 'Fernández', 'Ivanova', 'Murphy', 'Schmidt-Weiß', 'Silva', "D'Angelo", 'Kim'];
const DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'People', 'Support', 'Legal', 'Operations', 'R&D', 'Sales, EMEA'];
const NOTES = [
  'Prefers "async" stand-ups, not calls',
  'Relocated from Zürich; speaks 日本語 and Deutsch',
  'Line one\nline two, with a comma',
  'Mentor for the 2024 cohort 🎓',
  'Said: "ship it", then left',
  'Works part-time, 4/5',
  'Cost centre: 12,345',
  '=HYPERLINK("http://example.test","click")',
  '+1 555 0100 (desk)',
  '-- see HR file',
  '@here ping on changes',
  'Tab\tseparated\tthoughts',
  'Ünïcödé ✓ — “smart quotes” and ‘apostrophes’',
  '',
];

const ascii = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase() || 'x';

/** A COPY ... (FORMAT csv) field: NULL is an unquoted empty field, any text is quoted. */
const q = (s: string | null) => (s === null ? '' : `"${s.replace(/"/g, '""')}"`);

const DAY = 86_400_000;
const FIRST_HIRE = Date.UTC(2000, 0, 1);
const HIRE_SPAN_DAYS = Math.floor((Date.UTC(2025, 11, 31) - FIRST_HIRE) / DAY);

/**
 * Seeds realistic employees for a tenant with COPY FROM STDIN (hundreds of thousands of rows a
 * second): accented and non-Latin names, departments with commas and ampersands, salaries with
 * cents (some null), hire dates (some null), mostly active, spread over scopes, and notes that
 * exercise exports (quotes, commas, newlines, tabs, emoji, formula-looking text, empty strings).
 * Public, and a function over a pool rather than a command on the bus: its callers (`npm run
 * seed`, the benchmarks, tests) run without a Nest application, Redis or a principal.
 */
export async function seedEmployees(pool: Pool, options: SeedEmployeesOptions): Promise<number> {
  const { tenant, count } = options;
  const scopes = Math.max(1, options.scopes ?? 10);
  const random = seededRandom(options.seed ?? 42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const client = await pool.connect();
  try {
    let numberFrom = 0;
    if (options.replace !== false) {
      await client.query('DELETE FROM directory.employee WHERE tenant = $1', [tenant]);
    } else {
      // Appending: emails are unique per tenant, so number the new ones after the highest number
      // already used by an email of this shape (not after the row count: deleted or imported rows
      // leave gaps, and a count would then land on a number still in use).
      const { rows } = await client.query<{ n: string }>(
        `SELECT coalesce(max(substring(email FROM '\\.([0-9]{1,15})@example\\.com$')::bigint), 0) AS n
           FROM directory.employee WHERE tenant = $1`,
        [tenant],
      );
      numberFrom = Number(rows[0].n);
    }
    let written = 0;
    const chunkRows = 2000;
    const source = new Readable({
      read() {
        if (written >= count) {
          this.push(null);
          return;
        }
        let chunk = '';
        const end = Math.min(count, written + chunkRows);
        for (let i = written; i < end; i++) {
          const first = pick(FIRST);
          const last = pick(LAST);
          const email = `${ascii(first)}.${ascii(last)}.${numberFrom + i + 1}@example.com`;
          const department = random() < 0.05 ? null : pick(DEPARTMENTS);
          const salary = random() < 0.03 ? null : (30_000 + Math.floor(random() * 22_000_000) / 100).toFixed(2);
          const hired = random() < 0.02 ? null : new Date(FIRST_HIRE + Math.floor(random() * HIRE_SPAN_DAYS) * DAY).toISOString().slice(0, 10);
          const active = random() < 0.9 ? 't' : 'f';
          const scope = random() < 0.02 ? null : `scope-${String(1 + Math.floor(random() * scopes)).padStart(2, '0')}`;
          const notes = random() < 0.7 ? null : pick(NOTES);
          chunk += `${q(tenant)},${q(first)},${q(last)},${q(email)},${q(department)},${salary ?? ''},${hired ?? ''},${active},${q(scope)},${q(notes)}\n`;
        }
        written = end;
        options.onProgress?.(written, count);
        this.push(chunk);
      },
    });
    const copy = client.query(
      copyFrom(`COPY directory.employee (tenant, first_name, last_name, email, department, salary, hired_at, active, scope_id, notes) FROM STDIN WITH (FORMAT csv)`),
    );
    await pipeline(source, copy);
    return written;
  } finally {
    client.release();
  }
}
