import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobQueueModule } from './job-queue.module';
import { JobHandlerRegistry } from './infrastructure/runner/job-handler.registry';
import { JobRunner } from './infrastructure/runner/job-runner.service';
import { JobReconciler } from './infrastructure/maintenance/job-reconciler.service';
import { JobPurgeService } from './infrastructure/maintenance/job-purge.service';
import { WorkerLiveness } from './infrastructure/runner/worker-liveness';

/**
 * The BullMQ consumer that runs registered job handlers (worker process only): discovers
 * @JobHandlerFor providers, runs jobs, reconciles Redis with Postgres, purges old jobs.
 */
@Module({
  imports: [JobQueueModule, DiscoveryModule],
  providers: [JobHandlerRegistry, JobRunner, WorkerLiveness, JobReconciler, JobPurgeService],
})
export class JobQueueWorkerModule {}
