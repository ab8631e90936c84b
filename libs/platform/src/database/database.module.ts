import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Pool } from 'pg';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { ormBaseOptions } from './orm-options';
import { createPgPool, PG_POOL } from './pg-pool';
import { TransactionRunner } from './transaction-runner';

/**
 * One MikroORM connection for the process (modules register their entities with
 * `MikroOrmModule.forFeature([...])`; `autoLoadEntities` collects them), a raw `pg` pool for
 * streaming and bulk paths, and the TransactionRunner whose transactions cross modules.
 */
@Global()
@Module({
  imports: [
    MikroOrmModule.forRootAsync({
      driver: PostgreSqlDriver,
      inject: [PORTER_CONFIG],
      useFactory: (config: PorterConfig) => ({
        ...ormBaseOptions(config.databaseUrl, config.databasePoolMax),
        autoLoadEntities: true,
        registerRequestContext: true,
      }),
    }),
  ],
  providers: [
    {
      provide: PG_POOL,
      inject: [PORTER_CONFIG],
      useFactory: (config: PorterConfig) => createPgPool(config.databaseUrl, config.databasePoolMax),
    },
    TransactionRunner,
  ],
  exports: [PG_POOL, TransactionRunner],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
