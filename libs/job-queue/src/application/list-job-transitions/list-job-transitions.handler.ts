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
    // A row whose transaction is below the snapshot's xmin is final: every transaction that could
    // still add a row before it in this order has ended. Rows at or past xmin are committed (we
    // see them) but a running, older transaction may yet commit a row before them.
    const { rows } = await this.pool.query(
      `SELECT e.id::text AS event_id, e.tx_id::text AS tx_id, e.type, e.at, j.id AS job_id, j.type AS job_type, j.tenant,
              e.tx_id < pg_snapshot_xmin(pg_current_snapshot()) AS final
         FROM job_queue.job_event e JOIN job_queue.job j ON j.id = e.job_id
        WHERE e.tx_id IS NOT NULL AND e.type IN ('succeeded', 'failed', 'cancelled')
          AND (e.tx_id, e.id) > ($1::xid8, $2::bigint)
        ORDER BY e.tx_id, e.id
        LIMIT $3`,
      [after.txId, after.eventId, Math.max(1, Math.min(limit, 1000))],
    );
    // Final rows are a prefix of this order (final ⇔ tx_id < xmin).
    const lastFinal = [...rows].reverse().find((r) => r.final);
    return {
      items: rows.map((r) => ({
        eventId: r.event_id,
        jobId: r.job_id,
        jobType: r.job_type,
        tenant: r.tenant,
        status: r.type,
        at: new Date(r.at).toISOString(),
        final: r.final,
      })),
      next: lastFinal ? { txId: lastFinal.tx_id, eventId: lastFinal.event_id } : after,
    };
  }
}
