/**
 * Claim-ahead (ADR 018, depth ADR 083): a handler that settles within this many ms counts as
 * short, and a job type whose last SHORT_STREAK handlers here were short is a short type. While
 * every running handler is of a short type and younger than this, a round also claims jobs
 * ahead for the slots that will have turned over by the time it returns, as long as the jobs it
 * takes, in claim order, are of short types: per slot, as many as short handlers fit in a round
 * (`aheadPerSlot`), from 1 to MAX_AHEAD_PER_SLOT. A job claimed ahead so waits for a slot about
 * one round long, the time it would otherwise have waited for the next round.
 */
const SHORT_RUN_MS = 20;
const SHORT_STREAK = 3;
/**
 * Jobs claimed ahead per slot at most (ADR 083, raised from 4 by ADR 103). ADR 083 found 6 no
 * better than 4 because the finish backlog (run-executor, then 4 outcomes per slot) held the slots
 * and capped every round at ~17 jobs; with the backlog following this bound, rounds of the
 * benchmark's no-op jobs grew to ~130 (128 claimed, as many ended) and completed/s rose by 40 %
 * (ADR 103). Handlers that are
 * not near-instant never get this deep: the wait bound below keeps `depth × handler` within half
 * of AHEAD_WAIT_MS.
 */
export const MAX_AHEAD_PER_SLOT = 32;
/** Shortest handler duration the depth assumes (Date.now() counts a no-op handler as 0 ms). */
const MIN_HANDLER_MS = 0.25;
/** Weight of the newest sample in the moving averages of handler and round durations. */
const EWMA_WEIGHT = 0.2;

/** `average` moved toward `sample` (an exponentially weighted moving average, EWMA_WEIGHT). */
export function movingAverage(average: number, sample: number): number {
  return average + EWMA_WEIGHT * (sample - average);
}

/**
 * A job claimed ahead waits for a slot at most this long (bounded by the heartbeat interval):
 * past it, the handlers it waits behind are not short after all (they may hang), so it is
 * released (attempt refunded, a new wake-up) for another worker instead of sitting `running`.
 */
export const AHEAD_WAIT_MS = 10 * SHORT_RUN_MS;

/** A handler running now: its job type, and when it started (0 while its run waits for a slot). */
export interface RunningHandler {
  type: string;
  handlerStartedAt: number;
}

/** Which job types are short here, from how long their handlers took (claim-ahead, ADR 018). */
export class ShortJobTypes {
  /** Per job type: handlers that settled within SHORT_RUN_MS in a row (a longer one resets it). */
  private readonly streaks = new Map<string, number>();
  /** Moving average of how long short handlers took here (ms; every short type together). */
  private shortHandlerMs = SHORT_RUN_MS;

  /** A handler of `type` that started at `startedAt` (ms) has settled now. */
  recordHandler(type: string, startedAt: number): void {
    const took = Date.now() - startedAt;
    if (took <= SHORT_RUN_MS) {
      this.streaks.set(type, (this.streaks.get(type) ?? 0) + 1);
      this.shortHandlerMs = movingAverage(this.shortHandlerMs, took);
    } else this.streaks.set(type, 0);
  }

  /**
   * Jobs to claim ahead per slot when a round takes `roundMs` (ADR 083): as many short handlers as
   * a slot runs while the next round is in flight, so slots do not idle waiting for it, and no
   * more, so a job claimed ahead waits about one round. At least 1, at most MAX_AHEAD_PER_SLOT,
   * and never so many that the last one would wait behind handlers of the average length for more
   * than half of AHEAD_WAIT_MS (a slow round, say while Postgres is busy, must not make jobs wait
   * until they are released for want of a slot; ADR 103).
   */
  aheadPerSlot(roundMs: number): number {
    const handlerMs = Math.max(MIN_HANDLER_MS, this.shortHandlerMs);
    const perRound = Math.ceil(roundMs / handlerMs);
    const withinWait = Math.floor(AHEAD_WAIT_MS / 2 / handlerMs);
    return Math.max(1, Math.min(MAX_AHEAD_PER_SLOT, perRound, withinWait));
  }

  /**
   * The job types a round may claim ahead for: none unless every handler running now is of a
   * short type and younger than SHORT_RUN_MS, so that the slots will have turned over by the
   * time the round returns. A job claimed ahead waits for the next slot that frees: handlers
   * never run more than `concurrency` at once.
   */
  claimAheadTypes(running: Iterable<RunningHandler>): string[] {
    const types: string[] = [];
    // Whatever a type's attempt limit: a crash costs a job claimed ahead a stall, not an attempt
    // (ADR 041), and the statement takes ahead only jobs with a stall to spare (ADR 094).
    for (const [type, streak] of this.streaks) if (streak >= SHORT_STREAK) types.push(type);
    if (!types.length) return types;
    const now = Date.now();
    for (const run of running) {
      if (!run.handlerStartedAt) continue;
      if (now - run.handlerStartedAt > SHORT_RUN_MS || (this.streaks.get(run.type) ?? 0) < SHORT_STREAK) return [];
    }
    return types;
  }
}
