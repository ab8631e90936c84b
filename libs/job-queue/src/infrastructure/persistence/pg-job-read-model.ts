import { createHash } from 'crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Pool, QueryConfig } from 'pg';
import { BatchItemResult, MicroBatcher, PG_POOL } from '@porter/platform';
import { isUuid, Page, PageRequest, Principal, sqlDirection, SYSTEM_USER_ID } from '@porter/shared-kernel';
import type { JobInfo } from '../../public/entities/job-info';
import type { JobListFilters } from '../../application/ports/job.repository.port';
import type { JobReadModel } from '../../application/ports/job-read-model.port';
import { toJobInfo } from '../../application/job-info.mapper';
import { compileJobQuery, queryAsksForDeleted, SORT_COLUMNS } from './job-query.sql';
import { JOB_INFO_COLUMNS, JobRow, PagePositions, PENDING_POSITIONS_SQL, selectJobPage, selectOneJob, selectRankedJobs, toJobRecord } from './job-sql';

const READ_ONE_SQL = selectOneJob('j.id = $1 AND j.tenant = $2 AND ($3 OR j.submitted_by = $4)', JOB_INFO_COLUMNS);

/** Which job each (job, principal) pair of a batch names, under READ_ONE_SQL's rule: where, columns, relation. */
const READ_MANY: [string, string, string] = [
  'j.id = r.id AND j.tenant = r.tenant AND (r.is_admin OR j.submitted_by = r.user_id)',
  `r.ord, ${JOB_INFO_COLUMNS}`,
  'unnest($1::uuid[], $2::text[], $3::boolean[], $4::text[]) WITH ORDINALITY AS r(id, tenant, is_admin, user_id, ord) JOIN ',
];

/**
 * Several reads in one statement: each (job, principal) pair of the batch is one row of the
 * unnest, joined to its job under the same rule as READ_ONE_SQL, and `r.ord` says which pair a
 * row answers. A pair the principal may not see has no row. Positions are counted per job
 * through the pending indexes (a job's count reads the jobs ahead of it).
 */
const READ_MANY_SQL = selectOneJob(...READ_MANY);

/**
 * The same reads with the pending jobs ranked by one window over the pending index instead
 * (selectRankedJobs): a pass over every pending job, about three times what counting the jobs
 * ahead of the last one costs, paid once for the whole batch.
 */
const READ_MANY_RANKED_SQL = selectRankedJobs(...READ_MANY);

/**
 * From this many distinct jobs in a batch, one window ranks them (READ_MANY_RANKED_SQL); below
 * it, counts per job (READ_MANY_SQL) read less. Measured with bench:api's 4,400 pending jobs: one
 * job polled by 100 clients cost Postgres 62 µs a request counted and 193 µs ranked; 100 jobs
 * polled in turn, 626 µs counted and 142 µs ranked.
 */
const RANK_FROM = 6;

/**
 * From this offset a page finds its rows by key on the list index before reading them
 * (selectJobPage's `byKeyFirst`, ADR 092). Measured on 4,400 jobs of one tenant: offset 0, 0.04 ms
 * read directly against 0.12 ms by key; offset 1,000, 0.49 against 0.33 ms; offset 4,000, 6.8
 * against 1.0 ms.
 */
const BY_KEY_FROM_OFFSET = 100;

/** Most reads answered by one statement. */
const READ_BATCH_MAX = 200;
/** Pages of one list in a batch are read as one range of at most this many rows (pageRanges). */
const RANGE_MAX_ROWS = 2_000;

interface PageAsk {
  principal: Principal;
  filters: JobListFilters;
  page: PageRequest;
  /** Equal for asks that read pages of the same list (principal, filters, order). */
  list: string;
  /** Equal for asks that read the same thing (the list, and the same page of it). */
  key: string;
}

interface ReadKey {
  jobId: string;
  tenant: string;
  isAdmin: boolean;
  userId: string;
}

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
  /**
   * Reads of single jobs, "batch while busy" (the MicroBatcher of the submits): a read on an idle
   * API is sent at once; reads that arrive while two are in flight wait for them and go together
   * in one statement. Every read of a batch arrived before its statement started, so a client
   * reads what it wrote before asking (no read joins one already under way). Identical reads of
   * one batch (the same job for the same principal, e.g. many clients polling one job) are
   * asked once, and its callers share one (frozen) answer.
   */
  private readonly reads = new MicroBatcher<ReadKey, JobInfo | null>((keys) => this.readBatch(keys), {
    maxBatch: READ_BATCH_MAX,
    maxInFlight: 2,
  });

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async get(principal: Principal, jobId: string): Promise<JobInfo | null> {
    if (!isUuid(jobId)) return null;
    return this.reads.submit({ jobId, tenant: principal.tenant, isAdmin: principal.isAdmin, userId: principal.userId });
  }

  private async readBatch(keys: ReadKey[]): Promise<Array<BatchItemResult<JobInfo | null>>> {
    if (keys.length === 1) {
      const [key] = keys;
      const { rows } = await this.pool.query<JobRow>({
        name: 'job-queue.read-job.v1',
        text: READ_ONE_SQL,
        values: [key.jobId, key.tenant, key.isAdmin, key.userId],
      });
      return [{ value: rows[0] ? sharedJobInfo(rows[0]) : null }];
    }
    const distinct = new Map<string, number>();
    const asked: ReadKey[] = [];
    const slots = keys.map((key) => {
      const id = `${key.jobId}\u0000${key.tenant}\u0000${key.isAdmin}\u0000${key.userId}`;
      let slot = distinct.get(id);
      if (slot === undefined) {
        slot = asked.push(key) - 1;
        distinct.set(id, slot);
      }
      return slot;
    });
    const { rows } = await this.pool.query<JobRow & { ord: string }>({
      ...(asked.length >= RANK_FROM
        ? { name: 'job-queue.read-jobs-ranked.v1', text: READ_MANY_RANKED_SQL }
        : { name: 'job-queue.read-jobs.v1', text: READ_MANY_SQL }),
      values: [asked.map((k) => k.jobId), asked.map((k) => k.tenant), asked.map((k) => k.isAdmin), asked.map((k) => k.userId)],
    });
    const found: Array<JobInfo | null> = new Array(asked.length).fill(null);
    for (const row of rows) found[Number(row.ord) - 1] = sharedJobInfo(row);
    return slots.map((slot) => ({ value: found[slot] }));
  }

  /**
   * Pages of jobs, batched the same way: each distinct read of a batch (the same principal,
   * filters and page) runs once, its statements beside the others', and its callers share one frozen
   * answer. A dashboard open in many places asks Postgres once per batch, not once per viewer.
   */
  private readonly pages = new MicroBatcher<PageAsk, Page<JobInfo>>((asks) => this.listBatch(asks), {
    maxBatch: READ_BATCH_MAX,
    maxInFlight: 2,
  });

  async list(principal: Principal, filters: JobListFilters, page: PageRequest): Promise<Page<JobInfo>> {
    const list = JSON.stringify([principal.tenant, principal.isAdmin, principal.userId, filters, page.order ?? null]);
    return this.pages.submit({ principal, filters, page, list, key: `${list}\u0000${page.offset}\u0000${page.limit}` });
  }

  private async listBatch(asks: PageAsk[]): Promise<Array<BatchItemResult<Page<JobInfo>>>> {
    const distinct = new Map<string, PageAsk>();
    for (const ask of asks) if (!distinct.has(ask.key)) distinct.set(ask.key, ask);
    let reads: Map<string, Promise<{ rows: JobRow[]; total: number }>> | null = null;
    if (distinct.size > 1) {
      // Several pages: read together in one snapshot, the pending jobs of all of them ranked by
      // one window and equal counts counted once. A batch that fails (one page's statement, the
      // connection) is read again page by page, so that each caller gets its own page's answer.
      const together = await this.readPages([...distinct.values()]).catch(() => null);
      if (together) reads = new Map([...distinct.keys()].map((key, i) => [key, Promise.resolve(together[i])]));
    }
    if (!reads) reads = new Map([...distinct].map(([key, ask]) => [key, this.readPage(ask.principal, ask.filters, ask.page)]));
    // One answer per distinct read, shared (frozen) by the asks that made it: mapping, serialising
    // and hashing the same page again for each of them was about a quarter of the API's CPU when
    // many clients polled one page (ADR 093).
    const answers = new Map(
      [...reads].map(([key, read]) => [
        key,
        read.then(({ rows, total }): Page<JobInfo> => Object.freeze({ items: Object.freeze(rows.map(sharedJobInfo)), totalRecords: total }) as Page<JobInfo>),
      ]),
    );
    const settled = await Promise.allSettled(asks.map((ask) => answers.get(ask.key)!));
    return settled.map((answer) => (answer.status === 'rejected' ? { error: answer.reason } : { value: answer.value }));
  }

  /**
   * Distinct pages read in one REPEATABLE READ snapshot on one connection: each page's rows
   * without positions, each distinct count once, then the positions of every pending job among
   * them from one window over the pending index (PENDING_POSITIONS_SQL). Pages read alone each
   * ranked every pending job: with thousands waiting, a dashboard's worth of different pages
   * cost one pass over the pending index per page. Pages of one list close to each other are
   * read as one range of rows and cut apart (pageRanges).
   */
  private async readPages(asks: PageAsk[]): Promise<Array<{ rows: JobRow[]; total: number }>> {
    const client = await this.pool.connect();
    let done = false;
    let broken = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const counts = new Map<string, number>();
      const pages: Array<{ rows: JobRow[]; total: number }> = new Array(asks.length);
      for (const range of pageRanges(asks)) {
        const first = asks[range.members[0]];
        const { page, count } = this.pageStatements(first.principal, first.filters, { ...first.page, offset: range.offset, limit: range.end - range.offset }, false);
        const rows = (await client.query<JobRow>(page)).rows;
        const countKey = JSON.stringify([count.text, count.values]);
        let total = counts.get(countKey);
        if (total === undefined) {
          total = Number((await client.query<{ n: string }>(count)).rows[0].n);
          counts.set(countKey, total);
        }
        for (const member of range.members) {
          const { offset, limit } = asks[member].page;
          pages[member] = { rows: rows.slice(offset - range.offset, offset - range.offset + limit), total };
        }
      }
      const pending = [...new Set(pages.flatMap((p) => p.rows.filter((row) => row.status === 'pending').map((row) => row.id)))];
      if (pending.length) {
        const { rows } = await client.query<{ id: string; position: string }>({ name: 'job-queue.pending-positions.v1', text: PENDING_POSITIONS_SQL, values: [pending] });
        const positions = new Map(rows.map((r) => [r.id, r.position]));
        for (const p of pages) for (const row of p.rows) if (row.status === 'pending') row.position = positions.get(row.id) ?? null;
      }
      await client.query('COMMIT');
      done = true;
      return pages;
    } finally {
      // A connection whose transaction cannot be rolled back is not handed out again.
      if (!done) await client.query('ROLLBACK').catch(() => (broken = true));
      client.release(broken);
    }
  }

  private async readPage(principal: Principal, filters: JobListFilters, page: PageRequest): Promise<{ rows: JobRow[]; total: number }> {
    const statements = this.pageStatements(principal, filters, page, true);
    const [items, count] = await Promise.all([this.pool.query<JobRow>(statements.page), this.pool.query<{ n: string }>(statements.count)]);
    return { rows: items.rows, total: Number(count.rows[0].n) };
  }

  /** A page's statement (its rows, with their positions when `positions`) and its count's. */
  private pageStatements(principal: Principal, filters: JobListFilters, page: PageRequest, positions: boolean): { page: QueryConfig; count: QueryConfig } {
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
    // A constant in the text: the list with and without it are two statements, each with its plan.
    if (filters.excludeSystem) where.push(`j.submitted_by <> '${SYSTEM_USER_ID}'`);
    if (filters.query) compileJobQuery(filters.query, where, params);
    const clause = where.join(' AND ');
    const sort = filters.query?.sort;
    const direction = sort ? (sort.direction === 'asc' ? 'ASC' : 'DESC') : sqlDirection(page.order);
    const byKeyFirst = page.offset >= BY_KEY_FROM_OFFSET;
    // A first page of the newest jobs holds the back of the queue: its positions are counted from
    // there (a few index entries a job) rather than by ranking every pending job. Deeper pages,
    // other orders and other sort fields reach further into the queue: the window ranks it once.
    const ranking: PagePositions = !positions ? 'none' : !sort && direction === 'DESC' && !byKeyFirst ? 'from-back' : 'window';
    const pageSql = selectJobPage(
      clause,
      `$${params.length + 1}`,
      `$${params.length + 2}`,
      direction,
      sort ? SORT_COLUMNS[sort.field] : undefined,
      JOB_INFO_COLUMNS,
      ranking,
      byKeyFirst,
    );
    const countSql = `SELECT count(*) AS n FROM job_queue.job j WHERE ${clause}`;
    const prepared = filters.query === undefined;
    return {
      page: statement(prepared, 'job-queue.read-page', pageSql, [...params, page.offset, page.limit]),
      count: statement(prepared, 'job-queue.count-jobs', countSql, params),
    };
  }
}

/** The rows of one list read by one statement and cut into the pages of its members (indexes into the batch's asks). */
interface PageRange {
  offset: number;
  end: number;
  members: number[];
}

/**
 * The batch's pages grouped into ranges: pages of the same list (principal, filters, order) are
 * read together when the range stays within RANGE_MAX_ROWS and no gap between them is wider than
 * the next page. 100 clients paging through one list (offsets 0 … 1,980) cost a statement each,
 * every one walking the list from its start to its offset, on one connection one after the
 * other (and each round trip wakes Postgres); as one range they cost one statement and one walk
 * to the deepest page. The order is total (`id` breaks ties), so a cut page is the page.
 */
function pageRanges(asks: readonly PageAsk[]): PageRange[] {
  const lists = new Map<string, number[]>();
  asks.forEach((ask, i) => {
    const members = lists.get(ask.list);
    if (members) members.push(i);
    else lists.set(ask.list, [i]);
  });
  const ranges: PageRange[] = [];
  for (const members of lists.values()) {
    members.sort((a, b) => asks[a].page.offset - asks[b].page.offset);
    let range: PageRange | null = null;
    for (const member of members) {
      const { offset, limit } = asks[member].page;
      const end = offset + limit;
      if (range && offset <= range.end + limit && Math.max(range.end, end) - range.offset <= RANGE_MAX_ROWS) {
        range.end = Math.max(range.end, end);
        range.members.push(member);
      } else {
        range = { offset, end, members: [member] };
        ranges.push(range);
      }
    }
  }
  return ranges;
}

/**
 * A read's JobInfo, frozen all the way down: the callers of one batch that asked the same thing
 * share it (the API serialises it once for all of them, ADR 093), so none may change it. Every
 * answer is frozen, batched or not, so that a caller that would change one fails in every test.
 */
function sharedJobInfo(row: JobRow): JobInfo {
  return deepFreeze(toJobInfo(toJobRecord(row)));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** A named statement (its name derived from its text, so one name never means two texts) or an unnamed one. */
function statement(prepared: boolean, prefix: string, text: string, values: unknown[]): QueryConfig {
  if (!prepared) return { text, values };
  return { name: `${prefix}.${createHash('sha1').update(text).digest('base64url').slice(0, 16)}`, text, values };
}
