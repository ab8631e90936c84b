import type { QueueBase } from 'bullmq';

/** At most one warning per this many milliseconds for all the queues one reporter watches. */
export const UNHEARD_QUEUE_ERROR_INTERVAL_MS = 10_000;

/**
 * The error listener of last resort for BullMQ queues (Queue, Worker, QueueEvents). One without
 * an 'error' listener does not stay quiet when Redis is unreachable: BullMQ catches the throw of
 * the unheard event and `console.error`s the raw multi-line Error on every reconnect attempt,
 * breaking the JSON-lines log (the API's maintenance queue, used there only by the dashboard,
 * printed ~1 per second). Each watched queue gets a listener that reports through `warn` (the
 * process's pino logger) only while it is the queue's ONLY listener, so a queue whose owner
 * logs (OutboxRelay) or silences (JobPurge) its own errors is left to it, whichever was attached
 * first; and at most once per UNHEARD_QUEUE_ERROR_INTERVAL_MS across queues, like the owners'
 * own throttled warnings, so an outage leaves a few lines, not one per reconnect attempt.
 */
export class UnheardQueueErrors {
  private readonly watched = new WeakSet<QueueBase>();
  private lastLogAt = -Infinity;

  constructor(
    private readonly warn: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  watch(queue: QueueBase): void {
    if (this.watched.has(queue)) return;
    this.watched.add(queue);
    const listener = (error: Error) => {
      if (queue.listenerCount('error') > 1) return; // someone else handles this queue's errors
      const at = this.now();
      if (at - this.lastLogAt < UNHEARD_QUEUE_ERROR_INTERVAL_MS) return;
      this.lastLogAt = at;
      this.warn(`${queue.constructor.name} ${queue.name}: ${error?.message ?? String(error)}`);
    };
    queue.on('error', listener);
  }
}
