import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import type { PoolClient, QueryResultRow } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ImportUnitOfWork } from '../../public/dependencies/import-processor.dependency';

/** A chunk's transaction as its host writes through it: the connection the transaction is open on. */
export class PgImportUnitOfWork implements ImportUnitOfWork {
  constructor(private readonly client: PoolClient) {}

  async query<R extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    const result = await this.client.query<R & QueryResultRow>(text, values as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  async copyFrom(copySql: string, payload: Buffer): Promise<void> {
    await pipeline(Readable.from([payload]), this.client.query(copyFrom(copySql)));
  }
}
