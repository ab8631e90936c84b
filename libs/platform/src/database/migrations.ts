import { Client } from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import type { MigrationObject } from '@mikro-orm/core';
import { ormBaseOptions } from './orm-options';
import { StartError } from '../process/process-lifecycle';

export type PorterMigration = MigrationObject;

/**
 * A migration whose module is loaded only when the migrator asks for its class. Every module's
 * index exports its migrations list, so API and worker processes import the lists; with the classes
 * loaded eagerly, each of them also loaded MikroORM's migrator (umzug and its CLI libraries, about
 * 6 MB of resident memory) without ever migrating (ADR 006).
 */
export function lazyMigration(name: string, load: () => MigrationObject['class']): PorterMigration {
  let loaded: MigrationObject['class'] | undefined;
  return {
    name,
    get class() {
      return (loaded ??= load());
    },
  };
}

/** The database a Postgres URL names (its path, decoded); empty when it names none. */
function databaseNameOf(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
}

/** Creates the database named in `databaseUrl` when it does not exist yet (local use, tests). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseNameOf(databaseUrl);
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    // Another process created it between our check and our CREATE.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}

/** pg_advisory_lock key of `runMigrations` (any fixed bigint no other Porter lock uses). */
export const MIGRATION_LOCK_KEY = 7302025;

/**
 * Applies the given migrations (listed explicitly: MikroORM would otherwise look for files on
 * disk and, under swc or in dist/, silently find none). Returns the names applied.
 */
export async function runMigrations(databaseUrl: string, migrations: PorterMigration[]): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  // Serialise concurrent migrators (api and worker starting together). A session-level advisory
  // lock belongs to one connection: it is taken and released on this dedicated client, never on
  // a pooled one (the unlock could run on another session and leave the lock held). If this
  // process dies, its session ends and Postgres releases the lock.
  const lock = new Client({ connectionString: databaseUrl, application_name: 'porter-migrate' });
  lock.on('error', () => undefined); // a dropped connection fails the running query; no crash
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    // Loaded here, not at the top: the migrator (umzug and its CLI libraries) is only needed by the
    // process that migrates, and loading it in every API and worker cost them memory (ADR 006).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Migrator } = require('@mikro-orm/migrations') as typeof import('@mikro-orm/migrations');
    const orm = await MikroORM.init({
      ...ormBaseOptions(databaseUrl, 2),
      entities: [],
      extensions: [Migrator],
      migrations: {
        migrationsList: migrations,
        tableName: 'porter_migrations',
        transactional: true,
        allOrNothing: true,
        snapshot: false,
        silent: true,
      },
    });
    try {
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    } finally {
      await orm.close(true);
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

/** How long the start check waits for Postgres to accept a connection (a host that drops packets). */
const START_CHECK_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The start check of the API and workers, which never migrate (`npm run migrate` does): throws a
 * one-line StartError when Postgres cannot be reached (naming the host, whatever the driver says)
 * or when the database lacks a migration of this build (a database typed wrong, never migrated, or
 * an older schema than the code: every request would fail with a 500 on a missing table).
 */
export async function assertMigrated(databaseUrl: string, migrations: PorterMigration[]): Promise<void> {
  const target = new URL(databaseUrl);
  const name = databaseNameOf(databaseUrl);
  const where = `${target.hostname || 'localhost'}:${target.port || 5432}`;
  const client = new Client({ connectionString: databaseUrl, application_name: 'porter-start-check', connectionTimeoutMillis: START_CHECK_CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined); // a dropped connection fails the running query; no crash
  try {
    await client.connect();
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === '3D000') throw new StartError(`the database "${name}" does not exist on ${where}: run "npm run migrate" first (it creates and migrates it)`);
    throw new StartError(`cannot connect to Postgres at ${where}: ${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}`);
  }
  try {
    let applied: Set<string>;
    try {
      applied = new Set((await client.query<{ name: string }>('SELECT name FROM porter_migrations')).rows.map((r) => r.name));
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01') throw error; // 42P01: no such table
      applied = new Set();
    }
    const missing = migrations.filter((m) => !applied.has(m.name));
    if (missing.length) {
      throw new StartError(
        `the database "${name}" on ${where} lacks ${missing.length} of this build's ${migrations.length} migrations (the first: ${missing[0].name}): run "npm run migrate" first`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
