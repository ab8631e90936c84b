/** The run no longer owns the batch (a newer run took over): its chunk must not commit. */
export class StaleRunError extends Error {
  constructor(batchId: string) {
    super(`import batch ${batchId} is owned by another run; this run stops without writing`);
    this.name = 'StaleRunError';
  }
}
