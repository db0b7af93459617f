// A fresh, private database per test on each engine the store supports: a temporary SQLite file;
// a new schema in GRANTFLOW_TEST_PG_URL's database; a new database on GRANTFLOW_TEST_MYSQL_URL's
// server. Names carry the process id and a random suffix so parallel runs never collide, and
// `drop()` removes everything. Engines whose URL is unset are reported as skipped, with the reason.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreConfig } from '../../src/store/index.ts';

export type Engine = 'sqlite' | 'postgres' | 'mysql';

export interface TestDatabase {
  readonly engine: Engine;
  readonly config: StoreConfig;
  /** The same database as a --database-url value. */
  readonly url: string;
  drop(): Promise<void>;
}

const PG_URL = process.env.GRANTFLOW_TEST_PG_URL;
const MYSQL_URL = process.env.GRANTFLOW_TEST_MYSQL_URL;

export interface EngineUnderTest {
  readonly engine: Engine;
  /** Why the engine's tests are skipped, or undefined when they run. */
  readonly skip?: string;
  /** The describe() title: the engine, and the reason when skipped. */
  readonly title: string;
}

function engine(name: Engine, variable?: string, url?: string): EngineUnderTest {
  if (!variable || url) return { engine: name, title: name };
  const skip = `skipped: set ${variable} to run (e.g. ${variable}=${name === 'postgres' ? 'postgres://postgres@127.0.0.1:5432/test' : 'mysql://root@127.0.0.1:3306/test'})`;
  return { engine: name, skip, title: `${name} (${skip})` };
}

export const ENGINES: readonly EngineUnderTest[] = [
  engine('sqlite'),
  engine('postgres', 'GRANTFLOW_TEST_PG_URL', PG_URL),
  engine('mysql', 'GRANTFLOW_TEST_MYSQL_URL', MYSQL_URL),
];

const uniqueName = () => `gf_test_${process.pid}_${randomBytes(4).toString('hex')}`;

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  switch (engine) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'grantflow-store-'));
      const path = join(dir, 'grantflow.db');
      return {
        engine,
        config: { kind: 'sqlite', path },
        url: `sqlite:${path}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }
    case 'postgres': {
      if (!PG_URL) throw new Error('GRANTFLOW_TEST_PG_URL is not set');
      const schema = uniqueName();
      const url = new URL(PG_URL);
      url.searchParams.set('schema', schema);
      return {
        engine,
        config: { kind: 'postgres', url: PG_URL, schema },
        url: url.toString(),
        drop: async () => {
          const { default: pg } = await import('pg');
          const client = new pg.Client({ connectionString: PG_URL });
          await client.connect();
          try {
            await client.query(`drop schema if exists "${schema}" cascade`);
          } finally {
            await client.end();
          }
        },
      };
    }
    case 'mysql': {
      if (!MYSQL_URL) throw new Error('GRANTFLOW_TEST_MYSQL_URL is not set');
      const database = uniqueName();
      const admin = async (statement: string) => {
        const { createConnection } = await import('mysql2/promise');
        const connection = await createConnection({ uri: MYSQL_URL });
        try {
          await connection.query(statement);
        } finally {
          await connection.end();
        }
      };
      await admin(`create database \`${database}\` character set utf8mb4 collate utf8mb4_general_ci`);
      const url = new URL(MYSQL_URL);
      url.pathname = `/${database}`;
      return {
        engine,
        config: { kind: 'mysql', url: url.toString() },
        url: url.toString(),
        drop: () => admin(`drop database if exists \`${database}\``),
      };
    }
  }
}
