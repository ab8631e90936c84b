/**
 * Import first. Jest's global setup (same process under --runInBand) loads every module to run
 * the migrations, so MikroORM's decorator metadata — kept on globalThis — already exists in the
 * outer realm, with that realm's Map objects; entities decorated again in the test sandbox reuse
 * it and discovery then fails with "Map.prototype.set called on incompatible receiver". Dropping
 * the stale storage before the modules load makes the decorators register afresh in this realm.
 */
delete (globalThis as Record<string, unknown>)['mikro-orm-metadata'];
export {};
