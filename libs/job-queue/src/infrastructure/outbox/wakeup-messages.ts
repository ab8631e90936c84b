import type { StoredTraceContext } from '@porter/platform';

/** What the outbox relay sends: the wake-up messages of outbox rows and of jobs its process just committed (ADR 011, 018, 069, 099). */

/**
 * Immediate wake-ups of one batch that may be merged (ADR 018) become one message per this
 * many rows: a worker woken by one keeps claiming until the queue is empty, so the messages
 * only need to wake enough workers to share a burst (a burst of N jobs wakes ceil(N / 16)).
 */
export const WAKEUP_SPAN = 16;

export interface OutboxRow {
  id: string;
  job_id: string;
  message_id: string;
  /** Milliseconds until the row's wake-up is due, by the database clock (0 when due). */
  delay_ms: number;
  coalesce: boolean;
  type: string | null;
}

/**
 * The wake-up of an immediately runnable job that this process has just committed: the relay may
 * send it without reading anything back first. `id` is its outbox row (a submit in a caller's
 * transaction, ADR 069), deleted once Redis took the message; null for a direct submit, which
 * writes no row (ADR 099): the relay writes one only if Redis refuses the message.
 */
export interface CommittedOutboxRow {
  id: string | null;
  jobId: string;
  messageId: string;
  type: string;
  traceContext: StoredTraceContext | null;
}

/**
 * The BullMQ messages for a batch of outbox rows, oldest row first. A delayed wake-up (schedule,
 * backoff) keeps its own message, since it carries its time; so does a row written with
 * `coalesce = false` (reconciler). Immediate mergeable rows become one message per WAKEUP_SPAN
 * rows, named after the first row of each span (ADR 018).
 */
export function toWakeupMessages(rows: OutboxRow[]): Array<{ name: string; data: { jobId: string }; opts: Record<string, unknown> }> {
  const ordered = [...rows].sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : BigInt(x.id) > BigInt(y.id) ? 1 : 0));
  let merged = 0;
  const messages = [];
  for (const row of ordered) {
    const delay = row.delay_ms;
    if (row.coalesce && delay === 0 && merged++ % WAKEUP_SPAN !== 0) continue;
    messages.push({ name: row.type ?? 'job', data: { jobId: row.job_id }, opts: { jobId: row.message_id, delay, ...MESSAGE_OPTIONS } });
  }
  return messages;
}

export const MESSAGE_OPTIONS = {
  // Completed/failed messages are kept (bounded) for the dashboard; their ids are never reused.
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 1000 },
} as const;
