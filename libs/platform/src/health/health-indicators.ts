import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import { EntityManager } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../queue/queue.module';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { FILE_STORAGE, FileStorage } from '../storage/file-storage.port';

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

@Injectable()
export class DependencyHealthIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly em: EntityManager,
    @Inject(REDIS_CLIENT) private readonly redisClient: Redis,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  /** What readiness waits for: Postgres, Redis and, with STORAGE_DRIVER=s3, the bucket. */
  readinessChecks(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [() => this.postgres(), () => this.redis()];
    if (this.config.storageDriver === 's3') checks.push(() => this.s3());
    return checks;
  }

  async postgres() {
    const check = this.indicators.check('postgres');
    try {
      await withTimeout(this.em.getConnection().execute('SELECT 1'), 2000, 'Postgres');
      return check.up();
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  async redis() {
    const check = this.indicators.check('redis');
    try {
      if (this.redisClient.status === 'end') await this.redisClient.connect();
      await withTimeout(this.redisClient.ping(), 1500, 'Redis');
      return check.up();
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  /** The bucket exists and these credentials reach it (HeadBucket). A local disk is not checked. */
  async s3() {
    const check = this.indicators.check('s3');
    const ping = (this.storage as Partial<{ ping(): Promise<void> }>).ping;
    if (!ping) return check.up();
    try {
      await withTimeout(ping.call(this.storage), 3000, 'The S3 bucket');
      return check.up();
    } catch (error) {
      const e = error as Error & { $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      // The adapter's own problems name the bucket and the endpoint already (s3BucketProblem).
      if (e.name === 'S3BucketUnavailable') return check.down({ message: `${e.message}${status ? ` (HTTP ${status})` : ''}` });
      return check.down({ message: `${e.name || 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message || 'no answer'}` });
    }
  }
}
