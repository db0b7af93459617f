// After a crash, overdue grants are revoked within the grace period of restart: a grant whose
// process died (its policy attached and tagged, its expiry past) is revoked by a reconciler that
// starts on the same data; an execution parked in an overdue wait is resumed through the runner
// and revokes its own grant. Also `grantflow reconcile` on a data directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudError, LocalIamBackend } from '../src/cloud/index.ts';
import { listAuditLog, openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import {
  EXPIRES_AT_TAG,
  KyselyExecutionStore,
  WorkflowEngine,
  WorkflowRunner,
  defaultConnectors,
  reconcile,
  startReconciler,
} from '../src/workflow/index.ts';
import type { ReconcileSummary } from '../src/workflow/index.ts';
import { runCli } from './helpers/cli.ts';
import { allowDoc } from './helpers/cloud.ts';

const SEED = readFileSync(new URL('../../shared/data/seed-workflow.asl.json', import.meta.url), 'utf8');
const GRACE_SECONDS = 60;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'grantflow-reconciler-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A "process": the store and the embedded IAM in the data directory, opened and closed. */
async function open(): Promise<{ store: Store; backend: LocalIamBackend; close(): Promise<void> }> {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'grantflow.db') });
  const backend = await LocalIamBackend.open(store, { ownsStore: true });
  return { store, backend, close: () => backend.close() };
}

async function policyExists(backend: LocalIamBackend, arn: string): Promise<boolean> {
  try {
    await backend.getPolicy({ PolicyArn: arn });
    return true;
  } catch (err) {
    if (err instanceof CloudError && err.code === 'NoSuchEntity') return false;
    throw err;
  }
}

describe('the reconciler after a crash', () => {
  it('revokes grants whose process died within the grace period of its start', async () => {
    const restartAt = Date.parse('2030-03-01T09:00:00.000Z');
    // The process that granted them, then died without revoking: only IAM remembers.
    const before = await open();
    await before.backend.createUser({ UserName: 'dev-kim' });
    const grant = async (name: string, expiresAt: number) => {
      const { Policy } = await before.backend.createPolicy({
        PolicyName: name,
        Path: '/grantflow/',
        PolicyDocument: allowDoc('translate:TranslateText'),
        Tags: [{ Key: EXPIRES_AT_TAG, Value: new Date(expiresAt).toISOString() }],
      });
      await before.backend.attachUserPolicy({ UserName: 'dev-kim', PolicyArn: Policy.Arn });
      return Policy.Arn;
    };
    const longOverdue = await grant('gf-long-overdue', restartAt - 3 * 3600_000);
    const justOverdue = await grant('gf-just-overdue', restartAt - 10_000);
    const stillActive = await grant('gf-active', restartAt + 3600_000);
    await before.close();

    // The restart: a clock running 200 times faster than real time, and an interval of a quarter
    // of the grace period (the default), scaled the same way.
    const after = await open();
    try {
      const realStart = Date.now();
      const clock = () => new Date(restartAt + (Date.now() - realStart) * 200);
      const passes: ReconcileSummary[] = [];
      const reconciler = startReconciler({
        backend: after.backend,
        store: after.store,
        clock,
        graceSeconds: GRACE_SECONDS,
        intervalMs: (GRACE_SECONDS * 1000) / 4 / 200,
        onPass: (s) => passes.push(s),
      });
      const revokedAt = new Map<string, number>();
      while (revokedAt.size < 2 && Date.now() - realStart < 10_000) {
        await new Promise((r) => setTimeout(r, 5));
        for (const p of passes)
          for (const r of p.revoked)
            if (!revokedAt.has(r.policyArn)) revokedAt.set(r.policyArn, Date.parse(p.at));
      }
      await reconciler.stop();

      expect([...revokedAt.keys()].sort()).toEqual([justOverdue, longOverdue].sort());
      // The first pass runs at start: the long-overdue grant goes at once.
      expect(passes[0]!.revoked.map((r) => r.policyArn)).toEqual([longOverdue]);
      for (const at of revokedAt.values()) expect(at - restartAt).toBeLessThanOrEqual(GRACE_SECONDS * 1000);
      expect(await policyExists(after.backend, longOverdue)).toBe(false);
      expect(await policyExists(after.backend, justOverdue)).toBe(false);
      expect(await policyExists(after.backend, stillActive)).toBe(true);
      const attached = await after.backend.listAttachedUserPolicies({ UserName: 'dev-kim' });
      expect(attached.AttachedPolicies.map((p) => p.PolicyArn)).toEqual([stillActive]);
      expect(passes.every((p) => p.failed.length === 0)).toBe(true);
    } finally {
      await after.close();
    }
  });

  it('resumes an execution whose wait is overdue: the execution revokes its own grant', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const clock = () => new Date(now);
    const engineFor = (backend: LocalIamBackend, store: Store) =>
      new WorkflowEngine({
        store: new KyselyExecutionStore(store.db),
        connectors: defaultConnectors({ backend, notifier: { notify: async () => undefined } }),
        clock,
      });
    const before = await open();
    await before.backend.createUser({ UserName: 'dev-kim' });
    const engine = engineFor(before.backend, before.store);
    const { executionId } = await engine.startExecution({
      definition: SEED,
      definitionName: 'seed',
      input: {
        requested_task:
          'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다. 권한 요청드립니다.',
        target_iam_identity: 'USER',
        target_iam_identity_arn: 'arn:aws:iam::123456789012:user/dev-kim',
        required_attach_time: 600,
        account_id: '123456789012',
        region: 'ap-northeast-2',
      },
    });
    expect(await engine.drive(executionId)).toMatchObject({ kind: 'parked' });
    const policyArn = (await before.backend.listAttachedUserPolicies({ UserName: 'dev-kim' }))
      .AttachedPolicies[0]!.PolicyArn;
    await before.close(); // the process dies during the wait

    // Restart an hour later, long after the wait's end.
    now += 3600_000;
    const after = await open();
    try {
      const summary = await reconcile({
        backend: after.backend,
        engine: engineFor(after.backend, after.store),
        store: after.store,
        now: clock(),
      });
      expect(summary.executionsResumed).toBe(1);
      expect(summary.executionErrors).toEqual([]);
      const row = await new KyselyExecutionStore(after.store.db).getExecution(executionId);
      expect(row?.status).toBe('SUCCEEDED');
      expect(await policyExists(after.backend, policyArn)).toBe(false);
      expect(
        (await after.backend.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies,
      ).toEqual([]);
      // The seed's policy is not under /grantflow/: the sweep had nothing to do, the execution did it.
      expect(summary.revoked).toEqual([]);
    } finally {
      await after.close();
    }
  });

  it('asks a running runner to pick up due executions instead of driving them itself', async () => {
    const session = await open();
    try {
      const engine = new WorkflowEngine({
        store: new KyselyExecutionStore(session.store.db),
        connectors: {},
      });
      const runner = new WorkflowRunner(engine);
      let polled = 0;
      const spy = { pollOnce: async () => (polled++, runner.pollOnce()) };
      const summary = await reconcile({ backend: session.backend, runner: spy, engine, now: new Date() });
      expect(polled).toBe(1);
      expect(summary.executionsResumed).toBe(0);
    } finally {
      await session.close();
    }
  });
});

describe('grantflow reconcile', () => {
  it('revokes overdue grants in the data directory and prints a summary', async () => {
    const session = await open();
    await session.backend.createUser({ UserName: 'dev-kim' });
    const { Policy } = await session.backend.createPolicy({
      PolicyName: 'gf-cli',
      Path: '/grantflow/',
      PolicyDocument: allowDoc('translate:TranslateText'),
      Tags: [{ Key: EXPIRES_AT_TAG, Value: '2020-01-01T00:00:00Z' }],
    });
    await session.backend.attachUserPolicy({ UserName: 'dev-kim', PolicyArn: Policy.Arn });
    const { Policy: odd } = await session.backend.createPolicy({
      PolicyName: 'gf-odd',
      Path: '/grantflow/',
      PolicyDocument: allowDoc('translate:TranslateText'),
    });
    await session.close();

    const dry = await runCli(['reconcile', '--data-dir', dir, '--dry-run', '--format', 'json']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as ReconcileSummary;
    expect(planned.dryRun).toBe(true);
    expect(planned.revoked.map((r) => r.policyArn)).toEqual([Policy.Arn]);
    expect(planned.executionsResumed).toBe(0);

    const text = await runCli(['reconcile', '--data-dir', dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`revoked ${Policy.Arn}`);
    expect(text.stdout).toContain('detached from user dev-kim');
    expect(text.stdout).toContain(`left ${odd.Arn}: no grantflow:expires-at tag`);

    const again = await runCli(['reconcile', '--data-dir', dir, '--format', 'json']);
    const second = JSON.parse(again.stdout) as ReconcileSummary;
    expect(second.revoked).toEqual([]);
    expect(second.invalid.map((i) => i.policyArn)).toEqual([odd.Arn]);

    const check = await open();
    try {
      expect(await policyExists(check.backend, Policy.Arn)).toBe(false);
      expect(await policyExists(check.backend, odd.Arn)).toBe(true);
      const types = (await listAuditLog(check.store.db)).map((e) => e.type);
      expect(types).toContain('policy.deleted');
    } finally {
      await check.close();
    }
  });

  it('rejects bad options with a clear message', async () => {
    const bad = await runCli(['reconcile', '--data-dir', dir, '--grace', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--grace must be a number of seconds');
    const format = await runCli(['reconcile', '--data-dir', dir, '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be one of text, json');
  });
});
