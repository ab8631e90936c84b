import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { ApiClient } from './client';
import { CliError } from './errors';
import { applyStreamUpdate, endedLine, Job, watchJob } from './watch-job';

/** A stand-in API on a local port: only the two routes watchJob reads, scripted per test. */
function job(status: string, processed: number): Job {
  return {
    id: 'j1', type: 't', name: null, status, position: null, progress: { processed, total: 100, percent: processed },
    attempts: 1, submittedBy: 'u', submittedAt: '', scheduledFor: null, startedAt: null, completedAt: null, outputFiles: [], errorDetails: null,
  };
}
const sse = (id: string, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; client: ApiClient }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, client: new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token') };
}

describe('watchJob', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('follows the stream, reopens a cut one with Last-Event-ID, and confirms the end by reading the job', async () => {
    const streams: Array<string | undefined> = [];
    let reads = 0;
    let state = job('running', 10);
    let client: ApiClient;
    ({ server, client } = await serve((req, res) => {
      if (req.url === '/api/v1/jobs/j1') {
        reads++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
        return;
      }
      streams.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (streams.length === 1) {
        res.write(sse('running.-.-', 'status', { status: 'running' }) + sse('running.50.100', 'progress', { processed: 50, total: 100, percent: 50 }));
        state = job('running', 50);
        setTimeout(() => res.destroy(), 50); // cut before the job's end
      } else {
        state = job('succeeded', 100);
        res.end(sse('running.100.100', 'progress', { processed: 100, total: 100, percent: 100 }) + sse('succeeded.100.100', 'status', { status: 'succeeded' }));
      }
    }));
    const seen: string[] = [];
    const end = await watchJob(client, 'j1', (j) => seen.push(`${j.status} ${j.progress.processed}`));
    expect(end.status).toBe('succeeded');
    expect(streams).toEqual([undefined, 'running.50.100']);
    expect(reads).toBe(3); // the first read, one after the cut, one to confirm the end
    expect(seen).toEqual(['running 10', 'running 10', 'running 50', 'running 50', 'running 100', 'succeeded 100']);
  });

  it('never shows a count that moved on under a status from before the job ran (the stream saw it pending, then finished)', async () => {
    let reads = 0;
    let client: ApiClient;
    ({ server, client } = await serve((req, res) => {
      if (req.url === '/api/v1/jobs/j1') {
        reads++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reads === 1 ? job('pending', 0) : job('succeeded', 100)));
        return;
      }
      // What the API sends for a job its change feed saw pending and next saw succeeded: the last
      // progress (its id still says pending), then the final status.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse('pending.-.-', 'status', { status: 'pending' }) + sse('pending.0.100', 'progress', { processed: 0, total: 100, percent: 0 }));
      setTimeout(() => res.write(sse('pending.100.100', 'progress', { processed: 100, total: 100, percent: 100 })), 20);
      setTimeout(() => res.end(sse('succeeded.100.100', 'status', { status: 'succeeded' })), 40);
    }));
    const seen: string[] = [];
    await watchJob(client, 'j1', (j) => seen.push(`${j.status} ${j.progress.processed}`));
    expect(seen).toEqual(['pending 0', 'pending 0', 'pending 0', 'running 100', 'succeeded 100']);
  });

  it('applies stream events: a status as sent; a count that moves on shows a job not yet started as running', () => {
    const progress = (processed: number) => ({ processed, total: 100, percent: processed });
    expect(applyStreamUpdate(job('pending', 0), { status: 'running' }).status).toBe('running');
    expect(applyStreamUpdate(job('scheduled', 0), { progress: progress(100) })).toMatchObject({ status: 'running', progress: progress(100) });
    // A retried job waits with its checkpoint: the same count is no sign of running.
    expect(applyStreamUpdate(job('pending', 40), { progress: progress(40) }).status).toBe('pending');
    expect(applyStreamUpdate(job('cancelling', 40), { progress: progress(50) }).status).toBe('cancelling');
  });

  it('ends with the reason only when it says more than the status', () => {
    expect(endedLine('Export e1', 'cancelled', 'cancelled')).toBe('Export e1 cancelled.');
    expect(endedLine('Export e1', 'cancelled', null)).toBe('Export e1 cancelled.');
    expect(endedLine('Job j1', 'failed', 'the disk is full.')).toBe('Job j1 failed: the disk is full.');
  });

  it('polls every second when the server answers the stream with something else', async () => {
    let streams = 0;
    let reads = 0;
    let client: ApiClient;
    ({ server, client } = await serve((req, res) => {
      if (req.url === '/api/v1/jobs/j1') {
        reads++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(job(reads < 3 ? 'running' : 'succeeded', reads * 30)));
        return;
      }
      streams++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    }));
    const started = Date.now();
    const end = await watchJob(client, 'j1', () => undefined);
    expect(end.status).toBe('succeeded');
    expect({ streams, reads }).toEqual({ streams: 1, reads: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // one poll interval between the reads
  });

  it('reads on through an API restart (refused connections): tells once, backs off, and follows the job to its end', async () => {
    let state = job('running', 10);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/api/v1/jobs/j1') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state));
        return;
      }
      // The first API's stream is cut by its stop; the second's sees the job to its end.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (state.status === 'succeeded') res.end(sse('succeeded.100.100', 'status', { status: 'succeeded' }));
      else res.write(sse('running.10.100', 'progress', { processed: 10, total: 100, percent: 10 }));
    };
    let client: ApiClient;
    ({ server, client } = await serve(handler));
    const port = (server.address() as AddressInfo).port;
    const notes: string[] = [];
    const seen: string[] = [];
    const watching = watchJob(client, 'j1', (j) => seen.push(j.status), undefined, {
      retry: { firstDelayMs: 50, maxDelayMs: 200, giveUpAfterMs: 10_000 },
      onUnreachable: (error) => notes.push(error.message),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The API stops (its open stream cut), stays away for a while, then a new one takes the port.
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    state = job('succeeded', 100);
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    const end = await watching;
    expect(end.status).toBe('succeeded');
    expect(notes).toEqual([expect.stringMatching(/^The API at http:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\)$/)]);
    expect(seen[seen.length - 1]).toBe('succeeded');
  });

  it('gives up on an API unreachable for longer than its policy: exit 3, saying the job may still be running and how to follow it', async () => {
    let client: ApiClient;
    let reads = 0;
    ({ server, client } = await serve((req, res) => {
      reads++;
      if (reads === 1) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(job('running', 10)));
      else res.writeHead(503, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'Service Unavailable', status: 503 }));
    }));
    const started = Date.now();
    const failure = await watchJob(client, 'j1', () => undefined, undefined, { retry: { firstDelayMs: 50, maxDelayMs: 100, giveUpAfterMs: 600 } }).catch((error) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure.exitCode).toBe(3);
    expect(failure.message).toBe('Service Unavailable (503); gave up after 1 s of retrying. Job j1 may still be running: follow it with `porter jobs watch j1`');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(reads).toBeGreaterThan(4); // the reads went on meanwhile
  });

  it('stops when its signal aborts', async () => {
    let client: ApiClient;
    ({ server, client } = await serve((req, res) => {
      if (req.url === '/api/v1/jobs/j1') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(job('running', 1)));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n'); // and never more
    }));
    const controller = new AbortController();
    const watching = watchJob(client, 'j1', () => undefined, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 100);
    await expect(watching).rejects.toThrow('stop');
  });
});
