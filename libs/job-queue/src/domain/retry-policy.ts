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
