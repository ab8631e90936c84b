import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { EntityManager } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../queue/queue.module';

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

@Injectable()
export class DependencyHealthIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly em: EntityManager,
    @Inject(REDIS_CLIENT) private readonly redisClient: Redis,
  ) {}

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
}
