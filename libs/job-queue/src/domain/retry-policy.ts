/**
 * Exponential backoff: base, 2×base, 4×base... capped at one hour so a large attempt limit
 * cannot push a retry days away.
 */
export function backoffDelayMs(attempt: number, baseMs: number): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(baseMs * 2 ** exponent, 3600_000);
}

export type FailureDecision = { kind: 'retry'; delayMs: number } | { kind: 'fail'; reason: string };

/** After a run failed: run again later, or fail for good. */
export function decideAfterFailure(input: {
  attempt: number;
  maxAttempts: number;
  backoffMs: number;
  retryable: boolean;
  message: string;
}): FailureDecision {
  if (!input.retryable) return { kind: 'fail', reason: input.message };
  if (input.attempt >= input.maxAttempts) {
    return { kind: 'fail', reason: `${input.message} (attempt ${input.attempt} of ${input.maxAttempts}; no attempts left)` };
  }
  return { kind: 'retry', delayMs: backoffDelayMs(input.attempt, input.backoffMs) };
}

/** The longest wait between two runs of a job whose dependency is unreachable (ADR 091). */
export const OUTAGE_RETRY_MAX_DELAY_MS = 60_000;

/**
 * A job's current outage (ADR 091): since when its runs fail because a dependency is unreachable,
 * and how many of those runs were retried without counting. Kept in the data of the job's
 * `retrying` events (`outageSince`, `outageRetries`), so it survives any worker.
 */
export interface JobOutage {
  sinceMs: number;
  retries: number;
}

/** The job's last `retrying` or `retried` event, as the store read it. */
export interface LastRetryEvent {
  type: string;
  atMs: number;
  data: Record<string, unknown>;
}

/**
 * The outage a failure that says a dependency is unreachable belongs to: the one the job's last
 * retry was for, when that retry was an outage retry (counted or not) and the failure came within
 * its delay plus the window (a longer gap means the job ran, or waited, longer than a whole window
 * since: a new outage); otherwise a new one starting now. A manual retry (`retried`) starts anew.
 */
export function currentOutage(last: LastRetryEvent | null, nowMs: number, windowMs: number): JobOutage {
  if (last?.type === 'retrying') {
    const sinceMs = Date.parse(String(last.data.outageSince ?? ''));
    const delayMs = Number(last.data.delayMs ?? 0) || 0;
    if (Number.isFinite(sinceMs) && nowMs - last.atMs <= windowMs + delayMs) {
      return { sinceMs, retries: Math.max(0, Math.floor(Number(last.data.outageRetries ?? 0)) || 0) };
    }
  }
  return { sinceMs: nowMs, retries: 0 };
}

/** The wait before the next run of an outage retry: backoff, 2×, 4×… capped at a minute (or at the backoff, if larger). */
export function outageDelayMs(retries: number, backoffMs: number): number {
  const base = Math.max(1, backoffMs);
  return Math.min(base * 2 ** Math.min(Math.max(0, retries), 30), Math.max(OUTAGE_RETRY_MAX_DELAY_MS, base));
}

export type OutageDecision = { kind: 'uncounted'; delayMs: number; outage: JobOutage } | { kind: 'counted'; outage: JobOutage };

/**
 * After a run failed because a dependency was unreachable: within `windowMs` of the outage's
 * start, run again without counting the attempt (the delay growing to a minute); past it, the
 * failure counts like any other (`decideAfterFailure`), so a dependency that never comes back
 * (a misconfiguration) still ends the job `failed`. `windowMs` 0 turns this off.
 */
export function decideAfterOutage(input: { outage: JobOutage; nowMs: number; windowMs: number; backoffMs: number }): OutageDecision {
  const { outage, nowMs, windowMs } = input;
  if (windowMs <= 0 || nowMs - outage.sinceMs >= windowMs) return { kind: 'counted', outage };
  return { kind: 'uncounted', delayMs: outageDelayMs(outage.retries, input.backoffMs), outage: { sinceMs: outage.sinceMs, retries: outage.retries + 1 } };
}

/** "2 s", "1 min 30 s": a delay as a job's error says it. */
export function describeDelay(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}
