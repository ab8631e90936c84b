import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { freePort, PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { client, startOwnRedis, stopRedis, waitForJob } from '../jobs/job-support';

/** The lines a process wrote after `from` (an offset in its output) that are not JSON. */
function nonJsonLines(proc: PorterProcess, from: number): string[] {
  return proc
    .output()
    .slice(from)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
}

const readiness = async (baseUrl: string) => (await fetch(`${baseUrl}/api/health/ready`).catch(() => null))?.status ?? 0;

/**
 * Logs are JSON lines (README), Redis outage included: no BullMQ client may be left without an
 * 'error' listener (BullMQ then console.error's a raw multi-line Error per reconnect attempt; the
 * API's maintenance queue did), and what the clients report goes through pino, throttled.
 */
describe('logs during a Redis outage (e2e)', () => {
  it('stay JSON lines in the API and the worker, and a job submitted meanwhile still runs', async () => {
    const port = await freePort();
    let redis = await startOwnRedis(port);
    const env = { REDIS_URL: `redis://127.0.0.1:${port}`, QUEUE_PREFIX: `porter_logs_${randomUUID().slice(0, 8)}`, LOG_LEVEL: 'info', JOB_POLLING_INTERVAL_MS: '200' };
    const { process: api, baseUrl } = await startApi(env);
    const worker = await startWorker(env);
    const from = { api: api.output().length, worker: worker.output().length };
    const jobs = client(baseUrl, bearer('ada', `t-${randomUUID()}`, { admin: true }));
    try {
      await stopRedis(redis);
      await waitFor(async () => (await readiness(baseUrl)) === 503, { timeoutMs: 10_000, intervalMs: 200, what: 'readiness to report Redis down' });
      const submitted = await jobs.call('POST', '/api/v1/exports', { type: 'employees', format: 'csv' });
      expect(submitted.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 5000)); // several reconnect attempts of every client

      redis = await startOwnRedis(port);
      await waitFor(async () => (await readiness(baseUrl)) === 200, { timeoutMs: 15_000, intervalMs: 200, what: 'readiness to recover' });
      const done = await waitForJob(jobs, submitted.json.jobId, (job) => job.status === 'succeeded' || job.status === 'failed', 'the export to finish');
      expect(done.status).toBe('succeeded');

      expect(nonJsonLines(api, from.api)).toEqual([]);
      expect(nonJsonLines(worker, from.worker)).toEqual([]);
      // The outage is still reported, through pino at warn level (40), and not once per reconnect attempt.
      const warnings = api
        .output()
        .slice(from.api)
        .split('\n')
        .filter((line) => line.includes('ECONNREFUSED'))
        .map((line) => JSON.parse(line) as { level: number });
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings.every((w) => w.level === 40)).toBe(true);
      expect(warnings.length).toBeLessThanOrEqual(6);
    } finally {
      await Promise.all([api.stop('SIGTERM', 15_000), worker.stop('SIGTERM', 15_000)]);
      await stopRedis(redis);
    }
  });
});
