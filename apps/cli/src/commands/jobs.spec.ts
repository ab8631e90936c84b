import { createServer, IncomingMessage, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { run } from '../main';
import { Job } from '../watch-job';
import { noJobsLine, percentOf } from './jobs';

describe('porter jobs: the PROGRESS column', () => {
  it('a job that succeeded with no total (an export of no rows) says 100%, as the console does', () => {
    expect(percentOf({ status: 'succeeded', progress: { processed: 0, total: null, percent: null } })).toBe('100%');
    expect(percentOf({ status: 'running', progress: { processed: 5, total: null, percent: null } })).toBe('');
    expect(percentOf({ status: 'failed', progress: { processed: 0, total: null, percent: null } })).toBe('');
    expect(percentOf({ status: 'running', progress: { processed: 2, total: 3, percent: 66.7 } })).toBe('66%');
  });
});

describe('porter jobs ls: no jobs on the page', () => {
  it('says why the list is empty instead of printing a bare header', () => {
    expect(noJobsLine(0, 0, false)).toBe('No jobs yet.');
    expect(noJobsLine(0, 0, true)).toBe('No jobs match these filters.');
    expect(noJobsLine(12, 40, false)).toBe('No jobs at offset 40 (12 in all).');
  });
});

/** `porter ARGS` in process against a stand-in API on a local port; stdout caught. */
async function porterAgainst(handler: (req: IncomingMessage, res: ServerResponse) => void, ...args: string[]): Promise<{ code: number; stdout: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stdout = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const exitCode = process.exitCode;
  try {
    return { code: await run(['node', 'porter', '--url', url, '--token', 't', ...args]), stdout };
  } finally {
    process.exitCode = exitCode;
    out.mockRestore();
    err.mockRestore();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('porter jobs retry', () => {
  const job = (status: string, errorDetails: string | null): Job => ({
    id: 'j1', type: 't', name: null, status, position: null, progress: { processed: 1, total: 2, percent: 50 },
    attempts: 2, submittedBy: 'u', submittedAt: '', scheduledFor: null, startedAt: null, completedAt: null, outputFiles: [], errorDetails,
  });
  const api = (ended: Job) => (req: IncomingMessage, res: ServerResponse) => {
    const body = req.method === 'POST' && req.url === '/api/v1/jobs/j1/retry' ? job('pending', 'the disk is full') : req.url === '/api/v1/jobs/j1' ? ended : null;
    if (body) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
  };

  it('--wait: a job that ends otherwise prints its status and its reason, as `jobs watch` does (exit 1)', async () => {
    expect(await porterAgainst(api(job('failed', 'the disk is full.')), 'jobs', 'retry', 'j1', '--wait')).toEqual({ code: 1, stdout: 'Job j1 failed: the disk is full.\n' });
    expect(await porterAgainst(api(job('cancelled', 'cancelled')), 'jobs', 'retry', 'j1', '--wait')).toEqual({ code: 1, stdout: 'Job j1 cancelled.\n' });
    expect(await porterAgainst(api(job('succeeded', null)), 'jobs', 'retry', 'j1', '--wait')).toEqual({ code: 0, stdout: 'Job j1 succeeded.\n' });
  });

  it('without --wait: the status the retry left it in, not the reason of the run before', async () => {
    expect(await porterAgainst(api(job('failed', 'the disk is full.')), 'jobs', 'retry', 'j1')).toEqual({ code: 0, stdout: 'Job j1 pending.\n' });
  });
});
