import { TestingModule } from '@nestjs/testing';
import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import { Pool } from 'pg';
import { FILE_STORAGE, FileStorage, PG_POOL } from '@porter/platform';
import { JobStatus } from '../public/enums/job-status';
import { GetJobEventsQuery } from '../public/queries/get-job-events.query';
import { DownloadJobFileQuery } from '../public/queries/download-job-file.query';
import { JOB_REPOSITORY, JobRepository } from '../application/ports/job.repository.port';
import { CancelJobCommand } from '../public/actions/cancel-job.command';
import { RetryJobCommand } from '../public/actions/retry-job.command';
import { JobSucceeded, JobFailed, JobCancelled } from '../public/events/job-events';
import { TEST_JOB_TYPES } from '../test-support/test-job-handlers';
import { getJob, jobQueueContext, submit, users, waitFor, waitForStatus } from '../test-support/job-queue-test-context';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('job lifecycle on a real worker (Postgres + Redis)', () => {
  let ctx: TestingModule;
  const published: unknown[] = [];

  beforeAll(async () => {
    ctx = await jobQueueContext({ worker: true });
    ctx.get(EventBus).subscribe((event) => published.push(event));
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('runs a submitted job to succeeded with progress, output information, a readable output file and events', async () => {
    const { alice } = users();
    const jobId = await submit(ctx, alice, TEST_JOB_TYPES.steps, { steps: 4, stepMs: 20, fileName: 'report.csv' }, { name: 'My job' });
    const job = await waitForStatus(ctx, alice, jobId, JobStatus.Succeeded);
    expect(job).toMatchObject({
      name: 'My job',
      attempts: 1,
      progress: { processed: 4, total: 4, percent: 100 },
      outputInformation: { steps: 4, attempt: 1, resumedFrom: 0 },
      outputFiles: ['report.csv'],
      position: null,
      errorDetails: null,
    });
    expect(job.startedAt).not.toBeNull();
    expect(job.completedAt).not.toBeNull();
    const file = await ctx.get(QueryBus).execute(new DownloadJobFileQuery(alice, jobId, 'report.csv'));
    expect(file).toMatchObject({ fileName: 'report.csv', contentType: 'text/csv' });
    const content = await readAll(await file.open());
    expect(content).toBe('step,1\nstep,2\nstep,3\nstep,4\n');
    expect(file.sizeBytes).toBe(Buffer.byteLength(content));
    const events = await ctx.get(QueryBus).execute(new GetJobEventsQuery(alice, jobId));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'started', 'succeeded']);
    expect(events[0]).toMatchObject({ actor: 'alice', data: { status: 'pending' } });
    expect(published.some((e) => e instanceof JobSucceeded && e.jobId === jobId)).toBe(true);
  });

  it('retries a failing job with backoff and succeeds, keeping each failure in the events', async () => {
    const { alice } = users();
    const jobId = await submit(ctx, alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 1, failAttempts: 2 });
    const job = await waitForStatus(ctx, alice, jobId, JobStatus.Succeeded);
    expect(job.attempts).toBe(3);
    expect(job.maxAttempts).toBe(3);
    const events = await ctx.get(QueryBus).execute(new GetJobEventsQuery(alice, jobId));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'started', 'retrying', 'started', 'retrying', 'started', 'succeeded']);
    const retries = events.filter((e) => e.type === 'retrying');
    expect(retries[0].data).toMatchObject({ attempt: 1, error: 'planned failure on attempt 1', delayMs: 100 });
    expect(retries[1].data).toMatchObject({ attempt: 2, error: 'planned failure on attempt 2', delayMs: 200 });
    // each rerun waited its backoff: the next start is at least delayMs after the failure
    events.forEach((event, i) => {
      if (event.type !== 'retrying') return;
      const next = events.slice(i + 1).find((e) => e.type === 'started')!;
      expect(Date.parse(next.at) - Date.parse(event.at)).toBeGreaterThanOrEqual(event.data.delayMs as number);
    });
  });

  it('fails for good after the per-type attempt limit, and at once on a non-retryable error', async () => {
    const { alice } = users();
    const exhausted = await submit(ctx, alice, TEST_JOB_TYPES.steps, { steps: 1, failAttempts: 5 });
    const nonRetryable = await submit(ctx, alice, TEST_JOB_TYPES.steps, { steps: 1, failAttempts: 5, nonRetryable: true });
    const a = await waitForStatus(ctx, alice, exhausted, JobStatus.Failed);
    expect(a.attempts).toBe(3);
    expect(a.errorDetails).toBe('planned failure on attempt 3 (attempt 3 of 3; no attempts left)');
    const b = await waitForStatus(ctx, alice, nonRetryable, JobStatus.Failed);
    expect(b.attempts).toBe(1);
    expect(b.errorDetails).toBe('planned failure on attempt 1');
    expect(published.some((e) => e instanceof JobFailed && e.jobId === nonRetryable && e.attempts === 1)).toBe(true);
  });

  it('fails a job of an unknown type clearly instead of crashing the worker', async () => {
    const { alice } = users();
    const jobId = await submit(ctx, alice, 'porter-test.no-such-type');
    const job = await waitForStatus(ctx, alice, jobId, JobStatus.Failed);
    expect(job.errorDetails).toBe('No handler is registered for job type "porter-test.no-such-type" (unknown job type)');
    expect(job.attempts).toBe(1);
    // the worker still runs jobs afterwards
    const next = await submit(ctx, alice, TEST_JOB_TYPES.noop);
    await waitForStatus(ctx, alice, next, JobStatus.Succeeded);
  });

  it('cancels a running job: cancelling, then cancelled with its partial output removed', async () => {
    const { alice } = users();
    const jobId = await submit(ctx, alice, TEST_JOB_TYPES.steps, { steps: 200, stepMs: 50, partialFileName: 'partial.txt' });
    const running = await waitForStatus(ctx, alice, jobId, (j) => j.status === JobStatus.Running && j.outputFiles.includes('partial.txt'));
    const partial = (await ctx.get<JobRepository>(JOB_REPOSITORY).files(jobId)).find((f) => f.name === 'partial.txt')!;
    expect(running.status).toBe(JobStatus.Running);
    const cancelling = await ctx.get(CommandBus).execute(new CancelJobCommand(alice, jobId));
    expect(cancelling.status).toBe(JobStatus.Cancelling);
    const cancelled = await waitForStatus(ctx, alice, jobId, JobStatus.Cancelled);
    expect(cancelled.outputFiles).toEqual([]);
    expect(cancelled.progress.processed).toBeLessThan(200);
    // the files go right after the cancelled status commits (the worker removes them then)
    await waitFor(async () => (await ctx.get<FileStorage>(FILE_STORAGE).stat(partial.storageKey)) === null, { timeoutMs: 5000, what: 'the partial file to be removed' });
    const events = await ctx.get(QueryBus).execute(new GetJobEventsQuery(alice, jobId));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'started', 'cancelling', 'cancelled']);
    expect(published.some((e) => e instanceof JobCancelled && e.jobId === jobId)).toBe(true);
  });

  it('runs a failed job again on retry', async () => {
    const { alice } = users();
    const jobId = await submit(ctx, alice, TEST_JOB_TYPES.steps, { steps: 1, failAttempts: 1, nonRetryable: true });
    await waitForStatus(ctx, alice, jobId, JobStatus.Failed);
    // Retry starts over (attempts from 0): this handler fails attempt 1 again, which shows a fresh run.
    // nothing else waits in the queue, so the retried job is at its head
    const pool = ctx.get<Pool>(PG_POOL);
    await waitFor(async () => (await pool.query(`SELECT 1 FROM job_queue.job WHERE status = 'pending'`)).rowCount === 0, { what: 'an empty queue' });
    const retried = await ctx.get(CommandBus).execute(new RetryJobCommand(alice, jobId));
    // the job as the retry left it (the worker may take it the moment the command commits)
    expect(retried).toMatchObject({
      status: JobStatus.Pending,
      position: 1,
      attempts: 0,
      startedAt: null,
      completedAt: null,
      errorDetails: null,
      outputInformation: null,
      progress: { processed: 0, total: null },
    });
    const again = await waitForStatus(ctx, alice, jobId, (j) => j.status === JobStatus.Failed && j.completedAt !== null);
    const events = await ctx.get(QueryBus).execute(new GetJobEventsQuery(alice, jobId));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'started', 'failed', 'retried', 'started', 'failed']);
    expect(again.attempts).toBe(1);
  });

  it('refuses illegal changes with a conflict', async () => {
    const { alice } = users();
    const jobId = await submit(ctx, alice, TEST_JOB_TYPES.noop);
    await waitForStatus(ctx, alice, jobId, JobStatus.Succeeded);
    await expect(ctx.get(CommandBus).execute(new CancelJobCommand(alice, jobId))).rejects.toMatchObject({ kind: 'conflict' });
    await expect(ctx.get(CommandBus).execute(new RetryJobCommand(alice, jobId))).rejects.toMatchObject({ kind: 'conflict' });
    expect((await getJob(ctx, alice, jobId)).status).toBe(JobStatus.Succeeded);
  });
});
