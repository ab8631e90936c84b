import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import type { Pool } from 'pg';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { FILE_STORAGE, FileStorage, PG_POOL, Transaction, withPgTransaction } from '@porter/platform';
import type { StagedJobAttachments } from '../../public/actions/stage-job-attachments.command';
import { ConflictError, PayloadTooLargeError } from '@porter/shared-kernel';
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
    // Noted before a byte is stored: if this process dies before the attachment's row is written
    // (or the object discarded), the purge finds the object by this note (sweepStaged).
    await this.pool.query(`INSERT INTO job_queue.staged_attachment (storage_key, job_id) VALUES ($1, $2)`, [storageKey, jobId]);
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
      await this.unstage([storageKey]).catch(() => undefined);
      throw error;
    }
    const stored = await writer.commit();
    return { storageKey, sizeBytes: stored.sizeBytes, sha256: stored.sha256 };
  }

  async discard(storageKeys: string[]): Promise<void> {
    await Promise.all(storageKeys.map((key) => this.storage.delete(key).catch(() => undefined)));
    // A note left behind (the database unreachable now) makes the purge delete them again: harmless.
    await this.unstage(storageKeys).catch(() => undefined);
  }

  /**
   * Deletes the objects of attachments staged before `olderThan` that no job owns (their process
   * died before the job's submit committed), with their notes; returns how many objects went.
   * Several workers at once skip each other's rows (SKIP LOCKED).
   */
  async sweepStaged(olderThan: Date): Promise<number> {
    let removed = 0;
    for (;;) {
      const batch = await withPgTransaction(this.pool, async (client) => {
        const { rows } = await client.query<{ storage_key: string; owned: boolean }>(
          `SELECT s.storage_key, EXISTS (SELECT 1 FROM job_queue.job_attachment a WHERE a.storage_key = s.storage_key) AS owned
             FROM job_queue.staged_attachment s
            WHERE s.staged_at < $1
            ORDER BY s.staged_at
            LIMIT 200
              FOR UPDATE OF s SKIP LOCKED`,
          [olderThan],
        );
        const orphans = rows.filter((r) => !r.owned).map((r) => r.storage_key);
        await Promise.all(orphans.map((key) => this.storage.delete(key)));
        await client.query(`DELETE FROM job_queue.staged_attachment WHERE storage_key = ANY($1::text[])`, [rows.map((r) => r.storage_key)]);
        return { seen: rows.length, orphans: orphans.length };
      });
      removed += batch.orphans;
      if (batch.seen < 200) return removed;
    }
  }

  private async unstage(storageKeys: string[]): Promise<void> {
    if (storageKeys.length) await this.pool.query(`DELETE FROM job_queue.staged_attachment WHERE storage_key = ANY($1::text[])`, [storageKeys]);
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
      await client.query(`DELETE FROM job_queue.staged_attachment WHERE storage_key = ANY($1::text[])`, [attachments.map((a) => a.storageKey)]);
      return null;
    });
  }

  async record(staged: StagedJobAttachments, transaction: Transaction): Promise<void> {
    if (!staged.files.length) return;
    // One statement: each file's staging note is taken (no longer the purge's to delete) and its
    // row written, in the submit's transaction. A note already gone means the purge judged the
    // request dead (it outlived STORAGE_TMP_MAX_AGE_MS) and deleted the bytes: the submit fails
    // rather than record an attachment without its file. One JSON parameter: the transaction's
    // placeholders (knex) would spread JS arrays.
    const rows = await transaction.execute<Array<{ storage_key: string }>>(
      `WITH a AS (
         SELECT * FROM jsonb_to_recordset(?::jsonb) AS a(name text, content_type text, size_bytes bigint, sha256 text, storage_key text)
       ), taken AS (
         DELETE FROM job_queue.staged_attachment s USING a WHERE s.storage_key = a.storage_key RETURNING s.storage_key
       )
       INSERT INTO job_queue.job_attachment (job_id, name, content_type, size_bytes, sha256, storage_key, created_by)
       SELECT ?::uuid, a.name, a.content_type, a.size_bytes, a.sha256, a.storage_key, ? FROM a JOIN taken USING (storage_key)
       RETURNING storage_key`,
      [
        JSON.stringify(staged.files.map((f) => ({ name: f.name, content_type: f.contentType, size_bytes: f.sizeBytes, sha256: f.sha256, storage_key: f.storageKey }))),
        staged.jobId,
        staged.createdBy,
      ],
    );
    if (rows.length !== staged.files.length) {
      throw new ConflictError(
        `The request's attachments were removed before its job was created (the request took longer than the storage's staging age); send it again`,
      );
    }
  }

  async removeAll(jobId: string): Promise<void> {
    await this.pool.query(`DELETE FROM job_queue.job_attachment WHERE job_id = $1`, [jobId]);
  }
}
