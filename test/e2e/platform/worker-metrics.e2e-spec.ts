import { randomUUID } from 'crypto';
import { createServer, Server } from 'net';
import { bearer } from '../../support/int-app';
import { freePort, PorterProcess, spawnPorter, startApi, startWorker, WorkerProcess } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { client, JOB_ENV, waitForJob } from '../jobs/job-support';

/** The value of one sample line of a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...match[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('worker process: metrics and liveness listener', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: WorkerProcess;
  const tenant = `t-${randomUUID()}`;

  beforeAll(async () => {
    [api, worker] = await Promise.all([startApi(JOB_ENV), startWorker(JOB_ENV)]);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });

  it('exposes the job metrics the worker records on its own /metrics', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const type = 'porter-test.steps';
    const scrape = async () => (await fetch(`${worker.opsUrl}/metrics`)).text();
    const before = sample(await scrape(), 'porter_job_transitions_total', { type, status: 'succeeded' }) ?? 0;

    const id = await alice.submit(type, { steps: 2, stepMs: 5 });
    await waitForJob(alice, id, (j) => j.status === 'succeeded', 'the job to succeed');

    const text = await waitFor(
      async () => {
        const body = await scrape();
        return (sample(body, 'porter_job_transitions_total', { type, status: 'succeeded' }) ?? 0) > before ? body : undefined;
      },
      { what: 'the worker to count the transition' },
    );
    expect(sample(text, 'porter_job_transitions_total', { type, status: 'succeeded', process: 'worker' })).toBe(before + 1);
    expect(sample(text, 'porter_job_run_duration_seconds_count', { type, outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'porter_job_wait_seconds_count', { type })).toBeGreaterThanOrEqual(1);
    expect(text).toContain('process_resident_memory_bytes');
    // The API's registry has none of it: these metrics exist only where the jobs run.
    const apiText = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(sample(apiText, 'porter_job_transitions_total', { type, status: 'succeeded' })).toBeUndefined();
  });

  it('answers liveness, and problem+json for anything else', async () => {
    const live = await fetch(`${worker.opsUrl}/health`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });

    const missing = await fetch(`${worker.opsUrl}/api/v1/jobs`, { headers: { 'x-request-id': 'req-worker-404' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ status: 404, instance: '/api/v1/jobs', requestId: 'req-worker-404' });
    expect((await fetch(`${worker.opsUrl}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('stops at start with one line when its metrics port is taken', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const blocked = spawnPorter('worker', { ...JOB_ENV, HOST: '127.0.0.1', WORKER_METRICS_PORT: String(port) });
      const code = await new Promise<number | null>((resolve) => blocked.child.once('exit', resolve));
      expect(code).toBe(1);
      expect(blocked.output().trim()).toBe(
        `porter-worker: failed to start: cannot listen on 127.0.0.1:${port} for metrics (WORKER_METRICS_PORT): EADDRINUSE`,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('runs without a listener when WORKER_METRICS_PORT is 0', async () => {
    const quiet = await startWorker({ ...JOB_ENV, WORKER_METRICS_PORT: '0' });
    try {
      expect(quiet.opsUrl).toBeNull();
      expect(quiet.output()).toContain('metrics listener off');
    } finally {
      expect(await quiet.stop()).toBe(0);
    }
  });
});
