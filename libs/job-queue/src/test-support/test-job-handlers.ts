import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL, withPgTransaction } from '@porter/platform';
import { JobContext, JobHandler, JobHandlerFor, NonRetryableJobError } from '../public/dependencies/job-handler.dependency';

/**
 * Job types for tests and demos only, registered by JobQueueTestSupportModule.forWorker(): the
 * worker app module adds it when PORTER_ENABLE_TEST_JOB_TYPES=1 (never by default), integration
 * test contexts always.
 */
export const TEST_JOB_TYPES = {
  noop: 'porter-test.noop',
  steps: 'porter-test.steps',
  count: 'porter-test.count',
} as const;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error(`aborted: ${signal.reason}`));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error(`aborted: ${signal.reason}`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

@Injectable()
@JobHandlerFor(TEST_JOB_TYPES.noop)
export class NoopTestJobHandler implements JobHandler {
  async run(): Promise<void> {}
}

/**
 * payload: { steps, stepMs, failAttempts?, nonRetryable?, fileName?, partialFileName? }.
 * Works `steps` steps with progress and a checkpoint after each (a rerun resumes); fails its
 * first `failAttempts` attempts; writes `fileName` at the end, `partialFileName` at the start
 * (so a cancel has partial output to remove).
 */
@Injectable()
@JobHandlerFor(TEST_JOB_TYPES.steps, { maxAttempts: 3, backoffMs: 100 })
export class StepsTestJobHandler implements JobHandler {
  async run(context: JobContext): Promise<void> {
    const p = context.payload as {
      steps?: number;
      stepMs?: number;
      failAttempts?: number;
      nonRetryable?: boolean;
      fileName?: string;
      partialFileName?: string;
    };
    const steps = p.steps ?? 3;
    if (context.attempt <= (p.failAttempts ?? 0)) {
      const message = `planned failure on attempt ${context.attempt}`;
      throw p.nonRetryable ? new NonRetryableJobError(message) : new Error(message);
    }
    if (p.partialFileName) {
      const partial = context.writeFile(p.partialFileName, 'text/plain');
      partial.stream.end('partial output\n');
      await partial.commit();
    }
    const start = context.lastCheckpoint<{ step: number }>()?.step ?? 0;
    for (let step = start; step < steps; step++) {
      await pause(p.stepMs ?? 10, context.signal);
      await context.checkpoint({ step: step + 1 });
      await context.progress(step + 1, steps);
    }
    if (p.fileName) {
      const file = context.writeFile(p.fileName, 'text/csv');
      for (let i = 0; i < steps; i++) file.stream.write(`step,${i + 1}\n`);
      await file.commit();
    }
    context.setOutputInformation({ steps, attempt: context.attempt, resumedFrom: start });
  }
}

/**
 * payload: { items, itemMs }. Each item's side effect (a row in job_queue_testing.side_effect)
 * commits in ONE transaction with the checkpoint that moves past it (context.checkpointWith), so
 * however often the worker is killed, every item's effect exists exactly once.
 */
@Injectable()
@JobHandlerFor(TEST_JOB_TYPES.count, { maxAttempts: 3, backoffMs: 100 })
export class CountingTestJobHandler implements JobHandler {
  private ready: Promise<void> | null = null;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async run(context: JobContext): Promise<void> {
    await (this.ready ??= this.ensureTable());
    const { items = 10, itemMs = 50 } = context.payload as { items?: number; itemMs?: number };
    let next = context.lastCheckpoint<{ next: number }>()?.next ?? 0;
    await context.progress(next, items);
    while (next < items) {
      await pause(itemMs, context.signal);
      const item = next;
      await withPgTransaction(this.pool, async (client) => {
        await client.query(`INSERT INTO job_queue_testing.side_effect (job_id, item, run_token) VALUES ($1, $2, $3)`, [
          context.jobId,
          item,
          context.runToken,
        ]);
        await context.checkpointWith((sql, params) => client.query(sql, params).then((r) => r.rowCount ?? 0), { next: item + 1 });
      });
      next = item + 1;
      await context.progress(next, items);
    }
    context.setOutputInformation({ items, attempt: context.attempt });
  }

  private async ensureTable(): Promise<void> {
    await withPgTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(7302031)`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS job_queue_testing`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS job_queue_testing.side_effect (job_id uuid NOT NULL, item int NOT NULL, run_token uuid NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      );
    });
  }
}
