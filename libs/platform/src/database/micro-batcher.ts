/** One input's result in a batch: its value, or the error that concerns it alone. */
export type BatchItemResult<O> = { value: O } | { error: unknown };

export interface MicroBatcherOptions {
  /** Most inputs written by one call of `write`. */
  maxBatch: number;
  /** Batches being written at once; further inputs wait and are written together afterwards. */
  maxInFlight: number;
}

/**
 * Coalesces concurrent calls into batches, "batch while busy": a call made while fewer than
 * `maxInFlight` batches are being written is written at once (no timer, so no added latency on
 * an idle system); calls made meanwhile queue up and go together in the next batch. Each
 * caller's promise settles when ITS item is settled, i.e. after the batch holding it was
 * written (committed). `write` must return one result per input, in order; it throws only when
 * the whole batch failed (then every caller of the batch gets that error).
 *
 * When a batch settles, the next one starts on the next turn of the event loop, not at once: its
 * callers typically submit again as soon as their promise resolves, and starting at once would
 * send the first of them alone and the rest in the batch after (batches of 1 and n−1 in turn,
 * twice the statements for the same jobs).
 */
export class MicroBatcher<I, O> {
  private readonly queue: Array<{ input: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  /** Batches that settled and whose callers may still be submitting again (until the next turn). */
  private settling = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly write: (inputs: I[]) => Promise<Array<BatchItemResult<O>>>,
    private readonly options: MicroBatcherOptions,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  /** Items queued or being written. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves once nothing is queued or being written (shutdown). */
  async idle(): Promise<void> {
    if (!this.queue.length && !this.inFlight) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.settling) return;
    while (this.inFlight < this.options.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      let written: Promise<Array<BatchItemResult<O>>>;
      try {
        written = this.write(batch.map((item) => item.input));
      } catch (error) {
        written = Promise.reject(error);
      }
      // Before any caller hears of the result: its resubmission must queue, not start a batch.
      const settle = (deliver: () => void) => {
        this.inFlight--;
        this.settling++;
        try {
          deliver();
        } catch (error) {
          // A malformed result (not one per input): the callers not yet settled get the error.
          batch.forEach((item) => item.reject(error));
        } finally {
          // Whatever delivering did, the next batch must start, or every later call would wait forever.
          setImmediate(() => {
            this.settling--;
            this.pump();
            if (!this.queue.length && !this.inFlight && !this.settling) this.idleWaiters.splice(0).forEach((wake) => wake());
          });
        }
      };
      written.then(
        (results) =>
          settle(() =>
            batch.forEach((item, i) => {
              const result = results[i];
              if (!result) item.reject(new Error('the batch write returned no result for this item'));
              else if ('error' in result) item.reject(result.error);
              else item.resolve(result.value);
            }),
          ),
        (error) => settle(() => batch.forEach((item) => item.reject(error))),
      );
    }
  }
}
