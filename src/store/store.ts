// The store: one Kysely instance over the configured database, migrated on open. SQLite (node:sqlite)
// is the embedded default; PostgreSQL (`pg`) and MySQL/MariaDB (`mysql2`) are configuration, and
// their drivers load only when used.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Kysely, sql } from 'kysely';
import type { Dialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { DatabaseUrlError, parseDatabaseUrl, redactDatabaseUrl } from './database-url.ts';
import { MODULE_MIGRATIONS, migrationProvider } from './migrations/index.ts';
import type { ModuleMigrations, StoreTables } from './migrations/index.ts';
import { sqlFamily } from './schema.ts';
import type { SqlFamily } from './schema.ts';
import { NodeSqliteDialect, openSqliteDatabase } from './sqlite.ts';

/** Where the data lives: chosen by `--data-dir`/`--database-url` (see `storeConfigFor`). */
export type StoreConfig = SqliteStoreConfig | PostgresStoreConfig | MysqlStoreConfig;

export interface SqliteStoreConfig {
  readonly kind: 'sqlite';
  /** A file path, or ':memory:' for a private in-memory database (tests). */
  readonly path: string;
  readonly busyTimeoutMs?: number;
}

export interface PostgresStoreConfig {
  readonly kind: 'postgres';
  /** postgres://user:password@host:5432/database[?sslmode=…] */
  readonly url: string;
  /** The schema for grantflow's tables, created on open; default: the connection's current schema. */
  readonly schema?: string;
  /** Most connections open at once (default 10). */
  readonly poolSize?: number;
}

export interface MysqlStoreConfig {
  readonly kind: 'mysql';
  /** mysql://user:password@host:3306/database; the database must exist. */
  readonly url: string;
  /** Most connections open at once (default 10). */
  readonly poolSize?: number;
}

export interface Store {
  readonly db: Kysely<StoreTables>;
  readonly config: StoreConfig;
  /** Which SQL the database speaks, for the few statements that differ (upserts, row locks). */
  readonly family: SqlFamily;
  close(): Promise<void>;
}

export const DEFAULT_DATA_DIR = '.grantflow';
export const DATABASE_FILE = 'grantflow.db';
export const DEFAULT_POOL_SIZE = 10;

export class StoreError extends Error {
  readonly code = 'STORE';
}

/**
 * The store configuration a command uses: `--database-url`, else `--data-dir`, else
 * GRANTFLOW_DATABASE_URL, else GRANTFLOW_DATA_DIR, else ./.grantflow under the working directory.
 * Options given on the command line beat the environment. Throws DatabaseUrlError for a URL that
 * cannot be used, or when both options are given.
 */
export function storeConfigFor(options: {
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}): StoreConfig {
  const { cwd, env } = options;
  if (options.dataDir !== undefined && options.databaseUrl !== undefined) {
    throw new DatabaseUrlError('give --data-dir or --database-url, not both');
  }
  if (options.databaseUrl !== undefined) {
    return parseDatabaseUrl(options.databaseUrl, { cwd, source: '--database-url' });
  }
  if (options.dataDir === undefined && env?.GRANTFLOW_DATABASE_URL) {
    return parseDatabaseUrl(env.GRANTFLOW_DATABASE_URL, { cwd, source: 'GRANTFLOW_DATABASE_URL' });
  }
  const dir = options.dataDir ?? env?.GRANTFLOW_DATA_DIR ?? DEFAULT_DATA_DIR;
  const absolute = isAbsolute(dir) ? dir : resolve(cwd, dir);
  return { kind: 'sqlite', path: join(absolute, DATABASE_FILE) };
}

async function dialectFor(config: StoreConfig): Promise<Dialect> {
  switch (config.kind) {
    case 'sqlite': {
      if (config.path !== ':memory:') {
        if (statSync(config.path, { throwIfNoEntry: false })?.isDirectory()) {
          throw new Error('it is a directory; give the database file, or the directory as --data-dir');
        }
        mkdirSync(dirname(config.path), { recursive: true });
      }
      const { database } = openSqliteDatabase({ path: config.path, busyTimeoutMs: config.busyTimeoutMs });
      return new NodeSqliteDialect(database);
    }
    case 'postgres': {
      const { postgresDialect } = await import('./postgres.ts');
      return postgresDialect({ ...config, poolSize: config.poolSize ?? DEFAULT_POOL_SIZE });
    }
    case 'mysql': {
      const { mysqlDialect } = await import('./mysql.ts');
      return mysqlDialect({ ...config, poolSize: config.poolSize ?? DEFAULT_POOL_SIZE });
    }
  }
}

/**
 * Opens the store and applies every pending migration. Several processes may open the same
 * database at once: Kysely's migrator serializes them (SQLite: an immediate transaction;
 * PostgreSQL: an advisory lock; MySQL: GET_LOCK), and the later ones find nothing to do.
 */
export async function openStore(
  config: StoreConfig,
  modules: readonly ModuleMigrations[] = MODULE_MIGRATIONS,
): Promise<Store> {
  let db: Kysely<StoreTables>;
  try {
    db = new Kysely<StoreTables>({ dialect: await dialectFor(config) });
  } catch (err) {
    throw new StoreError(`cannot open the store at ${describeStore(config)}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  let migrationTableSchema: string | undefined;
  try {
    migrationTableSchema = await migrationSchema(db, config);
  } catch (err) {
    await db.destroy();
    throw new StoreError(`cannot connect to the store at ${describeStore(config)}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const migrator = new Migrator({
    db,
    provider: migrationProvider(modules),
    allowUnorderedMigrations: true,
    migrationTableName: 'grantflow_migrations',
    migrationLockTableName: 'grantflow_migrations_lock',
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreError(
      `cannot migrate the store at ${describeStore(config)}${failed ? ` (migration ${failed})` : ''}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return { db, config, family: sqlFamily(db), close: () => db.destroy() };
}

// PostgreSQL's introspection sees every schema of the database, so the migrator must be told
// which one is grantflow's; otherwise a grantflow_migrations table in another schema (another
// installation, a parallel test run) would count as this one's. Checking the connection here
// also turns a bad URL or password into one clear error before migrating.
async function migrationSchema(db: Kysely<StoreTables>, config: StoreConfig): Promise<string | undefined> {
  if (config.kind === 'sqlite') return undefined;
  if (config.kind === 'mysql') {
    await sql`select 1`.execute(db);
    return undefined;
  }
  if (config.schema) {
    await sql`select 1`.execute(db);
    return config.schema;
  }
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('no schema in the search path exists; add ?schema=NAME to the URL');
  return schema;
}

/** Where a store is, for messages: the file, or the URL without its password. */
export function describeStore(config: StoreConfig): string {
  switch (config.kind) {
    case 'sqlite':
      return config.path;
    case 'postgres':
      return redactDatabaseUrl(config.url) + (config.schema ? ` (schema ${config.schema})` : '');
    case 'mysql':
      return redactDatabaseUrl(config.url);
  }
}

// Connecting to "localhost" tries each address and fails with an AggregateError whose own
// message is empty; its parts say what happened.
function errorMessage(err: unknown): string {
  if (err instanceof AggregateError && !err.message) {
    return [...new Set(err.errors.map((e: unknown) => errorMessage(e)))].join('; ');
  }
  return err instanceof Error ? err.message || err.constructor.name : String(err);
}
