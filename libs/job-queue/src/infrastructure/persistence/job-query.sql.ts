import type { JobQuery, JobQueryField, JobQuerySortField } from '../../domain/job-query';

/**
 * Each field and sort key maps to one fixed SQL expression; values only ever travel as
 * parameters, so no text of a query reaches the SQL string.
 */
const COLUMNS: Record<JobQueryField, string> = {
  status: 'j.status',
  type: 'j.type',
  name: 'j.name',
  submittedBy: 'j.submitted_by',
  submitterKind: `COALESCE(j.principal->>'kind', 'user')`,
};

export const SORT_COLUMNS: Record<JobQuerySortField, string> = {
  submittedAt: 'submitted_at',
  updatedAt: 'updated_at',
  name: 'name',
  type: 'type',
  status: 'status',
  priority: 'priority',
};

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Appends the query's conditions to `where`, pushing their values onto `params`. */
export function compileJobQuery(query: JobQuery, where: string[], params: unknown[]): void {
  for (const clause of query.clauses) {
    const column = COLUMNS[clause.field];
    if (clause.prefix) {
      params.push(`${escapeLike(clause.value)}%`);
      // A name that is NULL neither matches nor differs: `<>` keeps the SQL three-valued logic out.
      where.push(`${clause.negated ? 'COALESCE(' + column + ", '') NOT LIKE" : column + ' LIKE'} $${params.length} ESCAPE '\\'`);
    } else {
      params.push(clause.value);
      where.push(clause.negated ? `${column} IS DISTINCT FROM $${params.length}` : `${column} = $${params.length}`);
    }
  }
}

/** Deleted jobs leave lists unless the query asks for them by status. */
export const queryAsksForDeleted = (query: JobQuery | undefined): boolean =>
  !!query?.clauses.some((c) => c.field === 'status' && !c.negated && c.value === 'deleted');
