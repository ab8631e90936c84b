import { Module } from '@nestjs/common';
import { EXPORT_FILE_WRITER_FACTORY } from './application/ports/export-file-writer.port';
import { GenerateExportJobHandler } from './application/generate-export/generate-export.job-handler';
import { PurgeExpiredExportsService } from './application/purge-expired-exports/purge-expired-exports.service';
import { ExportsModule } from './exports.module';
import { StreamingExportFileWriterFactory } from './infrastructure/writers/export-file-writer.factory';
import { ExportRetentionScheduler } from './infrastructure/worker/export-retention.scheduler';

/** Worker process only: the `export` job handler and the repeatable retention purge. */
@Module({
  imports: [ExportsModule],
  providers: [
    { provide: EXPORT_FILE_WRITER_FACTORY, useClass: StreamingExportFileWriterFactory },
    GenerateExportJobHandler,
    PurgeExpiredExportsService,
    ExportRetentionScheduler,
  ],
})
export class ExportsWorkerModule {}
