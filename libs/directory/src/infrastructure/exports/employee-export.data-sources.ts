import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { ExportColumn, ExportDataRequest, ExportDataSource, ExportDataSourceFor, FileFormat } from '@porter/exports';
import { PG_POOL } from '@porter/platform';
import { EmployeesExportFilters, ScopeEmployeesExportFilters } from './employee-export-filters';
import { inlineParameters, streamCopyInBatches, streamCopyText } from './pg-copy-rows';
import { employeeExportQuery } from '../../public/exports/employee-export-query';

/** Column order and header names are a contract: the employees import reads the same headers back. */
const EMPLOYEE_EXPORT_COLUMNS: readonly ExportColumn[] = [
  { key: 'id', header: 'id', label: 'Employee id', type: 'string' },
  { key: 'first_name', header: 'first_name', label: 'First name', type: 'string' },
  { key: 'last_name', header: 'last_name', label: 'Last name', type: 'string' },
  { key: 'email', header: 'email', label: 'Email', type: 'string' },
  { key: 'department', header: 'department', label: 'Department', type: 'string' },
  { key: 'salary', header: 'salary', label: 'Salary', type: 'number' },
  { key: 'hired_at', header: 'hired_at', label: 'Hired on', type: 'date' },
  { key: 'active', header: 'active', label: 'Active', type: 'boolean' },
  { key: 'scope_id', header: 'scope_id', label: 'Operational scope', type: 'string' },
  { key: 'notes', header: 'notes', label: 'Notes', type: 'string' },
];

/** What both employee export types share: every format, the same columns keyed by id, formulas neutralised. */
const EMPLOYEE_EXPORT_SHAPE = {
  formats: [FileFormat.Csv, FileFormat.Xlsx, FileFormat.Jsonl],
  columns: EMPLOYEE_EXPORT_COLUMNS,
  keyColumn: 'id',
  neutralizeFormulas: true,
};

const shapeOf = (request: ExportDataRequest<object>) => ({ columns: request.columns.map((c) => c.key), ids: request.ids });

abstract class EmployeeExportDataSource<F extends object> implements ExportDataSource<F> {
  constructor(protected readonly pool: Pool) {}

  protected abstract query(request: ExportDataRequest<F>): { where: string; values: unknown[]; select: string };

  async count(request: ExportDataRequest<F>): Promise<number | null> {
    const { where, values } = this.query(request);
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM directory.employee WHERE ${where}`, values);
    return rows[0].n;
  }

  rows(request: ExportDataRequest<F>): AsyncIterable<unknown[][]> {
    const { select, values } = this.query(request);
    return streamCopyInBatches(() => this.pool.connect(), (client) => inlineParameters(client, select, values), request.batchSize, request.signal);
  }

  copyText(request: ExportDataRequest<F>): AsyncIterable<Buffer> {
    const { select, values } = this.query(request);
    return streamCopyText(() => this.pool.connect(), (client) => inlineParameters(client, select, values), request.signal);
  }
}

/** `employees` (global): every employee of the tenant. */
@Injectable()
@ExportDataSourceFor({
  type: 'employees',
  scope: 'global',
  retentionPeriodDays: 30,
  ...EMPLOYEE_EXPORT_SHAPE,
  filters: EmployeesExportFilters,
  description: 'Every employee of the tenant (admins only). Filters: department, active, hiredAfter (YYYY-MM-DD, exclusive).',
})
export class EmployeesExportDataSource extends EmployeeExportDataSource<EmployeesExportFilters> {
  constructor(@Inject(PG_POOL) pool: Pool) {
    super(pool);
  }

  protected query(request: ExportDataRequest<EmployeesExportFilters>) {
    return employeeExportQuery(request.tenant, request.filters, undefined, shapeOf(request));
  }
}

/** `scope-employees` (local): only employees of the requested operational scopes. */
@Injectable()
@ExportDataSourceFor({
  type: 'scope-employees',
  scope: 'local',
  retentionPeriodDays: 7,
  ...EMPLOYEE_EXPORT_SHAPE,
  filters: ScopeEmployeesExportFilters,
  description: 'Employees of the requested operational scopes (the caller must hold every one). Filters: department, active.',
})
export class ScopeEmployeesExportDataSource extends EmployeeExportDataSource<ScopeEmployeesExportFilters> {
  constructor(@Inject(PG_POOL) pool: Pool) {
    super(pool);
  }

  protected query(request: ExportDataRequest<ScopeEmployeesExportFilters>) {
    if (!request.scopeIds.length) throw new Error('scope-employees needs at least one scope id');
    return employeeExportQuery(request.tenant, request.filters, request.scopeIds, shapeOf(request));
  }
}
