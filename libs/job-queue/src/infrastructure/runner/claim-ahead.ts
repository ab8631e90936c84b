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
export const AHEAD_PER_SLOT = 2;
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

  /** A handler of `type` that started at `startedAt` (ms) has settled now. */
  recordHandler(type: string, startedAt: number): void {
    if (Date.now() - startedAt <= SHORT_RUN_MS) this.streaks.set(type, (this.streaks.get(type) ?? 0) + 1);
    else this.streaks.set(type, 0);
  }

  /**
   * The job types a round may claim ahead for: none unless every handler running now is of a
   * short type and younger than SHORT_RUN_MS, so that the slots will have turned over by the
   * time the round returns. A job claimed ahead waits for the next slot that frees: handlers
   * never run more than `concurrency` at once.
   */
  claimAheadTypes(maxAttempts: Record<string, number>, running: Iterable<RunningHandler>): string[] {
    const types: string[] = [];
    // A type with one attempt is never claimed ahead (the statement's attempt rule would refuse
    // every job of it; offering it would only make rounds that claim nothing ahead).
    for (const [type, streak] of this.streaks) if (streak >= SHORT_STREAK && (maxAttempts[type] ?? 1) > 1) types.push(type);
    if (!types.length) return types;
    const now = Date.now();
    for (const run of running) {
      if (!run.handlerStartedAt) continue;
      if (now - run.handlerStartedAt > SHORT_RUN_MS || (this.streaks.get(run.type) ?? 0) < SHORT_STREAK) return [];
    }
    return types;
  }
}
