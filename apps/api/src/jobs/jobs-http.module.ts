import { Module } from '@nestjs/common';
import { BullBoardModule } from '@bull-board/nestjs';
import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { JobQueueName } from '@porter/job-queue';
import { JobsController } from './jobs.controller';
import { JobQueueConfigurationController } from './job-queue-configuration.controller';
import { TenantLimitsController } from './tenant-limits.controller';
import { operatorOnly } from './operator-only.middleware';
import { LiveStreamLimits } from './live-stream-limits';

/**
 * REST controllers of the jobs API (thin: validate, dispatch a command or query), and the
 * bull-board dashboard at /admin/queues (platform operators only).
 */
@Module({
  imports: [
    BullBoardModule.forRoot({ route: '/admin/queues', adapter: ExpressAdapter, middleware: operatorOnly() }),
    BullBoardModule.forFeature(
      { name: JobQueueName.Jobs, adapter: BullMQAdapter },
      { name: JobQueueName.Maintenance, adapter: BullMQAdapter },
    ),
  ],
  controllers: [JobsController, JobQueueConfigurationController, TenantLimitsController],
  providers: [LiveStreamLimits],
})
export class JobsHttpModule {}
