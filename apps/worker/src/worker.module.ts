import { Module } from '@nestjs/common';
import { PlatformModule } from '@porter/platform';
import { JobQueueModule, JobQueueWorkerModule } from '@porter/job-queue';
import { ExportsModule, ExportsWorkerModule } from '@porter/exports';
import { ImportsModule, ImportsWorkerModule } from '@porter/imports';
import { DirectoryModule } from '@porter/directory';

@Module({
  imports: [
    PlatformModule,
    JobQueueModule,
    JobQueueWorkerModule,
    ExportsModule,
    ExportsWorkerModule,
    ImportsModule,
    ImportsWorkerModule,
    DirectoryModule,
  ],
})
export class WorkerModule {}
