import { ChildProcess, spawn, spawnSync } from 'child_process';
import { waitFor } from '../../support/wait-for';

/** The env every job-queue e2e process gets: test job types on, short leases and polling. */
export const JOB_ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_LOCK_DURATION_MS: '2000',
  JOB_POLLING_INTERVAL_MS: '200',
  SHUTDOWN_GRACE_MS: '5000',
  // startWorker waits for the worker's info-level start line, so keep info here.
  LOG_LEVEL: 'info',
};

export interface JobJson {
  id: string;
  status: string;
  position: number | null;
  attempts: number;
  stalls: number;
  progress: { processed: number; total: number | null; percent: number | null };
  outputFiles: string[];
  outputInformation: Record<string, unknown> | null;
  errorDetails: string | null;
  startedAt: string | null;
}

export function client(baseUrl: string, authorization: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json: json as any, text, headers: res.headers };
  };
  return {
    call,
    submit: async (type: string, payload: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<string> => {
      const res = await call('POST', '/api/v1/job-queue/testing/jobs', { type, payload, ...extra });
      if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${res.text}`);
      return res.json.jobId as string;
    },
    job: async (id: string): Promise<JobJson> => {
      const res = await call('GET', `/api/v1/jobs/${id}`);
      if (res.status !== 200) throw new Error(`GET job ${id}: ${res.status} ${res.text}`);
      return res.json as JobJson;
    },
    events: async (id: string): Promise<Array<{ type: string; at: string; actor: string; data: Record<string, unknown> }>> =>
      (await call('GET', `/api/v1/jobs/${id}/events`)).json,
  };
}

export async function waitForJob(
  api: ReturnType<typeof client>,
  id: string,
  test: (job: JobJson) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<JobJson> {
  return waitFor(
    async () => {
      const job = await api.job(id);
      return test(job) ? job : undefined;
    },
    { timeoutMs, intervalMs: 100, what },
  );
}

/** A Redis of our own (never the shared one), so stopping it disturbs nothing else. */
export async function startOwnRedis(port: number): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', {
    what: `redis-server on ${port}`,
  });
  return redis;
}

export function stopRedis(redis: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (redis.exitCode !== null || redis.signalCode !== null) return resolve();
    redis.once('exit', () => resolve());
    redis.kill('SIGKILL');
  });
}
