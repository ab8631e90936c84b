import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import type { Pool } from 'pg';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { FILE_STORAGE, FileStorage, PG_POOL, Transaction, withPgTransaction } from '@porter/platform';
import type { StagedJobAttachments } from '../../public/actions/stage-job-attachments.command';
import { PayloadTooLargeError } from '@porter/shared-kernel';
import type { JobAttachmentStore, NewJobAttachment } from '../../application/ports/job-attachment.store.port';
import type { StoredJobFile } from '../../public/dependencies/job-handler.dependency';
import { jobAttachmentsPrefix } from './job-sql';

@Injectable()
export class PgJobAttachmentStore implements JobAttachmentStore {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  async write(jobId: string, stream: Readable, maxBytes: number): Promise<{ storageKey: string; sizeBytes: number; sha256: string }> {
    // Under the job's prefix: deleting or purging the job removes its attachments' bytes too.
    const storageKey = `${jobAttachmentsPrefix(jobId)}/${randomUUID()}`;
    const writer = this.storage.openWriter(storageKey);
    let total = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        total += chunk.length;
        if (total > maxBytes) return callback(new PayloadTooLargeError(`An attachment may be at most ${maxBytes} bytes`));
        callback(null, chunk);
      },
    });
    try {
      await pipeline(stream, limit, writer.stream);
    } catch (error) {
      await writer.abort();
      stream.resume();
      throw error;
    }
    const stored = await writer.commit();
    return { storageKey, sizeBytes: stored.sizeBytes, sha256: stored.sha256 };
  }

  async discard(storageKeys: string[]): Promise<void> {
    await Promise.all(storageKeys.map((key) => this.storage.delete(key).catch(() => undefined)));
  }

  async list(jobId: string): Promise<StoredJobFile[]> {
    const { rows } = await this.pool.query(
      `SELECT name, content_type, size_bytes, sha256, storage_key, created_at FROM job_queue.job_attachment WHERE job_id = $1 ORDER BY created_at, name`,
      [jobId],
    );
    return rows.map((r) => ({
      name: r.name,
      kind: 'attachment' as const,
      contentType: r.content_type,
      sizeBytes: Number(r.size_bytes),
      sha256: r.sha256,
      storageKey: r.storage_key,
      createdAt: (r.created_at as Date).toISOString(),
    }));
  }

  add(jobId: string, attachments: NewJobAttachment[], max: number): Promise<'too_many' | { taken: string } | null> {
    return withPgTransaction(this.pool, async (client) => {
      // The job row lock serialises concurrent attachers of one job, so the count holds.
      await client.query(`SELECT 1 FROM job_queue.job WHERE id = $1 FOR UPDATE`, [jobId]);
      const { rows } = await client.query<{ name: string }>(`SELECT name FROM job_queue.job_attachment WHERE job_id = $1`, [jobId]);
      if (rows.length + attachments.length > max) return 'too_many';
      const taken = attachments.find((a) => rows.some((r) => r.name === a.name));
      if (taken) return { taken: taken.name };
      await client.query(
        `INSERT INTO job_queue.job_attachment (job_id, name, content_type, size_bytes, sha256, storage_key, created_by)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])`,
        [
          jobId,
          attachments.map((a) => a.name),
          attachments.map((a) => a.contentType),
          attachments.map((a) => a.sizeBytes),
          attachments.map((a) => a.sha256),
          attachments.map((a) => a.storageKey),
          attachments.map((a) => a.createdBy),
        ],
      );
      return null;
    });
  }

  async record(staged: StagedJobAttachments, transaction: Transaction): Promise<void> {
    if (!staged.files.length) return;
    // One JSON parameter: the transaction's placeholders (knex) would spread JS arrays.
    await transaction.execute(
      `INSERT INTO job_queue.job_attachment (job_id, name, content_type, size_bytes, sha256, storage_key, created_by)
       SELECT ?::uuid, a.name, a.content_type, a.size_bytes, a.sha256, a.storage_key, ?
       FROM jsonb_to_recordset(?::jsonb) AS a(name text, content_type text, size_bytes bigint, sha256 text, storage_key text)`,
      [
        staged.jobId,
        staged.createdBy,
        JSON.stringify(staged.files.map((f) => ({ name: f.name, content_type: f.contentType, size_bytes: f.sizeBytes, sha256: f.sha256, storage_key: f.storageKey }))),
      ],
    );
  }

  async removeAll(jobId: string): Promise<void> {
    await this.pool.query(`DELETE FROM job_queue.job_attachment WHERE job_id = $1`, [jobId]);
  }
}
