import { Global, Inject, MiddlewareConsumer, Module, NestModule, OnApplicationShutdown, RequestMethod } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MikroOrmMiddleware, MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Pool } from 'pg';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { ormBaseOptions } from './orm-options';
import { createPgPool, PG_POOL, PgRequestBounds } from './pg-pool';
import { TransactionRunner } from './transaction-runner';

/**
 * Routes served without a MikroORM request context: the job reads that clients poll, answered
 * by plain SQL through the job read model (ADR 068), which never touches an EntityManager. The
 * context forks an EntityManager and enters an async context for every request: 4.6% of the
 * API's CPU on `GET /jobs/{id}` in a profile (ADR 084). Every other route keeps it, since
 * MikroORM repositories (the imports module's) resolve the request's EntityManager and share its
 * identity map within one request.
 */
export const REQUEST_CONTEXT_EXCLUDED = [
  { path: 'api/v1/jobs', method: RequestMethod.GET },
  { path: 'api/v1/jobs/:id', method: RequestMethod.GET },
];

/**
 * The bounds of this process's pools: DATABASE_REQUEST_TIMEOUT_MS in a process that serves HTTP
 * requests (the API: Nest sets its HTTP adapter before it creates any provider), none in one
 * that does not (the worker, an application context), whose long COPY statements and imports
 * must not be cut short.
 */
export function requestBounds(config: PorterConfig, http: HttpAdapterHost | undefined): PgRequestBounds | undefined {
  return http?.httpAdapter ? { timeoutMs: config.databaseRequestTimeoutMs } : undefined;
}

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
      inject: [PORTER_CONFIG, HttpAdapterHost],
      useFactory: (config: PorterConfig, http: HttpAdapterHost) => ({
        ...ormBaseOptions(config.databaseUrl, config.databasePoolMax, requestBounds(config, http)),
        autoLoadEntities: true,
        // Registered below, for every route but the job reads (REQUEST_CONTEXT_EXCLUDED).
        registerRequestContext: false,
      }),
    }),
  ],
  providers: [
    {
      provide: PG_POOL,
      inject: [PORTER_CONFIG, HttpAdapterHost],
      useFactory: (config: PorterConfig, http: HttpAdapterHost) => createPgPool(config.databaseUrl, config.databasePoolMax, {}, requestBounds(config, http)),
    },
    TransactionRunner,
  ],
  exports: [PG_POOL, TransactionRunner],
})
export class DatabaseModule implements NestModule, OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(MikroOrmMiddleware)
      .exclude(...REQUEST_CONTEXT_EXCLUDED)
      .forRoutes({ path: '{*all}', method: RequestMethod.ALL });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
