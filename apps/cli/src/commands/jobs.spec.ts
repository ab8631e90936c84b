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
