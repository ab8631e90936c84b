import { Injectable } from '@nestjs/common';
import {
  ImportPreparationContext,
  ImportProcessingContext,
  ImportProcessor,
  ImportProcessorFor,
  ImportRow,
  ImportRowOutcome,
} from '@porter/imports';
import { newEmployeesCopy } from './employee-copy-payloads';
import { EMPLOYEES_IMPORT_TYPE } from './employee-import.type';
import { copyNewEmployees, existingEmployeeIds, NEW_WITHOUT_SCOPE, upsertEmployees } from './employee-writes';

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
 * Writes a chunk of employees in bulk, upserting by (tenant, email) (statements in
 * employee-writes.ts, COPY payloads in employee-copy-payloads.ts):
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
    return { rows, outcomes, lastByEmail, unique, copy: optimistic ? newEmployeesCopy(context.principal.tenant, unique) : null };
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
    if (plan.copy && (await copyNewEmployees(unitOfWork, plan.copy.payload))) ids = plan.copy.ids;
    else {
      if (plan.copy) this.rememberBatchWithExisting(context.importBatchId);
      ids = await existingEmployeeIds(unitOfWork, tenant, [...lastByEmail.keys()]);
      let fresh = unique.filter((row) => !ids.has(row.values.email as string));
      if (scopes) {
        for (const row of fresh) if (row.values.scope_id === null || row.values.scope_id === undefined) refused.set(row.values.email as string, NEW_WITHOUT_SCOPE);
        fresh = fresh.filter((row) => !refused.has(row.values.email as string));
      }
      upserts = ids.size ? unique.filter((row) => ids.has(row.values.email as string)) : [];
      if (fresh.length) {
        const made = newEmployeesCopy(tenant, fresh);
        if (await copyNewEmployees(unitOfWork, made.payload)) for (const [email, id] of made.ids) ids.set(email, id);
        else upserts = unique.filter((row) => !refused.has(row.values.email as string)); // a racing import wrote some of these emails first: upsert them all
      }
    }
    const failures = new Map<string, string>();
    if (upserts.length) await upsertEmployees(unitOfWork, tenant, scopes, upserts, ids, failures, refused);

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
}
