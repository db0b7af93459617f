// Kysely's PostgreSQL dialect over a `pg` pool, set up so that rows read the same as on SQLite
// and MySQL: 64-bit integers (count(*), sums) come back as numbers rather than strings.
import pg from 'pg';
import { PostgresDialect } from 'kysely';

export interface PostgresOptions {
  /** postgres://user:password@host:5432/database, as pg reads it (sslmode and the like included). */
  readonly url: string;
  /** Keep grantflow's tables in this schema (created on open) instead of the default search path. */
  readonly schema?: string;
  /** Most connections open at once. */
  readonly poolSize: number;
}

const INT8_OID = 20;

export function postgresDialect(options: PostgresOptions): PostgresDialect {
  const url = new URL(options.url);
  if (options.schema) {
    // A startup option rather than a `set` after connecting: it holds for every pooled
    // connection from the first query on, and survives `discard all`.
    const existing = url.searchParams.get('options');
    const searchPath = `-c search_path=${options.schema}`;
    url.searchParams.set('options', existing ? `${existing} ${searchPath}` : searchPath);
  }
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', Number);
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: options.poolSize,
    application_name: 'grantflow',
    types,
  });
  // An idle connection the server drops (restart, idle timeout) is reported here; without a
  // listener it would crash the process. The pool replaces it; the next query sees any real outage.
  pool.on('error', () => {});
  return new PostgresDialect({ pool });
}
