import { Query } from '@nestjs/cqrs';
import type { FieldError, Principal } from '@porter/shared-kernel';
import type { ExportRequestData } from '../entities/export-request-data';

export interface ExportRequestCheck {
  /** Empty when RequestExportCommand would accept the request from this principal now. */
  errors: FieldError[];
}

/**
 * Checks an export request exactly as RequestExportCommand does — type, format, filters, shape
 * and the principal's permission for the type and scopes — without requesting anything. For
 * modules that keep a request to run later (recurring exports) and must refuse a bad one up front.
 * A permission refusal is reported on `type` (global types) or `scopeIds` (local types).
 */
export class CheckExportRequestQuery extends Query<ExportRequestCheck> {
  constructor(readonly principal: Principal, readonly request: ExportRequestData) {
    super();
  }
}
