import { PostgreSqlDriver, Options } from '@mikro-orm/postgresql';
import { DEAD_CLIENT_SESSION_OPTIONS } from './pg-pool';

export function ormBaseOptions(clientUrl: string, poolMax = 10): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    // Entities are declared with explicit property types, so no ts-morph/source reading is needed
    // and built (dist) and swc-compiled code discover them the same way.
    discovery: { warnWhenNoEntities: false, requireEntitiesArray: false },
    pool: { min: 0, max: poolMax },
    // Merged into the pg connection config: the same server-side dead-client settings as the raw pool.
    driverOptions: { connection: { keepAlive: true, options: DEAD_CLIENT_SESSION_OPTIONS } },
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
  };
}
