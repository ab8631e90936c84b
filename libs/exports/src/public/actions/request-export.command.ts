import { Command } from '@nestjs/cqrs';
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
 */
export class RequestExportCommand extends Command<RequestExportResult> {
  constructor(
    readonly principal: Principal,
    readonly request: ExportRequestData,
    readonly options: { idempotencyKey?: string | null } = {},
  ) {
    super();
  }
}
