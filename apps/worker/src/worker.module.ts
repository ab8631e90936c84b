import { Module } from '@nestjs/common';
import { loadConfig, PlatformModule, TempFileSweeper } from '@porter/platform';
import { JobQueueModule, JobQueueTestSupportModule, JobQueueWorkerModule } from '@porter/job-queue';
import { ExportsModule, ExportsWorkerModule } from '@porter/exports';
import { ImportsModule, ImportsWorkerModule } from '@porter/imports';
import { DirectoryModule } from '@porter/directory';
import { SchedulingModule, SchedulingWorkerModule } from '@porter/scheduling';
import { WebhooksModule, WebhooksWorkerModule } from '@porter/webhooks';

// Read when the module is declared (imports are static metadata); main.ts validated the config first.
const testJobTypesEnabled = loadConfig().enableTestJobTypes;

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
    // PORTER_ENABLE_TEST_JOB_TYPES=1 (tests and demos): the porter-test.* job types.
    ...(testJobTypesEnabled ? [JobQueueTestSupportModule.forWorker()] : []),
  ],
  // Worker maintenance of the shared storage: files of writers that died (SIGKILL, OOM).
  providers: [TempFileSweeper],
})
export class WorkerModule {}
