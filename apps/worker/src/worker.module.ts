import { Module } from '@nestjs/common';
import { PlatformModule, TempFileSweeper } from '@porter/platform';
import { JobQueueModule, JobQueueWorkerModule } from '@porter/job-queue';
import { ExportsModule, ExportsWorkerModule } from '@porter/exports';
import { ImportsModule, ImportsWorkerModule } from '@porter/imports';
import { DirectoryModule } from '@porter/directory';
import { SchedulingModule, SchedulingWorkerModule } from '@porter/scheduling';
import { WebhooksModule, WebhooksWorkerModule } from '@porter/webhooks';

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
    SchedulingModule,
    SchedulingWorkerModule,
    WebhooksModule,
    WebhooksWorkerModule,
  ],
  // Worker maintenance of the shared storage: files of writers that died (SIGKILL, OOM).
  providers: [TempFileSweeper],
})
export class WorkerModule {}
