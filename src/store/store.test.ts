import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MODULE_MIGRATIONS, StoreError, openStore, storeConfigFor } from './index.ts';

const dirs: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'grantflow-store-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('storeConfigFor', () => {
  it('prefers --data-dir, then GRANTFLOW_DATA_DIR, then ./.grantflow', () => {
    expect(storeConfigFor({ cwd: '/w', dataDir: 'd', env: { GRANTFLOW_DATA_DIR: '/e' } })).toEqual({
      kind: 'sqlite',
      path: '/w/d/grantflow.db',
    });
    expect(storeConfigFor({ cwd: '/w', env: { GRANTFLOW_DATA_DIR: '/e' } })).toEqual({
      kind: 'sqlite',
      path: '/e/grantflow.db',
    });
    expect(storeConfigFor({ cwd: '/w', env: {} })).toEqual({
      kind: 'sqlite',
      path: '/w/.grantflow/grantflow.db',
    });
  });
});

describe('openStore', () => {
  it('creates the data directory on demand, uses WAL and records each module migration once', async () => {
    const dir = join(temp(), 'nested', 'data');
    const config = storeConfigFor({ cwd: '/', dataDir: dir, env: {} });
    const store = await openStore(config);
    expect(existsSync(join(dir, 'grantflow.db'))).toBe(true);
    const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(store.db);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    await store.close();

    const again = await openStore(config);
    const applied = await (again.db as unknown as Kysely<{ grantflow_migrations: { name: string } }>)
      .selectFrom('grantflow_migrations')
      .select('name')
      .orderBy('name')
      .execute();
    const expected = MODULE_MIGRATIONS.flatMap((m) =>
      Object.keys(m.migrations).map((k) => `${m.module}/${k}`),
    ).sort();
    expect(applied.map((r) => r.name)).toEqual(expected);
    await again.close();
  });

  it('runs a module migration added later, even when it sorts before ones already applied', async () => {
    const path = join(temp(), 'grantflow.db');
    await (await openStore({ kind: 'sqlite', path })).close();
    const later = [
      ...MODULE_MIGRATIONS,
      {
        module: 'aaa-later',
        migrations: {
          '0001-notes': {
            async up(db: Kysely<unknown>) {
              await db.schema
                .createTable('later_notes')
                .addColumn('id', 'integer', (c) => c.primaryKey())
                .execute();
            },
          },
        },
      },
    ];
    const store = await openStore({ kind: 'sqlite', path }, later);
    await sql`insert into later_notes (id) values (1)`.execute(store.db);
    await store.close();
  });

  it('reports a failing migration as a StoreError naming it, and applies none of it', async () => {
    const path = join(temp(), 'grantflow.db');
    const broken = [
      {
        module: 'broken',
        migrations: {
          '0001-half': {
            async up(db: Kysely<unknown>) {
              await db.schema.createTable('half_done').addColumn('id', 'integer').execute();
              await sql`this is not sql`.execute(db);
            },
          },
        },
      },
    ];
    const err = await openStore({ kind: 'sqlite', path }, broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain('broken/0001-half');
    const store = await openStore({ kind: 'sqlite', path }, []);
    const tables = await sql<{
      name: string;
    }>`select name from sqlite_master where name = 'half_done'`.execute(store.db);
    expect(tables.rows).toEqual([]);
    await store.close();
  });

  it('binds booleans and dates, which node:sqlite does not take as they are', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const row = await sql<{
      b: number;
      d: string;
    }>`select ${true} as b, ${new Date('2025-01-01T00:00:00Z')} as d`.execute(store.db);
    expect(row.rows[0]).toEqual({ b: 1, d: '2025-01-01T00:00:00.000Z' });
    await store.close();
  });
});
