import type { Job as BullJob } from 'bullmq';
import type { EventBus } from '@nestjs/cqrs';
import type { FileStorage, PorterConfig } from '@porter/platform';
import type { JobFileCleaner } from '../../application/ports/job.repository.port';
import type { JobHandlerRegistry } from './job-handler.registry';
import type { JobRunStore, RoundResult } from '../store/job-run.store';
import { JobRunner } from './job-runner.service';

/** The dispatcher's handling of wake-up messages, with the store faked (no Postgres/Redis). */
describe('JobRunner dispatcher at shutdown', () => {
  it('answers the messages of a round still in flight at shutdown instead of holding them again (shutdown is not delayed)', async () => {
    let finishRound!: (result: RoundResult) => void;
    let roundCalled = false;
    const store = {
      promoteDue: async () => 0,
      round: () => {
        roundCalled = true;
        return new Promise<RoundResult>((resolve) => (finishRound = resolve));
      },
    } as unknown as JobRunStore;
    const registry = { maxAttemptsByType: () => ({}), typeNames: () => [] } as unknown as JobHandlerRegistry;
    const runner = new JobRunner(
      store,
      registry,
      { publish: () => undefined } as unknown as EventBus,
      {} as FileStorage,
      {} as JobFileCleaner,
      { workerConcurrency: 2, jobLockDurationMs: 30_000, shutdownGraceMs: 10_000, jobPollingIntervalMs: 1000 } as PorterConfig,
    );
    // A wake-up message: held until a round has taken a job for it.
    let answered = false;
    const message = (runner as unknown as { process: (m: BullJob) => Promise<unknown> }).process({ opts: {} } as BullJob).then(() => (answered = true));
    const deadline = Date.now() + 2000;
    while (!roundCalled && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(roundCalled).toBe(true);

    // Shutdown starts while the round is in flight; the round then says more is ready but took
    // nothing for this message (as a claim-ahead cut short at a long job does).
    const shutdown = runner.beforeApplicationShutdown();
    finishRound({ succeeded: new Map(), claimed: [], seen: 1 });
    await shutdown;
    await new Promise((r) => setImmediate(r)); // the round's answers are settled by now
    void message;
    expect(answered).toBe(true);
    expect(runner.willClaimAgain).toBe(false);
  });
});
