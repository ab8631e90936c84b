import { TestingModule } from '@nestjs/testing';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'crypto';
import { Client, Pool } from 'pg';
import { Principal } from '@porter/shared-kernel';
import { Test } from '@nestjs/testing';
import { loadConfig, PG_POOL, PlatformModule, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { JobQueueModule } from '../job-queue.module';
import { JobQueueWorkerModule } from '../job-queue.worker-module';
import { JobQueueTestSupportModule } from './job-queue-test-support.module';
import { SubmitJobCommand } from '../public/actions/submit-job.command';
import { GetJobQuery } from '../public/queries/get-job.query';
import type { JobInfo } from '../public/entities/job-info';
import { JobStatus } from '../public/enums/job-status';
import { WORKER_LOCK_CLASS } from '../infrastructure/persistence/job-sql';

// test/support is off limits to libs (boundary rule), so the two small helpers live here too.
export function principal(userId: string, tenant: string, opts: { admin?: boolean } = {}): Principal {
  return new Principal(userId, tenant, opts.admin ? ['admin'] : [], []);
}

/** Polls state until `probe` returns a value (never fixed sleeps). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/**
 * A Nest context with the job-queue module, optionally its worker (with the porter-test.* types).
 * Configuration is the run's environment, validated once when the platform module loads;
 * `config` overrides some of it for this context only (say, a short purge interval).
 */
export async function jobQueueContext(opts: { worker: boolean; config?: Partial<PorterConfig> }): Promise<TestingModule> {
  let builder = Test.createTestingModule({
    imports: [PlatformModule, JobQueueModule, ...(opts.worker ? [JobQueueWorkerModule, JobQueueTestSupportModule.forWorker()] : [])],
  });
  if (opts.config) builder = builder.overrideProvider(PORTER_CONFIG).useValue({ ...loadConfig(process.env), ...opts.config });
  const moduleRef = await builder.compile();
  moduleRef.enableShutdownHooks();
  await moduleRef.init();
  return moduleRef;
}

/** A context without a worker and its raw pool: what the API-side specs open in their beforeAll. */
export async function apiContextWithPool(): Promise<{ api: TestingModule; pool: Pool }> {
  const api = await jobQueueContext({ worker: false });
  return { api, pool: api.get<Pool>(PG_POOL) };
}

export function tenantName(): string {
  return `t-${randomUUID()}`;
}

export function users(tenant = tenantName()): { tenant: string; alice: Principal; bob: Principal; admin: Principal } {
  return {
    tenant,
    alice: principal('alice', tenant),
    bob: principal('bob', tenant),
    admin: principal('root', tenant, { admin: true }),
  };
}

export async function submit(
  ctx: TestingModule,
  who: Principal,
  type: string,
  payload: Record<string, unknown> = {},
  options: SubmitJobCommand['options'] = {},
): Promise<string> {
  const result = await ctx.get(CommandBus).execute(new SubmitJobCommand(who, type, payload, options));
  return result.jobId;
}

export async function getJob(ctx: TestingModule, who: Principal, jobId: string): Promise<JobInfo> {
  return ctx.get(QueryBus).execute(new GetJobQuery(who, jobId));
}

export async function waitForStatus(
  ctx: TestingModule,
  who: Principal,
  jobId: string,
  status: JobStatus | ((job: JobInfo) => boolean),
  timeoutMs = 20_000,
): Promise<JobInfo> {
  const test = typeof status === 'function' ? status : (job: JobInfo) => job.status === status;
  return waitFor(
    async () => {
      const job = await getJob(ctx, who, jobId);
      return test(job) ? job : undefined;
    },
    { timeoutMs, what: `job ${jobId} to reach ${typeof status === 'function' ? 'the expected state' : status}` },
  );
}

/**
 * Plays a worker process's liveness (WorkerLiveness) for `workerId`: registers it and holds its
 * lock on a session of its own, as WorkerLiveness does (a worker back after its session ended clears
 * `lock_free_since`). `end()` is the process dying, or its session ending.
 */
export async function holdWorkerLiveness(ctx: TestingModule, workerId: string): Promise<Client> {
  const client = new Client({ connectionString: ctx.get<PorterConfig>(PORTER_CONFIG).databaseUrl });
  await client.connect();
  await client.query(`SELECT pg_advisory_lock($1::int, hashtext($2))`, [WORKER_LOCK_CLASS, workerId]);
  await client.query(`INSERT INTO job_queue.worker (id, host, pid) VALUES ($1, 'test', 0) ON CONFLICT (id) DO UPDATE SET lock_free_since = NULL`, [workerId]);
  return client;
}

/**
 * Hard-deletes the jobs `where` names (an SQL condition on `job_queue.job`, `$n` for `params`)
 * with their events, as the purge does: events have no foreign key to cascade from (ADR 099).
 */
export async function deleteJobs(pool: Pool, where: string, params: unknown[]): Promise<void> {
  await pool.query(`WITH gone AS (DELETE FROM job_queue.job WHERE ${where} RETURNING id) DELETE FROM job_queue.job_event e USING gone WHERE e.job_id = gone.id`, params);
}
