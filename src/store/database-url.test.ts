import { describe, expect, it } from 'vitest';
import { DatabaseUrlError, parseDatabaseUrl, redactDatabaseUrl, storeConfigFor } from './index.ts';

const parse = (value: string) => parseDatabaseUrl(value, { cwd: '/work', source: '--database-url' });
const failure = (value: string) => {
  try {
    parse(value);
  } catch (err) {
    expect(err).toBeInstanceOf(DatabaseUrlError);
    return (err as Error).message;
  }
  throw new Error(`expected ${value} to be refused`);
};

describe('parseDatabaseUrl', () => {
  it('reads PostgreSQL URLs, taking ?schema= for the store and leaving the rest to pg', () => {
    expect(parse('postgres://u:p@db.internal:5433/grantflow')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db.internal:5433/grantflow',
    });
    expect(parse('postgresql://u@h/gf?schema=grantflow_prod&sslmode=require')).toEqual({
      kind: 'postgres',
      url: 'postgresql://u@h/gf?sslmode=require',
      schema: 'grantflow_prod',
    });
    expect(parse('postgres:///gf?host=/run/postgresql')).toEqual({
      kind: 'postgres',
      url: 'postgres:///gf?host=/run/postgresql',
    });
  });

  it('reads MySQL and MariaDB URLs', () => {
    expect(parse('mysql://root@127.0.0.1:3306/test')).toEqual({
      kind: 'mysql',
      url: 'mysql://root@127.0.0.1:3306/test',
    });
    expect(parse('mariadb://gf:pw@db/grantflow')).toEqual({
      kind: 'mysql',
      url: 'mysql://gf:pw@db/grantflow',
    });
  });

  it('reads sqlite: URLs and plain paths, relative to the working directory', () => {
    expect(parse('sqlite:data/gf.db')).toEqual({ kind: 'sqlite', path: '/work/data/gf.db' });
    expect(parse('sqlite:/var/lib/gf.db')).toEqual({ kind: 'sqlite', path: '/var/lib/gf.db' });
    expect(parse('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parse('./gf.db')).toEqual({ kind: 'sqlite', path: '/work/gf.db' });
    expect(parse('  /abs/gf.db ')).toEqual({ kind: 'sqlite', path: '/abs/gf.db' });
  });

  it('says what is wrong, naming where the value came from, without the password', () => {
    expect(failure('')).toBe(
      '--database-url: empty; give postgres://user@host:5432/database, mysql://user@host:3306/database or sqlite:path/to/file.db',
    );
    expect(failure('mongodb://u:secret@h/db')).toBe(
      '--database-url: unsupported scheme "mongodb:" in "mongodb://u:***@h/db"; give postgres://user@host:5432/database, mysql://user@host:3306/database or sqlite:path/to/file.db',
    );
    expect(failure('postgres:localhost/db')).toBe(
      '--database-url: "postgres:localhost/db" must start with postgres://',
    );
    expect(failure('postgres://u:secret@h:99999/db')).toBe(
      '--database-url: "postgres://u:***@h:99999/db" is not a valid URL (check the port and that special characters in the password are percent-encoded)',
    );
    expect(failure('postgres://h:5432')).toBe(
      '--database-url: "postgres://h:5432" names no database (postgres://host:5432/DATABASE)',
    );
    expect(failure('postgres:///gf')).toBe('--database-url: "postgres:///gf" names no host');
    expect(failure('postgres://h/a/b')).toBe(
      '--database-url: "postgres://h/a/b": the database name cannot contain "/"',
    );
    expect(failure('postgres://h/db?schema=Prod')).toBe(
      '--database-url: schema "Prod" in "postgres://h/db?schema=Prod" must be 1–63 lower-case letters, digits or underscores, not starting with a digit',
    );
    expect(failure('mysql://h')).toBe(
      '--database-url: "mysql://h" names no database (mysql://host:3306/DATABASE)',
    );
    expect(failure('mysql:///db')).toBe('--database-url: "mysql:///db" names no host');
    expect(failure('sqlite:')).toBe(
      '--database-url: sqlite: needs a file path, e.g. sqlite:./grantflow.db or sqlite::memory:',
    );
    expect(failure('sqlite:///var/gf.db')).toBe(
      '--database-url: write sqlite:PATH (sqlite:./grantflow.db, sqlite:/var/lib/grantflow.db), not sqlite://',
    );
  });
});

describe('redactDatabaseUrl', () => {
  it('hides passwords in the user information and in a password parameter', () => {
    expect(redactDatabaseUrl('postgres://u:p%40ss@h/db')).toBe('postgres://u:***@h/db');
    expect(redactDatabaseUrl('postgres://u:p@ss@h/db')).toBe('postgres://u:***@h/db');
    expect(redactDatabaseUrl('postgres://u@h/db?password=x&sslmode=require')).toBe(
      'postgres://u@h/db?password=***&sslmode=require',
    );
    expect(redactDatabaseUrl('mysql://root@h/db')).toBe('mysql://root@h/db');
    expect(redactDatabaseUrl('sqlite:/a/b.db')).toBe('sqlite:/a/b.db');
  });
});

describe('storeConfigFor with database URLs', () => {
  const env = { GRANTFLOW_DATABASE_URL: 'mysql://h/envdb', GRANTFLOW_DATA_DIR: '/envdir' };

  it('prefers --database-url, then --data-dir, then GRANTFLOW_DATABASE_URL, then GRANTFLOW_DATA_DIR', () => {
    expect(storeConfigFor({ cwd: '/w', databaseUrl: 'postgres://h/db', env })).toEqual({
      kind: 'postgres',
      url: 'postgres://h/db',
    });
    expect(storeConfigFor({ cwd: '/w', dataDir: 'd', env })).toEqual({
      kind: 'sqlite',
      path: '/w/d/grantflow.db',
    });
    expect(storeConfigFor({ cwd: '/w', env })).toEqual({ kind: 'mysql', url: 'mysql://h/envdb' });
    expect(
      storeConfigFor({ cwd: '/w', env: { GRANTFLOW_DATABASE_URL: '', GRANTFLOW_DATA_DIR: '/e' } }),
    ).toEqual({
      kind: 'sqlite',
      path: '/e/grantflow.db',
    });
  });

  it('refuses both options at once, and names the variable a bad URL came from', () => {
    expect(() => storeConfigFor({ cwd: '/w', dataDir: 'd', databaseUrl: 'sqlite:x.db' })).toThrow(
      new DatabaseUrlError('give --data-dir or --database-url, not both'),
    );
    expect(() => storeConfigFor({ cwd: '/w', env: { GRANTFLOW_DATABASE_URL: 'redis://h/0' } })).toThrow(
      /^GRANTFLOW_DATABASE_URL: unsupported scheme "redis:"/,
    );
  });
});
