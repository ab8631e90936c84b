import { storableText } from '@porter/shared-kernel';

/** A run tried to act on a job it no longer owns (cancelled, or replaced after a stall). */
export class JobOwnershipLostError extends Error {
  constructor(jobId: string, detail: string) {
    super(`This run no longer owns job ${jobId}: ${detail}`);
    this.name = 'JobOwnershipLostError';
  }
}

/**
 * What a thrown value says, for a job's error details, its events and the worker's logs: storable
 * (a message quoting a NUL from the data would otherwise fail the write that ends the run, and
 * the run would be recovered and run again, over and over).
 */
export function errorMessage(error: unknown): string {
  return storableText(error instanceof Error ? error.message || error.name : String(error));
}
