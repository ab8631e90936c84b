import { Module } from '@nestjs/common';
import { IMPORT_FILE_READERS } from './application/ports/import-file-reader.port';
import { ImportsModule } from './imports.module';
import { importFileReaders } from './infrastructure/parsing/import-file-readers';
import { IMPORT_LIMITS, ImportBatchJobHandler } from './infrastructure/processing/import-batch.job-handler';

/** The worker side of imports: the `import-batch` job handler and the file readers. */
@Module({
  imports: [ImportsModule],
  providers: [{ provide: IMPORT_FILE_READERS, useFactory: importFileReaders, inject: [IMPORT_LIMITS] }, ImportBatchJobHandler],
})
export class ImportsWorkerModule {}
