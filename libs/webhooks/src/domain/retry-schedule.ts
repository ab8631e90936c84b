/**
 * When a failed delivery is tried again (ADR 046): after attempt n the wait is
 * base × 2^(n-1), capped at base × 240, each multiplied by a random factor in [0.8, 1.2)
 * (jitter: endpoints that failed together do not all come back at the same instant). With the
 * default base of 30 s: 30 s, 1, 2, 4, 8, 16, 32, 64 min, then every 2 h — 20 attempts over
 * about 24 h (nominally 2895 × base). After the last attempt the delivery is `failed`.
 */
export const MAX_DELIVERY_ATTEMPTS = 20;
const CAP_FACTOR = 240;

/** The nominal (unjittered) wait after attempt `attempt` (1-based), or null after the last. */
export function nominalRetryDelayMs(attempt: number, baseMs: number): number | null {
  if (attempt >= MAX_DELIVERY_ATTEMPTS) return null;
  return baseMs * Math.min(2 ** (attempt - 1), CAP_FACTOR);
}

export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number | null {
  const nominal = nominalRetryDelayMs(attempt, baseMs);
  return nominal === null ? null : Math.round(nominal * (0.8 + 0.4 * random()));
}
