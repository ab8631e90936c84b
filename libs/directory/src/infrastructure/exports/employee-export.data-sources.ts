import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ExportColumn, ExportDataRequest, ExportDataSource } from '@porter/exports';
import { PG_POOL } from '@porter/platform';
import type { EmployeesExportFilters, ScopeEmployeesExportFilters } from './employee-export-filters';
import { inlineParameters, streamCopyInBatches } from './pg-copy-rows';

/** Column order and header names are a contract: the imports issue reads the same headers back. */
export const EMPLOYEE_EXPORT_COLUMNS: readonly ExportColumn[] = [
  { key: 'id', header: 'id', type: 'string' },
  { key: 'first_name', header: 'first_name', type: 'string' },
  { key: 'last_name', header: 'last_name', type: 'string' },
  { key: 'email', header: 'email', type: 'string' },
  { key: 'department', header: 'department', type: 'string' },
  { key: 'salary', header: 'salary', type: 'number' },
  { key: 'hired_at', header: 'hired_at', type: 'date' },
  { key: 'active', header: 'active', type: 'boolean' },
  { key: 'scope_id', header: 'scope_id', type: 'string' },
  { key: 'notes', header: 'notes', type: 'string' },
];

// Rows stream through COPY as text: exact decimals ("1234.50"), zone-free days, 't'/'f' booleans.
const SELECT = `SELECT id::text, first_name, last_name, email, department, salary::text, to_char(hired_at, 'YYYY-MM-DD') AS hired_at, active, scope_id, notes
  FROM directory.employee`;

/** The employee query of an export, shared with the benchmark's COPY floor so both read the same rows. */
export function employeeExportQuery(
  tenant: string,
  filters: { department?: string; active?: boolean; hiredAfter?: string },
  scopeIds?: readonly string[],
): { where: string; values: unknown[]; select: string } {
  const values: unknown[] = [tenant];
  let where = 'tenant = $1';
  if (scopeIds) {
    values.push([...scopeIds]);
    where += ` AND scope_id = ANY($${values.length}::text[])`;
  }
  if (filters.department !== undefined) {
    values.push(filters.department);
    where += ` AND department = $${values.length}`;
  }
  if (filters.active !== undefined) {
    values.push(filters.active);
    where += ` AND active = $${values.length}`;
  }
  if (filters.hiredAfter !== undefined) {
    values.push(filters.hiredAfter);
    where += ` AND hired_at > $${values.length}::date`;
  }
  // Ordered by id so a retry writes the same file, byte for byte.
  return { where, values, select: `${SELECT} WHERE ${where} ORDER BY id` };
}

abstract class EmployeeExportDataSource<F extends object> implements ExportDataSource<F> {
  constructor(protected readonly pool: Pool) {}

  protected abstract query(request: ExportDataRequest<F>): { where: string; values: unknown[]; select: string };

  columns(): readonly ExportColumn[] {
    return EMPLOYEE_EXPORT_COLUMNS;
  }

  async count(request: ExportDataRequest<F>): Promise<number | null> {
    const { where, values } = this.query(request);
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM directory.employee WHERE ${where}`, values);
    return rows[0].n;
  }

  rows(request: ExportDataRequest<F>): AsyncIterable<unknown[][]> {
    const { select, values } = this.query(request);
    return streamCopyInBatches(() => this.pool.connect(), (client) => inlineParameters(client, select, values), request.batchSize, request.signal);
  }
}

/** `employees` (global): every employee of the tenant. */
@Injectable()
export class EmployeesExportDataSource extends EmployeeExportDataSource<EmployeesExportFilters> {
  constructor(@Inject(PG_POOL) pool: Pool) {
    super(pool);
  }

  protected query(request: ExportDataRequest<EmployeesExportFilters>) {
    return employeeExportQuery(request.tenant, request.filters);
  }
}

/** `scope-employees` (local): only employees of the requested operational scopes. */
@Injectable()
export class ScopeEmployeesExportDataSource extends EmployeeExportDataSource<ScopeEmployeesExportFilters> {
  constructor(@Inject(PG_POOL) pool: Pool) {
    super(pool);
  }

  protected query(request: ExportDataRequest<ScopeEmployeesExportFilters>) {
    if (!request.scopeIds.length) throw new Error('scope-employees needs at least one scope id');
    return employeeExportQuery(request.tenant, request.filters, request.scopeIds);
  }
}
