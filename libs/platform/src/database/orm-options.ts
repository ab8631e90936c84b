import { PostgreSqlDriver, Options } from '@mikro-orm/postgresql';
import { boundQueries, DEAD_CLIENT_SESSION_OPTIONS, PgRequestBounds, requestBoundSettings } from './pg-pool';

/**
 * `bounds`: for the ORM of a process that serves HTTP requests (the API), the same bounds as its
 * raw pool (see `PgRequestBounds`); none for workers, migrations and tools.
 */
export function ormBaseOptions(clientUrl: string, poolMax = 10, bounds?: PgRequestBounds): Options {
  const bound = requestBoundSettings(bounds);
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    // Entities are declared with explicit property types, so no ts-morph/source reading is needed
    // and built (dist) and swc-compiled code discover them the same way.
    discovery: { warnWhenNoEntities: false, requireEntitiesArray: false },
    pool: {
      min: 0,
      max: poolMax,
      // knex calls it with each new connection, before the pool hands it out.
      ...(bound.readTimeoutMs
        ? { afterCreate: (connection: Parameters<typeof boundQueries>[0], done: (error: Error | null, connection: unknown) => void) => done(null, boundQueries(connection, bound.readTimeoutMs)) }
        : {}),
    },
    // Merged into the knex config and its pg connection config: the same server-side dead-client
    // settings as the raw pool; bounded, a connection (a free one, or a new one) is waited for at
    // most the bound (knex: KnexTimeoutError; pg: "timeout expired").
    driverOptions: {
      ...(bound.connectionTimeoutMillis ? { acquireConnectionTimeout: bound.connectionTimeoutMillis } : {}),
      connection: {
        keepAlive: true,
        options: [DEAD_CLIENT_SESSION_OPTIONS, bound.options].filter(Boolean).join(' '),
        ...(bound.connectionTimeoutMillis ? { connectionTimeoutMillis: bound.connectionTimeoutMillis } : {}),
      },
    },
    // MikroORM would create a missing database at init: an API or worker started against a
    // mistyped name would run on an empty one. `npm run migrate` creates it (ensureDatabase).
    ensureDatabase: false,
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
  };
}
