// Kysely's MySQL dialect over a `mysql2` pool, for MySQL 8 and MariaDB 10.5+. Each connection
// speaks utf8mb4, works in UTC and runs in strict mode, so that a value too long for its column
// is an error, as on PostgreSQL, rather than silently truncated.
import { createPool } from 'mysql2';
import { CompiledQuery, MysqlDialect } from 'kysely';

export interface MysqlOptions {
  /** mysql://user:password@host:3306/database */
  readonly url: string;
  /** Most connections open at once. */
  readonly poolSize: number;
}

export function mysqlDialect(options: MysqlOptions): MysqlDialect {
  const pool = createPool({
    uri: options.url,
    connectionLimit: options.poolSize,
    charset: 'UTF8MB4_BIN',
    timezone: 'Z',
    dateStrings: true,
  });
  return new MysqlDialect({
    pool,
    async onCreateConnection(connection) {
      await connection.executeQuery(
        CompiledQuery.raw(
          `set session time_zone = '+00:00', sql_mode = if(@@session.sql_mode = '', 'STRICT_ALL_TABLES', concat(@@session.sql_mode, ',STRICT_ALL_TABLES'))`,
        ),
      );
    },
  });
}
