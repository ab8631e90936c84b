import { Logger } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { FileStorage, inStoredTraceContext, isUnavailable, PorterConfig, unavailableDependency } from '@porter/platform';
import { NonRetryableJobError, RejectedJobInputError } from '../../public/dependencies/job-handler.dependency';
import { JobStatus } from '../../public/enums/job-status';
import { JobCancelled, JobFailed, JobSucceeded } from '../../public/events/job-events';
import { errorMessage } from '../../domain/job-errors';
import { decideAfterFailure } from '../../domain/retry-policy';
import { JobFileCleaner } from '../../application/ports/job.repository.port';
import { ClaimedJob, FinishResult, JobRunStore, RunOutcome, SuccessInput } from '../store/job-run.store';
import { AHEAD_WAIT_MS, MAX_AHEAD_PER_SLOT, RunningHandler, ShortJobTypes } from './claim-ahead';
import { JobHandlerRegistry } from './job-handler.registry';
import { jobMetrics } from './job-metrics';
import { RunContext } from './run-context';
import { RunSlots, SlotWaiter } from './run-slots';

/** Backoff of an outcome write that met an unreachable Postgres: from this, doubling, up to the max. */
const FINISH_RETRY_FIRST_MS = 250;
const FINISH_RETRY_MAX_MS = 2000;

interface ActiveRun extends RunningHandler {
  context: RunContext;
  done: Promise<void>;
}

const PROGRESS_THROTTLE_MS = 500;
/**
 * Outcomes being written per slot beyond which a finished run keeps its slot until its own outcome
 * is written (a slow database slows the worker down instead of piling up writes). As deep as
 * claim-ahead: a round ends about as many runs per slot as it claimed ahead, and a lower bound here
 * held the slots and capped every round (4 did, at ~17 jobs for 4 slots; ADR 103).
 */
const FINISH_BACKLOG_PER_SLOT = MAX_AHEAD_PER_SLOT;

/** What the executor needs from the worker around it. */
export interface RunExecutorDependencies {
  store: JobRunStore;
  registry: JobHandlerRegistry;
  eventBus: EventBus;
  storage: FileStorage;
  cleaner: JobFileCleaner;
  config: PorterConfig;
  slots: RunSlots;
  shortTypes: ShortJobTypes;
  /** Writes a successful run's outcome with the next round (batched). */
  writeWithNextRound: (success: SuccessInput) => Promise<FinishResult | null>;
  logThrottled: (message: string) => void;
}

/**
 * Runs the jobs a round claimed, each in a handler slot (runner/run-slots.ts): a fenced
 * RunContext, its heartbeat, the handler (nothing it does can crash the worker), then the
 * outcome (succeeded, retry, failed, cancelled, released) and the events that follow it.
 */
export class RunExecutor {
  private readonly logger = new Logger('JobRunner');
  private readonly active = new Map<string, ActiveRun>();
  private stopping = false;
  private finishing = 0;

  constructor(private readonly deps: RunExecutorDependencies) {}

  get activeCount(): number {
    return this.active.size;
  }

  /** The runs of this worker (their handlers, for claim-ahead). */
  running(): Iterable<RunningHandler> {
    return this.active.values();
  }

  /** Shutdown: runs started from now on are aborted before their handler is called. */
  stop(): void {
    this.stopping = true;
  }

  /** Aborts every run with "shutdown"; resolves when their outcomes are written. */
  abortAll(): Promise<void> {
    for (const run of this.active.values()) run.context.abort('shutdown');
    return Promise.all([...this.active.values()].map((r) => r.done)).then(() => undefined);
  }

  /** Runs a claimed job: in a free slot, or (claimed ahead) in the next slot that frees. */
  start(claimed: ClaimedJob): void {
    const { slots, config } = this.deps;
    const waiter = slots.take();
    let holdsSlot = waiter === null;
    const run = this.run(claimed, waiter, () => (holdsSlot = true));
    void run.settled.then(() => {
      if (!holdsSlot) return;
      // Its outcome is written in the background, batched with others; shutdown waits for
      // that write. Too many outcomes still being written: keep the slot until ours is, so a
      // slow database slows the worker down instead of piling up writes.
      if (this.finishing > FINISH_BACKLOG_PER_SLOT * config.workerConcurrency) void run.done.then(() => slots.release());
      else slots.release();
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
    const { store, registry, config, slots, shortTypes, logThrottled } = this.deps;
    const controller = new AbortController();
    const context = new RunContext(claimed, controller, store, this.deps.storage, {
      leaseMs: config.jobLockDurationMs,
      progressThrottleMs: PROGRESS_THROTTLE_MS,
    });
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const active: ActiveRun = { context, done, type: claimed.type, handlerStartedAt: 0 };
    this.active.set(claimed.id, active);
    if (this.stopping) context.abort('shutdown');

    const heartbeatMs = Math.max(50, Math.min(config.jobPollingIntervalMs, Math.floor(config.jobLockDurationMs / 3)));
    const heartbeat = setInterval(() => {
      store
        .heartbeat(claimed.id, claimed.runToken, config.jobLockDurationMs)
        .then((status) => context.observe(status))
        .catch((error) => logThrottled(`heartbeat of job ${claimed.id} failed: ${errorMessage(error)}`));
    }, heartbeatMs);
    let startedAt = Date.now();
    try {
      // A job claimed ahead waits for a slot, at most AHEAD_WAIT_MS; shutdown meanwhile ends it
      // without running its handler (a cancel or a lost lease is only seen at the next
      // heartbeat, as for any run). A wait that timed out releases the job.
      let slotWaitExpired = false;
      if (waiter) {
        if (await slots.waitFor(waiter, context.signal, Math.min(AHEAD_WAIT_MS, heartbeatMs))) gotSlot();
        else slotWaitExpired = !context.signal.aborted;
      }
      // Submit → first start: measured when the run gets its slot (a job claimed ahead has been
      // claimed earlier), not for a run ended before it could start (it is measured when it does).
      if (claimed.firstRun && !context.signal.aborted && !slotWaitExpired) {
        jobMetrics.wait.observe({ type: claimed.type }, (Date.now() - claimed.submittedAt.getTime()) / 1000);
      }
      const registered = registry.get(claimed.type);
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
        shortTypes.recordHandler(claimed.type, startedAt);
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
        const retryable = !(failure instanceof NonRetryableJobError);
        const backoffMs = registered?.backoffMs ?? config.jobBackoffMs;
        const decision = decideAfterFailure({
          attempt: claimed.attempts,
          maxAttempts: registered?.maxAttempts ?? claimed.maxAttempts,
          backoffMs,
          retryable,
          message,
        });
        // A dependency that was unreachable (ADR 091): the store decides whether this attempt counts.
        const dependency = retryable && config.jobOutageRetryMs > 0 ? unavailableDependency(failure) : null;
        const outage = dependency ? { dependency, message, windowMs: config.jobOutageRetryMs, backoffMs } : undefined;
        outcome =
          decision.kind === 'retry'
            ? { kind: 'retry', delayMs: decision.delayMs, errorDetails: message, outage }
            : { kind: 'failed', errorDetails: decision.reason, outputInformation: context.outputInformation, outage };
        if (!outage) {
          jobMetrics.failures.inc({ type: claimed.type, final: String(decision.kind === 'fail') });
          if (decision.kind === 'retry') context.logger.warn(`attempt failed, retrying in ${decision.delayMs} ms`, { error: message });
          // The submitter's input refused: a warning (the job and its events say why); else an error.
          else if (failure instanceof RejectedJobInputError) context.logger.warn('job failed: its input was refused', { error: decision.reason });
          else context.logger.error('job failed', { error: decision.reason });
        }
      }
      this.finishing++;
      markSettled();
      let result: FinishResult | null;
      try {
        result = await this.finish(claimed, outcome);
      } finally {
        this.finishing--;
      }
      jobMetrics.runDuration.observe({ type: claimed.type, outcome: result?.status ?? 'lost' }, (Date.now() - startedAt) / 1000);
      if (!result) {
        this.logger.warn(`run of job ${claimed.id} (attempt ${claimed.attempts}) was replaced before it finished; its result is discarded`);
        return;
      }
      if ((outcome.kind === 'retry' || outcome.kind === 'failed') && outcome.outage) this.logOutage(context, result, outcome.outage.message);
      await this.afterFinish(claimed.id, result);
    } catch (error) {
      logThrottled(`job ${claimed.id} could not be finished (it will be recovered when its lease expires): ${errorMessage(error)}`);
    } finally {
      clearInterval(heartbeat);
      this.active.delete(claimed.id);
      resolveDone();
    }
  }

  /** What became of a run that failed because a dependency was unreachable (the store decided, ADR 091). */
  private logOutage(context: RunContext, result: FinishResult, message: string): void {
    const final = result.status === JobStatus.Failed;
    jobMetrics.failures.inc({ type: result.type, final: String(final) });
    if (final) context.logger.error('job failed', { error: result.errorDetails ?? message });
    else if (result.retry && !result.retry.counted) context.logger.warn(`dependency unreachable; attempt not counted, retrying in ${result.retry.delayMs} ms`, { error: message });
    else if (result.retry) context.logger.warn(`attempt failed, retrying in ${result.retry.delayMs} ms`, { error: message });
  }

  /**
   * Ends a run: successes go with the next round (batched), other outcomes on their own. While Postgres is unreachable (restarting, a network blip) the write
   * is tried again, backing off up to FINISH_RETRY_MAX_MS between tries, for as long as the job's
   * lease lasts; it used to be given up at once, and the job then waited for its lease to run out
   * (30 s by default) before anyone ran it again (QA). The write is fenced by the run token: once
   * another worker has recovered the job, it changes nothing. Not during shutdown, which must not wait.
   */
  private async finish(claimed: ClaimedJob, outcome: RunOutcome): Promise<FinishResult | null> {
    const deadline = Date.now() + this.deps.config.jobLockDurationMs;
    for (let delay = FINISH_RETRY_FIRST_MS; ; delay = Math.min(FINISH_RETRY_MAX_MS, delay * 2)) {
      try {
        if (outcome.kind !== 'succeeded') return await this.deps.store.finish(claimed.id, claimed.runToken, outcome);
        return await this.deps.writeWithNextRound({ jobId: claimed.id, runToken: claimed.runToken, outputInformation: outcome.outputInformation });
      } catch (error) {
        if (!isUnavailable(error) || this.stopping || Date.now() + delay > deadline) throw error;
        this.deps.logThrottled(`outcome of job ${claimed.id} not written yet (${errorMessage(error)}); trying again in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async afterFinish(jobId: string, result: FinishResult): Promise<void> {
    jobMetrics.transitions.inc({ type: result.type, status: result.status });
    switch (result.status) {
      case JobStatus.Succeeded:
        this.deps.eventBus.publish(new JobSucceeded(jobId, result.type, result.tenant, result.outputInformation));
        break;
      case JobStatus.Failed:
        this.deps.eventBus.publish(new JobFailed(jobId, result.type, result.tenant, result.errorDetails ?? 'failed', result.attempts));
        break;
      case JobStatus.Cancelled:
        await this.deps.cleaner.removeOutputs(jobId);
        this.deps.eventBus.publish(new JobCancelled(jobId, result.type, result.tenant));
        break;
      default:
        break;
    }
  }
}
