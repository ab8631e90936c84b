import { Injectable } from '@nestjs/common';
import {
  ImportPreparationContext,
  ImportProcessingContext,
  ImportProcessor,
  ImportProcessorFor,
  ImportRow,
  ImportRowOutcome,
  ImportUnitOfWork,
} from '@porter/imports';
import { CopyBuffer, copyValue } from '@porter/platform';
import { EMPLOYEES_IMPORT_TYPE } from './employee-import.type';
import { UUID_TEXT_LENGTH, writeTimeOrderedId } from './time-ordered-id';

const TAB = 0x09;
const LF = 0x0a;
/** The order of the COPY columns; `newEmployees` writes them in this order. */
const DATA_COLUMNS = ['first_name', 'last_name', 'email', 'department', 'salary', 'hired_at', 'active', 'scope_id', 'notes'] as const;
type DataColumn = (typeof DATA_COLUMNS)[number];
/** Columns an update may change when the file has them (the email is the key). */
const UPDATABLE: readonly DataColumn[] = DATA_COLUMNS.filter((c) => c !== 'email');

/** What `prepare` hands to `process` for one chunk. */
interface ChunkPlan {
  rows: ImportRow[];
  outcomes: Array<ImportRowOutcome | null>;
  lastByEmail: Map<string, number>;
  unique: ImportRow[];
  /** The optimistic COPY of every unique row, unless the batch is known to hold existing emails. */
  copy: { payload: Buffer; ids: Map<string, string> } | null;
}

/**
 * Writes a chunk of employees in bulk, upserting by (tenant, email):
 * 1. optimistically, the whole chunk goes straight into `directory.employee` with ONE COPY (the
 *    fastest bulk path: multi-row heap inserts, no staging, no RETURNING), with time-ordered ids
 *    made here (see time-ordered-id.ts), under a savepoint;
 * 2. if that COPY fails (an email the tenant already has: the unique index refuses it; or any
 *    value Postgres refuses), nothing of it is left, and the chunk is split by ONE indexed probe:
 *    new emails are COPYed as in 1, existing ones go through a session temp table and ONE
 *    `INSERT ... ON CONFLICT (tenant, email) DO UPDATE ... RETURNING id, email` that updates only
 *    the columns the row carries (a CSV/XLSX file's columns; a JSONL line's keys). A batch that met existing emails probes first from then on.
 * The probe cannot see a racing import's uncommitted rows: if one commits the same email first,
 * the second COPY fails too and every row of the chunk takes the upsert path, so the outcome is an
 * upsert either way. Duplicate emails inside a chunk are merged in row order, later keys winning
 * (all of their rows get that employee's id). Should the bulk upsert fail, the rows are redone one by one under
 * savepoints, so one bad row fails alone.
 */
@Injectable()
@ImportProcessorFor(EMPLOYEES_IMPORT_TYPE)
export class EmployeesImportProcessor implements ImportProcessor {
  /**
   * The database-free part, run while the previous chunk still writes: scope checks, duplicate
   * emails, and (unless this batch is known to hold existing emails) the COPY payload with ids.
   */
  prepare(rows: ImportRow[], context: ImportPreparationContext): ChunkPlan {
    const outcomes: Array<ImportRowOutcome | null> = new Array(rows.length);
    // An email seen twice in the chunk is written once, with its rows' values merged in row order
    // (a later row's keys win): the same employee as applying the rows one after the other, which
    // is what happens when they fall in different chunks. A CSV/XLSX row carries every column, so
    // there the last row wins; a JSONL line carries its own keys, and an earlier line's other keys
    // must not be lost.
    const lastByEmail = new Map<string, number>();
    const merged = new Map<string, ImportRow>();
    for (let i = 0; i < rows.length; i++) {
      const outcome = this.scopeCheck(rows[i], context);
      outcomes[i] = outcome;
      if (outcome !== null) continue;
      const email = rows[i].values.email as string;
      lastByEmail.set(email, i);
      const earlier = merged.get(email);
      merged.set(email, earlier ? { rowNumber: rows[i].rowNumber, values: { ...earlier.values, ...rows[i].values } } : rows[i]);
    }
    const unique: ImportRow[] = [...merged.values()];
    unique.sort((a, b) => a.rowNumber - b.rowNumber);
    // A non-admin's row without a scope may only update an employee of a scope it holds: whether
    // the email exists is known only after the probe, so such a chunk skips the optimistic COPY.
    const unscoped = !context.principal.isAdmin && unique.some((row) => row.values.scope_id === null || row.values.scope_id === undefined);
    const optimistic = unique.length > 0 && !unscoped && !this.batchesWithExisting.has(context.importBatchId);
    return { rows, outcomes, lastByEmail, unique, copy: optimistic ? this.newEmployees(context.principal.tenant, unique) : null };
  }

  async process(rows: ImportRow[], context: ImportProcessingContext): Promise<ImportRowOutcome[]> {
    const prepared = context.prepared as ChunkPlan | undefined;
    const plan = prepared && prepared.rows === rows ? prepared : this.prepare(rows, context);
    const { outcomes, lastByEmail, unique } = plan;
    if (!unique.length) return outcomes as ImportRowOutcome[];
    const { unitOfWork } = context;
    const tenant = context.principal.tenant;
    const scopes = context.principal.isAdmin ? null : context.principal.scopes;
    const refused = new Map<string, string>();

    // Optimistic first: an import mostly brings new employees, so the chunk goes in with one
    // COPY and no probe. Should an email already exist, the COPY fails on the unique index,
    // leaves nothing (savepoint), and this batch probes before copying from then on.
    let ids: Map<string, string>;
    let upserts: ImportRow[] = [];
    if (plan.copy && (await this.copyNew(unitOfWork, plan.copy.payload))) ids = plan.copy.ids;
    else {
      if (plan.copy) this.rememberBatchWithExisting(context.importBatchId);
      ids = await this.existingIds(unitOfWork, tenant, [...lastByEmail.keys()]);
      let fresh = unique.filter((row) => !ids.has(row.values.email as string));
      if (scopes) {
        for (const row of fresh) if (row.values.scope_id === null || row.values.scope_id === undefined) refused.set(row.values.email as string, NEW_WITHOUT_SCOPE);
        fresh = fresh.filter((row) => !refused.has(row.values.email as string));
      }
      upserts = ids.size ? unique.filter((row) => ids.has(row.values.email as string)) : [];
      if (fresh.length) {
        const made = this.newEmployees(tenant, fresh);
        if (await this.copyNew(unitOfWork, made.payload)) for (const [email, id] of made.ids) ids.set(email, id);
        else upserts = unique.filter((row) => !refused.has(row.values.email as string)); // a racing import wrote some of these emails first: upsert them all
      }
    }
    const failures = new Map<string, string>();
    if (upserts.length) await this.upsertAll(unitOfWork, tenant, scopes, upserts, ids, failures, refused);

    for (let i = 0; i < rows.length; i++) {
      if (outcomes[i] !== null) continue;
      const email = rows[i].values.email as string;
      const id = ids.get(email);
      const refusal = refused.get(email);
      outcomes[i] = refusal
        ? { status: 'failed', failureDetails: refusal }
        : id
          ? { status: 'completed', referenceId: id }
          : { status: 'failed', failureDetails: `the employee could not be written: ${failures.get(email) ?? 'no id returned'}` };
    }
    return outcomes as ImportRowOutcome[];
  }

  /** Batches (most recent first out) known to hold emails the tenant already has: they probe first. */
  private readonly batchesWithExisting = new Set<string>();

  private rememberBatchWithExisting(batchId: string): void {
    this.batchesWithExisting.add(batchId);
    if (this.batchesWithExisting.size > 1000) this.batchesWithExisting.delete(this.batchesWithExisting.values().next().value as string);
  }

  /** Operational scopes: a non-admin imports only into scopes it holds. */
  private scopeCheck(row: ImportRow, context: ImportPreparationContext): ImportRowOutcome | null {
    const scope = row.values.scope_id;
    if (scope === null || scope === undefined || context.principal.isAdmin) return null;
    if (context.principal.holdsAllScopes([String(scope)])) return null;
    return { status: 'failed', failureDetails: `column "scope_id": value "${String(scope)}" is not one of your operational scopes (rule: scope held by the importer)` };
  }

  /**
   * The ids of the emails the tenant already has. One probe of the unique (tenant, email) index
   * per email: the lateral subquery (kept as such by OFFSET 0) gives the planner no join to
   * choose, so the plan stays an index probe per email whatever the table's statistics say.
   */
  private async existingIds(unitOfWork: ImportUnitOfWork, tenant: string, emails: string[]): Promise<Map<string, string>> {
    const { rows } = await unitOfWork.query<{ email: string; id: string }>(
      `SELECT u.email, e.id::text AS id
         FROM unnest($2::text[]) AS u(email)
         CROSS JOIN LATERAL (SELECT id FROM directory.employee WHERE tenant = $1 AND email = u.email OFFSET 0) e`,
      [tenant, emails],
    );
    const ids = new Map<string, string>();
    for (const r of rows) ids.set(r.email, r.id);
    return ids;
  }

  /** The COPY payload of new employees, with their time-ordered ids (see time-ordered-id.ts). */
  private newEmployees(tenant: string, rows: ImportRow[]): { payload: Buffer; ids: Map<string, string> } {
    const ids = new Map<string, string>();
    const out = new CopyBuffer(rows.length * 192);
    const prefix = copyValue(tenant);
    for (let k = 0; k < rows.length; k++) {
      const v = rows[k].values;
      out.reserve(UUID_TEXT_LENGTH);
      const idAt = out.length;
      writeTimeOrderedId(out.buffer, idAt);
      out.length += UUID_TEXT_LENGTH;
      ids.set(v.email as string, out.buffer.toString('latin1', idAt, idAt + UUID_TEXT_LENGTH));
      out.byte(TAB);
      out.raw(prefix);
      // Named loads, in DATA_COLUMNS order (a loop over the names would make every load a lookup).
      out.byte(TAB);
      out.value(v.first_name);
      out.byte(TAB);
      out.value(v.last_name);
      out.byte(TAB);
      out.value(v.email);
      out.byte(TAB);
      out.value(v.department);
      out.byte(TAB);
      out.value(v.salary);
      out.byte(TAB);
      out.value(v.hired_at);
      out.byte(TAB);
      out.byte(v.active === false ? 0x66 : 0x74); // absent or empty: true (the column default)
      out.byte(TAB);
      out.value(v.scope_id);
      out.byte(TAB);
      out.value(v.notes);
      out.byte(LF);
    }
    return { payload: out.view(), ids };
  }

  /**
   * New employees by COPY straight into the table, under a savepoint. False when the COPY failed
   * (an email written meanwhile by a racing import, or any value Postgres refuses): nothing of it
   * is left, and the caller takes the probe and upsert path instead.
   */
  private async copyNew(unitOfWork: ImportUnitOfWork, payload: Buffer): Promise<boolean> {
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
  private async upsertAll(
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
    for (const group of groups.values()) await this.upsertGroup(unitOfWork, tenant, scopes, group.rows, group.present, ids, failures, refused);
  }

  private async upsertGroup(
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
      settle(await this.upsert(unitOfWork, tenant, scopes, rows, present), rows);
      await unitOfWork.query('RELEASE SAVEPOINT employees_bulk');
      return;
    } catch {
      await unitOfWork.query('ROLLBACK TO SAVEPOINT employees_bulk');
    }
    for (const row of rows) {
      const email = row.values.email as string;
      await unitOfWork.query('SAVEPOINT employees_row');
      try {
        settle(await this.upsert(unitOfWork, tenant, scopes, [row], present), [row]);
        await unitOfWork.query('RELEASE SAVEPOINT employees_row');
      } catch (error) {
        await unitOfWork.query('ROLLBACK TO SAVEPOINT employees_row');
        ids.delete(email);
        failures.set(email, (error as Error).message);
      }
    }
  }

  private async upsert(unitOfWork: ImportUnitOfWork, tenant: string, scopes: readonly string[] | null, rows: ImportRow[], present: readonly DataColumn[]): Promise<Map<string, string>> {
    await unitOfWork.query(
      `CREATE TEMP TABLE IF NOT EXISTS porter_employee_import_stage (
         ord integer, first_name text, last_name text, email text, department text, salary numeric(14, 2),
         hired_at date, active boolean, scope_id text, notes text
       ) ON COMMIT DELETE ROWS`,
    );
    // Empty at the start of a chunk (ON COMMIT DELETE ROWS); not between column groups or rows of the fallback.
    await unitOfWork.query('DELETE FROM porter_employee_import_stage');
    const out = new CopyBuffer(rows.length * 192);
    rows.forEach((row, ord) => {
      out.uint(ord);
      for (const column of DATA_COLUMNS) {
        out.byte(TAB);
        out.value(row.values[column]);
      }
      out.byte(LF);
    });
    await unitOfWork.copyFrom(`COPY porter_employee_import_stage (ord, ${DATA_COLUMNS.join(', ')}) FROM STDIN`, out.view());
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
}

const NEW_WITHOUT_SCOPE = 'column "scope_id": a new employee needs one of your operational scopes (rule: scope held by the importer)';
const EXISTING_OUT_OF_SCOPE = 'the employee with this email is in a scope you do not hold (rule: scope held by the importer)';
