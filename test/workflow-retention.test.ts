// Execution retention: ended executions older than the retention period are deleted with their
// history, in batches each recorded in the audit log, on every database; running ones and newer
// ones stay; a request whose execution was pruned still shows as it ended. Through the library,
// `grantflow workflow prune` and `grantflow serve --execution-retention-days`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { listAuditLog, verifyAuditLog } from '../src/store/audit-log.ts';
import { openStore, storeConfigFor } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import { KyselyExecutionStore, pruneEndedExecutions, startRetention } from '../src/workflow/index.ts';
import type { ExecutionRow, PruneOutcome } from '../src/workflow/index.ts';
import { runCli, stoppableIo } from './helpers/cli.ts';
import { ENGINES, createTestDatabase } from './helpers/store-databases.ts';
import type { TestDatabase } from './helpers/store-databases.ts';
import { harness, seedRequest } from './lifecycle-helpers.ts';

const NOW = new Date('2031-06-01T12:00:00.000Z');
const daysBefore = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const HASH = 'd'.repeat(64);

const execution = (id: string, fields: Partial<ExecutionRow>): ExecutionRow => ({
  id,
  definitionName: 'm',
  definitionHash: HASH,
  status: 'SUCCEEDED',
  input: {},
  variables: {},
  startedAt: daysBefore(100),
  updatedAt: daysBefore(100),
  version: 1,
  ...fields,
});

async function pruneEntries(store: Store) {
  return (await listAuditLog(store.db, { type: 'workflow.executions-pruned' })).map((e) => e.details);
}

for (const engine of ENGINES) {
  const run = engine.skip ? describe.skip : describe;
  run(`pruneEndedExecutions on ${engine.title}`, () => {
    let db: TestDatabase;
    let store: Store;
    beforeAll(async () => {
      db = await createTestDatabase(engine.engine);
      store = await openStore(db.config);
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it('deletes what ended before the retention period in recorded batches, and nothing else', async () => {
      const executions = new KyselyExecutionStore(store.db);
      await executions.putDefinition({ hash: HASH, name: 'm', document: '{}', createdAt: daysBefore(100) });
      // 501 ended 40 days ago (two batches of at most 500), one 10 days ago, one running for 100.
      for (let i = 0; i < 501; i++) {
        const status = (['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const)[i % 4];
        await executions.createExecution(
          execution(`old-${String(i).padStart(3, '0')}`, { status, stoppedAt: daysBefore(40) }),
          [{ id: 1, type: 'ExecutionStarted', timestamp: daysBefore(100), details: {} }],
        );
      }
      await executions.createExecution(execution('recent', { stoppedAt: daysBefore(10) }), []);
      await executions.createExecution(execution('running', { status: 'RUNNING', currentState: 'A' }), []);

      const outcome = await pruneEndedExecutions(store, { retentionDays: 30, now: NOW, actor: 'ops' });
      expect(outcome).toEqual({ stoppedBefore: daysBefore(30), deleted: 501 });
      expect((await executions.listExecutions()).map((e) => e.id).sort()).toEqual(['recent', 'running']);
      expect(await executions.history('old-000')).toEqual([]);

      const entries = await pruneEntries(store);
      expect(entries.map((d) => (d as { executionIds: string[] }).executionIds.length)).toEqual([500, 1]);
      expect(entries[0]).toMatchObject({ stoppedBefore: daysBefore(30), retentionDays: 30 });
      const named = entries.flatMap((d) => (d as { executionIds: string[] }).executionIds);
      expect(new Set(named).size).toBe(501);
      expect((await verifyAuditLog(store.db)).intact).toBe(true);

      // Nothing more to do: no deletion and no entry.
      expect((await pruneEndedExecutions(store, { retentionDays: 30, now: NOW, actor: 'ops' })).deleted).toBe(
        0,
      );
      expect((await pruneEntries(store)).length).toBe(2);
      // A shorter period reaches the recent one; the running one stays.
      expect((await pruneEndedExecutions(store, { retentionDays: 5, now: NOW, actor: 'ops' })).deleted).toBe(
        1,
      );
      expect((await executions.listExecutions()).map((e) => e.id)).toEqual(['running']);
    });
  });
}

describe('retention settings', () => {
  it('refuses a period shorter than a day, or not a number', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    try {
      for (const days of [0.5, 0, -1, Number.NaN, Number.POSITIVE_INFINITY])
        await expect(
          pruneEndedExecutions(store, { retentionDays: days, now: NOW, actor: 'ops' }),
        ).rejects.toThrow(/at least 1/);
    } finally {
      await store.close();
    }
  });

  it('runs a pass at start and then on its interval, and stops', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const executions = new KyselyExecutionStore(store.db);
    await executions.putDefinition({ hash: HASH, name: 'm', document: '{}', createdAt: daysBefore(100) });
    await executions.createExecution(execution('a', { stoppedAt: daysBefore(40) }), []);
    const passes: PruneOutcome[] = [];
    const job = startRetention({
      store,
      retentionDays: 30,
      intervalMs: 20,
      actor: 'grantflow:retention',
      clock: () => NOW,
      onPass: (o) => passes.push(o),
    });
    try {
      await until(() => passes.length >= 1);
      expect(passes[0]!.deleted).toBe(1);
      await executions.createExecution(execution('b', { stoppedAt: daysBefore(31) }), []);
      await until(() => passes.some((p) => p.deleted === 1 && p !== passes[0]));
    } finally {
      await job.stop();
    }
    const after = passes.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(passes.length).toBe(after);
    expect(await executions.listExecutions()).toEqual([]);
    await store.close();
  });
});

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a request whose execution was pruned', () => {
  it('still shows as it ended, without an execution', async () => {
    const h = await harness();
    h.service.start();
    try {
      const submitted = await h.service.submitRequest(seedRequest(1), 'alice');
      expect((await h.service.settled(submitted.id)).status).toBe('revoked');
      // Ended "40 days ago".
      await h.store.db
        .updateTable('workflow_executions')
        .set({ stopped_at: daysBefore(40) })
        .where('request_id', '=', submitted.id)
        .execute();
      expect(
        (await pruneEndedExecutions(h.store, { retentionDays: 30, now: NOW, actor: 'ops' })).deleted,
      ).toBe(1);
      const view = await h.service.getRequest(submitted.id);
      expect(view).toMatchObject({ id: submitted.id, status: 'revoked', terminal: true });
      expect(view.execution).toBeUndefined();
      expect((await h.service.listGrants({})).map((v) => [v.id, v.status, v.execution])).toEqual([
        [submitted.id, 'revoked', undefined],
      ]);
      // The request's own audit trail is untouched.
      expect((await listAuditLog(h.store.db, { subject: submitted.id })).length).toBeGreaterThan(3);
      expect((await verifyAuditLog(h.store.db)).intact).toBe(true);
    } finally {
      await h.close();
    }
  });
});

describe('grantflow workflow prune and serve --execution-retention-days', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantflow-retention-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An execution run by `workflow run` in `dataDir`, then made to have ended `days` ago. */
  async function endedExecution(dataDir: string, name: string, days: number): Promise<void> {
    const definition = join(dir, 'definition.json');
    writeFileSync(
      definition,
      JSON.stringify({ QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Succeed' } } }),
    );
    const input = join(dir, 'input.json');
    writeFileSync(input, '{}');
    const ran = await runCli([
      'workflow',
      'run',
      '--data-dir',
      dataDir,
      '--definition',
      definition,
      '--input',
      input,
      '--name',
      name,
    ]);
    expect(ran.code).toBe(0);
    const store = await openStore(storeConfigFor({ dataDir, cwd: process.cwd(), env: {} }));
    await store.db
      .updateTable('workflow_executions')
      .set({ stopped_at: new Date(Date.now() - days * 86_400_000).toISOString() })
      .where('id', '=', name)
      .execute();
    await store.close();
  }

  it('checks its options', async () => {
    expect(await runCli(['workflow', 'prune'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--older-than-days N is required'),
    });
    for (const value of ['0.5', 'ninety', '', '-3'])
      expect(await runCli(['workflow', 'prune', `--older-than-days=${value}`])).toMatchObject({
        code: 2,
        stderr: expect.stringContaining(
          `--older-than-days must be a number of days of at least 1 (got "${value}")`,
        ),
      });
    expect(await runCli(['serve', '--execution-retention-days', '0'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--execution-retention-days must be a number of days of at least 1'),
    });
  });

  it('prunes from the command line, recording who asked', async () => {
    const dataDir = join(dir, 'cli');
    await endedExecution(dataDir, 'old-run', 40);
    await endedExecution(dataDir, 'new-run', 2);
    const pruned = await runCli([
      'workflow',
      'prune',
      '--data-dir',
      dataDir,
      '--older-than-days',
      '30',
      '--actor',
      'ops-lee',
      '--format',
      'json',
    ]);
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout)).toMatchObject({ deleted: 1 });
    expect(await runCli(['workflow', 'describe', 'old-run', '--data-dir', dataDir])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no execution old-run'),
    });
    expect((await runCli(['workflow', 'describe', 'new-run', '--data-dir', dataDir])).code).toBe(0);
    const text = await runCli(['workflow', 'prune', '--data-dir', dataDir, '--older-than-days', '1']);
    expect(text).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Deleted 1 execution that ended before \S+Z, with their history\.\n$/),
    });
    const store = await openStore(storeConfigFor({ dataDir, cwd: process.cwd(), env: {} }));
    try {
      const entries = await listAuditLog(store.db, { type: 'workflow.executions-pruned' });
      expect(entries.map((e) => [e.actor, e.details])).toEqual([
        ['ops-lee', expect.objectContaining({ retentionDays: 30, executionIds: ['old-run'] })],
        [expect.any(String), expect.objectContaining({ retentionDays: 1, executionIds: ['new-run'] })],
      ]);
    } finally {
      await store.close();
    }
  });

  it('prunes as serve starts, and says so', async () => {
    const dataDir = join(dir, 'serve');
    await endedExecution(dataDir, 'old-run', 100);
    const { io, stderr, stop } = stoppableIo();
    const served = main(['serve', '--data-dir', dataDir, '--execution-retention-days', '90'], io);
    await until(() => stderr().includes('retention: deleted 1 executions that ended before'), 20_000);
    expect(stderr()).toContain('executions kept 90 days after they end');
    stop();
    expect(await served).toBe(0);
    expect((await runCli(['workflow', 'describe', 'old-run', '--data-dir', dataDir])).code).toBe(2);
  });
});
