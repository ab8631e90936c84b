import { spawn, ChildProcess } from 'child_process';
import { randomUUID } from 'crypto';
import { Client } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { proxyFor } from '../../support/tcp-proxy';
import { client, JOB_ENV, waitForJob } from './job-support';

/**
 * Worker liveness (ADR 041) with the production lease (JOB_LOCK_DURATION_MS 30 s): a killed
 * worker's job resumes within seconds, not after the lease; a live worker that gets no CPU for
 * a while keeps its job.
 */
const ENV = { ...JOB_ENV, JOB_LOCK_DURATION_MS: '30000', JOB_POLLING_INTERVAL_MS: '1000' };

async function db<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** The worker process whose pid is in the running job's worker id (`host:pid:suffix`). */
async function runningOn(jobId: string, workers: PorterProcess[]): Promise<PorterProcess> {
  const workerId = await db(async (c) => (await c.query(`SELECT worker_id FROM job_queue.job WHERE id = $1`, [jobId])).rows[0]?.worker_id as string);
  const pid = Number(workerId.split(':').at(-2));
  const found = workers.find((w) => w.child.pid === pid);
  if (!found) throw new Error(`job ${jobId} runs on ${workerId}, not one of this test's workers`);
  return found;
}

function cpuHogs(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

describe('job-queue: a dead worker is known in seconds; a starved one is not taken for dead', () => {
  let api: { process: PorterProcess; baseUrl: string };
  const started: PorterProcess[] = [];
  const tenant = `t-${randomUUID()}`;

  beforeAll(async () => {
    api = await startApi(ENV);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), ...started.map((w) => w.stop('SIGKILL'))]);
  });

  async function worker(): Promise<PorterProcess> {
    const w = await startWorker(ENV);
    started.push(w);
    return w;
  }

  it('SIGKILL of the worker running a job: another worker resumes it within 10 s (the lease is 30 s), the crash uses no attempt', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const workers = [await worker(), await worker()];
    const id = await alice.submit('porter-test.count', { items: 200, itemMs: 50 });
    await waitForJob(alice, id, (j) => j.status === 'running' && j.progress.processed >= 5, 'the job to run');
    const victim = await runningOn(id, workers);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.stop();
    const resumed = await waitForJob(alice, id, (j) => j.status === 'running' && j.stalls === 1, 'the job to run again on the other worker', 15_000);
    const events = await alice.events(id);
    const stalled = events.find((e) => e.type === 'stalled')!;
    expect(stalled.data.reason).toBe('the worker process is gone (its liveness lock was released); resuming from the last checkpoint');
    expect(new Date(stalled.at).getTime() - killedAt).toBeLessThan(10_000);
    expect(resumed.attempts).toBe(1);
    const done = await waitForJob(alice, id, (j) => j.status === 'succeeded', 'the job to finish', 60_000);
    expect(done).toMatchObject({ attempts: 1, stalls: 1, progress: { processed: 200, total: 200 } });
    // the dead worker is deregistered
    const survivors = await db(async (c) => (await c.query(`SELECT pid FROM job_queue.worker WHERE pid = ANY($1::int[])`, [workers.map((w) => w.child.pid)])).rows);
    expect(survivors).toEqual(workers.filter((w) => w !== victim).map((w) => ({ pid: w.child.pid })));
  });

  it('a live worker that gets no CPU for several seconds (stopped, with CPU hogs beside it) keeps its job: no stall, one run', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    await worker();
    const id = await alice.submit('porter-test.count', { items: 60, itemMs: 50 });
    await waitForJob(alice, id, (j) => j.status === 'running' && j.progress.processed >= 5, 'the job to run');
    // (the first test's surviving worker may be the one that took it)
    const starved = await runningOn(id, started);
    const hogs = cpuHogs(3);
    try {
      starved.child.kill('SIGSTOP');
      // far longer than a dead worker takes to be noticed (one reconcile tick), well under the lease
      await new Promise((r) => setTimeout(r, 6000));
      starved.child.kill('SIGCONT');
    } finally {
      for (const hog of hogs) hog.kill('SIGKILL');
    }
    const done = await waitForJob(alice, id, (j) => j.status === 'succeeded', 'the job to finish on the same worker', 30_000);
    expect(done).toMatchObject({ attempts: 1, stalls: 0 });
    const events = await alice.events(id);
    expect(events.map((e) => e.type)).toEqual(['submitted', 'started', 'succeeded']);
    const runs = await db(async (c) => (await c.query(`SELECT count(DISTINCT run_token)::int AS runs FROM job_queue_testing.side_effect WHERE job_id = $1`, [id])).rows[0].runs);
    expect(runs).toBe(1);
  });

  it("a live worker whose database sessions end for a moment (Postgres restarted, a network blip) is not taken for dead: its job does not stall", async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    // Only this worker reaches Postgres through the proxy; the others' reconcilers watch its lock.
    for (const w of started.splice(0)) await w.stop('SIGKILL');
    const { proxy, url } = await proxyFor(process.env.DATABASE_URL!, 5432);
    const blinking = await startWorker({ ...ENV, DATABASE_URL: url });
    started.push(blinking);
    try {
      const id = await alice.submit('porter-test.count', { items: 120, itemMs: 50 });
      await waitForJob(alice, id, (j) => j.status === 'running' && j.progress.processed >= 5, 'the job to run');
      expect(await runningOn(id, started)).toBe(blinking);
      await worker(); // a worker with a direct connection, whose reconciler watches the other's lock
      // Every session of the worker ends (its liveness lock is freed), and it can reconnect 1.5 s later.
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 1500));
      await proxy.restore();
      const done = await waitForJob(alice, id, (j) => ['succeeded', 'failed'].includes(j.status), 'the job to end', 60_000);
      expect(done).toMatchObject({ status: 'succeeded', stalls: 0 });
      expect((await alice.events(id)).filter((e) => e.type === 'stalled')).toEqual([]);
      const registered = await db(async (c) => (await c.query(`SELECT lock_free_since FROM job_queue.worker WHERE pid = $1`, [blinking.child.pid])).rows);
      expect(registered).toEqual([{ lock_free_since: null }]);
    } finally {
      await proxy.close();
    }
  });
});
