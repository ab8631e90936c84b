import type { ExportOutcome } from '../enums/export-status';
import type { FileFormat } from '../enums/file-format';

/** Published when an export's file is stored and downloadable (outcome success or empty). */
export class ExportCompleted {
  constructor(
    readonly exportId: string,
    readonly jobId: string,
    readonly tenant: string,
    readonly type: string,
    readonly format: FileFormat,
    readonly requestedBy: string,
    readonly resultId: string,
    readonly outcome: ExportOutcome,
    readonly itemsCount: number,
    readonly fileName: string,
    readonly expiresAt: string,
  ) {}
}
