import { Module } from '@nestjs/common';
import { ImportsModule } from './imports.module';
import { ImportBatchJobHandler } from './infrastructure/processing/import-batch.job-handler';

/** The worker side of imports: the `import-batch` job handler. */
@Module({
  imports: [ImportsModule],
  providers: [ImportBatchJobHandler],
})
export class ImportsWorkerModule {}
