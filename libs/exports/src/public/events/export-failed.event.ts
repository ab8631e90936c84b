/** Published when an export fails for good (no further attempt will run). */
export class ExportFailed {
  constructor(
    readonly exportId: string,
    readonly jobId: string,
    readonly tenant: string,
    readonly type: string,
    readonly requestedBy: string,
    readonly errorMessage: string,
  ) {}
}
