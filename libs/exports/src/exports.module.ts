import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CLOCK, systemClock } from '@porter/shared-kernel';
import { CheckExportRequestHandler } from './application/check-export-request/check-export-request.handler';
import { CreateExportDownloadLinkHandler, DownloadLinkedExportFileHandler } from './application/download-link/download-link.handlers';
import { FindExportOfJobHandler } from './application/find-export-by-job/find-export-of-job.handler';
import { DeleteExportHandler } from './application/delete-export/delete-export.handler';
import { GetExportInfoHandler } from './application/get-export-info/get-export-info.handler';
import { ExportJobEventsHandler } from './application/job-events/export-job-events.handler';
import { ListExportTypesHandler } from './application/list-export-types/list-export-types.handler';
import { ListExportsHandler } from './application/list-exports/list-exports.handler';
import { EXPORT_REPOSITORY } from './application/ports/export-repository.port';
import { EXPORT_TYPE_CATALOG } from './application/ports/export-type-catalog.port';
import { RequestExportHandler } from './application/request-export/request-export.handler';
import { ExportRequestGroupCommit } from './application/request-export/export-request.group-commit';
import { DownloadExportFileHandler } from './application/download-export-file/download-export-file.handler';
import { ExportDownloadGate } from './application/download-export-file/export-download.gate';
import { ExportJobFileAccessPolicy } from './application/download-export-file/export-job-file-access.policy';
import { PgExportRepository } from './infrastructure/persistence/export.repository';
import { ExportTypeRegistry } from './infrastructure/export-type.registry';

/**
 * Exports: commands and queries (API and worker processes). Hosts declare their export types with
 * @ExportDataSourceFor on a provider of their own modules; ExportTypeRegistry discovers them at
 * start. The job handler that generates files is in ExportsWorkerModule.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: EXPORT_REPOSITORY, useClass: PgExportRepository },
    // One registry per application (Nest shares the module instance with every importer).
    ExportTypeRegistry,
    { provide: EXPORT_TYPE_CATALOG, useExisting: ExportTypeRegistry },
    RequestExportHandler,
    ExportRequestGroupCommit,
    DeleteExportHandler,
    ExportDownloadGate,
    DownloadExportFileHandler,
    CreateExportDownloadLinkHandler,
    DownloadLinkedExportFileHandler,
    // The export checks for an export job's file read through the jobs API (found by JobQueueModule).
    ExportJobFileAccessPolicy,
    GetExportInfoHandler,
    FindExportOfJobHandler,
    ListExportsHandler,
    ListExportTypesHandler,
    CheckExportRequestHandler,
    ExportJobEventsHandler,
  ],
  exports: [EXPORT_TYPE_CATALOG, EXPORT_REPOSITORY, CLOCK],
})
export class ExportsModule {}
