// Crashes: a process killed (SIGKILL) while an execution waits, and a process that dies in the
// middle of a task. Another process resumes the execution: the policy is detached and deleted,
// and nothing is done twice.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIamBackend } from '../src/cloud/index.ts';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import { KyselyExecutionStore, WorkflowEngine, defaultConnectors } from '../src/workflow/index.ts';
import type { Connector, ConnectorMap } from '../src/workflow/index.ts';
import { repoRoot, runCli } from './helpers/cli.ts';

const SEED_PATH = new URL('../../shared/data/seed-workflow.asl.json', import.meta.url).pathname;

const request = (seconds: number) => ({
  requested_task: 'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다. 권한 요청드립니다.',
  target_iam_identity: 'USER',
  target_iam_identity_arn: 'arn:aws:iam::123456789012:user/dev-kim',
  required_attach_time: seconds,
  account_id: '123456789012',
  region: 'ap-northeast-2',
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'grantflow-recovery-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function withLocal<T>(fn: (backend: LocalIamBackend, store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'data', 'grantflow.db') });
  const backend = await LocalIamBackend.open(store, { ownsStore: true });
  try {
    return await fn(backend, store);
  } finally {
    await backend.close();
  }
}

/** `grantflow workflow run` in a child process, killed with SIGKILL once the execution waits. */
async function runAndKillDuringWait(args: string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { main } = await import(${JSON.stringify(new URL('src/cli/main.ts', `file://${repoRoot}`).href)}); process.exitCode = await main(process.argv.slice(1));`,
      ...args,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the child never reached the wait:\n${out}\n${err}`)),
      20_000,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('WaitStateEntered')) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('WaitStateEntered'))
        reject(new Error(`the child exited (${code}) before the wait:\n${out}\n${err}`));
    });
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode);
    else child.on('exit', (_code, sig) => resolve(sig));
  });
  expect(signal).toBe('SIGKILL');
  return out;
}

describe('a process killed during the wait', () => {
  it('is resumed after wake_at by another process: detached, deleted, notified, nothing twice', async () => {
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify(request(3)));
    const data = join(dir, 'data');
    await runAndKillDuringWait([
      'workflow',
      'run',
      '--definition',
      SEED_PATH,
      '--input',
      input,
      '--data-dir',
      data,
      '--create-target',
    ]);

    // Killed: the policy is attached, and the wait is stored with its absolute wake time.
    const { policyArn, wakeAt, executionId } = await withLocal(async (backend, store) => {
      const attached = (await backend.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies;
      expect(attached).toHaveLength(1);
      const wait = await store.db
        .selectFrom('workflow_waits')
        .selectAll()
        .where('completed_at', 'is', null)
        .executeTakeFirstOrThrow();
      expect(wait.kind).toBe('wait');
      expect(await backend.listPublishedMessages()).toEqual([]);
      return { policyArn: attached[0]!.PolicyArn, wakeAt: wait.wake_at!, executionId: wait.execution_id };
    });

    // A resume before wake_at leaves the wait alone.
    const early = await runCli(['workflow', 'resume', '--data-dir', data, '--once', '--format', 'json']);
    expect(early.code).toBe(0);
    expect(JSON.parse(early.stdout)).toEqual([{ executionId, status: 'RUNNING', output: null }]);

    const remaining = Date.parse(wakeAt) - Date.now();
    if (remaining > 0) await new Promise((r) => setTimeout(r, remaining + 50));
    const resumed = await runCli(['workflow', 'resume', '--data-dir', data, '--format', 'json']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const [result] = JSON.parse(resumed.stdout);
    expect(result).toMatchObject({ executionId, status: 'SUCCEEDED' });

    await withLocal(async (backend, store) => {
      expect((await backend.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies).toEqual([]);
      await expect(backend.getPolicy({ PolicyArn: policyArn })).rejects.toThrow();
      expect((await backend.listPolicies({ Scope: 'Local' })).Policies).toEqual([]);
      const messages = await backend.listPublishedMessages();
      expect(messages).toHaveLength(1);
      expect(result.output).toEqual({ MessageId: messages[0]!.MessageId });
      const history = await new KyselyExecutionStore(store.db).history(executionId);
      const count = (type: string, state: string) =>
        history.filter((e) => e.type === type && e.stateName === state).length;
      for (const state of [
        'CreatePolicy',
        'AttachUserPolicy',
        'DetachUserPolicy',
        'DeletePolicy',
        'Send message to administrator',
      ]) {
        expect([state, count('TaskScheduled', state)]).toEqual([state, 1]);
        expect([state, count('TaskSucceeded', state)]).toEqual([state, 1]);
      }
      expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
      const exited = history.find((e) => e.type === 'WaitStateExited')!;
      expect(exited.timestamp >= wakeAt).toBe(true);
    });
  }, 60_000);
});

describe('a process that dies during a task', () => {
  it('re-runs the task on recovery with the same recorded name, creating the policy once', async () => {
    const data = join(dir, 'data');
    const open = async () => {
      const store = await openStore({ kind: 'sqlite', path: join(data, 'grantflow.db') });
      const backend = await LocalIamBackend.open(store);
      return { store, backend };
    };
    // Process A: its CreatePolicy call reaches IAM, then the process dies before recording it.
    const a = await open();
    await a.backend.createUser({ UserName: 'dev-kim' });
    const realA = defaultConnectors({ backend: a.backend });
    const dying: Connector = async (inv) => {
      await realA['arn:aws:states:::aws-sdk:iam:createPolicy']!(inv);
      return new Promise(() => undefined);
    };
    const connectorsA: ConnectorMap = { ...realA, 'arn:aws:states:::aws-sdk:iam:createPolicy': dying };
    const engineA = new WorkflowEngine({
      store: new KyselyExecutionStore(a.store.db),
      connectors: connectorsA,
      leaseMs: 200,
    });
    const { executionId } = await engineA.startExecution({
      definition: readFileSync(SEED_PATH, 'utf8'),
      input: request(1),
    });
    void engineA.drive(executionId);
    for (
      let i = 0;
      i < 200 && (await a.backend.listPolicies({ Scope: 'Local' })).Policies.length === 0;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const [created] = (await a.backend.listPolicies({ Scope: 'Local' })).Policies;
    expect(created).toBeDefined();
    // A is dead: it writes nothing more (not even heartbeats).
    await a.store.close();

    // Process B takes over once A's lease has run out.
    const b = await open();
    try {
      const calls: boolean[] = [];
      const realB = defaultConnectors({ backend: b.backend });
      const createB: Connector = async (inv) => {
        calls.push(inv.recovery);
        return realB['arn:aws:states:::aws-sdk:iam:createPolicy']!(inv);
      };
      const engineB = new WorkflowEngine({
        store: new KyselyExecutionStore(b.store.db),
        connectors: { ...realB, 'arn:aws:states:::aws-sdk:iam:createPolicy': createB },
        leaseMs: 200,
      });
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 100; i++) {
        const r = await engineB.drive(executionId);
        if (r.kind === 'ended') break;
        await new Promise((res) =>
          setTimeout(
            res,
            r.kind === 'parked' && r.wakeAt ? Math.max(0, Date.parse(r.wakeAt) - Date.now()) : 50,
          ),
        );
      }
      const done = await engineB.describeExecution(executionId);
      expect(done.status).toBe('SUCCEEDED');
      expect(calls).toEqual([true]);
      const history = await engineB.getExecutionHistory(executionId);
      const scheduled = history.filter((e) => e.type === 'TaskScheduled' && e.stateName === 'CreatePolicy');
      expect(scheduled).toHaveLength(1);
      const succeeded = history.find((e) => e.type === 'TaskSucceeded' && e.stateName === 'CreatePolicy')!;
      expect((succeeded.details.output as { Policy: { PolicyName: string } }).Policy.PolicyName).toBe(
        created!.PolicyName,
      );
      expect((await b.backend.listPolicies({ Scope: 'Local' })).Policies).toEqual([]);
      expect((await b.backend.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies).toEqual(
        [],
      );
    } finally {
      await b.store.close();
    }
  }, 30_000);
});

describe('grantflow workflow resume', () => {
  it('says when there is nothing to resume', async () => {
    const result = await runCli(['workflow', 'resume', '--data-dir', join(dir, 'data')]);
    expect([result.code, result.stdout]).toEqual([0, 'No execution to resume.\n']);
  });
});
