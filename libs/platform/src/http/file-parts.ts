import type { Readable } from 'stream';

/**
 * The file parts of a multipart body as the AsyncIterable that a command consumes (AddImportBatchesCommand, AttachJobFilesCommand):
 * the parser pushes a part when it starts, ends the iterable when the body is complete, or fails
 * it when the request is refused while being read (too many files or parts, a malformed body, a
 * client abort). The consumer then stops, deletes what it stored and commits nothing.
 */
export class FileParts<T extends { stream: Readable } = { stream: Readable; fileName: string | null }> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private failure: { error: unknown } | null = null;
  private ended = false;
  /** The consumer stopped reading (it failed on its own): later parts are not taken. */
  private stopped = false;
  /** Parts pushed so far. */
  count = 0;

  /** No more parts will be taken (ended or failed). */
  get closed(): boolean {
    return this.ended || this.stopped || this.failure !== null;
  }

  push(part: T): void {
    if (this.closed) return;
    this.count++;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: part, done: false });
    } else this.queue.push(part);
  }

  end(): void {
    if (this.closed) return;
    this.ended = true;
    this.settleWaiting();
  }

  /** The first failure wins; a later one (or an end) changes nothing. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    this.settleWaiting();
  }

  /** Why the request was refused while its body was read, if it was. */
  get refusal(): unknown {
    return this.failure?.error ?? null;
  }

  private settleWaiting(): void {
    if (!this.waiting) return;
    const { resolve, reject } = this.waiting;
    this.waiting = null;
    if (this.failure) reject(this.failure.error);
    else resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        // A refusal wins over parts still queued: nothing more is stored once the request is refused.
        if (this.failure) return Promise.reject(this.failure.error);
        const part = this.queue.shift();
        if (part) return Promise.resolve({ value: part, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
      },
      return: async () => {
        this.stopped = true;
        return { value: undefined, done: true };
      },
    };
  }
}
