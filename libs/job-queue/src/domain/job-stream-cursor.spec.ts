import { JobStatus } from '../public/enums/job-status';
import { jobStreamEventId, JobStreamCursor, parseJobStreamEventId } from './job-stream-cursor';

const S = JobStatus;
const snap = (status: JobStatus, processed = 0, total: number | null = null) => ({ status, processed, total });

describe('JobStreamCursor', () => {
  it('starts a fresh stream with the current status, then its progress, each with an id naming what the client then has', () => {
    const cursor = new JobStreamCursor(null);
    expect(cursor.next(snap(S.Running, 40, 100), 0)).toEqual([
      { id: 'running.-.-', event: 'status', data: { status: 'running' } },
      { id: 'running.40.100', event: 'progress', data: { processed: 40, total: 100, percent: 40 } },
    ]);
    expect(cursor.ended).toBe(false);
  });

  it('sends nothing for a snapshot that changed nothing', () => {
    const cursor = new JobStreamCursor(null);
    cursor.next(snap(S.Running, 1, 3), 0);
    expect(cursor.next(snap(S.Running, 1, 3), 1000)).toEqual([]);
  });

  it('throttles progress to one event per interval, and sends the newest figure once the interval has passed', () => {
    const cursor = new JobStreamCursor(null, 250);
    cursor.next(snap(S.Running, 0, 100), 0);
    expect(cursor.next(snap(S.Running, 10, 100), 100)).toEqual([]);
    expect(cursor.next(snap(S.Running, 20, 100), 200)).toEqual([]);
    expect(cursor.next(snap(S.Running, 30, 100), 250)).toEqual([
      { id: 'running.30.100', event: 'progress', data: { processed: 30, total: 100, percent: 30 } },
    ]);
    expect(cursor.next(snap(S.Running, 31, 100), 300)).toEqual([]);
    // 100 snapshots a second for 10 s: at most 4 progress events a second.
    let sent = 0;
    for (let t = 1000; t < 11_000; t += 10) sent += cursor.next(snap(S.Running, t, 20_000), t).length;
    expect(sent).toBeLessThanOrEqual(40);
    expect(sent).toBeGreaterThanOrEqual(39);
  });

  it('sends the last progress before a final status, even within the interval, and nothing after it', () => {
    const cursor = new JobStreamCursor(null, 250);
    cursor.next(snap(S.Running, 0, 5), 0);
    expect(cursor.next(snap(S.Succeeded, 5, 5), 10)).toEqual([
      { id: 'running.5.5', event: 'progress', data: { processed: 5, total: 5, percent: 100 } },
      { id: 'succeeded.5.5', event: 'status', data: { status: 'succeeded' } },
    ]);
    expect(cursor.ended).toBe(true);
    expect(cursor.next(snap(S.Pending, 0, 5), 1000)).toEqual([]);
  });

  it.each([S.Succeeded, S.Failed, S.Cancelled, S.Deleted])('ends after %s', (status) => {
    const cursor = new JobStreamCursor(null);
    cursor.next(snap(S.Running, 1, 2), 0);
    expect(cursor.next(snap(status, 1, 2), 1).map((e) => e.event)).toEqual(['status']);
    expect(cursor.ended).toBe(true);
  });

  it('does not end on statuses a job moves on from (scheduled, pending, running, cancelling)', () => {
    const cursor = new JobStreamCursor(null);
    for (const [t, status] of [S.Scheduled, S.Pending, S.Running, S.Cancelling].entries()) cursor.next(snap(status), t * 1000);
    expect(cursor.ended).toBe(false);
  });

  it('sends a status change at once, with the progress it brings (a retry starts again)', () => {
    const cursor = new JobStreamCursor(null, 250);
    cursor.next(snap(S.Running, 7, 10), 0);
    expect(cursor.next(snap(S.Pending, 3, 10), 1).map((e) => [e.event, e.id])).toEqual([
      ['status', 'pending.7.10'],
      ['progress', 'pending.3.10'],
    ]);
  });

  describe('resumed with a Last-Event-ID', () => {
    it('sends only what differs from the state the id names', () => {
      const cursor = new JobStreamCursor('running.40.100');
      expect(cursor.next(snap(S.Running, 70, 100), 0)).toEqual([
        { id: 'running.70.100', event: 'progress', data: { processed: 70, total: 100, percent: 70 } },
      ]);
    });

    it('sends nothing when the client is up to date, and ends without a word if it already had the final status', () => {
      expect(new JobStreamCursor('running.40.100').next(snap(S.Running, 40, 100), 0)).toEqual([]);
      const done = new JobStreamCursor('succeeded.5.5');
      expect(done.next(snap(S.Succeeded, 5, 5), 0)).toEqual([]);
      expect(done.ended).toBe(true);
    });

    it('completes a client that had the status but not yet the progress', () => {
      expect(new JobStreamCursor('running.-.-').next(snap(S.Running, 2, null), 0)).toEqual([
        { id: 'running.2.-', event: 'progress', data: { processed: 2, total: null, percent: null } },
      ]);
    });

    it('starts afresh from an id that is not one of its own', () => {
      for (const id of ['42', 'bogus.1.2', 'running.1', 'running.-.7', '', 'running.1.2\nevent: x']) {
        expect(new JobStreamCursor(id).next(snap(S.Running, 1, 2), 0).map((e) => e.event)).toEqual(['status', 'progress']);
      }
    });
  });

  it('reads back every id it writes', () => {
    for (const state of [
      { status: null, progress: null },
      { status: S.Running, progress: null },
      { status: S.Cancelling, progress: { processed: 0, total: null } },
      { status: S.Succeeded, progress: { processed: 123456789, total: 123456789 } },
    ]) {
      expect(parseJobStreamEventId(jobStreamEventId(state))).toEqual(state);
    }
  });
});
