import { Module } from '@nestjs/common';
import { IMPORT_FILE_READERS } from './application/ports/import-file-reader.port';
import { ProcessImportBatch } from './application/process-import-batch/process-import-batch';
import { IMPORT_LIMITS } from './domain/import-limits';
import { ImportsModule } from './imports.module';
import { importFileReaders } from './infrastructure/parsing/import-file-readers';
import { ImportBatchJobHandler } from './infrastructure/jobs/import-batch.job-handler';

/** The worker side of imports: the `import-batch` job, its use case and the file readers. */
@Module({
  imports: [ImportsModule],
  providers: [{ provide: IMPORT_FILE_READERS, useFactory: importFileReaders, inject: [IMPORT_LIMITS] }, ProcessImportBatch, ImportBatchJobHandler],
})
export class ImportsWorkerModule {}
