import { createHash } from 'crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Pool, QueryConfig } from 'pg';
import { PG_POOL } from '@porter/platform';
import { isUuid, Page, PageRequest, Principal, sqlDirection } from '@porter/shared-kernel';
import type { JobInfo } from '../../public/entities/job-info';
import type { JobListFilters } from '../../application/ports/job.repository.port';
import type { JobReadModel } from '../../application/ports/job-read-model.port';
import { toJobInfo } from '../../application/job-info.mapper';
import { compileJobQuery, queryAsksForDeleted, SORT_COLUMNS } from './job-query.sql';
import { JOB_INFO_COLUMNS, JobRow, selectJobPage, selectOneJob, toJobRecord } from './job-sql';

const READ_ONE_SQL = selectOneJob('j.id = $1 AND j.tenant = $2 AND ($3 OR j.submitted_by = $4)', JOB_INFO_COLUMNS);

/**
 * Jobs as the queries show them, by plain SQL on the pg pool (ADR 068): only the columns a
 * JobInfo needs, and named (prepared) statements, so that each pooled connection parses and
 * plans a read once instead of on every request. A list's statement text depends on which
 * filters are given and on the order (a few dozen variants); one with a free-text `query=` is
 * left unnamed, since its text depends on what the caller wrote and each name is kept by every
 * connection for its lifetime.
 */
@Injectable()
export class PgJobReadModel implements JobReadModel {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async get(principal: Principal, jobId: string): Promise<JobInfo | null> {
    if (!isUuid(jobId)) return null;
    const { rows } = await this.pool.query<JobRow>({
      name: 'job-queue.read-job.v1',
      text: READ_ONE_SQL,
      values: [jobId, principal.tenant, principal.isAdmin, principal.userId],
    });
    return rows[0] ? toJobInfo(toJobRecord(rows[0])) : null;
  }

  async list(principal: Principal, filters: JobListFilters, page: PageRequest): Promise<Page<JobInfo>> {
    // Admin or not decides the text (not a parameter): each variant gets the plan that suits it
    // (the submitter index for a non-admin), also once its statement is prepared.
    const where = ['j.tenant = $1'];
    const params: unknown[] = [principal.tenant];
    if (!principal.isAdmin) {
      params.push(principal.userId);
      where.push(`j.submitted_by = $${params.length}`);
    }
    if (filters.status) {
      params.push(filters.status);
      where.push(`j.status = $${params.length}`);
    } else if (!queryAsksForDeleted(filters.query)) {
      // Soft-deleted jobs leave lists at once; they remain readable by id until purged.
      where.push(`j.status <> 'deleted'`);
    }
    if (filters.type) {
      params.push(filters.type);
      where.push(`j.type = $${params.length}`);
    }
    if (filters.submittedBy) {
      params.push(filters.submittedBy);
      where.push(`j.submitted_by = $${params.length}`);
    }
    if (filters.query) compileJobQuery(filters.query, where, params);
    const clause = where.join(' AND ');
    const sort = filters.query?.sort;
    const direction = sort ? (sort.direction === 'asc' ? 'ASC' : 'DESC') : sqlDirection(page.order);
    const pageSql = selectJobPage(clause, `$${params.length + 1}`, `$${params.length + 2}`, direction, sort ? SORT_COLUMNS[sort.field] : undefined, JOB_INFO_COLUMNS);
    const countSql = `SELECT count(*) AS n FROM job_queue.job j WHERE ${clause}`;
    const prepared = filters.query === undefined;
    const [items, count] = await Promise.all([
      this.pool.query<JobRow>(statement(prepared, 'job-queue.read-page', pageSql, [...params, page.offset, page.limit])),
      this.pool.query<{ n: string }>(statement(prepared, 'job-queue.count-jobs', countSql, params)),
    ]);
    return { items: items.rows.map((row) => toJobInfo(toJobRecord(row))), totalRecords: Number(count.rows[0].n) };
  }
}

/** A named statement (its name derived from its text, so one name never means two texts) or an unnamed one. */
function statement(prepared: boolean, prefix: string, text: string, values: unknown[]): QueryConfig {
  if (!prepared) return { text, values };
  return { name: `${prefix}.${createHash('sha1').update(text).digest('base64url').slice(0, 16)}`, text, values };
}
