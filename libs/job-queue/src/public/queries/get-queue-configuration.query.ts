import { Query } from '@nestjs/cqrs';
import type { QueueConfiguration } from '../entities/queue-configuration';

export class GetQueueConfigurationQuery extends Query<QueueConfiguration> {}
