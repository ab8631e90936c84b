import type { Queue } from 'bullmq';
import type { EventBus } from '@nestjs/cqrs';
import type { PorterConfig } from '@porter/platform';
import type { JobFileCleaner } from '../../application/ports/job.repository.port';
import { JobReconciler } from './job-reconciler.service';
import type { JobRunStore } from '../store/job-run.store';
import type { JobRunner } from '../runner/job-runner.service';

/** The reconciler's wake-up top-up decision, with the store, queue and runner faked (no Postgres/Redis). */
function reconcilerWith(opts: { ready: number; waiting: number; runner?: Partial<JobRunner> }) {
  const calls: string[] = [];
  const store = {
    promoteDue: async () => 0,
    recoverStalled: async () => [],
    readyPendingCount: async () => {
      calls.push('readyPendingCount');
      return opts.ready;
    },
    enqueueWakeups: async (n: number) => {
      calls.push(`enqueueWakeups(${n})`);
      return n;
    },
  } as unknown as JobRunStore;
  const queue = { getWaitingCount: async () => opts.waiting } as unknown as Queue;
  const reconciler = new JobReconciler(
    store,
    queue,
    { publish: () => undefined } as unknown as EventBus,
    { removeAll: async () => undefined, removeOutputs: async () => undefined, removeKeys: async () => undefined } as JobFileCleaner,
    { jobPollingIntervalMs: 1000 } as PorterConfig,
    opts.runner as JobRunner | undefined,
  );
  return { reconciler, calls };
}

describe('JobReconciler wake-up top-up (ADR 013, 018)', () => {
  it('adds wake-ups for the ready jobs Redis holds no message for', async () => {
    const { reconciler, calls } = reconcilerWith({ ready: 10, waiting: 3 });
    expect((await reconciler.reconcile()).wakeups).toBe(7);
    expect(calls).toEqual(['readyPendingCount', 'enqueueWakeups(7)']);
  });

  it('adds none while its worker is draining the queue on its own (merged wake-ups would be re-added one per job)', async () => {
    const { reconciler, calls } = reconcilerWith({ ready: 5000, waiting: 1, runner: { willClaimAgain: true } });
    expect((await reconciler.reconcile()).wakeups).toBe(0);
    expect(calls).toEqual([]);
  });

  it('tops up as usual when its worker is idle', async () => {
    const { reconciler } = reconcilerWith({ ready: 4, waiting: 0, runner: { willClaimAgain: false } });
    expect((await reconciler.reconcile()).wakeups).toBe(4);
  });
});
