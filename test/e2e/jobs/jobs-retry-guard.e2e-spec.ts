import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';

/** Retry is for failed or cancelled jobs only: never a second concurrent run, never a redo of a success. */
describe('jobs: what may be retried', () => {
  let api: PorterProcess;
  let worker: PorterProcess;
  let baseUrl: string;
  const env = { PORTER_ENABLE_TEST_JOB_TYPES: '1' };
  const auth = bearer('retrier', `t-retry-${Date.now()}`);
  const headers = { authorization: auth, 'content-type': 'application/json' };

  beforeAll(async () => {
    ({ process: api, baseUrl } = await startApi(env));
    worker = await startWorker(env);
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
  });

  async function submit(payload: Record<string, unknown>): Promise<string> {
    const res = await fetch(`${baseUrl}/api/v1/job-queue/testing/jobs`, { method: 'POST', headers, body: JSON.stringify({ type: 'porter-test.steps', payload }) });
    expect(res.status).toBeLessThan(300);
    return ((await res.json()) as { jobId: string }).jobId;
  }
  const job = async (id: string) => (await (await fetch(`${baseUrl}/api/v1/jobs/${id}`, { headers })).json()) as { status: string; attempts: number };
  const retry = (id: string) => fetch(`${baseUrl}/api/v1/jobs/${id}/retry`, { method: 'POST', headers });

  it('refuses to retry a running job with 409 and lets it finish once', async () => {
    const id = await submit({ steps: 20, stepMs: 100 });
    await waitFor(async () => (await job(id)).status === 'running', { what: 'the job to run' });
    const res = await retry(id);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { detail: string }).detail).toContain('Only a failed or cancelled job can be retried');
    const done = await waitFor(async () => {
      const j = await job(id);
      return j.status === 'succeeded' ? j : undefined;
    }, { timeoutMs: 30_000, what: 'the job to succeed' });
    expect(done.attempts).toBe(1);
  });

  it('refuses to retry a succeeded job, and retries a cancelled one', async () => {
    const quick = await submit({ steps: 1, stepMs: 1 });
    await waitFor(async () => (await job(quick)).status === 'succeeded', { what: 'the quick job to succeed' });
    expect((await retry(quick)).status).toBe(409);

    const slow = await submit({ steps: 50, stepMs: 100 });
    await waitFor(async () => (await job(slow)).status === 'running', { what: 'the slow job to run' });
    expect((await fetch(`${baseUrl}/api/v1/jobs/${slow}/cancel`, { method: 'POST', headers })).status).toBe(200);
    await waitFor(async () => (await job(slow)).status === 'cancelled', { what: 'the slow job to be cancelled' });
    const retried = await retry(slow);
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { status: string }).status).toBe('pending');
  });
});
