import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { GetQueueConfigurationQuery } from '../../public/queries/get-queue-configuration.query';
import type { QueueConfiguration } from '../../public/entities/queue-configuration';

@QueryHandler(GetQueueConfigurationQuery)
export class GetQueueConfigurationHandler implements IQueryHandler<GetQueueConfigurationQuery, QueueConfiguration> {
  constructor(@Inject(PORTER_CONFIG) private readonly config: PorterConfig) {}

  async execute(): Promise<QueueConfiguration> {
    return {
      concurrency: this.config.workerConcurrency,
      pollingIntervalMs: this.config.jobPollingIntervalMs,
      purgeJobAgeMs: this.config.jobPurgeAgeMs,
      purgeIntervalMs: this.config.jobPurgeIntervalMs,
    };
  }
}
