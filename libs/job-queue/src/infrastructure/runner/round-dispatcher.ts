import { randomUUID } from 'crypto';
import { PorterConfig } from '@porter/platform';
import { errorMessage } from '../../domain/job-errors';
import { ClaimedJob, FinishResult, JobRunStore, RoundResult, SuccessInput } from '../store/job-run.store';
import { movingAverage, RunningHandler, ShortJobTypes } from './claim-ahead';
import { JobHandlerRegistry } from './job-handler.registry';
import { RunSlots } from './run-slots';

/** Successful runs one round writes at most (the rest go with the next round). */
const MAX_SUCCESSES_PER_ROUND = 500;

/** What the dispatcher needs from the worker around it. */
export interface RoundDispatcherDependencies {
  store: JobRunStore;
  registry: JobHandlerRegistry;
  config: PorterConfig;
  workerId: string;
  slots: RunSlots;
  shortTypes: ShortJobTypes;
  /** Runs a job the round claimed. */
  start: (job: ClaimedJob) => void;
  /** The handlers running now (claim-ahead looks at their types and ages). */
  running: () => Iterable<RunningHandler>;
  logThrottled: (message: string) => void;
}

/**
 * The worker's dispatcher (ADR 018): it runs ROUNDS, one at a time. One statement ends the runs
 * that succeeded since the last round and claims a job for every free slot (plus claim-ahead).
 * A wake-up message waits here until a round has taken a job for it; while claims keep filling
 * every free slot the worker keeps claiming without waiting for messages, until a claim comes
 * back short.
 */
export class RoundDispatcher {
  /** The last claim filled every free slot: more jobs may be ready, so a freed slot claims again. */
  private mayHaveMore = false;
  /** Messages waiting for a dispatch round. */
  private readonly waiters: Array<{ promote: boolean; resolve: () => void }> = [];
  /** Successful runs waiting for the next round to write them. */
  private readonly successes: Array<{ input: SuccessInput; resolve: (r: FinishResult | null) => void; reject: (e: unknown) => void }> = [];
  private dispatching: Promise<void> | null = null;
  private dispatchAgain = false;
  private dispatchScheduled = false;
  private stopping = false;
  /** Latest startedAt (ms) this worker's claims stamped. */
  private lastRoundMs = 0;
  /** Moving average of how long a round statement takes (ms): the claim-ahead depth follows it (ADR 083). */
  private roundMs = 1;

  constructor(private readonly deps: RoundDispatcherDependencies) {}

  /**
   * This worker will claim again on its own (its last claim filled every free slot, or
   * messages are waiting for a round): it keeps taking jobs until the queue is empty.
   */
  get willClaimAgain(): boolean {
    return !this.stopping && (this.mayHaveMore || this.waiters.length > 0);
  }

  /** The round being run, if any. */
  get roundInFlight(): Promise<void> | null {
    return this.dispatching;
  }

  /**
   * A wake-up message: resolves once a round has taken a job for it (true), or at once (false)
   * at shutdown. `promote`: a delayed message means a schedule or a backoff is due, so the round
   * promotes what is due first.
   */
  async wake(promote: boolean): Promise<boolean> {
    if (this.stopping) return false;
    await new Promise<void>((resolve) => {
      this.waiters.push({ promote, resolve });
      this.scheduleDispatch();
    });
    return true;
  }

  /** A slot was freed: claim again if more may be ready or messages wait. */
  slotFreed(): void {
    if (this.mayHaveMore || this.waiters.length) this.scheduleDispatch();
  }

  /** A successful run: its outcome is written by the next round; resolves when it is. */
  writeWithNextRound(input: SuccessInput): Promise<FinishResult | null> {
    return new Promise((resolve, reject) => {
      this.successes.push({ input, resolve, reject });
      this.scheduleDispatch();
    });
  }

  /** Shutdown: no more claims; the waiting messages are answered. */
  stop(): void {
    this.stopping = true;
    this.releaseWaiters();
  }

  /** Runs a dispatch round on the next turn of the event loop (slots freed in the same turn go together). */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      if (this.dispatching) {
        this.dispatchAgain = true;
        return;
      }
      this.dispatching = this.dispatchRound()
        .catch((error) => this.deps.logThrottled(`a worker round (finish + claim) failed: ${errorMessage(error)}`))
        .finally(() => {
          this.dispatching = null;
          if (this.dispatchAgain) {
            this.dispatchAgain = false;
            this.scheduleDispatch();
          }
        });
    });
  }

  /**
   * One round, ONE statement (ADR 018): ends the runs that succeeded since the last round and
   * claims as many jobs as there are free slots (plus claim-ahead), answering as many waiting
   * messages as it took jobs. When the
   * claim comes back short the queue has nothing more ready, and every waiting message is
   * answered (their jobs were taken by earlier rounds or by other workers; a job that becomes
   * ready later brings its own message).
   */
  private async dispatchRound(): Promise<void> {
    const { store, registry, config, slots, shortTypes } = this.deps;
    if (this.stopping) this.releaseWaiters();
    const free = slots.free;
    const aheadTypes = shortTypes.claimAheadTypes(this.deps.running());
    // Claimed ahead and still waiting for a slot count against the depth (which may have shrunk since).
    const ahead = aheadTypes.length ? Math.max(0, shortTypes.aheadPerSlot(this.roundMs) * config.workerConcurrency - slots.waitingCount) : 0;
    const room = free + ahead;
    const claiming = !this.stopping && room > 0 && (this.waiters.length > 0 || this.mayHaveMore);
    // Slow start: after an idle spell the first round takes one job (the head of the queue,
    // alone, at once); rounds that follow a full claim take every free slot (and claim ahead
    // while handlers are short), and the round after the slow-start one follows it at once
    // (see the end of this round).
    const want = claiming ? (this.mayHaveMore ? room : 1) : 0;
    const successes = this.successes.splice(0, MAX_SUCCESSES_PER_ROUND);
    if (!want && !successes.length) return;
    if (this.successes.length) this.dispatchAgain = true;
    const answered = this.waiters.splice(0, want);
    let result: RoundResult | null = null;
    try {
      if (answered.some((w) => w.promote)) await store.promoteDue();
      if (want) {
        // startedAt is shown with millisecond resolution: two rounds of this worker never
        // share a millisecond, so the order in which it took jobs stays visible (jobs of ONE
        // round share it and are ordered by microseconds in the database). A round is a round
        // trip with a commit, ~1 ms, so this rarely waits, and never more than 1 ms (a database
        // clock ahead of ours must not slow every round down).
        const wait = Math.min(1, this.lastRoundMs + 1 - Date.now());
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
      }
      const tokens = Array.from({ length: want }, () => randomUUID());
      const roundStarted = performance.now();
      result = await store.round(
        successes.map((s) => s.input),
        tokens,
        this.deps.workerId,
        config.jobLockDurationMs,
        registry.maxAttemptsByType(),
        { sure: Math.min(free, want), shortTypes: aheadTypes },
      );
      this.roundMs = movingAverage(this.roundMs, performance.now() - roundStarted);
      for (const job of result.claimed) this.lastRoundMs = Math.max(this.lastRoundMs, job.startedAt.getTime());
      // The claim saw as many ready jobs as it asked for: there may be more (jobs it left for
      // lack of a short type are taken when a slot frees).
      if (want) this.mayHaveMore = result.seen === want;
      for (const job of result.claimed) this.deps.start(job);
      if (want && !this.mayHaveMore) answered.push(...this.waiters.splice(0));
      // More is ready but this round took fewer jobs than messages it held (a claim-ahead cut
      // short at a job that may be long): the rest stay held, as a busy worker's messages do,
      // instead of being used up here while idle workers could take those jobs.
      // At shutdown they are answered instead (stop() released the waiters).
      else if (want && answered.length > result.claimed.length && !this.stopping) this.waiters.unshift(...answered.splice(result.claimed.length));
      // A full claim that left slots free (the slow-start round, or a round that claimed for
      // fewer slots than are free now) goes on at once: nothing else would start the next
      // round, since one merged message stands for up to 16 jobs and the reconciler stays out
      // of the way of a worker that will claim again.
      if (this.mayHaveMore && !this.stopping && slots.free > 0) this.dispatchAgain = true;
    } catch (error) {
      // Postgres unreachable or similar: nothing was written. The messages are answered (the
      // reconciler adds wake-ups for jobs still pending once Postgres answers again).
      this.mayHaveMore = false;
      throw error;
    } finally {
      for (const waiter of answered) waiter.resolve();
      // A run the round did not end (a cancel arrived, it lost the job, or the statement
      // failed) is ended on its own by `finish`, which decides from the job's current state.
      for (const success of successes) {
        const ended = result?.succeeded.get(success.input.jobId);
        if (ended) success.resolve(ended);
        else {
          const { jobId, runToken, outputInformation } = success.input;
          store.finish(jobId, runToken, { kind: 'succeeded', outputInformation }).then(success.resolve, success.reject);
        }
      }
    }
  }

  private releaseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }
}
