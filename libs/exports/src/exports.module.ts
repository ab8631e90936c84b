import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { CLOCK, systemClock } from '@porter/shared-kernel';
import { CheckExportRequestHandler } from './application/check-export-request/check-export-request.handler';
import { CreateExportDownloadLinkHandler, StartLinkedExportDownloadHandler } from './application/download-link/download-link.handlers';
import { FindExportOfJobHandler } from './application/find-export-by-job/find-export-of-job.handler';
import { DeleteExportHandler } from './application/delete-export/delete-export.handler';
import { GetExportInfoHandler } from './application/get-export-info/get-export-info.handler';
import { GetExportResultsForDownloadHandler } from './application/get-export-results-for-download/get-export-results-for-download.handler';
import { IncrementExportDownloadCountsHandler } from './application/increment-export-download-counts/increment-export-download-counts.handler';
import { ExportJobEventsHandler } from './application/job-events/export-job-events.handler';
import { ListExportTypesHandler } from './application/list-export-types/list-export-types.handler';
import { ListExportsHandler } from './application/list-exports/list-exports.handler';
import { EXPORT_REPOSITORY } from './application/ports/export-repository.port';
import { RequestExportHandler } from './application/request-export/request-export.handler';
import { ExportDownloadGate } from './application/start-export-download/export-download.gate';
import { ExportJobFileAccessPolicy } from './application/start-export-download/export-job-file-access.policy';
import { StartExportDownloadHandler } from './application/start-export-download/start-export-download.handler';
import { ExportRequestEntity } from './infrastructure/persistence/export-request.entity';
import { PgExportRepository } from './infrastructure/persistence/export.repository';
import { EXPORT_DATA_SOURCES, ExportDataSourceRegistry } from './public/dependencies/export-data-source.dependency';
import { EXPORT_TYPE_REGISTRY, ExportTypeRegistry } from './public/enums/export-type';

/**
 * Exports: commands and queries (API and worker processes). Hosts import this module and, at
 * init, `define` their export types on EXPORT_TYPE_REGISTRY and `set` their data sources on
 * EXPORT_DATA_SOURCES. The job handler that generates files is in ExportsWorkerModule.
 */
@Module({
  imports: [MikroOrmModule.forFeature([ExportRequestEntity])],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: EXPORT_REPOSITORY, useClass: PgExportRepository },
    // One registry of each per application (Nest shares the module instance with every importer).
    { provide: EXPORT_TYPE_REGISTRY, useFactory: () => new ExportTypeRegistry() },
    { provide: EXPORT_DATA_SOURCES, useFactory: () => new ExportDataSourceRegistry() },
    RequestExportHandler,
    DeleteExportHandler,
    IncrementExportDownloadCountsHandler,
    ExportDownloadGate,
    StartExportDownloadHandler,
    CreateExportDownloadLinkHandler,
    StartLinkedExportDownloadHandler,
    // The export checks for an export job's file read through the jobs API (found by JobQueueModule).
    ExportJobFileAccessPolicy,
    GetExportInfoHandler,
    FindExportOfJobHandler,
    ListExportsHandler,
    GetExportResultsForDownloadHandler,
    ListExportTypesHandler,
    CheckExportRequestHandler,
    ExportJobEventsHandler,
  ],
  exports: [EXPORT_TYPE_REGISTRY, EXPORT_DATA_SOURCES, EXPORT_REPOSITORY, CLOCK],
})
export class ExportsModule {}
