// Every module's migrations on every engine the store supports (SQLite always; PostgreSQL and
// MySQL/MariaDB when GRANTFLOW_TEST_PG_URL / GRANTFLOW_TEST_MYSQL_URL are set), and the column
// conventions they rely on: values read back as written, keys compare exactly, constraints hold.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MODULE_MIGRATIONS, StoreError, openStore, storedTime } from '../src/store/index.ts';
import type { Store, StoreConfig, StoreTables } from '../src/store/index.ts';
import { ENGINES, createTestDatabase } from './helpers/store-databases.ts';
import type { TestDatabase } from './helpers/store-databases.ts';

const run = promisify(execFile);
const opener = fileURLToPath(new URL('./helpers/store-opener.ts', import.meta.url));

const TABLES: readonly (keyof StoreTables)[] = [
  'iam_settings',
  'iam_users',
  'iam_groups',
  'iam_roles',
  'iam_policies',
  'iam_policy_versions',
  'iam_attachments',
  'iam_inline_policies',
  'iam_group_members',
  'iam_tags',
  'iam_access_keys',
  'iam_credential_report',
  'sns_messages',
  'access_requests',
  'access_approvals',
  'workflow_definitions',
  'workflow_executions',
  'workflow_history_events',
  'workflow_waits',
  'workflow_recorded_values',
  'audit_log',
  'audit_log_head',
];

const EXPECTED_MIGRATIONS = MODULE_MIGRATIONS.flatMap((m) =>
  Object.keys(m.migrations).map((k) => `${m.module}/${k}`),
).sort();

const databases: TestDatabase[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const database of databases.splice(0)) await database.drop();
});

async function fresh(engine: TestDatabase['engine']): Promise<TestDatabase> {
  const database = await createTestDatabase(engine);
  databases.push(database);
  return database;
}

async function open(config: StoreConfig): Promise<Store> {
  const store = await openStore(config);
  stores.push(store);
  return store;
}

async function appliedMigrations(db: Kysely<StoreTables>): Promise<string[]> {
  const rows = await (db as unknown as Kysely<{ grantflow_migrations: { name: string } }>)
    .selectFrom('grantflow_migrations')
    .select('name')
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

const NOW = '2025-03-01T09:00:00.000Z';

async function seedExecution(db: Kysely<StoreTables>, id: string): Promise<void> {
  await db
    .insertInto('workflow_definitions')
    .values({ hash: 'd'.repeat(64), name: 'grantflow', document: '{"StartAt":"A"}', created_at: NOW })
    .execute();
  await db
    .insertInto('workflow_executions')
    .values({
      id,
      request_id: null,
      definition_name: 'grantflow',
      definition_hash: 'd'.repeat(64),
      status: 'RUNNING',
      input: '{}',
      output: null,
      error: null,
      cause: null,
      current_state: 'Wait for expiry',
      state_input: '{}',
      variables: '{}',
      started_at: NOW,
      updated_at: NOW,
      stopped_at: null,
      version: 1,
    })
    .execute();
}

for (const target of ENGINES) {
  describe.skipIf(target.skip !== undefined)(`store migrations on ${target.title}`, () => {
    it('creates every table once, and opening again applies nothing', async () => {
      const database = await fresh(target.engine);
      const store = await open(database.config);
      expect(store.family).toBe(target.engine);
      const tables = (await store.db.introspection.getTables()).map((t) => t.name);
      for (const table of TABLES) expect(tables, table).toContain(table);
      expect(await appliedMigrations(store.db)).toEqual(EXPECTED_MIGRATIONS);
      await store.close();
      stores.splice(stores.indexOf(store), 1);

      const again = await open(database.config);
      expect(await appliedMigrations(again.db)).toEqual(EXPECTED_MIGRATIONS);
      const head = await again.db.selectFrom('audit_log_head').selectAll().execute();
      expect(head).toEqual([{ id: 1, seq: 0, hash: '0'.repeat(64) }]);
    });

    it('migrates once when two processes open a new database at the same time', async () => {
      const database = await fresh(target.engine);
      const config = JSON.stringify(database.config);
      const results = await Promise.all([
        run(process.execPath, [opener, config]),
        run(process.execPath, [opener, config]),
      ]);
      for (const r of results) expect(r.stdout.trim()).toBe('opened');
      const store = await open(database.config);
      expect(await appliedMigrations(store.db)).toEqual(EXPECTED_MIGRATIONS);
      expect(await store.db.selectFrom('audit_log_head').selectAll().execute()).toHaveLength(1);
    });

    it('reads back what it wrote: numbers as numbers, Unicode, long documents, ISO timestamps', async () => {
      const store = await open((await fresh(target.engine)).config);
      const { db } = store;
      const document = JSON.stringify({ Version: '2012-10-17', Sid: 'x'.repeat(200_000) });
      await db
        .insertInto('access_requests')
        .values({
          id: 'req-1',
          requested_task: 'S3 버킷 my-bucket 의 객체를 읽기 🪣',
          target_iam_identity: 'ROLE',
          target_iam_identity_arn: 'arn:aws:iam::123456789012:role/dev',
          required_attach_time: 3600,
          account_id: '123456789012',
          region: 'ap-northeast-2',
          requester: 'arn:aws:iam::123456789012:user/철수',
          language: 'ko',
          status: 'active',
          outcome: 'grant',
          policy_document: document,
          policy_hash: 'a'.repeat(64),
          policy_name: 'grantflow-exec-1',
          policy_arn: 'arn:aws:iam::123456789012:policy/grantflow/grantflow-exec-1',
          execution_id: 'exec-1',
          extends_request_id: null,
          expires_at: storedTime(new Date('2025-03-01T10:00:00Z')),
          created_at: NOW,
          updated_at: NOW,
          version: 1,
        })
        .execute();
      const row = await db
        .selectFrom('access_requests')
        .selectAll()
        .where('id', '=', 'req-1')
        .executeTakeFirstOrThrow();
      expect(row.requested_task).toBe('S3 버킷 my-bucket 의 객체를 읽기 🪣');
      expect(row.requester).toBe('arn:aws:iam::123456789012:user/철수');
      expect(row.required_attach_time).toBe(3600);
      expect(row.version).toBe(1);
      expect(row.policy_document).toBe(document);
      expect(row.expires_at).toBe('2025-03-01T10:00:00.000Z');
      const count = await db
        .selectFrom('access_requests')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(count.n).toBe(1);
    });

    it('compares keys exactly: case and accents matter, as they do on SQLite', async () => {
      const { db } = await open((await fresh(target.engine)).config);
      await db.insertInto('iam_settings').values({ name: 'Key', value: 'upper' }).execute();
      await db.insertInto('iam_settings').values({ name: 'key', value: 'lower' }).execute();
      const found = await db.selectFrom('iam_settings').select('value').where('name', '=', 'KEY').execute();
      expect(found).toEqual([]);
      await db
        .insertInto('iam_tags')
        .values([
          {
            resource_type: 'user',
            resource_key: 'u',
            tag_key_lower: 'café',
            tag_key: 'Café',
            tag_value: 'a',
            position: 0,
          },
          {
            resource_type: 'user',
            resource_key: 'u',
            tag_key_lower: 'cafe',
            tag_key: 'Cafe',
            tag_value: 'b',
            position: 1,
          },
        ])
        .execute();
      const tag = await db
        .selectFrom('iam_tags')
        .select('tag_value')
        .where('tag_key_lower', '=', 'cafe')
        .execute();
      expect(tag).toEqual([{ tag_value: 'b' }]);
    });

    it('keeps an IAM policy ARN with a 512-character path in every key it is part of', async () => {
      const { db } = await open((await fresh(target.engine)).config);
      const path = `/${'p'.repeat(510)}/`;
      const arn = `arn:aws-us-gov:iam::123456789012:policy${path}${'n'.repeat(128)}`;
      await db
        .insertInto('iam_policies')
        .values({
          arn,
          scope: 'Local',
          name_key: 'n'.repeat(128),
          name: 'n'.repeat(128),
          id: 'ANPA0000000000000001',
          path,
          description: null,
          default_version_id: 'v1',
          next_version: 2,
          is_attachable: 1,
          create_date: NOW,
          update_date: NOW,
        })
        .execute();
      await db
        .insertInto('iam_attachments')
        .values({ entity_type: 'role', entity_key: 'r'.repeat(128), policy_arn: arn })
        .execute();
      await db
        .insertInto('iam_tags')
        .values({
          resource_type: 'policy',
          resource_key: arn,
          tag_key_lower: 'İ'.repeat(128).toLowerCase(),
          tag_key: 'İ'.repeat(128),
          tag_value: 'v',
          position: 0,
        })
        .execute();
      expect(await db.selectFrom('iam_attachments').select('policy_arn').execute()).toEqual([
        { policy_arn: arn },
      ]);
    });

    it('enforces the lifecycle constraints: one decision per approver, unique history, known values, cascades', async () => {
      const { db } = await open((await fresh(target.engine)).config);
      await seedExecution(db, 'exec-1');
      const request = {
        id: 'req-1',
        requested_task: 'read',
        target_iam_identity: 'USER',
        target_iam_identity_arn: 'arn:aws:iam::123456789012:user/a',
        required_attach_time: 60,
        account_id: '123456789012',
        region: 'us-east-1',
        requester: 'alice',
        language: 'en',
        status: 'awaiting_approval',
        outcome: 'needs_approval',
        policy_document: '{}',
        policy_hash: 'b'.repeat(64),
        policy_name: null,
        policy_arn: null,
        execution_id: 'exec-1',
        extends_request_id: null,
        expires_at: null,
        created_at: NOW,
        updated_at: NOW,
        version: 1,
      };
      await db.insertInto('access_requests').values(request).execute();
      const approval = {
        request_id: 'req-1',
        policy_hash: 'b'.repeat(64),
        approver: 'bob',
        decision: 'approve',
        reason: null,
        decided_at: NOW,
      };
      await db.insertInto('access_approvals').values(approval).execute();
      await expect(
        db
          .insertInto('access_approvals')
          .values({ ...approval, decision: 'deny' })
          .execute(),
      ).rejects.toThrow();
      await expect(
        db
          .insertInto('access_approvals')
          .values({ ...approval, approver: 'carol', decision: 'maybe' })
          .execute(),
      ).rejects.toThrow();
      await expect(
        db
          .insertInto('access_approvals')
          .values({ ...approval, request_id: 'no-such-request' })
          .execute(),
      ).rejects.toThrow();
      await expect(
        db
          .insertInto('access_requests')
          .values({ ...request, id: 'req-2', target_iam_identity: 'GROUP' })
          .execute(),
      ).rejects.toThrow();

      const event = {
        execution_id: 'exec-1',
        sequence: 1,
        type: 'ExecutionStarted',
        state_name: null,
        timestamp: NOW,
        details: '{}',
      };
      await db.insertInto('workflow_history_events').values(event).execute();
      await expect(db.insertInto('workflow_history_events').values(event).execute()).rejects.toThrow();
      await expect(
        db
          .updateTable('workflow_executions')
          .set({ status: 'PAUSED' as never })
          .where('id', '=', 'exec-1')
          .execute(),
      ).rejects.toThrow();
      await db
        .insertInto('workflow_waits')
        .values({
          execution_id: 'exec-1',
          sequence: 2,
          state_name: 'Wait for expiry',
          kind: 'wait',
          wake_at: '2025-03-01T10:00:00.000Z',
          task_token: null,
          created_at: NOW,
          completed_at: null,
        })
        .execute();
      await db
        .insertInto('workflow_recorded_values')
        .values({ execution_id: 'exec-1', key: '2/Wait for expiry/$now#1', value: '"x"', recorded_at: NOW })
        .execute();

      await db.deleteFrom('workflow_executions').where('id', '=', 'exec-1').execute();
      for (const table of [
        'workflow_history_events',
        'workflow_waits',
        'workflow_recorded_values',
      ] as const) {
        expect(await db.selectFrom(table).selectAll().execute(), table).toEqual([]);
      }
    });

    it('finds due waits by time: timestamps sort as text in time order', async () => {
      const { db } = await open((await fresh(target.engine)).config);
      await seedExecution(db, 'exec-1');
      const times = [
        '2025-03-01T10:00:00.000Z',
        '2025-03-01T09:59:59.999Z',
        '2025-12-31T00:00:00.000Z',
        '2024-01-01T00:00:00.000Z',
      ];
      for (const [i, wake] of times.entries()) {
        await db
          .insertInto('workflow_waits')
          .values({
            execution_id: 'exec-1',
            sequence: i + 1,
            state_name: 'Wait',
            kind: i === 3 ? 'task_token' : 'wait',
            wake_at: wake,
            task_token: i === 3 ? 'token-1' : null,
            created_at: NOW,
            completed_at: null,
          })
          .execute();
      }
      const due = await db
        .selectFrom('workflow_waits')
        .select('sequence')
        .where('completed_at', 'is', null)
        .where('wake_at', '<=', storedTime(new Date('2025-03-01T10:00:00Z')))
        .orderBy('wake_at')
        .execute();
      expect(due.map((r) => r.sequence)).toEqual([4, 2, 1]);
    });
  });
}

describe.skipIf(ENGINES[1]!.skip !== undefined)(`store errors on ${ENGINES[1]!.title}`, () => {
  it('rolls back a failing migration entirely and names it', async () => {
    const database = await fresh('postgres');
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
    const err = await openStore(database.config, broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain('broken/0001-half');
    const store = await openStore(database.config, []);
    stores.push(store);
    const tables = (await store.db.introspection.getTables()).map((t) => t.name);
    expect(tables).not.toContain('half_done');
  });

  it('says it cannot connect, without showing the password', async () => {
    const port = await closedPort();
    const err = await openStore({
      kind: 'postgres',
      url: `postgres://grantflow:s3cret@127.0.0.1:${port}/test`,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(
      /cannot connect to the store at postgres:\/\/grantflow:\*\*\*@127\.0\.0\.1:\d+\/test: .*ECONNREFUSED/,
    );
    expect((err as Error).message).not.toContain('s3cret');
  });
});

describe.skipIf(ENGINES[2]!.skip !== undefined)(`store errors on ${ENGINES[2]!.title}`, () => {
  it('names a missing database', async () => {
    const url = new URL(process.env.GRANTFLOW_TEST_MYSQL_URL!);
    url.pathname = '/gf_no_such_database';
    const err = await openStore({ kind: 'mysql', url: url.toString() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(
      /cannot connect to the store at mysql:.*gf_no_such_database.*Unknown database/,
    );
  });

  it('names a failing migration', async () => {
    const database = await fresh('mysql');
    const broken = [
      {
        module: 'broken',
        migrations: {
          '0001-bad': { up: async (db: Kysely<unknown>) => void (await sql`nonsense`.execute(db)) },
        },
      },
    ];
    await expect(openStore(database.config, broken)).rejects.toThrow(/broken\/0001-bad/);
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
