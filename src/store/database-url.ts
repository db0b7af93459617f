// The database a command uses, as one string (`--database-url`, GRANTFLOW_DATABASE_URL):
//   postgres://user:password@host:5432/database[?schema=name&sslmode=…]   (also postgresql://)
//   mysql://user:password@host:3306/database                               (also mariadb://)
//   sqlite:path/to/grantflow.db   sqlite::memory:   or a plain file path
import { isAbsolute, resolve } from 'node:path';
import type { StoreConfig } from './store.ts';

/** A database URL that cannot be used; the message names what is wrong. */
export class DatabaseUrlError extends Error {
  readonly code = 'DATABASE_URL';
}

const POSTGRES_SCHEMES = ['postgres', 'postgresql'];
const MYSQL_SCHEMES = ['mysql', 'mariadb'];
// Lower case only: PostgreSQL folds unquoted names in search_path to lower case.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const EXAMPLES =
  'postgres://user@host:5432/database, mysql://user@host:3306/database or sqlite:path/to/file.db';

/**
 * Parses a database URL into a store configuration. `source` names where the value came from
 * (an option or an environment variable) for error messages; relative SQLite paths resolve
 * against `cwd`.
 */
export function parseDatabaseUrl(value: string, options: { cwd: string; source?: string }): StoreConfig {
  const source = options.source ?? 'database URL';
  const fail = (why: string): never => {
    throw new DatabaseUrlError(`${source}: ${why}`);
  };
  const text = value.trim();
  if (text === '') fail(`empty; give ${EXAMPLES}`);

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') return sqliteConfig(text.slice('sqlite:'.length), options.cwd, fail);
  const known = scheme !== undefined && [...POSTGRES_SCHEMES, ...MYSQL_SCHEMES].includes(scheme);
  const hasAuthority = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (known && !hasAuthority) fail(`"${redactDatabaseUrl(text)}" must start with ${scheme}://`);
  if (!hasAuthority) return sqliteConfig(text, options.cwd, fail);
  if (!known) fail(`unsupported scheme "${scheme}:" in "${redactDatabaseUrl(text)}"; give ${EXAMPLES}`);

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(
      `"${redactDatabaseUrl(text)}" is not a valid URL (check the port and that special characters in the password are percent-encoded)`,
    );
  }
  const shown = redactDatabaseUrl(text);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (scheme === 'postgres' || scheme === 'postgresql') {
    // A socket directory in ?host= stands in for the host name (postgres:///db?host=/run/postgresql).
    if (url.hostname === '' && !url.searchParams.get('host')) fail(`"${shown}" names no host`);
    if (database === '') fail(`"${shown}" names no database (postgres://host:5432/DATABASE)`);
    if (database.includes('/')) fail(`"${shown}": the database name cannot contain "/"`);
    const schema = url.searchParams.get('schema');
    if (schema === null) return { kind: 'postgres', url: text };
    if (!SCHEMA_NAME.test(schema)) {
      fail(
        `schema "${schema}" in "${shown}" must be 1–63 lower-case letters, digits or underscores, not starting with a digit`,
      );
    }
    url.searchParams.delete('schema');
    return { kind: 'postgres', url: url.toString(), schema };
  }
  if (url.hostname === '') fail(`"${shown}" names no host`);
  if (database === '') fail(`"${shown}" names no database (mysql://host:3306/DATABASE)`);
  if (database.includes('/')) fail(`"${shown}": the database name cannot contain "/"`);
  url.protocol = 'mysql:';
  return { kind: 'mysql', url: url.toString() };
}

function sqliteConfig(path: string, cwd: string, fail: (why: string) => never): StoreConfig {
  if (path === '') fail(`sqlite: needs a file path, e.g. sqlite:./grantflow.db or sqlite::memory:`);
  if (path.startsWith('//')) {
    fail(`write sqlite:PATH (sqlite:./grantflow.db, sqlite:/var/lib/grantflow.db), not sqlite://`);
  }
  if (path === ':memory:') return { kind: 'sqlite', path };
  return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
}

/** The URL with its password replaced by ***, for messages and logs. */
export function redactDatabaseUrl(text: string): string {
  const redacted = text.replace(/([?&]password=)[^&#]*/gi, '$1***');
  const start = redacted.indexOf('://');
  const at = redacted.lastIndexOf('@');
  if (start < 0 || at < start) return redacted;
  // The last @ ends the user information, so an unencoded @ in a password is still hidden.
  const userinfo = redacted.slice(start + 3, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return redacted;
  return `${redacted.slice(0, start + 3)}${userinfo.slice(0, colon)}:***${redacted.slice(at)}`;
}
