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

export class JobCancelled {
  constructor(
    readonly jobId: string,
    readonly type: string,
    readonly tenant: string,
  ) {}
}
