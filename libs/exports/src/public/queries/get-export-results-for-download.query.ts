import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ExportResultData } from '../entities/export-result-data';

/** The given export results, filtered to those the caller may download now (permission re-checked). */
export class GetExportResultsForDownloadQuery extends Query<ExportResultData[]> {
  constructor(readonly principal: Principal, readonly exportResultIds: readonly string[]) {
    super();
  }
}
