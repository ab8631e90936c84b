/** A run tried to act on a job it no longer owns (cancelled, or replaced after a stall). */
export class JobOwnershipLostError extends Error {
  constructor(jobId: string, detail: string) {
    super(`This run no longer owns job ${jobId}: ${detail}`);
    this.name = 'JobOwnershipLostError';
  }
}

/** What a thrown value says, for a job's error details and the worker's logs. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
