// The store: one Kysely instance over the configured database, migrated on open. SQLite (node:sqlite)
// is the embedded default; other Kysely dialects plug in through `dialectFor` as new config kinds.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Kysely } from 'kysely';
import type { Dialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { MODULE_MIGRATIONS, migrationProvider } from './migrations/index.ts';
import type { ModuleMigrations, StoreTables } from './migrations/index.ts';
import { NodeSqliteDialect, openSqliteDatabase } from './sqlite.ts';

/** Where the data lives. New database kinds (PostgreSQL, MySQL) are new members of this union. */
export type StoreConfig = {
  readonly kind: 'sqlite';
  /** A file path, or ':memory:' for a private in-memory database (tests). */
  readonly path: string;
  readonly busyTimeoutMs?: number;
};

export interface Store {
  readonly db: Kysely<StoreTables>;
  readonly config: StoreConfig;
  close(): Promise<void>;
}

export const DEFAULT_DATA_DIR = '.grantflow';
export const DATABASE_FILE = 'grantflow.db';

export class StoreError extends Error {
  readonly code = 'STORE';
}

/**
 * The store configuration for a data directory: the `--data-dir` option, else GRANTFLOW_DATA_DIR,
 * else ./.grantflow under the working directory.
 */
export function storeConfigFor(options: {
  readonly dataDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}): StoreConfig {
  const dir = options.dataDir ?? options.env?.GRANTFLOW_DATA_DIR ?? DEFAULT_DATA_DIR;
  const absolute = isAbsolute(dir) ? dir : resolve(options.cwd, dir);
  return { kind: 'sqlite', path: join(absolute, DATABASE_FILE) };
}

function dialectFor(config: StoreConfig): Dialect {
  switch (config.kind) {
    case 'sqlite': {
      if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
      const { database } = openSqliteDatabase({ path: config.path, busyTimeoutMs: config.busyTimeoutMs });
      return new NodeSqliteDialect(database);
    }
  }
}

/** Opens the store and applies every pending migration. */
export async function openStore(
  config: StoreConfig,
  modules: readonly ModuleMigrations[] = MODULE_MIGRATIONS,
): Promise<Store> {
  let db: Kysely<StoreTables>;
  try {
    db = new Kysely<StoreTables>({ dialect: dialectFor(config) });
  } catch (err) {
    throw new StoreError(`cannot open the store at ${describe(config)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider(modules),
    allowUnorderedMigrations: true,
    migrationTableName: 'grantflow_migrations',
    migrationLockTableName: 'grantflow_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreError(
      `cannot migrate the store at ${describe(config)}${failed ? ` (migration ${failed})` : ''}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { db, config, close: () => db.destroy() };
}

function describe(config: StoreConfig): string {
  return config.path;
}
