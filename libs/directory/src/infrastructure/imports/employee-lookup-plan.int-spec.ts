import { randomBytes } from 'crypto';
import { Client } from 'pg';
import type { ImportUnitOfWork } from '@porter/imports';
import { EXISTING_EMPLOYEE_IDS_SQL, existingEmployeeIds } from './employee-writes';

/*
 * The probe of existing emails when the tenant importing is not yet in the table's statistics:
 * other tenants' rows were ANALYZEd, the new tenant's came in after (autovacuum may be late, or
 * off). The planner must still probe the unique (tenant, email) index once per email, not scan
 * the whole tenant through another (tenant, …) index once per email.
 *
 * Everything runs in one transaction rolled back at the end (ANALYZE included, it is
 * transactional for the statistics), so other specs sharing the database see none of it.
 */

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  /** Per loop, as EXPLAIN reports it; absent when the node has no Filter. */
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

const employeeScans = (node: PlanNode): PlanNode[] => [
  ...(node['Relation Name'] === 'employee' ? [node] : []),
  ...(node.Plans ?? []).flatMap(employeeScans),
];

/** The rows a scan read from the table: those it returned plus those its Filter threw away, over all loops. */
const rowsRead = (scan: PlanNode): number => (scan['Actual Rows'] + (scan['Rows Removed by Filter'] ?? 0)) * scan['Actual Loops'];

const OTHER_TENANTS = 5;
const ROWS_PER_OTHER_TENANT = 40_000;
const NEW_TENANT_ROWS = 20_000;
const PROBED = 200;

describe('existingEmployeeIds for a tenant the table statistics do not know yet', () => {
  const run = randomBytes(4).toString('hex');
  const newTenant = `new-${run}`;
  const otherTenant = (i: number) => `other-${run}-${i}`;
  let client: Client;
  const unitOfWork: ImportUnitOfWork = {
    async query<R extends object>(text: string, values?: readonly unknown[]) {
      const result = await client.query(text, values as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async copyFrom() {
      throw new Error('not used by the probe');
    },
  };

  beforeAll(async () => {
    client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO directory.employee (tenant, first_name, last_name, email, department, scope_id)
       SELECT $1::text || '-' || (g % $2::int), 'First', 'Last', 'user' || g || '@other.example', 'dept-' || (g % 20), 'scope-' || (g % 10)
         FROM generate_series(1, $2::int * $3::int) AS g`,
      [`other-${run}`, OTHER_TENANTS, ROWS_PER_OTHER_TENANT],
    );
    await client.query('ANALYZE directory.employee');
    // The new tenant's rows after the statistics, as an import writes them chunk after chunk.
    await client.query(
      `INSERT INTO directory.employee (tenant, first_name, last_name, email, department, scope_id)
       SELECT $1::text, 'First', 'Last', 'user' || g || '@new.example', 'dept-' || (g % 20), 'scope-' || (g % 10)
         FROM generate_series(1, $2::int) AS g`,
      [newTenant, NEW_TENANT_ROWS],
    );
  });

  afterAll(async () => {
    if (!client) return;
    await client.query('ROLLBACK');
    // The rolled back rows' pages and ANALYZE's row count (written in place) stay until a VACUUM,
    // and autovacuum may be off: give them back for the specs that follow.
    await client.query('VACUUM directory.employee');
    await client.end();
  });

  /** Emails of the new tenant spread over its rows, one email of another tenant only, one unknown. */
  const probedEmails = (): string[] => [
    ...Array.from({ length: PROBED }, (_, i) => `user${1 + i * Math.floor(NEW_TENANT_ROWS / PROBED)}@new.example`),
    'user7@other.example',
    'nobody@new.example',
  ];

  it('reproduces the setting: the other tenants are in the statistics, the new one is not', async () => {
    const { rows } = await client.query<{ vals: string[] | null }>(
      `SELECT most_common_vals::text::text[] AS vals FROM pg_stats WHERE schemaname = 'directory' AND tablename = 'employee' AND attname = 'tenant'`,
    );
    const known = rows[0]?.vals ?? [];
    expect(known).toEqual(expect.arrayContaining(Array.from({ length: OTHER_TENANTS }, (_, i) => otherTenant(i))));
    expect(known).not.toContain(newTenant);
  });

  it('probes the unique (tenant, email) index on both columns, reading about one row per email', async () => {
    const emails = probedEmails();
    const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${EXISTING_EMPLOYEE_IDS_SQL}`, [
      newTenant,
      emails,
    ]);
    const plan = rows[0]['QUERY PLAN'][0].Plan;
    const scans = employeeScans(plan);
    const summary = scans.map((s) => ({ index: s['Index Name'], cond: s['Index Cond'], loops: s['Actual Loops'], removedPerLoop: s['Rows Removed by Filter'] ?? 0 }));
    expect(summary).toEqual([{ index: 'employee_tenant_email_uq', cond: expect.stringMatching(/\(tenant = .*\(email = /), loops: expect.any(Number), removedPerLoop: 0 }]);
    const read = scans.reduce((sum, s) => sum + rowsRead(s), 0);
    expect(read).toBeLessThanOrEqual(2 * emails.length);
  });

  it('returns the id of every email the tenant has, and only those', async () => {
    const emails = probedEmails();
    const { rows } = await client.query<{ email: string; id: string }>(
      `SELECT email, id::text AS id FROM directory.employee WHERE tenant = $1 AND email = ANY($2::text[])`,
      [newTenant, emails],
    );
    expect(rows).toHaveLength(PROBED);
    const ids = await existingEmployeeIds(unitOfWork, newTenant, [...emails, emails[0]]);
    expect(ids).toEqual(new Map(rows.map((r) => [r.email, r.id])));
    expect(ids.has('user7@other.example')).toBe(false);
    expect(ids.has('nobody@new.example')).toBe(false);
  });
});
