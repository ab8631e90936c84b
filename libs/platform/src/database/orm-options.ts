import { PostgreSqlDriver, Options } from '@mikro-orm/postgresql';

export function ormBaseOptions(clientUrl: string, poolMax = 10): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    // Entities are declared with explicit property types, so no ts-morph/source reading is needed
    // and built (dist) and swc-compiled code discover them the same way.
    discovery: { warnWhenNoEntities: false, requireEntitiesArray: false },
    pool: { min: 0, max: poolMax },
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
  };
}
