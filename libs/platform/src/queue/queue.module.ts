import { BeforeApplicationShutdown, Global, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import { QueueBase } from 'bullmq';
import { Redis } from 'ioredis';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { bullConnectionFromUrl, checkEvictionPolicy, createRedis } from './redis';
import { UnheardQueueErrors } from './unheard-queue-errors';

/** A shared, non-blocking Redis client for health checks and light commands. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

@Global()
@Module({
  imports: [
    DiscoveryModule,
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
      // Its error listener is attached here, where it connects: an error before any hook ran (Redis
      // down at start) would otherwise be ioredis' raw "Unhandled error event" dump on stderr.
      useFactory: (config: PorterConfig) =>
        createRedis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 }).on('error', () => undefined),
    },
  ],
  exports: [BullModule, REDIS_CLIENT],
})
export class QueueConnectionModule implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Queue');
  private readonly unheardErrors = new UnheardQueueErrors((message) => this.logger.warn(message));
  private readonly queues: QueueBase[] = [];

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly discovery: DiscoveryService,
  ) {}

  onModuleInit(): void {
    // Its errors are silenced where it is made (above): it reconnects on its own, readiness reports the outage.
    const check = () => void checkEvictionPolicy(this.redis).then((warning) => warning && this.logger.warn(warning));
    // The client connects as soon as it is created, so it is often ready before this hook runs
    // and a 'ready' listener added now would never fire: check at once in that case.
    if (this.redis.status === 'ready') check();
    else this.redis.once('ready', check);
  }

  /**
   * Every BullMQ queue registered in this process (`BullModule.registerQueue`) gets the error
   * listener of last resort: without one, BullMQ console.error's a raw Error dump per reconnect
   * attempt while Redis is down (the API's maintenance queue did). It logs only for queues that
   * no one else listens to (unheard-queue-errors.ts), so hook order does not matter.
   */
  onApplicationBootstrap(): void {
    for (const { instance } of this.discovery.getProviders()) {
      if (!(instance instanceof QueueBase)) continue;
      this.unheardErrors.watch(instance);
      this.queues.push(instance);
    }
  }

  /**
   * Before @nestjs/bullmq closes its queues (in the shutdown hooks that follow): BullMQ closes a
   * connection it once had ready with QUIT, which an unreachable Redis never answers (ioredis
   * holds it for a reconnect), so a process stopped during a Redis outage waited out
   * SHUTDOWN_GRACE_MS and exited 1. While this process' Redis client is not connected, each
   * queue's connection is closed by force now (a disconnect, no QUIT); their later close finds
   * it done. Nothing is lost: jobs live in Postgres, and the reconciler re-sends wake-ups.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await Promise.all(
      this.queues.map((queue) =>
        Promise.race([
          (queue.getBackend() as { close(force?: boolean): Promise<void> }).close(true).catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 500)),
        ]),
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
