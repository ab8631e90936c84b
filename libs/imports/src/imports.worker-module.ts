import { Module } from '@nestjs/common';
import { ProcessImportBatch } from './application/process-import-batch/process-import-batch';
import { ImportsModule } from './imports.module';
import { ImportBatchJobHandler } from './infrastructure/jobs/import-batch.job-handler';

/** The worker side of imports: the `import-batch` job and its use case (the file readers come from ImportsModule). */
@Module({
  imports: [ImportsModule],
  providers: [ProcessImportBatch, ImportBatchJobHandler],
})
export class ImportsWorkerModule {}
