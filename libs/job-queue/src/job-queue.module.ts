import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { DiscoveryModule } from '@nestjs/core';
import { Pool } from 'pg';
import { PG_POOL } from '@porter/platform';
import { JOB_FILE_CLEANER, JOB_REPOSITORY } from './application/ports/job.repository.port';
import { SubmitJobHandler } from './application/submit-job/submit-job.handler';
import { SubmitJobsHandler } from './application/submit-job/submit-jobs.handler';
import { CancelJobHandler } from './application/cancel-job/cancel-job.handler';
import { RetryJobHandler } from './application/retry-job/retry-job.handler';
import { UpdateJobHandler } from './application/update-job/update-job.handler';
import { MoveJobToTopHandler } from './application/move-job-to-top/move-job-to-top.handler';
import { DeleteJobHandler } from './application/delete-job/delete-job.handler';
import { ForgetJobFilesHandler } from './application/job-files/forget-job-files.handler';
import { GetJobHandler } from './application/get-job/get-job.handler';
import { ListJobsHandler } from './application/list-jobs/list-jobs.handler';
import { ListJobTransitionsHandler } from './application/list-job-transitions/list-job-transitions.handler';
import { GetJobEventsHandler } from './application/get-job-events/get-job-events.handler';
import { DownloadJobFileHandler } from './application/job-files/download-job-file.handler';
import { ListJobFilesHandler } from './application/job-files/list-job-files.handler';
import { AttachJobFilesHandler } from './application/attach-job-files/attach-job-files.handler';
import { DiscardJobAttachmentsHandler, StageJobAttachmentsHandler } from './application/attach-job-files/stage-job-attachments.handler';
import { JOB_ATTACHMENT_STORE } from './application/ports/job-attachment.store.port';
import { PgJobAttachmentStore } from './infrastructure/persistence/pg-job-attachment.store';
import { JobFileAccessPolicies } from './application/job-files/job-file-access-policies';
import { WatchJobHandler } from './application/watch-job/watch-job.handler';
import { JOB_CHANGE_FEED } from './application/ports/job-change-feed.port';
import { PgJobChangeFeed } from './infrastructure/persistence/pg-job-change-feed';
import { GetQueueConfigurationHandler } from './application/get-queue-configuration/get-queue-configuration.handler';
import { PgJobRepository } from './infrastructure/persistence/job.repository';
import { PgJobReadModel } from './infrastructure/persistence/pg-job-read-model';
import { JOB_READ_MODEL } from './application/ports/job-read-model.port';
import { StorageJobFileCleaner } from './infrastructure/persistence/storage-job-file-cleaner';
import { JobRunStore } from './infrastructure/store/job-run.store';
import { OutboxRelay } from './infrastructure/outbox/outbox-relay.service';
import { PgTenantLimitsStore } from './infrastructure/persistence/pg-tenant-limits.store';
import { TENANT_LIMITS_STORE } from './application/ports/tenant-limits.store.port';
import { TenantLimitsCache } from './application/tenant-limits/tenant-limits.cache';
import { GetTenantLimitsHandler, SetTenantLimitsHandler } from './application/tenant-limits/tenant-limits.handlers';
import { JOBS_QUEUE, MAINTENANCE_QUEUE } from './infrastructure/job-queue.constants';
import { useJobStatePool } from './infrastructure/runner/job-metrics';

/** Job-queue commands, queries and the outbox relay (API and worker processes). */
@Module({
  // DiscoveryModule: DownloadJobFileHandler consults the @JobFileAccessPolicyFor providers of other modules.
  imports: [BullModule.registerQueue({ name: JOBS_QUEUE }, { name: MAINTENANCE_QUEUE }), DiscoveryModule],
  providers: [
    PgJobRepository,
    { provide: JOB_REPOSITORY, useExisting: PgJobRepository },
    { provide: JOB_READ_MODEL, useClass: PgJobReadModel },
    { provide: JOB_FILE_CLEANER, useClass: StorageJobFileCleaner },
    { provide: JOB_ATTACHMENT_STORE, useClass: PgJobAttachmentStore },
    AttachJobFilesHandler,
    StageJobAttachmentsHandler,
    DiscardJobAttachmentsHandler,
    JobRunStore,
    OutboxRelay,
    SubmitJobHandler,
    SubmitJobsHandler,
    CancelJobHandler,
    RetryJobHandler,
    UpdateJobHandler,
    MoveJobToTopHandler,
    DeleteJobHandler,
    ForgetJobFilesHandler,
    GetJobHandler,
    ListJobsHandler,
    GetJobEventsHandler,
    ListJobTransitionsHandler,
    ListJobFilesHandler,
    DownloadJobFileHandler,
    JobFileAccessPolicies,
    GetQueueConfigurationHandler,
    { provide: TENANT_LIMITS_STORE, useClass: PgTenantLimitsStore },
    TenantLimitsCache,
    GetTenantLimitsHandler,
    SetTenantLimitsHandler,
    PgJobChangeFeed,
    { provide: JOB_CHANGE_FEED, useExisting: PgJobChangeFeed },
    WatchJobHandler,
  ],
  exports: [BullModule, JOB_FILE_CLEANER, JOB_ATTACHMENT_STORE, JobRunStore],
})
export class JobQueueModule implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  onModuleInit(): void {
    useJobStatePool(this.pool);
  }
}
