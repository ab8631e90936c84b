import { JobStatus } from '../public/enums/job-status';
import { ALL_JOB_STATUSES, assertTransition, canTransition, IllegalJobTransitionError, isTerminal, statusesLeadingTo } from './job-state-machine';
import { backoffDelayMs, decideAfterFailure } from './retry-policy';
import { validateJobFileName } from './job-file-name';

const S = JobStatus;

// The whole lifecycle, written out independently of the implementation's table.
const LEGAL: Array<[JobStatus, JobStatus]> = [
  [S.Scheduled, S.Pending],
  [S.Scheduled, S.Scheduled],
  [S.Scheduled, S.Cancelled],
  [S.Pending, S.Running],
  [S.Pending, S.Scheduled],
  [S.Pending, S.Cancelled],
  [S.Running, S.Succeeded],
  [S.Running, S.Failed],
  [S.Running, S.Cancelling],
  [S.Running, S.Pending],
  [S.Cancelling, S.Cancelled],
  [S.Succeeded, S.Deleted],
  [S.Failed, S.Pending],
  [S.Failed, S.Deleted],
  [S.Cancelled, S.Pending],
  [S.Cancelled, S.Deleted],
];
const isLegal = (from: JobStatus, to: JobStatus) => LEGAL.some(([f, t]) => f === from && t === to);
const ALL_PAIRS = ALL_JOB_STATUSES.flatMap((from) => ALL_JOB_STATUSES.map((to) => [from, to] as [JobStatus, JobStatus]));

describe('job state machine', () => {
  it.each(LEGAL)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each(ALL_PAIRS.filter(([f, t]) => !isLegal(f, t)))('refuses %s → %s with a conflict', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(IllegalJobTransitionError);
    try {
      assertTransition(from, to);
    } catch (error) {
      expect((error as IllegalJobTransitionError).kind).toBe('conflict');
      expect((error as Error).message).toBe(`A ${from} job cannot become ${to}`);
    }
  });

  it('covers every pair of the 8 statuses', () => {
    expect(ALL_PAIRS).toHaveLength(64);
  });

  it('lets nothing leave deleted, and nothing but delete/retry leave a terminal state', () => {
    expect(ALL_JOB_STATUSES.filter((to) => canTransition(S.Deleted, to))).toEqual([]);
    expect(ALL_JOB_STATUSES.filter((to) => canTransition(S.Succeeded, to))).toEqual([S.Deleted]);
  });

  it('names the statuses that lead to a target (the guard of an UPDATE)', () => {
    expect(statusesLeadingTo(S.Cancelled).sort()).toEqual([S.Cancelling, S.Pending, S.Scheduled].sort());
    expect(statusesLeadingTo(S.Running)).toEqual([S.Pending]);
  });

  it('knows the terminal statuses', () => {
    expect(ALL_JOB_STATUSES.filter(isTerminal).sort()).toEqual([S.Cancelled, S.Failed, S.Succeeded].sort());
  });
});

describe('retry policy', () => {
  it('backs off exponentially from the base, capped at one hour', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(a, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelayMs(40, 1000)).toBe(3600_000);
  });

  it('retries until the attempt limit, then fails with the attempt count in the reason', () => {
    expect(decideAfterFailure({ attempt: 1, maxAttempts: 3, backoffMs: 100, retryable: true, message: 'x' })).toEqual({ kind: 'retry', delayMs: 100 });
    expect(decideAfterFailure({ attempt: 3, maxAttempts: 3, backoffMs: 100, retryable: true, message: 'x' })).toEqual({
      kind: 'fail',
      reason: 'x (attempt 3 of 3; no attempts left)',
    });
  });

  it('fails at once on a non-retryable error', () => {
    expect(decideAfterFailure({ attempt: 1, maxAttempts: 5, backoffMs: 100, retryable: false, message: 'bad input' })).toEqual({
      kind: 'fail',
      reason: 'bad input',
    });
  });
});

describe('output file names', () => {
  it('accepts ordinary names and refuses paths and control characters', () => {
    expect(validateJobFileName('report 2026.csv')).toBeNull();
    expect(validateJobFileName('ünïcødé.xlsx')).toBeNull();
    expect(validateJobFileName('../etc/passwd')).not.toBeNull();
    expect(validateJobFileName('a\\b')).not.toBeNull();
    expect(validateJobFileName('a\nb')).not.toBeNull();
    // C1 control characters and bidirectional-text controls (a name that displays as another)
    for (const name of ['a\u0085b.txt', 'a\u009b31mb.txt', 'invoice\u202efdp.exe', 'a\u2066b\u2069.txt', 'a\u200fb.txt']) {
      expect(validateJobFileName(name)).toBe('must not contain slashes, control characters or bidirectional-text controls');
    }
    expect(validateJobFileName('Müller–Ærø 😀 \u00a0.txt')).toBeNull();
    expect(validateJobFileName('')).not.toBeNull();
    expect(validateJobFileName('..')).not.toBeNull();
  });
});
