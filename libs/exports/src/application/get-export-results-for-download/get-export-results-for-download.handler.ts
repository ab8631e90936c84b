import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { isUuid } from '@porter/shared-kernel';
import type { ExportResultData } from '../../public/entities/export-result-data';
import { GetExportResultsForDownloadQuery } from '../../public/queries/get-export-results-for-download.query';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';

/** Permission is checked again here, at download time: scopes or roles may have changed since the request. */
@QueryHandler(GetExportResultsForDownloadQuery)
export class GetExportResultsForDownloadHandler implements IQueryHandler<GetExportResultsForDownloadQuery, ExportResultData[]> {
  constructor(@Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository) {}

  execute({ principal, exportResultIds }: GetExportResultsForDownloadQuery): Promise<ExportResultData[]> {
    return this.exports.resultsForDownload(principal, exportResultIds.filter(isUuid));
  }
}
