// Kysely's SQLite dialect over Node's built-in node:sqlite (no native addon to install).
//
// Kysely's SqliteDialect expects a better-sqlite3-like database; DatabaseSync differs in three
// ways that matter here, so a small adapter bridges them: statements do not say whether they
// return rows (columns() does), parameters are passed spread rather than as an array, and
// booleans are not bindable. Write transactions start with BEGIN IMMEDIATE so that a second
// process waits on the busy timeout for the write lock instead of failing with SQLITE_BUSY when
// a deferred transaction tries to upgrade its read lock.
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type {
  DatabaseConnection,
  DialectAdapter,
  Driver,
  SqliteDatabase,
  SqliteStatement,
  TransactionSettings,
} from 'kysely';

export interface SqliteOptions {
  /** A file path, or ':memory:' for a private in-memory database. */
  readonly path: string;
  /** How long a writer waits for another process's write lock, in milliseconds. */
  readonly busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/**
 * Prepared statements kept per database. Kysely prepares every query it runs; the workflow engine
 * runs the same few dozen statements thousands of times a second, and preparing them again was a
 * fifth of its time. Queries whose text varies (IN lists of different lengths) fall out of the cache.
 */
const STATEMENT_CACHE_SIZE = 256;

function bindable(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return value as SQLInputValue;
}

function adaptStatement(stmt: StatementSync): SqliteStatement {
  const args = (parameters: ReadonlyArray<unknown>) => parameters.map(bindable);
  return {
    reader: stmt.columns().length > 0,
    all: (parameters) => stmt.all(...args(parameters)),
    run: (parameters) => stmt.run(...args(parameters)),
    iterate: (parameters) => stmt.iterate(...args(parameters)),
  };
}

/** Opens the database file with WAL journaling and a busy timeout, ready for several processes. */
export function openSqliteDatabase(options: SqliteOptions): { database: SqliteDatabase; raw: DatabaseSync } {
  const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const raw = new DatabaseSync(options.path, { timeout });
  // WAL lets readers proceed while one writer commits; NORMAL sync is durable across process
  // crashes in WAL mode, which is what a local tool needs.
  if (options.path !== ':memory:') raw.exec('PRAGMA journal_mode = WAL');
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA foreign_keys = ON');
  const statements = new Map<string, SqliteStatement>();
  const database: SqliteDatabase = {
    close: () => {
      statements.clear();
      raw.close();
    },
    prepare: (sql) => {
      let stmt = statements.get(sql);
      if (stmt !== undefined) {
        // Move to the newest end, so the least recently used is dropped first.
        statements.delete(sql);
      } else {
        stmt = adaptStatement(raw.prepare(sql));
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, stmt);
      return stmt;
    },
  };
  return { database, raw };
}

class NodeSqliteDriver extends SqliteDriver {
  override async beginTransaction(
    connection: DatabaseConnection,
    settings?: TransactionSettings,
  ): Promise<void> {
    const mode = settings?.accessMode === 'read only' ? 'deferred' : 'immediate';
    await connection.executeQuery(CompiledQuery.raw(`begin ${mode}`));
  }
}

class NodeSqliteAdapter extends SqliteAdapter {
  // SQLite's DDL is transactional; saying so makes Kysely's Migrator run pending migrations in
  // one (immediate) transaction, which also serializes two processes migrating at once.
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** The Kysely dialect for a node:sqlite database. */
export class NodeSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    super({ database });
    this.#database = database;
  }

  override createDriver(): Driver {
    return new NodeSqliteDriver({ database: this.#database });
  }

  override createAdapter(): DialectAdapter {
    return new NodeSqliteAdapter();
  }
}
