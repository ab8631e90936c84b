import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { Job as BullJob, Worker } from 'bullmq';
import { randomUUID } from 'crypto';
import * as os from 'os';
import { bullConnectionFromUrl, FILE_STORAGE, FileStorage, inStoredTraceContext, PORTER_CONFIG, PorterConfig, shutdownDrainBudgetMs } from '@porter/platform';
import { NonRetryableJobError } from '../../public/dependencies/job-handler.dependency';
import { JobStatus } from '../../public/enums/job-status';
import { JobCancelled, JobFailed, JobSucceeded } from '../../public/events/job-events';
import { decideAfterFailure } from '../../domain/retry-policy';
import { JOB_FILE_CLEANER, JobFileCleaner } from '../../application/ports/job.repository.port';
import { JobHandlerRegistry } from './job-handler.registry';
import { jobMetrics } from './job-metrics';
import { JOBS_QUEUE } from '../job-queue.constants';
import { ClaimedJob, FinishResult, JobRunStore, RoundResult, RunOutcome, SuccessInput } from '../store/job-run.store';
import { RunContext } from './run-context';
import { RunSlots, SlotWaiter } from './run-slots';

interface ActiveRun {
  context: RunContext;
  done: Promise<void>;
  /** When its handler started (0 while it waits for a slot). */
  handlerStartedAt: number;
}

const PROGRESS_THROTTLE_MS = 500;
/** Outcomes being written per slot beyond which a finished run keeps its slot until its own outcome is written. */
const FINISH_BACKLOG_PER_SLOT = 4;
/** Successful runs one round writes at most (the rest go with the next round). */
const MAX_SUCCESSES_PER_ROUND = 500;
/**
 * Claim-ahead (ADR 018): a handler that settles within this many ms counts as short, and a job
 * type whose last SHORT_STREAK handlers here were short is a short type. While every running
 * handler is of a short type and younger than this, a round also claims up to AHEAD_PER_SLOT
 * jobs per slot for the slots that will have turned over by the time it returns, as long as the
 * jobs it takes, in claim order, are of short types. A job claimed ahead so waits for a slot
 * about AHEAD_PER_SLOT short handlers long (2 gave +11% completed/s over 1 in the benchmark).
 */
const SHORT_RUN_MS = 20;
const SHORT_STREAK = 3;
const AHEAD_PER_SLOT = 2;
/**
 * A job claimed ahead waits for a slot at most this long (bounded by the heartbeat interval):
 * past it, the handlers it waits behind are not short after all (they may hang), so it is
 * released (attempt refunded, a new wake-up) for another worker instead of sitting `running`.
 */
const AHEAD_WAIT_MS = 10 * SHORT_RUN_MS;

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * The BullMQ consumer and the worker's dispatcher (ADR 018). A message is only a wake-up:
 * jobs are taken from the head of the Postgres queue, so position and move-to-top are exact
 * whichever message arrives. The dispatcher runs ROUNDS, one at a time: one statement ends the
 * runs that succeeded since the last round and claims a job for every free slot. A slot is
 * freed as soon as its handler settles (the outcome is written by the next round, and
 * shutdown waits for that write); while its claims keep filling every free slot the worker
 * keeps claiming without waiting for messages, until a claim comes back short.
 * Handlers run with a fenced RunContext; nothing a handler does can crash the worker.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('JobRunner');
  readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private worker: Worker | null = null;
  private readonly active = new Map<string, ActiveRun>();
  private shuttingDown = false;
  private lastErrorLogAt = 0;

  constructor(
    private readonly store: JobRunStore,
    private readonly registry: JobHandlerRegistry,
    private readonly eventBus: EventBus,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(JOB_FILE_CLEANER) private readonly cleaner: JobFileCleaner,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {
    this.slots = new RunSlots(config.workerConcurrency, () => {
      if (this.mayHaveMore || this.waiters.length) this.scheduleDispatch();
    });
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(JOBS_QUEUE, (message) => this.process(message), {
      connection: bullConnectionFromUrl(this.config.redisUrl),
      prefix: this.config.queuePrefix,
      concurrency: this.config.workerConcurrency,
      lockDuration: this.config.jobLockDurationMs,
      // A redelivered message is harmless (it only wakes a worker up): never fail it for stalling.
      maxStalledCount: 1000,
    });
    this.worker.on('error', (error) => this.logThrottled(`queue worker: ${error.message}`));
    this.store.warmUp(this.workerId).catch((error) => this.logThrottled(`warming up the round connection failed: ${errorMessage(error)}`));
    this.logger.log(`Job types handled here: ${this.registry.typeNames().join(', ') || '(none)'}`);
  }

  /** SIGTERM: stop taking messages, abort running handlers with "shutdown", release their jobs, all within the grace period. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    const deadline = Date.now() + shutdownDrainBudgetMs(this.config.shutdownGraceMs);
    const worker = this.worker;
    this.releaseWaiters();
    const closing = worker?.close().catch(() => undefined);
    // A claim already sent may still bring jobs: they start aborted ('shutdown') and are released.
    await Promise.race([this.dispatching?.catch(() => undefined), sleep(Math.max(0, deadline - Date.now() - 1000))]);
    for (const run of this.active.values()) run.context.abort('shutdown');
    const runs = Promise.all([...this.active.values()].map((r) => r.done));
    const inTime = await Promise.race([runs.then(() => true), sleep(Math.max(0, deadline - Date.now() - 500)).then(() => false)]);
    if (!inTime) this.logger.warn(`${this.active.size} job run(s) did not stop within SHUTDOWN_GRACE_MS; their leases will expire and they will be recovered`);
    const closed = await Promise.race([closing?.then(() => true), sleep(Math.max(100, deadline - Date.now())).then(() => false)]);
    if (!closed) await worker?.close(true).catch(() => undefined);
  }

  get activeCount(): number {
    return this.active.size;
  }

  /**
   * This worker will claim again on its own (its last claim filled every free slot, or
   * messages are waiting for a round): it keeps taking jobs until the queue is empty.
   */
  get willClaimAgain(): boolean {
    return !this.shuttingDown && (this.mayHaveMore || this.waiters.length > 0);
  }

  /**
   * A message is a wake-up (ADR 010) and holds one slot's worth of attention: it waits until
   * this worker has a free slot and a dispatch round has taken jobs for it, so a busy worker
   * holds at most `concurrency` messages and leaves the others to idle workers (ADR 018).
   */
  private async process(message: BullJob): Promise<{ woke: boolean }> {
    if (this.shuttingDown) return { woke: false };
    await new Promise<void>((resolve) => {
      // A delayed message means a schedule or a backoff is due: promote what is due first.
      this.waiters.push({ promote: Boolean(message.opts.delay), resolve });
      this.scheduleDispatch();
    });
    return { woke: true };
  }

  /** The handler slots (runner/run-slots.ts); a freed slot lets the dispatcher claim again. */
  private readonly slots: RunSlots;
  /** Per job type: handlers that settled within SHORT_RUN_MS in a row (a longer one resets it). */
  private readonly shortRuns = new Map<string, number>();
  /** The last claim filled every free slot: more jobs may be ready, so a freed slot claims again. */
  private mayHaveMore = false;
  /** Messages waiting for a dispatch round. */
  private readonly waiters: Array<{ promote: boolean; resolve: () => void }> = [];
  private dispatching: Promise<void> | null = null;
  private dispatchAgain = false;
  private dispatchScheduled = false;
  private finishing = 0;
  /** Latest startedAt (ms) this worker's claims stamped. */
  private lastRoundMs = 0;

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
        .catch((error) => this.logThrottled(`a worker round (finish + claim) failed: ${errorMessage(error)}`))
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
    if (this.shuttingDown) this.releaseWaiters();
    const free = this.slots.free;
    const shortTypes = this.claimAheadTypes();
    const room = free + (shortTypes.length ? AHEAD_PER_SLOT * this.config.workerConcurrency - this.slots.waitingCount : 0);
    const claiming = !this.shuttingDown && room > 0 && (this.waiters.length > 0 || this.mayHaveMore);
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
      if (answered.some((w) => w.promote)) await this.store.promoteDue();
      if (want) {
        // startedAt is shown with millisecond resolution: two rounds of this worker never
        // share a millisecond, so the order in which it took jobs stays visible (jobs of ONE
        // round share it and are ordered by microseconds in the database). A round is a round
        // trip with a commit, ~1 ms, so this rarely waits, and never more than 1 ms (a database
        // clock ahead of ours must not slow every round down).
        const wait = Math.min(1, this.lastRoundMs + 1 - Date.now());
        if (wait > 0) await sleep(wait);
      }
      const tokens = Array.from({ length: want }, () => randomUUID());
      result = await this.store.round(
        successes.map((s) => s.input),
        tokens,
        this.workerId,
        this.config.jobLockDurationMs,
        this.registry.maxAttemptsByType(),
        { sure: Math.min(free, want), shortTypes },
      );
      for (const job of result.claimed) this.lastRoundMs = Math.max(this.lastRoundMs, job.startedAt.getTime());
      // The claim saw as many ready jobs as it asked for: there may be more (jobs it left for
      // lack of a short type are taken when a slot frees).
      if (want) this.mayHaveMore = result.seen === want;
      for (const job of result.claimed) this.start(job);
      if (want && !this.mayHaveMore) answered.push(...this.waiters.splice(0));
      // More is ready but this round took fewer jobs than messages it held (a claim-ahead cut
      // short at a job that may be long): the rest stay held, as a busy worker's messages do,
      // instead of being used up here while idle workers could take those jobs.
      // At shutdown they are answered instead (releaseWaiters already ran).
      else if (want && answered.length > result.claimed.length && !this.shuttingDown) this.waiters.unshift(...answered.splice(result.claimed.length));
      // A full claim that left slots free (the slow-start round, or a round that claimed for
      // fewer slots than are free now) goes on at once: nothing else would start the next
      // round, since one merged message stands for up to 16 jobs and the reconciler stays out
      // of the way of a worker that will claim again.
      if (this.mayHaveMore && !this.shuttingDown && this.slots.free > 0) this.dispatchAgain = true;
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
          this.store.finish(jobId, runToken, { kind: 'succeeded', outputInformation }).then(success.resolve, success.reject);
        }
      }
    }
  }

  /** Successful runs waiting for the next round to write them. */
  private readonly successes: Array<{ input: SuccessInput; resolve: (r: FinishResult | null) => void; reject: (e: unknown) => void }> = [];

  /** Ends a run: successes go with the next round (batched), other outcomes on their own. */
  private finishRun(claimed: ClaimedJob, outcome: RunOutcome): Promise<FinishResult | null> {
    if (outcome.kind !== 'succeeded') return this.store.finish(claimed.id, claimed.runToken, outcome);
    return new Promise((resolve, reject) => {
      this.successes.push({ input: { jobId: claimed.id, runToken: claimed.runToken, outputInformation: outcome.outputInformation }, resolve, reject });
      this.scheduleDispatch();
    });
  }

  private releaseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /**
   * The job types a round may claim ahead for (claim-ahead, ADR 018): none unless every handler
   * running now is of a short type and younger than SHORT_RUN_MS, so that the slots will have
   * turned over by the time the round returns. A job claimed ahead waits for the next slot that
   * frees: handlers never run more than `concurrency` at once.
   */
  private claimAheadTypes(): string[] {
    const types: string[] = [];
    const maxAttempts = this.registry.maxAttemptsByType();
    // A type with one attempt is never claimed ahead (the statement's attempt rule would refuse
    // every job of it; offering it would only make rounds that claim nothing ahead).
    for (const [type, streak] of this.shortRuns) if (streak >= SHORT_STREAK && (maxAttempts[type] ?? 1) > 1) types.push(type);
    if (!types.length) return types;
    const now = Date.now();
    for (const run of this.active.values()) {
      if (!run.handlerStartedAt) continue;
      if (now - run.handlerStartedAt > SHORT_RUN_MS || (this.shortRuns.get(run.context.type) ?? 0) < SHORT_STREAK) return [];
    }
    return types;
  }

  /** Runs a claimed job: in a free slot, or (claimed ahead) in the next slot that frees. */
  private start(claimed: ClaimedJob): void {
    const waiter = this.slots.take();
    let holdsSlot = waiter === null;
    const run = this.run(claimed, waiter, () => (holdsSlot = true));
    void run.settled.then(() => {
      if (!holdsSlot) return;
      // Its outcome is written in the background, batched with others; shutdown waits for
      // that write. Too many outcomes still being written: keep the slot until ours is, so a
      // slow database slows the worker down instead of piling up writes.
      if (this.finishing > FINISH_BACKLOG_PER_SLOT * this.config.workerConcurrency) void run.done.then(() => this.slots.release());
      else this.slots.release();
    });
  }

  /** Starts a run; `settled` resolves when its handler has settled, `done` when its outcome is written. */
  private run(claimed: ClaimedJob, waiter: SlotWaiter | null, gotSlot: () => void): { settled: Promise<void>; done: Promise<void> } {
    let markSettled!: () => void;
    const settled = new Promise<void>((resolve) => (markSettled = resolve));
    const done = this.execute(claimed, waiter, gotSlot, markSettled).finally(markSettled);
    return { settled, done };
  }

  private async execute(claimed: ClaimedJob, waiter: SlotWaiter | null, gotSlot: () => void, markSettled: () => void): Promise<void> {
    const controller = new AbortController();
    const context = new RunContext(claimed, controller, this.store, this.storage, {
      leaseMs: this.config.jobLockDurationMs,
      progressThrottleMs: PROGRESS_THROTTLE_MS,
    });
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const active: ActiveRun = { context, done, handlerStartedAt: 0 };
    this.active.set(claimed.id, active);
    if (this.shuttingDown) context.abort('shutdown');

    const heartbeatMs = Math.max(50, Math.min(this.config.jobPollingIntervalMs, Math.floor(this.config.jobLockDurationMs / 3)));
    const heartbeat = setInterval(() => {
      this.store
        .heartbeat(claimed.id, claimed.runToken, this.config.jobLockDurationMs)
        .then((status) => context.observe(status))
        .catch((error) => this.logThrottled(`heartbeat of job ${claimed.id} failed: ${errorMessage(error)}`));
    }, heartbeatMs);
    let startedAt = Date.now();
    try {
      // A job claimed ahead waits for a slot, at most AHEAD_WAIT_MS; shutdown meanwhile ends it
      // without running its handler (a cancel or a lost lease is only seen at the next
      // heartbeat, as for any run). A wait that timed out releases the job.
      let slotWaitExpired = false;
      if (waiter) {
        if (await this.slots.waitFor(waiter, context.signal, Math.min(AHEAD_WAIT_MS, heartbeatMs))) gotSlot();
        else slotWaitExpired = !context.signal.aborted;
      }
      // Submit → first start: measured when the run gets its slot (a job claimed ahead has been
      // claimed earlier), not for a run ended before it could start (it is measured when it does).
      if (claimed.firstRun && !context.signal.aborted && !slotWaitExpired) {
        jobMetrics.wait.observe({ type: claimed.type }, (Date.now() - claimed.submittedAt.getTime()) / 1000);
      }
      const registered = this.registry.get(claimed.type);
      let failure: unknown = undefined;
      let threw = false;
      if (context.signal.aborted || slotWaitExpired) {
        // Aborted before its handler started (shutdown, cancel, lost job): the handler is not called.
      } else if (!registered) {
        threw = true;
        failure = new NonRetryableJobError(`No handler is registered for job type "${claimed.type}" (unknown job type)`);
      } else {
        startedAt = active.handlerStartedAt = Date.now();
        try {
          // The run continues the trace of the request that submitted the job (ADR 049).
          await inStoredTraceContext(
            claimed.traceContext,
            `job.run ${claimed.type}`,
            { 'porter.job.id': claimed.id, 'porter.job.type': claimed.type, 'porter.job.attempt': claimed.attempts, 'porter.tenant': claimed.tenant },
            () => registered.handler.run(context),
          );
        } catch (error) {
          threw = true;
          failure = error;
        }
        if (Date.now() - startedAt <= SHORT_RUN_MS) this.shortRuns.set(claimed.type, (this.shortRuns.get(claimed.type) ?? 0) + 1);
        else this.shortRuns.set(claimed.type, 0);
        active.handlerStartedAt = 0;
      }
      clearInterval(heartbeat);
      await context.flushProgress().catch(() => undefined);

      let outcome: RunOutcome;
      if (slotWaitExpired) {
        outcome = { kind: 'release', reason: 'no slot freed in time for a job claimed ahead' };
      } else if (context.signal.aborted) {
        const reason = context.signal.reason as string;
        if (reason === 'lost-lock') {
          this.logger.warn(`run of job ${claimed.id} (attempt ${claimed.attempts}) lost the job; its result is discarded`);
          jobMetrics.runDuration.observe({ type: claimed.type, outcome: 'lost' }, (Date.now() - startedAt) / 1000);
          return;
        }
        outcome = reason === 'shutdown' ? { kind: 'release', reason: 'shutdown' } : { kind: 'cancelled' };
      } else if (!threw) {
        outcome = { kind: 'succeeded', outputInformation: context.outputInformation };
      } else {
        const message = errorMessage(failure);
        const decision = decideAfterFailure({
          attempt: claimed.attempts,
          maxAttempts: registered?.maxAttempts ?? claimed.maxAttempts,
          backoffMs: registered?.backoffMs ?? this.config.jobBackoffMs,
          retryable: !(failure instanceof NonRetryableJobError),
          message,
        });
        jobMetrics.failures.inc({ type: claimed.type, final: String(decision.kind === 'fail') });
        outcome =
          decision.kind === 'retry'
            ? { kind: 'retry', delayMs: decision.delayMs, errorDetails: message }
            : { kind: 'failed', errorDetails: decision.reason, outputInformation: context.outputInformation };
        if (decision.kind === 'retry') context.logger.warn(`attempt failed, retrying in ${decision.delayMs} ms`, { error: message });
        else context.logger.error('job failed', { error: decision.reason });
      }
      this.finishing++;
      markSettled();
      let result: FinishResult | null;
      try {
        result = await this.finishRun(claimed, outcome);
      } finally {
        this.finishing--;
      }
      jobMetrics.runDuration.observe({ type: claimed.type, outcome: result?.status ?? 'lost' }, (Date.now() - startedAt) / 1000);
      if (!result) {
        this.logger.warn(`run of job ${claimed.id} (attempt ${claimed.attempts}) was replaced before it finished; its result is discarded`);
        return;
      }
      await this.afterFinish(claimed.id, result);
    } catch (error) {
      this.logThrottled(`job ${claimed.id} could not be finished (it will be recovered when its lease expires): ${errorMessage(error)}`);
    } finally {
      clearInterval(heartbeat);
      this.active.delete(claimed.id);
      resolveDone();
    }
  }

  private async afterFinish(jobId: string, result: FinishResult): Promise<void> {
    jobMetrics.transitions.inc({ type: result.type, status: result.status });
    switch (result.status) {
      case JobStatus.Succeeded:
        this.eventBus.publish(new JobSucceeded(jobId, result.type, result.tenant, result.outputInformation));
        break;
      case JobStatus.Failed:
        this.eventBus.publish(new JobFailed(jobId, result.type, result.tenant, result.errorDetails ?? 'failed', result.attempts));
        break;
      case JobStatus.Cancelled:
        await this.cleaner.removeAll(jobId);
        this.eventBus.publish(new JobCancelled(jobId, result.type, result.tenant));
        break;
      default:
        break;
    }
  }

  private logThrottled(message: string): void {
    if (Date.now() - this.lastErrorLogAt < 5000) return;
    this.lastErrorLogAt = Date.now();
    this.logger.warn(message);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
