// grantflow's lifecycle deployed as `workflow export` writes it, run by a Step Functions-compatible
// endpoint (grantflow's local one, over the AWS SDK's wire protocol), its grantflow steps in the
// tasks function, and the lifecycle service driving it through the Step Functions API: the
// service starts executions, answers the approval and hold tokens, and reads status and history.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIamBackend } from '../src/cloud/index.ts';
import type { Notification } from '../src/notify/types.ts';
import { listAuditLog } from '../src/store/audit-log.ts';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import { grantflowConnectors } from '../src/workflow/connectors/grantflow.ts';
import { LifecycleService } from '../src/workflow/lifecycle/index.ts';
import { deployLifecycleLocally } from '../src/workflow/stepfunctions/index.ts';
import type { RunningStepFunctions } from '../src/workflow/stepfunctions/index.ts';
import { tasksFunction } from '../src/workflow/stepfunctions/tasks-function.ts';
import { main } from '../src/cli/main.ts';
import { hashToken } from '../src/server/index.ts';
import { runCli, stoppableIo } from './helpers/cli.ts';
import { attachedPolicies, grantflowPolicies, seedRequest } from './lifecycle-helpers.ts';

const ACCOUNT = '123456789012';
const REGION = 'ap-northeast-2';
const CREDENTIALS = { AccessKeyId: 'AKIAGRANTFLOWTEST001', SecretAccessKey: 'local-step-functions-secret' };

interface Deployment {
  readonly store: Store;
  readonly awsSide: Store;
  readonly backend: LocalIamBackend;
  readonly endpoint: RunningStepFunctions;
  readonly client: SFNClient;
  readonly service: LifecycleService;
  readonly sent: Notification[];
  readonly invocations: string[];
}

let dir: string;
let d: Deployment;

async function deploy(): Promise<Deployment> {
  // grantflow's store (requests, approvals, audit log, the embedded IAM standing in for AWS IAM),
  // shared by the service and the tasks function; and the Step Functions side's own store.
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'grantflow.db') });
  const awsSide = await openStore({ kind: 'sqlite', path: join(dir, 'stepfunctions.db') });
  const backend = await LocalIamBackend.open(store);
  await backend.createUser({ UserName: 'dev-kim' });
  const sent: Notification[] = [];
  const notifier = { notify: async (n: Notification) => void sent.push(n) };
  const invocations: string[] = [];
  const tasks = tasksFunction(
    grantflowConnectors({ db: store.db, notifier, guard: { autoGrantLevels: ['List', 'Read'] } }),
  );
  const deployment = await deployLifecycleLocally({
    executions: awsSide.db,
    backend,
    tasks,
    credentials: CREDENTIALS,
    accountId: ACCOUNT,
    region: REGION,
    pollIntervalMs: 50,
    onInvoke: (event) => invocations.push((event as { Task: string }).Task),
  });
  const client = new SFNClient({
    region: REGION,
    endpoint: deployment.endpoint.url,
    credentials: { accessKeyId: CREDENTIALS.AccessKeyId, secretAccessKey: CREDENTIALS.SecretAccessKey },
  });
  const stateMachineArn = deployment.stateMachineArn;
  const endpoint = deployment.endpoint;
  const service = await LifecycleService.open({
    store,
    backend,
    notifier,
    approvers: ['sec-lee'],
    expiryDetachIntervalMs: 0,
    stepFunctions: { client, stateMachineArn, pollIntervalMs: 50 },
  });
  return { store, awsSide, backend, endpoint, client, service, sent, invocations };
}

/** Why the workflow revoked a grant, as its `grant.revoking` audit entry says. */
async function revokingReason(id: string) {
  const entry = (await listAuditLog(d.store.db, { subject: id })).find((e) => e.type === 'grant.revoking');
  const details = entry?.details as { reason?: string; by?: string } | undefined;
  return { reason: details?.reason, by: details?.by };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'grantflow-sfn-'));
  d = await deploy();
});

afterEach(async () => {
  await d.service.stop();
  await d.endpoint.close();
  d.client.destroy();
  await d.store.close();
  await d.awsSide.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the lifecycle on Step Functions', () => {
  it('asks for an approval, attaches once approved, and revokes early: every answer through the Step Functions API', async () => {
    const submitted = await d.service.submitRequest(seedRequest(3600), 'dev-kim');
    expect(submitted.execution?.id).toBe(submitted.id);
    expect(await d.service.drive(submitted.id)).toBe('RUNNING');
    const pending = await d.service.getRequest(submitted.id);
    expect(pending.status).toBe('pending_approval');
    // Where it waits, read from its newest events; a listing does not pay that call for each request.
    expect(pending.execution).toEqual({
      id: submitted.id,
      status: 'RUNNING',
      currentState: 'AwaitApproval',
    });
    const listed = (await d.service.listGrants()).find((v) => v.id === submitted.id);
    expect(listed?.execution).toEqual({ id: submitted.id, status: 'RUNNING' });
    expect(d.sent.map((n) => n.event)).toContain('request.needs-approval');

    // The requester cannot approve; an approver can, for this exact policy.
    await expect(d.service.approve(submitted.id, 'dev-kim')).rejects.toMatchObject({ code: 'SELF_APPROVAL' });
    await d.service.approve(submitted.id, 'sec-lee', { policyHash: pending.policyHash! });
    expect(await d.service.drive(submitted.id)).toBe('RUNNING');
    const active = await d.service.getRequest(submitted.id);
    expect(active.status).toBe('active');
    expect(active.execution?.currentState).toBe('HoldUntilExpiry');
    expect(await attachedPolicies(d.backend)).toEqual([active.policyArn]);

    await d.service.revoke(submitted.id, 'dev-kim');
    await d.service.settled(submitted.id);
    const revoked = await d.service.getRequest(submitted.id);
    expect(revoked.status).toBe('revoked');
    expect(await revokingReason(submitted.id)).toEqual({ reason: 'early', by: 'dev-kim' });
    expect(revoked.execution).toEqual({ id: submitted.id, status: 'SUCCEEDED' });
    expect(await attachedPolicies(d.backend)).toEqual([]);
    expect(await grantflowPolicies(d.backend)).toEqual([]);

    // Every grantflow step ran in the tasks function; the IAM steps were the state machine's own.
    expect(new Set(d.invocations)).toEqual(new Set(['generate', 'record', 'approval', 'harden', 'hold']));
    const history = await d.service.history(submitted.id);
    expect(history[0]!.type).toBe('ExecutionStarted');
    expect(history.at(-1)!.type).toBe('ExecutionSucceeded');
    const entered = history.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.stateName);
    expect(entered).toEqual(
      expect.arrayContaining([
        'Generate',
        'AwaitApproval',
        'CreatePolicy',
        'HoldUntilExpiry',
        'DeletePolicy',
      ]),
    );
    expect(history.find((e) => e.type === 'LambdaFunctionScheduled')?.stateName).toBe('Generate');
    expect(history.find((e) => e.type === 'TaskScheduled')?.stateName).toBe('AwaitApproval');
  });

  it('a denial ends the request without creating anything', async () => {
    const submitted = await d.service.submitRequest(seedRequest(3600), 'dev-kim');
    await d.service.drive(submitted.id);
    await d.service.deny(submitted.id, 'sec-lee', 'not this week');
    await d.service.settled(submitted.id);
    const denied = await d.service.getRequest(submitted.id);
    expect(denied.status).toBe('denied');
    expect(denied.approvals).toMatchObject([
      { approver: 'sec-lee', decision: 'deny', reason: 'not this week' },
    ]);
    expect(await grantflowPolicies(d.backend)).toEqual([]);
    expect(d.invocations).not.toContain('hold');
  });

  it('a grant that needs no approval is held until the hold times out at expiry, then detached and deleted', async () => {
    const submitted = await d.service.submitRequest(
      seedRequest(2, 'I want to list my S3 buckets in the console'),
      'dev-kim',
    );
    await d.service.drive(submitted.id);
    const active = await d.service.getRequest(submitted.id);
    expect(active.status).toBe('active');
    expect(await attachedPolicies(d.backend)).toEqual([active.policyArn]);
    await d.service.settled(submitted.id);
    const expired = await d.service.getRequest(submitted.id);
    expect(expired.status).toBe('revoked');
    expect(await revokingReason(submitted.id)).toEqual({ reason: 'expired', by: 'grantflow' });
    expect(await attachedPolicies(d.backend)).toEqual([]);
    expect(await grantflowPolicies(d.backend)).toEqual([]);
  });

  it('the CLI works on the deployed state machine when GRANTFLOW_STATE_MACHINE_ARN names it', async () => {
    const submitted = await d.service.submitRequest(seedRequest(3600), 'dev-kim');
    await d.service.drive(submitted.id);
    const env = {
      GRANTFLOW_STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:grantflow-lifecycle`,
      GRANTFLOW_STEPFUNCTIONS_ENDPOINT: d.endpoint.url,
      AWS_ACCESS_KEY_ID: CREDENTIALS.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.SecretAccessKey,
      GRANTFLOW_APPROVERS: 'sec-lee',
      GRANTFLOW_NOTIFY_LOG: 'off',
    };
    const approved = await runCli(
      ['approve', submitted.id, '--approver', 'sec-lee', '--data-dir', dir, '--format', 'json'],
      { env },
    );
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id: submitted.id, status: 'active' });
    expect((await attachedPolicies(d.backend)).length).toBe(1);
    const revoked = await runCli(['revoke', submitted.id, '--data-dir', dir, '--format', 'json'], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    await d.service.settled(submitted.id);
    expect(await attachedPolicies(d.backend)).toEqual([]);
    const bad = await runCli(['status', submitted.id, '--data-dir', dir], {
      env: { ...env, GRANTFLOW_STATE_MACHINE_ARN: 'arn:aws:states:::nope' },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /GRANTFLOW_STATE_MACHINE_ARN "arn:aws:states:::nope" is not a state machine ARN/,
    );
  });

  it('`serve --port` on the deployed state machine: the HTTP API asks, approves and shows the history', async () => {
    const KIM = `arn:aws:iam::${ACCOUNT}:user/dev-kim`;
    const { io, stderr, stop } = stoppableIo({
      cwd: dir,
      env: {
        GRANTFLOW_STATE_MACHINE_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:grantflow-lifecycle`,
        GRANTFLOW_STEPFUNCTIONS_ENDPOINT: d.endpoint.url,
        AWS_ACCESS_KEY_ID: CREDENTIALS.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.SecretAccessKey,
        GRANTFLOW_APPROVERS: 'arn:aws:iam::123456789012:user/sec-lee',
        GRANTFLOW_NOTIFY_LOG: 'off',
        GRANTFLOW_API_TOKENS: JSON.stringify({
          [hashToken('kim-secret')]: { identity: KIM, roles: ['requester'] },
          [hashToken('lee-secret')]: {
            identity: 'arn:aws:iam::123456789012:user/sec-lee',
            roles: ['approver'],
          },
        }),
      },
    });
    const served = main(['serve', '--data-dir', dir, '--port', '0'], io);
    let url: string | undefined;
    while (!(url = /HTTP API listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(stderr())?.[1]))
      await new Promise((r) => setTimeout(r, 20));
    expect(stderr()).toContain('running: executions on Step Functions (arn:aws:states:');
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const created = await fetch(`${url}/v1/requests`, {
      method: 'POST',
      headers: as('kim-secret'),
      body: JSON.stringify({ ...seedRequest(3600), target_iam_identity_arn: KIM }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const view = async () =>
      (await (await fetch(`${url}/v1/requests/${id}`, { headers: as('kim-secret') })).json()) as {
        status: string;
        policy?: { sha256: string };
        history: { type: string; stateName?: string }[];
      };
    let pending = await view();
    while (pending.status !== 'pending_approval') {
      await new Promise((r) => setTimeout(r, 50));
      pending = await view();
    }
    const approved = await fetch(`${url}/v1/requests/${id}/approve`, {
      method: 'POST',
      headers: as('lee-secret'),
      body: JSON.stringify({ policyHash: pending.policy!.sha256 }),
    });
    expect(approved.status).toBe(200);
    let active = await view();
    while (active.status !== 'active') {
      await new Promise((r) => setTimeout(r, 50));
      active = await view();
    }
    // The history is Step Functions' own, read through its API.
    expect(active.history.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'ExecutionStarted',
        'LambdaFunctionSucceeded',
        'TaskSubmitted',
        'TaskSucceeded',
      ]),
    );
    expect(active.history.find((e) => e.stateName === 'AttachUserPolicy')?.type).toBe('TaskStateEntered');
    expect((await attachedPolicies(d.backend)).length).toBe(1);
    await d.service.revoke(id, 'dev-kim');
    await d.service.settled(id);
    stop();
    expect(await served).toBe(0);
  });

  it('a request Step Functions cannot start is failed and audited, not left waiting', async () => {
    const unreachable = new SFNClient({
      region: REGION,
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
      credentials: { accessKeyId: CREDENTIALS.AccessKeyId, secretAccessKey: CREDENTIALS.SecretAccessKey },
    });
    const service = await LifecycleService.open({
      store: d.store,
      backend: d.backend,
      expiryDetachIntervalMs: 0,
      stepFunctions: {
        client: unreachable,
        stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:grantflow-lifecycle`,
      },
    });
    try {
      await expect(service.submitRequest(seedRequest(3600), 'dev-kim')).rejects.toThrow(
        /could not be started/,
      );
      const [row] = await d.store.db.selectFrom('access_requests').selectAll().execute();
      expect(row!.status).toBe('failed');
      const audit = await listAuditLog(d.store.db, { subject: row!.id });
      expect(audit.map((e) => e.type)).toEqual(['request.created', 'request.start-failed']);
    } finally {
      unreachable.destroy();
    }
  });

  it('the service has no embedded engine to drive, and nothing to resume: Step Functions keeps the executions', async () => {
    expect(d.service.executions.engineKind).toBe('stepfunctions');
    expect(() => d.service.engine).toThrow(/runs on AWS Step Functions/);
    expect(await d.service.resumeDue()).toEqual([]);
    await expect(d.service.drive('req-none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
