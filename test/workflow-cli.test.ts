// `grantflow workflow`: usage, bad definitions and inputs, failed executions, describe, and task
// tokens answered from another command while `run` waits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIamBackend } from '../src/cloud/index.ts';
import { openStore } from '../src/store/index.ts';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { anthropicText, startAnthropicFake } from './fakes/anthropic.ts';
import { runCli } from './helpers/cli.ts';

let dir: string;
let data: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'grantflow-wfcli-'));
  data = join(dir, 'data');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const machine = (states: Record<string, unknown>) => ({
  QueryLanguage: 'JSONata',
  StartAt: Object.keys(states)[0],
  States: states,
});

describe('grantflow workflow usage', () => {
  it('needs a known subcommand and its required options', async () => {
    expect(await runCli(['workflow'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('a subcommand is required'),
    });
    expect(await runCli(['workflow', 'go'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown subcommand "go"'),
    });
    expect(await runCli(['workflow', 'run', '--input', 'x'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--definition FILE is required'),
    });
    const def = file('d.json', machine({ A: { Type: 'Succeed' } }));
    expect(await runCli(['workflow', 'run', '--definition', def])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--input FILE is required'),
    });
    const input = file('i.json', {});
    for (const [flag, value, message] of [
      ['--wait-scale', 'fast', '--wait-scale must be a non-negative number (got "fast")'],
      ['--format', 'yaml', '--format must be one of text, json (got "yaml")'],
      ['--provider', 'gpt', '--provider must be one of offline'],
    ]) {
      const r = await runCli([
        'workflow',
        'run',
        '--definition',
        def,
        '--input',
        input,
        '--data-dir',
        data,
        flag!,
        value!,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect((await runCli(['workflow', '--help'])).stdout).toContain('Usage: grantflow workflow <subcommand>');
  });

  it('names unreadable files and invalid JSON', async () => {
    const input = file('i.json', {});
    const missing = await runCli([
      'workflow',
      'run',
      '--definition',
      join(dir, 'none.json'),
      '--input',
      input,
      '--data-dir',
      data,
    ]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('none.json: no such file')]);
    const bad = await runCli([
      'workflow',
      'run',
      '--definition',
      file('d.json', '{"x":'),
      '--input',
      input,
      '--data-dir',
      data,
    ]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('d.json is not valid JSON')]);
  });

  it('lists every problem of an invalid definition, and exits 2', async () => {
    const def = file(
      'd.json',
      machine({
        A: { Type: 'Pass', Next: 'Nowhere', Parameters: {} },
        B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true },
      }),
    );
    const r = await runCli([
      'workflow',
      'run',
      '--definition',
      def,
      '--input',
      file('i.json', {}),
      '--data-dir',
      data,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid state machine definition');
    expect(r.stderr).toContain('/States/A/Parameters: is a JSONPath field; JSONata states use Arguments');
    expect(r.stderr).toContain('/States/A/Next: must name a state of this state machine (got "Nowhere")');
  });

  it('refuses a resource without a connector before starting', async () => {
    const def = file(
      'd.json',
      machine({ B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } }),
    );
    const r = await runCli([
      'workflow',
      'run',
      '--definition',
      def,
      '--input',
      file('i.json', {}),
      '--data-dir',
      data,
    ]);
    expect([r.code, r.stderr]).toEqual([
      2,
      expect.stringContaining('/States/B/Resource: no connector for arn:aws:states:::lambda:invoke'),
    ]);
  });

  it('refuses --create-target without a user or role ARN in the input', async () => {
    const def = file('d.json', machine({ A: { Type: 'Succeed' } }));
    const r = await runCli([
      'workflow',
      'run',
      '--definition',
      def,
      '--input',
      file('i.json', { x: 1 }),
      '--data-dir',
      data,
      '--create-target',
    ]);
    expect([r.code, r.stderr]).toEqual([
      2,
      expect.stringContaining("--create-target needs the input's target_iam_identity_arn"),
    ]);
  });
});

describe('grantflow workflow run and describe', () => {
  it('exits 1 for a failed execution and says why on stderr', async () => {
    const def = file(
      'd.json',
      machine({ F: { Type: 'Fail', Error: 'Grant.Refused', Cause: 'not allowed' } }),
    );
    const r = await runCli([
      'workflow',
      'run',
      '--definition',
      def,
      '--input',
      file('i.json', {}),
      '--data-dir',
      data,
      '--format',
      'json',
      '--name',
      'refused-1',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      status: 'FAILED',
      output: null,
      history: [
        { type: 'ExecutionStarted', stateName: null, timestamp: expect.any(String) },
        { type: 'FailStateEntered', stateName: 'F', timestamp: expect.any(String) },
        { type: 'ExecutionFailed', stateName: null, timestamp: expect.any(String) },
      ],
    });
    expect(r.stderr).toBe('grantflow workflow run: FAILED: Grant.Refused: not allowed\n');

    const again = await runCli([
      'workflow',
      'run',
      '--definition',
      def,
      '--input',
      file('i.json', {}),
      '--data-dir',
      data,
      '--name',
      'refused-1',
    ]);
    expect([again.code, again.stderr]).toEqual([
      2,
      expect.stringContaining('an execution named refused-1 already exists'),
    ]);

    const described = await runCli([
      'workflow',
      'describe',
      'refused-1',
      '--data-dir',
      data,
      '--format',
      'json',
    ]);
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({
      executionId: 'refused-1',
      status: 'FAILED',
      error: 'Grant.Refused',
      cause: 'not allowed',
      definitionName: 'd',
      history: [
        { id: 1, type: 'ExecutionStarted' },
        { id: 2, type: 'FailStateEntered' },
        { id: 3, type: 'ExecutionFailed' },
      ],
    });
    const text = await runCli(['workflow', 'describe', 'refused-1', '--data-dir', data]);
    expect(text.stdout).toContain('Execution refused-1: FAILED');
    expect(text.stdout).toContain('Error: Grant.Refused: not allowed');
    expect(await runCli(['workflow', 'describe', 'nope', '--data-dir', data])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no execution nope'),
    });
  });

  it('waits for a task token answered by another command', async () => {
    const def = file(
      'approve.asl.json',
      machine({
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
          Arguments: {
            TopicArn: 'arn:aws:sns:us-east-1:123456789012:approvals',
            Message: '{% $states.context.Task.Token %}',
          },
          TimeoutSeconds: 60,
          Next: 'Done',
        },
        Done: { Type: 'Pass', Output: { answer: '{% $states.input %}' }, End: true },
      }),
    );
    const running = runCli([
      'workflow',
      'run',
      '--definition',
      def,
      '--input',
      file('i.json', {}),
      '--data-dir',
      data,
      '--format',
      'json',
    ]);
    let token: string | undefined;
    for (let i = 0; i < 100 && !token; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const store = await openStore({ kind: 'sqlite', path: join(data, 'grantflow.db') }).catch(
        () => undefined,
      );
      if (!store) continue;
      const backend = await LocalIamBackend.open(store, { ownsStore: true });
      token = (await backend.listPublishedMessages())[0]?.Message;
      await backend.close();
    }
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const bad = await runCli(['workflow', 'send-task-success', '--token', 'nope', '--data-dir', data]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringContaining('TaskDoesNotExist: No task is waiting for this task token.'),
    ]);
    const answered = await runCli([
      'workflow',
      'send-task-success',
      '--token',
      token!,
      '--output',
      '{"approved":true}',
      '--data-dir',
      data,
    ]);
    expect(answered.code).toBe(0);
    const result = await running;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'SUCCEEDED',
      output: { answer: { approved: true } },
    });
    const twice = await runCli([
      'workflow',
      'send-task-failure',
      '--token',
      token!,
      '--error',
      'Denied',
      '--data-dir',
      data,
    ]);
    expect([twice.code, twice.stderr]).toEqual([
      2,
      expect.stringContaining('TaskTimedOut: The task of this token is over'),
    ]);
  });
});

describe('grantflow workflow resume', () => {
  it('does not wait for executions waiting for a task token', async () => {
    const store = await openStore({ kind: 'sqlite', path: join(data, 'grantflow.db') });
    try {
      const { KyselyExecutionStore, WorkflowEngine } = await import('../src/workflow/index.ts');
      const engine = new WorkflowEngine({
        store: new KyselyExecutionStore(store.db),
        connectors: { 'arn:aws:states:::sns:publish': async () => ({}) },
      });
      const { executionId } = await engine.startExecution({
        definition: machine({
          Ask: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
            Arguments: {},
            End: true,
          },
        }),
        name: 'asking',
      });
      expect(await engine.drive(executionId)).toEqual({ kind: 'parked' });
    } finally {
      await store.close();
    }
    const r = await runCli(['workflow', 'resume', '--data-dir', data]);
    expect([r.code, r.stdout]).toEqual([0, 'asking: RUNNING\n']);
  });
});

describe('grantflow workflow run with an LLM provider', () => {
  it('sends the seed’s Bedrock body to the configured provider and uses its answer', async () => {
    const fake = await startAnthropicFake();
    try {
      const policy = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
      };
      fake.enqueue(
        anthropicText(
          JSON.stringify({
            policy: JSON.stringify(policy),
            policy_type: 'IDENTITY_POLICY',
            description: 'list buckets',
          }),
        ),
      );
      const input = file('i.json', {
        requested_task: 'I need to list my S3 buckets',
        target_iam_identity: 'USER',
        target_iam_identity_arn: 'arn:aws:iam::123456789012:user/dev-kim',
        required_attach_time: 1,
        account_id: '123456789012',
        region: 'us-east-1',
      });
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        readStdin: async () => '',
        cwd: dir,
        env: { ANTHROPIC_API_KEY: 'test-anthropic-key' },
      };
      const seed = new URL('../../shared/data/seed-workflow.asl.json', import.meta.url).pathname;
      const code = await main(
        [
          'workflow',
          'run',
          '--definition',
          seed,
          '--input',
          input,
          '--data-dir',
          data,
          '--create-target',
          '--format',
          'json',
          '--provider',
          'anthropic',
          '--endpoint',
          fake.url,
          '--wait-scale',
          '0',
        ],
        io,
      );
      expect([code, stderr]).toEqual([0, '']);
      expect(JSON.parse(stdout).status).toBe('SUCCEEDED');
      const [sent] = fake.accepted;
      const text = JSON.stringify((sent!.json as { messages: unknown }).messages);
      expect(text).toContain('<requested-task>I need to list my S3 buckets</requested-task>');
      const described = await runCli([
        'workflow',
        'describe',
        await latestExecution(),
        '--data-dir',
        data,
        '--format',
        'json',
      ]);
      const history = JSON.parse(described.stdout).history as {
        type: string;
        stateName?: string;
        details: Record<string, unknown>;
      }[];
      const created = history.find((e) => e.type === 'TaskScheduled' && e.stateName === 'CreatePolicy')!;
      expect(JSON.parse((created.details.parameters as { PolicyDocument: string }).PolicyDocument)).toEqual(
        policy,
      );
    } finally {
      await fake.close();
    }
  });
});

async function latestExecution(): Promise<string> {
  const store = await openStore({ kind: 'sqlite', path: join(data, 'grantflow.db') });
  try {
    const row = await store.db.selectFrom('workflow_executions').select('id').executeTakeFirstOrThrow();
    return row.id;
  } finally {
    await store.close();
  }
}
