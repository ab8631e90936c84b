import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { PG_POOL } from '@porter/platform';
import { JobTransitionPage, ListJobTransitionsQuery } from '../../public/queries/list-job-transitions.query';

@QueryHandler(ListJobTransitionsQuery)
export class ListJobTransitionsHandler implements IQueryHandler<ListJobTransitionsQuery, JobTransitionPage> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ after, limit }: ListJobTransitionsQuery): Promise<JobTransitionPage> {
    if (!after) {
      // The present: every transaction below the snapshot's xmin has ended, so starting there
      // (id 0) skips history and misses nothing that commits from now on.
      const { rows } = await this.pool.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
      return { items: [], next: { txId: String(rows[0].xmin), eventId: '0' } };
    }
    // Rows of transactions at or past xmin may still be joined by rows of older, running
    // transactions: stop before them. (tx_id, id) order is then final.
    const { rows } = await this.pool.query(
      `SELECT e.id::text AS event_id, e.tx_id::text AS tx_id, e.type, e.at, j.id AS job_id, j.type AS job_type, j.tenant
         FROM job_queue.job_event e JOIN job_queue.job j ON j.id = e.job_id
        WHERE e.tx_id IS NOT NULL AND e.type IN ('succeeded', 'failed', 'cancelled')
          AND (e.tx_id, e.id) > ($1::xid8, $2::bigint)
          AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.tx_id, e.id
        LIMIT $3`,
      [after.txId, after.eventId, Math.max(1, Math.min(limit, 1000))],
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => ({
        eventId: r.event_id,
        jobId: r.job_id,
        jobType: r.job_type,
        tenant: r.tenant,
        status: r.type,
        at: new Date(r.at).toISOString(),
      })),
      next: last ? { txId: last.tx_id, eventId: last.event_id } : after,
    };
  }
}
