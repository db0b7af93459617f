// Column types and table options that mean the same on SQLite, PostgreSQL and MySQL/MariaDB, for
// migrations. Conventions every module's tables follow:
// - Timestamps are ISO 8601 UTC strings with milliseconds (Date#toISOString,
//   '2025-01-01T00:00:00.000Z'): every engine stores and compares them the same way, and sorting
//   them as text sorts them by time. `storedTime` makes one.
// - Booleans are integers 0/1; JSON is text.
// - Text that is part of a key or an index has a length: MySQL indexes at most 3072 bytes, and
//   cannot index TEXT at all. Identifiers (IAM names, ARNs, ids, hashes, timestamps) are ASCII by
//   IAM's own rules, so MySQL stores them as ASCII, one byte a character; indexed Unicode text
//   (tag keys, identities) costs four bytes a character there.
// - Comparisons are exact (case- and accent-sensitive) everywhere: MySQL tables use binary
//   collations, as SQLite and PostgreSQL compare by default.
// SQLite gets plain `text` for all of it, so its schema reads as before these conventions.
import { MysqlAdapter, PostgresAdapter, SqliteAdapter, sql } from 'kysely';
import type { ColumnDataType, ColumnDefinitionBuilder, CreateTableBuilder, Expression, Kysely } from 'kysely';

export type SqlFamily = 'sqlite' | 'postgres' | 'mysql';

/** What Kysely's addColumn takes as a type. */
export type DataTypeExpression = ColumnDataType | Expression<unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see an untyped database
type AnyKysely = Kysely<any>;

/** Which SQL the database speaks, from the Kysely dialect in use. */
export function sqlFamily(db: AnyKysely): SqlFamily {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  throw new Error(`unsupported database adapter ${adapter.constructor.name}`);
}

export interface PortableTypes {
  /** ASCII text that can be part of a key or an index: names, ARNs, ids, hashes, enum values. */
  ascii(maxLength: number): DataTypeExpression;
  /** Unicode text that can be part of a key or an index (≤ 768 characters in one MySQL index). */
  varchar(maxLength: number): DataTypeExpression;
  /** Unicode text of any size (up to 16 MiB on MySQL), never indexed: documents, JSON, messages. */
  readonly text: DataTypeExpression;
  /** An ISO 8601 UTC timestamp (see `storedTime`), indexable. */
  readonly timestamp: DataTypeExpression;
}

export const TIMESTAMP_LENGTH = 24;

export function portableTypes(db: AnyKysely): PortableTypes {
  switch (sqlFamily(db)) {
    case 'sqlite':
      return { ascii: () => 'text', varchar: () => 'text', text: 'text', timestamp: 'text' };
    case 'postgres':
      return {
        ascii: (n) => sql`varchar(${sql.lit(n)})`,
        varchar: (n) => sql`varchar(${sql.lit(n)})`,
        text: 'text',
        timestamp: sql`varchar(${sql.lit(TIMESTAMP_LENGTH)})`,
      };
    case 'mysql': {
      const ascii = (n: number) => sql`varchar(${sql.lit(n)}) character set ascii collate ascii_bin`;
      return {
        ascii,
        varchar: (n) => sql`varchar(${sql.lit(n)})`,
        text: sql`mediumtext`,
        timestamp: ascii(TIMESTAMP_LENGTH),
      };
    }
  }
}

/**
 * `db.schema.createTable(name)` with the table options the database needs: on MySQL, InnoDB (row
 * locks, foreign keys, transactions) and utf8mb4 with a binary collation.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as Kysely's own createTable
export function createTable(db: AnyKysely, name: string): CreateTableBuilder<any, any> {
  const builder = db.schema.createTable(name);
  if (sqlFamily(db) !== 'mysql') return builder;
  return builder.modifyEnd(sql`engine = InnoDB default character set utf8mb4 collate utf8mb4_bin`);
}

/** An integer primary key the database numbers itself (1, 2, 3, …) when an insert leaves it out. */
export function autoIncrementKey(
  db: AnyKysely,
): (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return sqlFamily(db) === 'postgres'
    ? (c) => c.primaryKey().generatedByDefaultAsIdentity()
    : (c) => c.primaryKey().autoIncrement();
}

/**
 * A timestamp as stored: ISO 8601 UTC with milliseconds, always 24 characters, so that text order
 * is time order. Years outside 0000–9999 have no such form and are refused.
 */
export function storedTime(time: Date | number): string {
  const date = typeof time === 'number' ? new Date(time) : time;
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid time: not a date');
  const iso = date.toISOString();
  if (iso.length !== TIMESTAMP_LENGTH) throw new RangeError(`time ${iso} is outside the years 0000–9999`);
  return iso;
}
