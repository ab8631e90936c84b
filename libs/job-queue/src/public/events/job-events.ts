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

/**
 * A finished job was purged (JOB_PURGE_AGE_MS after it ended): its row and its files are gone.
 * Like JobDeleted, the module that owns the job type takes back what pointed at the files (an
 * export's result expires, so the export stops offering a download that would answer 410).
 * Published by the purging process after its files were removed.
 */
export class JobPurged {
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

/**
 * A pending or scheduled job got a new due time (`scheduledFor`, null = now). Published after
 * commit by the process that changed it, so the module owning the job type can show it.
 */
export class JobRescheduled {
  constructor(
    readonly jobId: string,
    readonly type: string,
    readonly tenant: string,
    readonly scheduledFor: Date | null,
  ) {}
}
