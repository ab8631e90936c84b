/** Integration events published on the event bus when a job reaches a terminal state. */
export class JobSucceeded {
  constructor(
    readonly jobId: string,
    readonly type: string,
    readonly tenant: string,
    readonly outputInformation: Record<string, unknown> | null,
  ) {}
}

export class JobFailed {
  constructor(
    readonly jobId: string,
    readonly type: string,
    readonly tenant: string,
    readonly errorDetails: string,
    readonly attempts: number,
  ) {}
}

/**
 * A terminal job was soft-deleted: its output files are gone. The module that owns the job type
 * may still point at them (exports: the export's result) and takes them back on this event.
 */
export class JobDeleted {
  constructor(
    readonly jobId: string,
    readonly type: string,
    readonly tenant: string,
  ) {}
}

export class JobCancelled {
  constructor(
    readonly jobId: string,
    readonly type: string,
    readonly tenant: string,
  ) {}
}
