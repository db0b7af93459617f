// The seed's state machine (shared/data/seed-workflow.asl.json), unmodified, on the embedded
// interpreter with the embedded defaults: the local IAM, the validator, the offline model, SNS.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalIamBackend } from '../src/cloud/index.ts';
import type { Notification } from '../src/notify/types.ts';
import { openStore } from '../src/store/index.ts';
import { KyselyExecutionStore, WorkflowEngine, defaultConnectors } from '../src/workflow/index.ts';
import type { HistoryEvent, Json } from '../src/workflow/index.ts';
import { LocalIamBackend as Local } from '../src/cloud/index.ts';
import { runCli } from './helpers/cli.ts';

const SEED_PATH = new URL('../../shared/data/seed-workflow.asl.json', import.meta.url);
const SEED = readFileSync(SEED_PATH, 'utf8');
const ADMIN_TOPIC = 'arn:aws:sns:ap-northeast-2:617709266586:TEMP';

const request = (fields: Record<string, Json> = {}) => ({
  requested_task: 'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다. 권한 요청드립니다.',
  target_iam_identity: 'USER',
  target_iam_identity_arn: 'arn:aws:iam::123456789012:user/dev-kim',
  required_attach_time: 3600,
  account_id: '123456789012',
  region: 'ap-northeast-2',
  ...fields,
});

describe('the seed definition on the embedded engine', () => {
  let backend: LocalIamBackend;
  let engine: WorkflowEngine;
  let now: number;
  const notifications: Notification[] = [];

  beforeEach(async () => {
    now = Date.parse('2030-01-01T00:00:00.000Z');
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    backend = await Local.open(store, { ownsStore: true });
    notifications.length = 0;
    engine = new WorkflowEngine({
      store: new KyselyExecutionStore(store.db),
      connectors: defaultConnectors({
        backend,
        notifier: { notify: async (n) => void notifications.push(n) },
      }),
      clock: () => new Date(now),
    });
  });
  afterEach(() => backend.close());

  async function start(input: Json) {
    const { executionId } = await engine.startExecution({ definition: SEED, definitionName: 'seed', input });
    return executionId;
  }

  const types = (history: HistoryEvent[]) =>
    history.map((e) => `${e.type}${e.stateName ? ` ${e.stateName}` : ''}`);

  it('creates, attaches, waits, detaches and deletes the policy, then tells the administrator', async () => {
    await backend.createUser({ UserName: 'dev-kim' });
    const id = await start(request());
    const parked = await engine.drive(id);
    expect(parked).toEqual({ kind: 'parked', wakeAt: '2030-01-01T01:00:00.000Z' });

    // During the wait the drafted policy is attached to the user.
    const attached = (await backend.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies;
    expect(attached).toHaveLength(1);
    const arn = attached[0]!.PolicyArn;
    expect(attached[0]!.PolicyName).toBe(`generated_by_workflow_${Date.parse('2030-01-01T00:00:00.000Z')}`);
    const { Policy } = await backend.getPolicy({ PolicyArn: arn });
    const { PolicyVersion } = await backend.getPolicyVersion({
      PolicyArn: arn,
      VersionId: Policy.DefaultVersionId,
    });
    const actions = JSON.parse(PolicyVersion.Document!).Statement.flatMap(
      (s: { Action: string | string[] }) => [s.Action].flat(),
    );
    expect(actions.some((a: string) => a.startsWith('translate:'))).toBe(true);
    expect(actions.some((a: string) => a.startsWith('transcribe:'))).toBe(true);
    expect(Policy.Description).toContain('dev-kim');

    now += 3_600_000;
    expect(await engine.drive(id)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    expect((await backend.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies).toEqual([]);
    await expect(backend.getPolicy({ PolicyArn: arn })).rejects.toThrow(
      /not found|cannot be found|does not exist/i,
    );

    const messages = await backend.listPublishedMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ TopicArn: ADMIN_TOPIC, Message: '{}' });
    expect(notifications.map((n) => [n.event, n.audience])).toEqual([['workflow.sns-publish', ['admins']]]);
    const done = await engine.describeExecution(id);
    expect(done.output).toEqual({ MessageId: messages[0]!.MessageId });

    const history = await engine.getExecutionHistory(id);
    const entries = history.filter((e) => e.type.endsWith('StateEntered') || e.type.startsWith('Execution'));
    expect(types(entries)).toEqual([
      'ExecutionStarted',
      'PassStateEntered Temp state for variables',
      'TaskStateEntered Create IAM Policy By Bedrock',
      'TaskStateEntered ValidatePolicy',
      'ChoiceStateEntered Is validated policy',
      'TaskStateEntered CreatePolicy',
      'ChoiceStateEntered What is target identity',
      'TaskStateEntered AttachUserPolicy',
      'WaitStateEntered Wait for policy detach [USER]',
      'TaskStateEntered DetachUserPolicy',
      'TaskStateEntered DeletePolicy',
      'TaskStateEntered Send message to administrator',
      'ExecutionSucceeded',
    ]);
    const wait = history.filter((e) => e.stateName === 'Wait for policy detach [USER]');
    expect(wait.map((e) => [e.type, e.timestamp])).toEqual([
      ['WaitStateEntered', '2030-01-01T00:00:00.000Z'],
      ['WaitStateExited', '2030-01-01T01:00:00.000Z'],
    ]);
  });

  it('takes the ROLE branch for a role', async () => {
    await backend.createRole({
      RoleName: 'builder',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    const id = await start(
      request({
        requested_task: 'I need to read objects in the S3 bucket build-artifacts',
        target_iam_identity: 'ROLE',
        target_iam_identity_arn: 'arn:aws:iam::123456789012:role/builder',
        required_attach_time: 60,
      }),
    );
    expect((await engine.drive(id)).kind).toBe('parked');
    expect((await backend.listAttachedRolePolicies({ RoleName: 'builder' })).AttachedPolicies).toHaveLength(
      1,
    );
    now += 60_000;
    expect(await engine.drive(id)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    expect((await backend.listAttachedRolePolicies({ RoleName: 'builder' })).AttachedPolicies).toEqual([]);
    expect(types(await engine.getExecutionHistory(id))).toEqual(
      expect.arrayContaining([
        'TaskStateEntered AttachRolePolicy',
        'WaitStateEntered Wait for policy detach [ROLE]',
        'TaskStateEntered DetachRolePolicy',
      ]),
    );
    expect((await backend.listPolicies({ Scope: 'Local' })).Policies).toEqual([]);
  });

  it('drafts again with the findings, then asks the requester for what is missing', async () => {
    const id = await start(request({ requested_task: '권한 좀 주세요' }));
    expect(await engine.drive(id)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    const history = await engine.getExecutionHistory(id);
    expect(
      types(history).filter((t) => t.startsWith('TaskStateEntered') || t.startsWith('ChoiceStateEntered')),
    ).toEqual([
      'TaskStateEntered Create IAM Policy By Bedrock',
      'TaskStateEntered ValidatePolicy',
      'ChoiceStateEntered Is validated policy',
      'ChoiceStateEntered Is try count over 1',
      'TaskStateEntered Create IAM Policy By Bedrock',
      'TaskStateEntered ValidatePolicy',
      'ChoiceStateEntered Is validated policy',
      'ChoiceStateEntered Is try count over 1',
      'TaskStateEntered Create request information message for regeneration',
      'TaskStateEntered Publish message to client',
    ]);
    // The second draft was asked with the first one's findings.
    const prompts = history
      .filter((e) => e.type === 'TaskScheduled' && e.stateName === 'Create IAM Policy By Bedrock')
      .map((e) => JSON.stringify(e.details.parameters));
    expect(prompts[0]).toContain('<finding>NONE</finding>');
    expect(prompts[1]).toContain('<finding>1. The Statement array is empty');

    const messages = await backend.listPublishedMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]!.Message).toContain('IAM 정책을 자동으로 만들지 못했습니다');
    expect(messages[0]!.Message).toContain('사용하려는 서비스');
    expect((await backend.listPolicies({ Scope: 'Local' })).Policies).toEqual([]);
  });

  it('fails as Step Functions would when the target user does not exist, leaving the seed’s policy behind', async () => {
    const id = await start(request());
    const result = await engine.drive(id);
    expect(result).toEqual({ kind: 'ended', status: 'FAILED' });
    const done = await engine.describeExecution(id);
    expect(done.error).toBe('Iam.NoSuchEntityException');
    // The seed has no Catch: the created policy stays (grantflow's own definition cleans up).
    expect((await backend.listPolicies({ Scope: 'Local' })).Policies).toHaveLength(1);
  });
});

describe('grantflow workflow run with the seed', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantflow-seed-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints exactly status, output and history, and leaves no access behind', async () => {
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify(request({ required_attach_time: 2 })));
    const started = Date.now();
    const result = await runCli([
      'workflow',
      'run',
      '--definition',
      SEED_PATH.pathname,
      '--input',
      input,
      '--data-dir',
      join(dir, 'data'),
      '--create-target',
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    const printed = JSON.parse(result.stdout);
    expect(Object.keys(printed)).toEqual(['status', 'output', 'history']);
    expect(printed.status).toBe('SUCCEEDED');
    expect(Object.keys(printed.output)).toEqual(['MessageId']);
    for (const item of printed.history) expect(Object.keys(item)).toEqual(['type', 'stateName', 'timestamp']);
    expect(printed.history[0]).toEqual({
      type: 'ExecutionStarted',
      stateName: null,
      timestamp: expect.any(String),
    });
    const seen = printed.history.map(
      (h: { type: string; stateName: string | null }) => `${h.type} ${h.stateName}`,
    );
    for (const step of [
      'CreatePolicy',
      'AttachUserPolicy',
      'DetachUserPolicy',
      'DeletePolicy',
      'Send message to administrator',
    ]) {
      expect(seen).toContain(`TaskSucceeded ${step}`);
    }

    const store = await openStore({ kind: 'sqlite', path: join(dir, 'data', 'grantflow.db') });
    const backend = await Local.open(store, { ownsStore: true });
    try {
      expect((await backend.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies).toEqual([]);
      expect((await backend.listPolicies({ Scope: 'Local' })).Policies).toEqual([]);
      expect((await backend.listPublishedMessages()).map((m) => m.TopicArn)).toEqual([ADMIN_TOPIC]);
    } finally {
      await backend.close();
    }
  });

  it('shortens the wait with --wait-scale and shows progress as text', async () => {
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify(request({ required_attach_time: 3600 })));
    const result = await runCli([
      'workflow',
      'run',
      '--definition',
      SEED_PATH.pathname,
      '--input',
      input,
      '--data-dir',
      join(dir, 'data'),
      '--create-target',
      '--wait-scale',
      '0.0001',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Execution [0-9a-f-]{36}\n/);
    expect(result.stdout).toContain('WaitStateEntered  Wait for policy detach [USER]');
    expect(result.stdout).toContain('Status: SUCCEEDED');
  });
});
