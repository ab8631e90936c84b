import { Command } from '@nestjs/cqrs';
import type { JobAttachmentUpload } from '@porter/job-queue';
import type { Principal } from '@porter/shared-kernel';
import type { ExportInfo } from '../entities/export-info';
import type { ExportRequestData } from '../entities/export-request-data';

export interface RequestExportResult {
  exportId: string;
  jobId: string;
  /** false when an idempotency key matched an earlier request with the same body. */
  created: boolean;
  export: ExportInfo;
}

/**
 * Requests an export. Validates type, format and filters (ValidationError, 422, with the failing
 * path), checks the caller may run the type, then writes the request and submits its job in ONE
 * transaction. With an idempotency key, the same key and body return the first export; the same
 * key with another body is a ValidationError.
 *
 * `attachments` (a multipart request's `attachment` parts, at most 5 of at most 10 MiB each):
 * stored once the request is valid, before anything is written, and recorded with the job in the
 * same transaction (StageJobAttachmentsCommand, SubmitJobCommand), so the export never runs
 * without them; a refused request, a failed submit or an idempotent replay keeps none.
 *
 * `scheduleId`: the recurring schedule asking (the scheduling module), shown as the export's
 * `scheduleId`; not part of what an idempotency key compares.
 */
export class RequestExportCommand extends Command<RequestExportResult> {
  constructor(
    readonly principal: Principal,
    readonly request: ExportRequestData,
    readonly options: { idempotencyKey?: string | null; attachments?: AsyncIterable<JobAttachmentUpload> | null; scheduleId?: string | null } = {},
  ) {
    super();
  }
}
