import { Module } from '@nestjs/common';
import { BullBoardModule } from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { JobQueueName } from '@porter/job-queue';
import { JobsController } from './jobs.controller';
import { JobQueueConfigurationController } from './job-queue-configuration.controller';
import { TestJobsController } from './test-jobs.controller';
import { adminOnly } from './admin-only.middleware';

const testJobTypesEnabled = process.env.PORTER_ENABLE_TEST_JOB_TYPES === '1';

/**
 * REST controllers of the jobs API (thin: validate, dispatch a command or query), and the
 * bull-board dashboard at /admin/queues (admins only).
 */
@Module({
  imports: [
    BullBoardModule.forRoot({ route: '/admin/queues', adapter: ExpressAdapter, middleware: adminOnly() }),
    BullBoardModule.forFeature(
      { name: JobQueueName.Jobs, adapter: BullMQAdapter },
      { name: JobQueueName.Maintenance, adapter: BullMQAdapter },
    ),
  ],
  controllers: [JobsController, JobQueueConfigurationController, ...(testJobTypesEnabled ? [TestJobsController] : [])],
})
export class JobsHttpModule {}
