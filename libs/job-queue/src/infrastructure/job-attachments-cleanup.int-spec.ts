import { randomUUID } from 'crypto';
import { Readable } from 'stream';
import { TestingModule } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import { EventBus } from '@nestjs/cqrs';
import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { FILE_STORAGE, FileStorage, motoAvailable, MotoServer, PG_POOL, PORTER_CONFIG, PorterConfig, S3FileStorage, createS3FileStorage, startMoto } from '@porter/platform';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../application/ports/job-attachment.store.port';
import { JOB_FILE_CLEANER, JobFileCleaner } from '../application/ports/job.repository.port';
import { jobQueueContext } from '../test-support/job-queue-test-context';
import { JOBS_QUEUE, MAINTENANCE_QUEUE } from './job-queue.constants';
import { JobPurgeService } from './maintenance/job-purge.service';
import { JobRunStore } from './store/job-run.store';
import { PgJobAttachmentStore } from './persistence/pg-job-attachment.store';
import { StorageJobFileCleaner } from './persistence/storage-job-file-cleaner';

/**
 * A job's attachments live under its storage prefix next to its runs' outputs: cleaning a run's
 * outputs (after a cancel) keeps them; the age-based purge removes them, rows and bytes.
 */
describe('job attachments: kept by output cleanup, removed by the purge (Postgres; local storage, and S3 on moto_server)', () => {
  let ctx: TestingModule;
  let pool: Pool;
  let storage: FileStorage;
  let attachments: JobAttachmentStore;
  let cleaner: JobFileCleaner;

  beforeAll(async () => {
    ctx = await jobQueueContext({ worker: false });
    pool = ctx.get<Pool>(PG_POOL);
    storage = ctx.get<FileStorage>(FILE_STORAGE);
    attachments = ctx.get<JobAttachmentStore>(JOB_ATTACHMENT_STORE);
    cleaner = ctx.get<JobFileCleaner>(JOB_FILE_CLEANER);
  });

  afterAll(async () => {
    await ctx?.close();
  });

  async function insertJob(status: string, completedAgoMs: number): Promise<string> {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO job_queue.job (id, tenant, type, status, principal, submitted_by, attempts, max_attempts, started_at, completed_at)
       VALUES ($1, $2, 'attachments.unhandled', $3, '{}'::jsonb, 'ada', 1, 3, clock_timestamp(),
               clock_timestamp() - make_interval(secs => $4::double precision / 1000))`,
      [id, `t-${randomUUID()}`, status, completedAgoMs],
    );
    return id;
  }

  async function attach(jobId: string, names: string[], store: JobAttachmentStore = attachments): Promise<string[]> {
    const added = [];
    for (const name of names) {
      const stored = await store.write(jobId, Readable.from([Buffer.from(`bytes of ${name}`)]), 1024);
      added.push({ name, contentType: 'text/plain', createdBy: 'ada', ...stored });
    }
    expect(await store.add(jobId, added, 5)).toBeNull();
    return added.map((a) => a.storageKey);
  }

  async function keysUnder(jobId: string, where: FileStorage = storage): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of where.list(`job-queue/${jobId}/`)) keys.push(object.key);
    return keys.sort();
  }

  it('removing a cancelled run\'s outputs keeps the attachments (bytes and rows)', async () => {
    const jobId = await insertJob('cancelled', 0);
    const attachmentKeys = await attach(jobId, ['template.csv']);
    // What a cancelled run leaves: a recorded output and a half-written one with no row.
    await storage.put(`job-queue/${jobId}/run-1-${randomUUID()}`, Readable.from([Buffer.from('output')]));
    await storage.put(`job-queue/${jobId}/run-1-${randomUUID()}`, Readable.from([Buffer.from('partial')]));
    expect(await keysUnder(jobId)).toHaveLength(3);

    await cleaner.removeOutputs(jobId);

    expect(await keysUnder(jobId)).toEqual(attachmentKeys);
    const read = await storage.get(attachmentKeys[0]);
    const chunks: Buffer[] = [];
    for await (const chunk of read) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('bytes of template.csv');
    expect((await attachments.list(jobId)).map((a) => a.name)).toEqual(['template.csv']);
  });

  /** Runs the age-based purge for an expired and a recent job with attachments, on `where`. */
  async function purgeExpiredWithAttachments(where: FileStorage): Promise<void> {
    const store = where === storage ? attachments : new PgJobAttachmentStore(pool, where);
    const expired = await insertJob('succeeded', 3 * 86_400_000);
    const recent = await insertJob('succeeded', 0);
    const expiredKeys = await attach(expired, ['notes.txt', 'template.xlsx'], store);
    const recentKeys = await attach(recent, ['notes.txt'], store);
    await where.put(`job-queue/${expired}/run-1-${randomUUID()}`, Readable.from([Buffer.from('output')]));
    for (const key of [...expiredKeys, ...recentKeys]) expect(await where.stat(key)).not.toBeNull();

    const purge = new JobPurgeService(
      ctx.get(JobRunStore),
      ctx.get<Queue>(getQueueToken(MAINTENANCE_QUEUE)),
      ctx.get<Queue>(getQueueToken(JOBS_QUEUE)),
      where === storage ? cleaner : new StorageJobFileCleaner(where),
      store,
      ctx.get<PorterConfig>(PORTER_CONFIG),
      ctx.get(EventBus),
    );
    // Older than two days: this test's expired job (the run's other jobs are younger).
    const { purged } = await purge.purge(2 * 86_400_000);

    expect(purged).toBeGreaterThanOrEqual(1);
    const rows = await pool.query(`SELECT job_id FROM job_queue.job_attachment WHERE job_id = ANY($1::uuid[])`, [[expired, recent]]);
    expect(rows.rows.map((r) => r.job_id)).toEqual([recent]);
    expect((await pool.query(`SELECT 1 FROM job_queue.job WHERE id = $1`, [expired])).rowCount).toBe(0);
    for (const key of expiredKeys) expect(await where.stat(key)).toBeNull();
    expect(await keysUnder(expired, where)).toEqual([]);
    for (const key of recentKeys) expect(await where.stat(key)).not.toBeNull();
  }

  /**
   * A request's files stored, then the process "dies" before its job is submitted (no job row, no
   * attachment row): the sweep deletes them once old enough; a submitted request's files stay.
   */
  async function sweepOrphanedStagedAttachments(where: FileStorage): Promise<void> {
    const store = where === storage ? attachments : new PgJobAttachmentStore(pool, where);
    const neverSubmitted = randomUUID();
    const orphanKeys = [];
    for (const name of ['template.xlsx', 'notes.txt']) orphanKeys.push((await store.write(neverSubmitted, Readable.from([Buffer.from(name)]), 1024)).storageKey);
    const owned = await insertJob('succeeded', 0);
    const ownedKeys = await attach(owned, ['kept.txt'], store);
    const staged = async (keys: string[]) =>
      (await pool.query(`SELECT count(*)::int AS n FROM job_queue.staged_attachment WHERE storage_key = ANY($1::text[])`, [keys])).rows[0].n;
    expect(await staged(orphanKeys)).toBe(2);
    expect(await staged(ownedKeys)).toBe(0);

    // Too young: a request may still be on its way to its submit.
    expect(await store.sweepStaged(new Date(Date.now() - 60_000))).toBe(0);
    for (const key of orphanKeys) expect(await where.stat(key)).not.toBeNull();

    // Old enough, two sweepers at once: each orphan deleted, no error, nothing else touched.
    const other = new PgJobAttachmentStore(pool, where);
    const swept = await Promise.all([store.sweepStaged(new Date(Date.now() + 1000)), other.sweepStaged(new Date(Date.now() + 1000))]);
    expect(swept[0] + swept[1]).toBeGreaterThanOrEqual(2);
    for (const key of orphanKeys) expect(await where.stat(key)).toBeNull();
    expect(await staged(orphanKeys)).toBe(0);
    for (const key of ownedKeys) expect(await where.stat(key)).not.toBeNull();
    expect((await store.list(owned)).map((a) => a.name)).toEqual(['kept.txt']);

    // Discarded files leave no note behind either.
    const discarded = (await store.write(randomUUID(), Readable.from([Buffer.from('x')]), 1024)).storageKey;
    await store.discard([discarded]);
    expect(await staged([discarded])).toBe(0);
    expect(await where.stat(discarded)).toBeNull();
  }

  it('files of a request whose job was never submitted (a crash in between) are swept once old enough; owned ones stay (local storage)', async () => {
    await sweepOrphanedStagedAttachments(storage);
  });

  it("the age-based purge removes an expired job's attachments: rows and stored files (local storage)", async () => {
    await purgeExpiredWithAttachments(storage);
  });

  const withMoto = motoAvailable();
  if (!withMoto) process.stderr.write('\n[job attachments] moto_server is not on PATH: the S3 purge case is skipped\n');
  (withMoto ? describe : describe.skip)('on S3 (moto_server)', () => {
    const credentials = { accessKeyId: 'attachments', secretAccessKey: 'attachments-secret' };
    let moto: MotoServer;
    let s3: S3FileStorage;
    beforeAll(async () => {
      moto = await startMoto('attachments', credentials);
      s3 = createS3FileStorage({ bucket: 'attachments', endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, keyPrefix: 'porter', credentials });
    }, 60_000);
    afterAll(async () => {
      await moto?.stop();
    });

    it("the age-based purge removes an expired job's attachments: rows and stored objects", async () => {
      await purgeExpiredWithAttachments(s3);
    });

    it('objects of a request whose job was never submitted are swept once old enough; owned ones stay', async () => {
      await sweepOrphanedStagedAttachments(s3);
    });

    it("removing a cancelled run's outputs keeps the attachments", async () => {
      const jobId = await insertJob('cancelled', 0);
      const keys = await attach(jobId, ['template.csv'], new PgJobAttachmentStore(pool, s3));
      await s3.put(`job-queue/${jobId}/run-1-${randomUUID()}`, Readable.from([Buffer.from('partial')]));
      await new StorageJobFileCleaner(s3).removeOutputs(jobId);
      expect(await keysUnder(jobId, s3)).toEqual(keys);
    });
  });
});
