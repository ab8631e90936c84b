import { Injectable } from '@nestjs/common';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  ImportProcessingContext,
  ImportProcessor,
  ImportProcessorFor,
  ImportRow,
  ImportRowOutcome,
  ImportRowValue,
} from '@porter/imports';
import { EMPLOYEES_IMPORT_TYPE } from './employee-import.type';

const DATA_COLUMNS = ['first_name', 'last_name', 'email', 'department', 'salary', 'hired_at', 'active', 'scope_id', 'notes'] as const;
type DataColumn = (typeof DATA_COLUMNS)[number];
/** Columns an update may change when the file has them (the email is the key). */
const UPDATABLE: readonly DataColumn[] = DATA_COLUMNS.filter((c) => c !== 'email');

/**
 * Writes a chunk of employees in bulk: COPY into a session temp table, then ONE
 * INSERT ... SELECT ... ON CONFLICT (tenant, email) DO UPDATE ... RETURNING id, email. Only the
 * columns present in the file are updated on existing employees. Duplicate emails inside a
 * chunk collapse onto their last row (all of them get that employee's id). Should the bulk
 * statement fail, the chunk is redone row by row under savepoints, so one bad row fails alone.
 */
@Injectable()
@ImportProcessorFor(EMPLOYEES_IMPORT_TYPE)
export class EmployeesImportProcessor implements ImportProcessor {
  async process(rows: ImportRow[], context: ImportProcessingContext): Promise<ImportRowOutcome[]> {
    const outcomes: Array<ImportRowOutcome | null> = rows.map((row) => this.scopeCheck(row, context));
    const writable = rows.map((row, i) => ({ row, i })).filter(({ i }) => outcomes[i] === null);
    if (!writable.length) return outcomes as ImportRowOutcome[];
    const present = DATA_COLUMNS.filter((c) => c in writable[0].row.values);
    // Last row wins for an email seen twice in the chunk.
    const lastByEmail = new Map<string, number>();
    writable.forEach(({ row }, k) => lastByEmail.set(String(row.values.email), k));
    const unique = [...lastByEmail.values()].sort((a, b) => a - b).map((k) => writable[k].row);
    const { client } = context;
    await client.query('SAVEPOINT employees_bulk');
    let ids: Map<string, string>;
    try {
      ids = await this.upsert(client, context.principal.tenant, unique, present);
      await client.query('RELEASE SAVEPOINT employees_bulk');
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT employees_bulk');
      ids = new Map();
      for (const row of unique) {
        await client.query('SAVEPOINT employees_row');
        try {
          for (const [email, id] of await this.upsert(client, context.principal.tenant, [row], present)) ids.set(email, id);
          await client.query('RELEASE SAVEPOINT employees_row');
        } catch (error) {
          await client.query('ROLLBACK TO SAVEPOINT employees_row');
          ids.set(`!${String(row.values.email)}`, (error as Error).message);
        }
      }
    }
    for (const { row, i } of writable) {
      const email = String(row.values.email);
      const id = ids.get(email);
      outcomes[i] = id
        ? { status: 'completed', referenceId: id }
        : { status: 'failed', failureDetails: `the employee could not be written: ${ids.get(`!${email}`) ?? 'no id returned'}` };
    }
    return outcomes as ImportRowOutcome[];
  }

  /** Operational scopes: a non-admin imports only into scopes it holds. */
  private scopeCheck(row: ImportRow, context: ImportProcessingContext): ImportRowOutcome | null {
    const scope = row.values.scope_id;
    if (scope === null || scope === undefined || context.principal.isAdmin) return null;
    if (context.principal.holdsAllScopes([String(scope)])) return null;
    return { status: 'failed', failureDetails: `column "scope_id": value "${String(scope)}" is not one of your operational scopes (rule: scope held by the importer)` };
  }

  private async upsert(client: PoolClient, tenant: string, rows: ImportRow[], present: readonly DataColumn[]): Promise<Map<string, string>> {
    await client.query(
      `CREATE TEMP TABLE IF NOT EXISTS porter_employee_import_stage (
         ord integer, first_name text, last_name text, email text, department text, salary numeric(14, 2),
         hired_at date, active boolean, scope_id text, notes text
       ) ON COMMIT DELETE ROWS`,
    );
    // Empty at the start of a chunk (ON COMMIT DELETE ROWS); not between rows of the fallback.
    await client.query('DELETE FROM porter_employee_import_stage');
    let text = '';
    rows.forEach((row, ord) => {
      text += String(ord);
      for (const column of DATA_COLUMNS) text += `\t${copyValue(row.values[column])}`;
      text += '\n';
    });
    await pipeline(
      Readable.from([text]),
      client.query(copyFrom(`COPY porter_employee_import_stage (ord, ${DATA_COLUMNS.join(', ')}) FROM STDIN`)),
    );
    const updates = UPDATABLE.filter((c) => present.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
    const { rows: written } = await client.query<{ id: string; email: string }>(
      `INSERT INTO directory.employee AS e (tenant, first_name, last_name, email, department, salary, hired_at, active, scope_id, notes)
       SELECT $1, first_name, last_name, email, department, salary, hired_at, COALESCE(active, true), scope_id, notes
         FROM porter_employee_import_stage ORDER BY ord
       ON CONFLICT (tenant, email) DO UPDATE SET ${[...updates, 'updated_at = now()'].join(', ')}
       RETURNING e.id::text AS id, e.email`,
      [tenant],
    );
    return new Map(written.map((w) => [w.email, w.id]));
  }
}

function copyValue(value: ImportRowValue | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const s = typeof value === 'boolean' ? (value ? 't' : 'f') : String(value);
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : s;
}
