import { NotFoundError, Principal } from '@porter/shared-kernel';
import { JobStatus } from '../../public/enums/job-status';
import { WatchJobQuery } from '../../public/queries/watch-job.query';
import type { JobStreamEvent } from '../../public/entities/job-stream';
import type { JobSnapshot } from '../../domain/job-stream-cursor';
import type { JobRecord, JobRepository } from '../ports/job.repository.port';
import type { JobChangeFeed, JobWatcher } from '../ports/job-change-feed.port';
import { WatchJobHandler } from './watch-job.handler';

/** A feed the test drives by hand: it records who watches and lets the test push snapshots. */
class HandFeed implements JobChangeFeed {
  readonly watching = new Map<string, Set<JobWatcher>>();
  watch(jobId: string, watcher: JobWatcher): () => void {
    if (!this.watching.has(jobId)) this.watching.set(jobId, new Set());
    this.watching.get(jobId)!.add(watcher);
    return () => {
      this.watching.get(jobId)?.delete(watcher);
      if (this.watching.get(jobId)?.size === 0) this.watching.delete(jobId);
    };
  }
  push(jobId: string, snapshot: JobSnapshot | null): void {
    for (const w of [...(this.watching.get(jobId) ?? [])]) w.onSnapshot(snapshot);
  }
  close(): void {
    for (const set of this.watching.values()) for (const w of [...set]) w.onClose();
  }
}

const principal = { userId: 'alice', tenant: 't1', roles: [], scopes: [] } as unknown as Principal;

function repository(job: Partial<JobRecord> | null): JobRepository {
  return {
    findVisible: async (_p: Principal, id: string) =>
      job && id === job.id ? ({ progressProcessed: 0, progressTotal: null, ...job } as JobRecord) : null,
  } as unknown as JobRepository;
}

describe('WatchJobHandler', () => {
  it('is NotFound for a job the caller may not see, and watches nothing then', async () => {
    const feed = new HandFeed();
    const handler = new WatchJobHandler(repository({ id: 'j1', status: JobStatus.Running }), feed);
    await expect(handler.execute(new WatchJobQuery(principal, 'other'))).rejects.toBeInstanceOf(NotFoundError);
    expect(feed.watching.size).toBe(0);
  });

  it('starts with the current state, follows the feed until the final status, then lets go of it', async () => {
    const feed = new HandFeed();
    const handler = new WatchJobHandler(repository({ id: 'j1', status: JobStatus.Running, progressProcessed: 1, progressTotal: 4 }), feed);
    const stream = await handler.execute(new WatchJobQuery(principal, 'j1'));
    expect(stream.initial.map((e) => e.event)).toEqual(['status', 'progress']);
    const events: JobStreamEvent[] = [];
    const ends: string[] = [];
    stream.follow((e) => events.push(e), (reason) => ends.push(reason));
    expect(feed.watching.get('j1')?.size).toBe(1);
    feed.push('j1', { status: JobStatus.Running, processed: 1, total: 4 });
    expect(events).toEqual([]);
    feed.push('j1', { status: JobStatus.Succeeded, processed: 4, total: 4 });
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['progress', { processed: 4, total: 4, percent: 100 }],
      ['status', { status: 'succeeded' }],
    ]);
    expect(ends).toEqual(['terminal']);
    expect(feed.watching.size).toBe(0);
  });

  it('ends a stream whose job row disappeared (purged) as deleted', async () => {
    const feed = new HandFeed();
    const stream = await new WatchJobHandler(repository({ id: 'j1', status: JobStatus.Pending }), feed).execute(new WatchJobQuery(principal, 'j1'));
    const events: JobStreamEvent[] = [];
    const ends: string[] = [];
    stream.follow((e) => events.push(e), (reason) => ends.push(reason));
    feed.push('j1', null);
    expect(events.map((e) => e.data)).toEqual([{ status: 'deleted' }]);
    expect(ends).toEqual(['terminal']);
  });

  it('stops at once when the client goes away, and ends open streams with "shutdown" when the feed closes', async () => {
    const feed = new HandFeed();
    const handler = new WatchJobHandler(repository({ id: 'j1', status: JobStatus.Running }), feed);
    const a = await handler.execute(new WatchJobQuery(principal, 'j1'));
    const b = await handler.execute(new WatchJobQuery(principal, 'j1'));
    const ends: string[] = [];
    const stopA = a.follow(() => undefined, (reason) => ends.push(`a:${reason}`));
    b.follow(() => undefined, (reason) => ends.push(`b:${reason}`));
    expect(feed.watching.get('j1')?.size).toBe(2);
    stopA();
    stopA();
    expect(feed.watching.get('j1')?.size).toBe(1);
    feed.close();
    expect(ends).toEqual(['b:shutdown']);
    expect(feed.watching.size).toBe(0);
  });

  it('has the stream already ended for a final job, and watches nothing', async () => {
    const feed = new HandFeed();
    const stream = await new WatchJobHandler(repository({ id: 'j1', status: JobStatus.Failed, progressProcessed: 2, progressTotal: 5 }), feed).execute(
      new WatchJobQuery(principal, 'j1', 'running.2.5'),
    );
    expect(stream.ended).toBe(true);
    expect(stream.initial).toEqual([{ id: 'failed.2.5', event: 'status', data: { status: 'failed' } }]);
    const ends: string[] = [];
    stream.follow(() => undefined, (reason) => ends.push(reason));
    await Promise.resolve();
    expect(ends).toEqual(['terminal']);
    expect(feed.watching.size).toBe(0);
  });
});
