import { PostgreSqlDriver, Options } from '@mikro-orm/postgresql';
import { SERVER_KEEPALIVE_OPTIONS } from './pg-pool';

export function ormBaseOptions(clientUrl: string, poolMax = 10): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    // Entities are declared with explicit property types, so no ts-morph/source reading is needed
    // and built (dist) and swc-compiled code discover them the same way.
    discovery: { warnWhenNoEntities: false, requireEntitiesArray: false },
    pool: { min: 0, max: poolMax },
    // The same server-side keepalives as the plain pools (pg-pool.ts: a cut-off host's sessions end in ~10 s).
    driverOptions: { connection: { keepAlive: true, options: SERVER_KEEPALIVE_OPTIONS } },
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
  };
}
