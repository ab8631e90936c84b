import { porterInProcess, SeenRequest } from '../../../../test/cli/porter-in-process';
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

describe('porter jobs retry', () => {
  const job = (status: string, errorDetails: string | null): Job => ({
    id: 'j1', type: 't', name: null, status, position: null, progress: { processed: 1, total: 2, percent: 50 },
    attempts: 2, submittedBy: 'u', submittedAt: '', scheduledFor: null, startedAt: null, completedAt: null, outputFiles: [], errorDetails,
  });
  const api = (ended: Job) => (req: SeenRequest) => {
    const body = req.method === 'POST' && req.url === '/api/v1/jobs/j1/retry' ? job('pending', 'the disk is full') : req.url === '/api/v1/jobs/j1' ? ended : null;
    return body ? { status: 200, body } : { status: 404, body: { title: 'Not Found', status: 404 } };
  };
  const porterAgainst = async (handler: (req: SeenRequest) => { status: number; body?: unknown }, ...args: string[]) => {
    const { code, stdout } = await porterInProcess(args, handler);
    return { code, stdout };
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
