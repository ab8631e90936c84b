import { randomUUID } from 'crypto';
import { Readable } from 'stream';
import { TestingModule } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { FILE_STORAGE, FileStorage, PG_POOL, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../application/ports/job-attachment.store.port';
import { JOB_FILE_CLEANER, JobFileCleaner } from '../application/ports/job.repository.port';
import { jobQueueContext } from '../test-support/job-queue-test-context';
import { JOBS_QUEUE, MAINTENANCE_QUEUE } from './job-queue.constants';
import { JobPurgeService } from './maintenance/job-purge.service';
import { JobRunStore } from './store/job-run.store';

/**
 * A job's attachments live under its storage prefix next to its runs' outputs: cleaning a run's
 * outputs (after a cancel) keeps them; the age-based purge removes them, rows and bytes.
 */
describe('job attachments: kept by output cleanup, removed by the purge (Postgres, local storage)', () => {
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

  async function attach(jobId: string, names: string[]): Promise<string[]> {
    const added = [];
    for (const name of names) {
      const stored = await attachments.write(jobId, Readable.from([Buffer.from(`bytes of ${name}`)]), 1024);
      added.push({ name, contentType: 'text/plain', createdBy: 'ada', ...stored });
    }
    expect(await attachments.add(jobId, added, 5)).toBeNull();
    return added.map((a) => a.storageKey);
  }

  async function keysUnder(jobId: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of storage.list(`job-queue/${jobId}/`)) keys.push(object.key);
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

  it('the age-based purge removes an expired job\'s attachments: rows and stored files', async () => {
    const config = ctx.get<PorterConfig>(PORTER_CONFIG);
    const expired = await insertJob('succeeded', 3 * 86_400_000);
    const recent = await insertJob('succeeded', 0);
    const expiredKeys = await attach(expired, ['notes.txt', 'template.xlsx']);
    const recentKeys = await attach(recent, ['notes.txt']);
    await storage.put(`job-queue/${expired}/run-1-${randomUUID()}`, Readable.from([Buffer.from('output')]));
    for (const key of [...expiredKeys, ...recentKeys]) expect(await storage.stat(key)).not.toBeNull();

    const purge = new JobPurgeService(
      ctx.get(JobRunStore),
      ctx.get<Queue>(getQueueToken(MAINTENANCE_QUEUE)),
      ctx.get<Queue>(getQueueToken(JOBS_QUEUE)),
      cleaner,
      config,
    );
    // Older than two days: this test's expired job (the run's other jobs are younger).
    const { purged } = await purge.purge(2 * 86_400_000);

    expect(purged).toBeGreaterThanOrEqual(1);
    const rows = await pool.query(`SELECT job_id FROM job_queue.job_attachment WHERE job_id = ANY($1::uuid[])`, [[expired, recent]]);
    expect(rows.rows.map((r) => r.job_id)).toEqual([recent]);
    expect((await pool.query(`SELECT 1 FROM job_queue.job WHERE id = $1`, [expired])).rowCount).toBe(0);
    for (const key of expiredKeys) expect(await storage.stat(key)).toBeNull();
    expect(await keysUnder(expired)).toEqual([]);
    for (const key of recentKeys) expect(await storage.stat(key)).not.toBeNull();
  });
});
