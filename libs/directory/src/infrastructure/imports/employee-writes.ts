import type { ImportRow, ImportUnitOfWork } from '@porter/imports';
import { DATA_COLUMNS, DataColumn, stagedRowsCopy } from './employee-copy-payloads';

/*
 * The employees import's statements, in the chunk's transaction (its unit of work): the probe of
 * existing emails, the COPY of new employees, and the upsert path, each under its savepoint.
 */

/** Columns an update may change when the file has them (the email is the key). */
const UPDATABLE: readonly DataColumn[] = DATA_COLUMNS.filter((c) => c !== 'email');

export const NEW_WITHOUT_SCOPE = 'column "scope_id": a new employee needs one of your operational scopes (rule: scope held by the importer)';
export const EXISTING_OUT_OF_SCOPE = 'the employee with this email is in a scope you do not hold (rule: scope held by the importer)';

/**
 * The probe of existing emails ($1 the tenant, $2 the emails), exported for its plan's test. One
 * probe of the unique (tenant, email) index per email: the lateral subquery (kept as such by
 * OFFSET 0) leaves the planner no join to choose, but the index is still its choice, by its
 * estimate of `tenant = …`. For a tenant the statistics do not know yet (its rows came after the
 * last ANALYZE, as in its first import) that estimate can fall to one row; every (tenant, …)
 * index then looks as good as the unique one, and a tenant-only probe, e.g. (tenant, department),
 * reads the whole tenant once per email. So the tenant is `(SELECT $1::text)`, a value hidden
 * from the planner (an InitPlan, evaluated once): it estimates the average rows per tenant, and
 * the probe on both columns (one row) wins. Only tenants averaging about one row each would
 * bring the tie back, and then ANALYZE is what helps.
 */
export const EXISTING_EMPLOYEE_IDS_SQL = `SELECT u.email, e.id::text AS id
       FROM unnest($2::text[]) AS u(email)
       CROSS JOIN LATERAL (SELECT id FROM directory.employee WHERE tenant = (SELECT $1::text) AND email = u.email OFFSET 0) e`;

/** The ids of the emails the tenant already has (see EXISTING_EMPLOYEE_IDS_SQL for the plan). */
export async function existingEmployeeIds(unitOfWork: ImportUnitOfWork, tenant: string, emails: string[]): Promise<Map<string, string>> {
  const { rows } = await unitOfWork.query<{ email: string; id: string }>(EXISTING_EMPLOYEE_IDS_SQL, [tenant, emails]);
  const ids = new Map<string, string>();
  for (const r of rows) ids.set(r.email, r.id);
  return ids;
}

/**
 * New employees by COPY straight into the table, under a savepoint. False when the COPY failed
 * (an email written meanwhile by a racing import, or any value Postgres refuses): nothing of it
 * is left, and the caller takes the probe and upsert path instead.
 */
export async function copyNewEmployees(unitOfWork: ImportUnitOfWork, payload: Buffer): Promise<boolean> {
  await unitOfWork.query('SAVEPOINT employees_copy');
  try {
    await unitOfWork.copyFrom(`COPY directory.employee (id, tenant, ${DATA_COLUMNS.join(', ')}) FROM STDIN`, payload);
    await unitOfWork.query('RELEASE SAVEPOINT employees_copy');
    return true;
  } catch {
    await unitOfWork.query('ROLLBACK TO SAVEPOINT employees_copy');
    return false;
  }
}

/**
 * The upsert path: in bulk, or row by row under savepoints if the bulk statement fails. An update
 * changes only the columns a row carries: every row of a CSV or XLSX file carries the file's
 * columns, but JSONL lines carry their own keys, so rows are upserted in groups of the same
 * columns (one group, one statement, for a CSV or XLSX chunk).
 */
export async function upsertEmployees(
  unitOfWork: ImportUnitOfWork,
  tenant: string,
  scopes: readonly string[] | null,
  rows: ImportRow[],
  ids: Map<string, string>,
  failures: Map<string, string>,
  refused: Map<string, string>,
): Promise<void> {
  const groups = new Map<string, { present: DataColumn[]; rows: ImportRow[] }>();
  for (const row of rows) {
    const present = DATA_COLUMNS.filter((c) => c in row.values);
    const key = present.join(',');
    const group = groups.get(key);
    if (group) group.rows.push(row);
    else groups.set(key, { present, rows: [row] });
  }
  for (const group of groups.values()) await upsertGroup(unitOfWork, tenant, scopes, group.rows, group.present, ids, failures, refused);
}

async function upsertGroup(
  unitOfWork: ImportUnitOfWork,
  tenant: string,
  scopes: readonly string[] | null,
  rows: ImportRow[],
  present: readonly DataColumn[],
  ids: Map<string, string>,
  failures: Map<string, string>,
  refused: Map<string, string>,
): Promise<void> {
  // A non-admin's upsert leaves out (no RETURNING row) an existing employee of a scope it does
  // not hold, and a new employee without a scope: those rows fail, nothing of them is written.
  const settle = (written: Map<string, string>, of: ImportRow[]) => {
    for (const row of of) {
      const email = row.values.email as string;
      const id = written.get(email);
      if (id) {
        ids.set(email, id);
        continue;
      }
      refused.set(email, ids.has(email) ? EXISTING_OUT_OF_SCOPE : NEW_WITHOUT_SCOPE);
      ids.delete(email);
    }
  };
  await unitOfWork.query('SAVEPOINT employees_bulk');
  try {
    settle(await upsert(unitOfWork, tenant, scopes, rows, present), rows);
    await unitOfWork.query('RELEASE SAVEPOINT employees_bulk');
    return;
  } catch {
    await unitOfWork.query('ROLLBACK TO SAVEPOINT employees_bulk');
  }
  for (const row of rows) {
    const email = row.values.email as string;
    await unitOfWork.query('SAVEPOINT employees_row');
    try {
      settle(await upsert(unitOfWork, tenant, scopes, [row], present), [row]);
      await unitOfWork.query('RELEASE SAVEPOINT employees_row');
    } catch (error) {
      await unitOfWork.query('ROLLBACK TO SAVEPOINT employees_row');
      ids.delete(email);
      failures.set(email, (error as Error).message);
    }
  }
}

async function upsert(unitOfWork: ImportUnitOfWork, tenant: string, scopes: readonly string[] | null, rows: ImportRow[], present: readonly DataColumn[]): Promise<Map<string, string>> {
  await unitOfWork.query(
    `CREATE TEMP TABLE IF NOT EXISTS porter_employee_import_stage (
       ord integer, first_name text, last_name text, email text, department text, salary numeric(14, 2),
       hired_at date, active boolean, scope_id text, notes text
     ) ON COMMIT DELETE ROWS`,
  );
  // Empty at the start of a chunk (ON COMMIT DELETE ROWS); not between column groups or rows of the fallback.
  await unitOfWork.query('DELETE FROM porter_employee_import_stage');
  await unitOfWork.copyFrom(`COPY porter_employee_import_stage (ord, ${DATA_COLUMNS.join(', ')}) FROM STDIN`, stagedRowsCopy(rows));
  // A non-admin cannot take an employee out of every scope: an empty scope keeps the current one.
  const updates = UPDATABLE.filter((c) => present.includes(c)).map((c) =>
    scopes && c === 'scope_id' ? 'scope_id = COALESCE(EXCLUDED.scope_id, e.scope_id)' : `${c} = EXCLUDED.${c}`,
  );
  const { rows: written } = await unitOfWork.query<{ id: string; email: string }>(
    `INSERT INTO directory.employee AS e (tenant, first_name, last_name, email, department, salary, hired_at, active, scope_id, notes)
     SELECT $1, first_name, last_name, email, department, salary, hired_at, COALESCE(active, true), scope_id, notes
       FROM porter_employee_import_stage s
      ${scopes ? 'WHERE s.scope_id IS NOT NULL OR EXISTS (SELECT 1 FROM directory.employee x WHERE x.tenant = $1 AND x.email = s.email)' : ''}
      ORDER BY ord
     ON CONFLICT (tenant, email) DO UPDATE SET ${[...updates, 'updated_at = now()'].join(', ')}
     ${scopes ? 'WHERE e.scope_id = ANY($2::text[])' : ''}
     RETURNING e.id::text AS id, e.email`,
    scopes ? [tenant, scopes] : [tenant],
  );
  return new Map(written.map((w) => [w.email, w.id]));
}
