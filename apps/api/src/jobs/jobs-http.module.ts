import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { BullBoardModule } from '@bull-board/nestjs';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { JobQueueName } from '@porter/job-queue';
import { JobsController } from './jobs.controller';
import { JobQueueConfigurationController } from './job-queue-configuration.controller';
import { TenantLimitsController } from './tenant-limits.controller';
import { operatorOnly } from './operator-only.middleware';
import { LiveStreamLimits } from './live-stream-limits';

/**
 * REST controllers of the jobs API (thin: validate, dispatch a command or query), and the
 * bull-board dashboard at /admin/queues (platform operators only: every path under it, its
 * assets and API included; bull-board's own middleware option covers /admin/queues alone on Fastify).
 */
@Module({
  imports: [
    BullBoardModule.forRoot({ route: '/admin/queues', adapter: FastifyAdapter, middleware: operatorOnly() }),
    BullBoardModule.forFeature(
      { name: JobQueueName.Jobs, adapter: BullMQAdapter },
      { name: JobQueueName.Maintenance, adapter: BullMQAdapter },
    ),
  ],
  controllers: [JobsController, JobQueueConfigurationController, TenantLimitsController],
  providers: [LiveStreamLimits],
})
export class JobsHttpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(operatorOnly()).forRoutes({ path: 'admin/queues/{*path}', method: RequestMethod.ALL });
  }
}
