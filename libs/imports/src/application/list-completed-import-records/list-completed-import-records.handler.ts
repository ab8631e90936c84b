import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { PG_POOL } from '@porter/platform';
import { ImportCompletionPage, ListCompletedImportRecordsQuery } from '../../public/queries/list-completed-import-records.query';

@QueryHandler(ListCompletedImportRecordsQuery)
export class ListCompletedImportRecordsHandler implements IQueryHandler<ListCompletedImportRecordsQuery, ImportCompletionPage> {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async execute({ after, limit }: ListCompletedImportRecordsQuery): Promise<ImportCompletionPage> {
    if (!after) {
      const { rows } = await this.pool.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
      return { items: [], next: { txId: String(rows[0].xmin), recordId: '00000000-0000-0000-0000-000000000000' } };
    }
    const { rows } = await this.pool.query(
      `SELECT id, tenant, completed_tx_id::text AS tx_id, completed_at, completed_tx_id < pg_snapshot_xmin(pg_current_snapshot()) AS final
         FROM imports.import_record
        WHERE completed_tx_id IS NOT NULL AND (completed_tx_id, id) > ($1::xid8, $2::uuid)
        ORDER BY completed_tx_id, id LIMIT $3`,
      [after.txId, after.recordId, Math.max(1, Math.min(limit, 1000))],
    );
    const lastFinal = [...rows].reverse().find((r) => r.final);
    return {
      items: rows.map((r) => ({ importRecordId: r.id, tenant: r.tenant, completionTxId: r.tx_id, completedAt: new Date(r.completed_at).toISOString(), final: r.final })),
      next: lastFinal ? { txId: lastFinal.tx_id, recordId: lastFinal.id } : after,
    };
  }
}
