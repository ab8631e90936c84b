/**
 * Where a batch run's time goes (milliseconds, summed over its chunks), logged when the run ends:
 * operators see whether a slow import waits on the database or on parsing, and the benchmark
 * prints it.
 */
export class RunTimings {
  /** The structural pass over the whole file. */
  scanMs = 0;
  /** Reading, parsing and validating rows, net of waiting for the database. */
  parseMs = 0;
  /** The reader waiting for the previous chunk's transaction (the database is the bottleneck). */
  waitMs = 0;
  /** The host's writes (`ImportProcessor.process`), per chunk transaction. */
  hostMs = 0;
  /** The results COPY, per chunk transaction. */
  resultsMs = 0;
  /** BEGIN with the fence, the checkpoint update and COMMIT. */
  transactionMs = 0;
  /** Overlapping chunks: waiting for the previous chunk's host writes, then for its commit. */
  orderMs = 0;
  /** The host's database-free `prepare`, per chunk (off the database's critical path). */
  prepareMs = 0;
  chunks = 0;

  toJSON(): Record<string, number> {
    const r = (n: number) => Math.round(n);
    return {
      scanMs: r(this.scanMs),
      parseMs: r(this.parseMs),
      waitMs: r(this.waitMs),
      hostMs: r(this.hostMs),
      resultsMs: r(this.resultsMs),
      transactionMs: r(this.transactionMs),
      orderMs: r(this.orderMs),
      prepareMs: r(this.prepareMs),
      chunks: this.chunks,
    };
  }
}
