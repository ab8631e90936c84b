import { Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { Redis } from 'ioredis';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { bullConnectionFromUrl, checkEvictionPolicy, createRedis } from './redis';

/** A shared, non-blocking Redis client for health checks and light commands. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [PORTER_CONFIG],
      useFactory: (config: PorterConfig) => ({
        connection: bullConnectionFromUrl(config.redisUrl),
        prefix: config.queuePrefix,
      }),
    }),
  ],
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [PORTER_CONFIG],
      // Commands fail fast while Redis is down (no offline queue) so readiness reports it at once.
      useFactory: (config: PorterConfig) =>
        createRedis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 }),
    },
  ],
  exports: [BullModule, REDIS_CLIENT],
})
export class QueueConnectionModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Queue');

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  onModuleInit(): void {
    this.redis.on('error', () => undefined); // reconnects on its own; readiness reports the outage
    const check = () => void checkEvictionPolicy(this.redis).then((warning) => warning && this.logger.warn(warning));
    // The client connects as soon as it is created, so it is often ready before this hook runs
    // and a 'ready' listener added now would never fire: check at once in that case.
    if (this.redis.status === 'ready') check();
    else this.redis.once('ready', check);
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
