// The access-request lifecycle on the embedded IAM: grantflow's own definition driven by the
// LifecycleService, with the outcomes of generate, approvals, early revoke and injected failures.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compilePolicySet, decide } from '../src/evaluate/index.ts';
import { parseAccessRequest } from '../src/generate/request.ts';
import { probeRequest } from '../src/generate/probe.ts';
import { listAuditLog, verifyAuditLog } from '../src/store/index.ts';
import { StatesError, parseDefinition } from '../src/workflow/index.ts';
import type { ConnectorMap } from '../src/workflow/index.ts';
import { LifecycleError, lifecycleDefinition, policyHash } from '../src/workflow/lifecycle/index.ts';
import { DEFAULT_GRACE_SECONDS } from '../src/workflow/reconciler.ts';
import type { LifecycleOptions } from '../src/workflow/lifecycle/index.ts';
import { attachedPolicies, grantflowPolicies, harness, seedRequest } from './lifecycle-helpers.ts';
import type { Harness } from './lifecycle-helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Guardrails that let only List and Read through without an approval: the seed's request then needs one. */
const STRICT: Partial<LifecycleOptions> = { guard: { autoGrantLevels: ['List', 'Read'] } };

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface RawState {
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[] }[];
}

const auditTypes = async (x: Harness, id: string) =>
  (await listAuditLog(x.store.db, { subject: id })).map((e) => e.type);

describe('the shipped definition', () => {
  it('parses, and uses only resources the lifecycle connects', () => {
    const machine = parseDefinition(lifecycleDefinition());
    const resources = new Set(
      [...machine.states.values()].flatMap((s) => (s.type === 'Task' ? [s.resource] : [])),
    );
    expect([...resources].filter((r) => r.includes(':grantflow:')).sort()).toEqual([
      'arn:aws:states:::grantflow:approval.waitForTaskToken',
      'arn:aws:states:::grantflow:generate',
      'arn:aws:states:::grantflow:harden',
      'arn:aws:states:::grantflow:hold.waitForTaskToken',
      'arn:aws:states:::grantflow:record',
    ]);
  });
});

describe('the shipped definition: errors a Catch handles are not retried first', () => {
  it('a Task state whose Catch names an error has no retrier that retries it (Retry is tried before Catch)', () => {
    const states = (lifecycleDefinition() as { States: Record<string, RawState> }).States;
    let checked = 0;
    for (const [name, state] of Object.entries(states)) {
      for (const error of (state.Catch ?? []).flatMap((c) => c.ErrorEquals)) {
        if (error.startsWith('States.')) continue;
        // Step Functions uses the first retrier that matches; States.TaskFailed and States.ALL match any error.
        const retrier = (state.Retry ?? []).find((r) =>
          r.ErrorEquals.some((e) => e === error || e === 'States.ALL' || e === 'States.TaskFailed'),
        );
        expect(retrier?.MaxAttempts ?? 0, `${name}: ${error}`).toBe(0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('a policy someone else already removed is not retried for minutes: the execution goes on at once', async () => {
    h = await harness({ waitScale: 1 });
    const r = await h.service.submitRequest(seedRequest(3600), 'alice');
    await h.service.drive(r.id);
    const active = await h.service.getRequest(r.id);
    // What the reconciler does for an overdue grant: detach and delete behind the execution's back.
    await h.backend.detachUserPolicy({ UserName: 'dev-kim', PolicyArn: active.policyArn! });
    await h.backend.deletePolicy({ PolicyArn: active.policyArn! });
    const started = Date.now();
    h.service.start();
    await h.service.revoke(r.id, 'alice');
    expect((await h.service.settled(r.id)).status).toBe('revoked');
    // Retried, the detach alone would back off for minutes (ten attempts, up to 60 s apart).
    expect(Date.now() - started).toBeLessThan(20_000);
    const history = await h.service.engine.getExecutionHistory(r.id);
    const failedDetaches = history.filter(
      (e) => e.type === 'TaskFailed' && e.stateName === 'DetachUserPolicy',
    );
    expect(failedDetaches).toHaveLength(1);
  });
});

describe('grant → hold → revoke on the embedded IAM', () => {
  it('attaches during the wait, then detaches, verifies, deletes; record terminal, audit log intact', async () => {
    h = await harness();
    h.service.start();
    const submitted = await h.service.submitRequest(seedRequest(2), 'alice');
    const active = await until(
      () => h!.service.getRequest(submitted.id),
      (v) => v.status === 'active',
    );
    expect(active.policyArn).toMatch(/:policy\/grantflow\/grantflow-req-/);
    expect(await attachedPolicies(h.backend)).toEqual([active.policyArn]);
    const tags = await h.backend.listPolicyTags({ PolicyArn: active.policyArn! });
    expect(Object.fromEntries(tags.Tags.map((t) => [t.Key, t.Value]))).toEqual({
      'grantflow:request-id': submitted.id,
      'grantflow:expires-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(active.policyHash).toBe(policyHash(active.policyDocument!));

    const done = await h.service.settled(submitted.id);
    expect(done.status).toBe('revoked');
    expect(done.terminal).toBe(true);
    expect(done.execution?.status).toBe('SUCCEEDED');
    expect(await attachedPolicies(h.backend)).toEqual([]);
    expect(await grantflowPolicies(h.backend)).toEqual([]);
    expect(await auditTypes(h, submitted.id)).toEqual([
      'request.created',
      'policy.drafted',
      'policy.created',
      'policy.attached',
      'grant.waiting',
      'grant.revoking',
      'grant.revoked',
    ]);
    expect((await verifyAuditLog(h.store.db)).intact).toBe(true);
    expect(h.sent.map((n) => n.event)).toEqual(['request.received', 'grant.attached', 'grant.revoked']);
    // The hold lasts the whole granted time: revocation starts at expiresAt, not before it, and
    // well inside the reconciler's grace (the timeout fires within 1 s; the rest is a busy machine).
    const revoking = (await listAuditLog(h.store.db, { subject: submitted.id })).find(
      (e) => e.type === 'grant.revoking',
    );
    const lateMs = Date.parse(revoking!.at) - Date.parse(done.expiresAt!);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(DEFAULT_GRACE_SECONDS * 1000);
  });

  it('the granted policy is unusable after expiresAt (its DateLessThan condition)', async () => {
    h = await harness();
    const submitted = await h.service.submitRequest(seedRequest(60), 'alice');
    await h.service.drive(submitted.id);
    const view = await h.service.getRequest(submitted.id);
    expect(view.status).toBe('active');
    const request = parseAccessRequest(seedRequest(60));
    const set = compilePolicySet({ identityPolicies: [view.policyDocument!] });
    const at = (t: number) => decide(set, probeRequest(request, 'translate:TranslateText', '*', new Date(t)));
    const expires = Date.parse(view.expiresAt!);
    expect(at(expires - 5_000)).toBe('Allowed');
    expect(at(expires + 1_000)).toBe('ImplicitlyDenied');
    await h.service.revoke(submitted.id, 'alice');
    h.service.start();
    expect((await h.service.settled(submitted.id)).status).toBe('revoked');
  });

  it('revoke ends a grant early: detached and deleted long before expiry', async () => {
    h = await harness();
    const submitted = await h.service.submitRequest(seedRequest(3600), 'alice');
    await h.service.drive(submitted.id);
    expect((await h.service.getRequest(submitted.id)).status).toBe('active');
    expect(await attachedPolicies(h.backend)).toHaveLength(1);
    h.service.start();
    await h.service.revoke(submitted.id, 'alice');
    const done = await h.service.settled(submitted.id);
    expect(done.status).toBe('revoked');
    expect(await grantflowPolicies(h.backend)).toEqual([]);
    const revoked = (await listAuditLog(h.store.db, { subject: submitted.id, type: 'grant.revoked' }))[0]!;
    expect(revoked.details).toMatchObject({ reason: 'early', by: 'alice' });
    await expect(h.service.revoke(submitted.id, 'alice')).rejects.toMatchObject({ code: 'NOT_REVOCABLE' });
  });
});

describe('outcomes that grant nothing', () => {
  it('refuse: recorded and notified, nothing created', async () => {
    h = await harness();
    const r = await h.service.submitRequest(seedRequest(60, 'give me iam:* admin everything'), 'alice');
    await h.service.drive(r.id);
    const v = await h.service.getRequest(r.id);
    expect(v.status).toBe('refused');
    expect(v.execution?.status).toBe('SUCCEEDED');
    expect(await auditTypes(h, r.id)).toContain('request.refused');
    expect(h.sent.map((n) => n.event)).toContain('request.refused');
    expect(await grantflowPolicies(h.backend)).toEqual([]);
  });

  it('needs_info: the requester is told what is missing', async () => {
    h = await harness();
    const r = await h.service.submitRequest(seedRequest(60, 'I need access please'), 'alice');
    await h.service.drive(r.id);
    expect((await h.service.getRequest(r.id)).status).toBe('needs_info');
    const n = h.sent.find((x) => x.event === 'request.needs-info')!;
    expect(n.audience).toEqual(['requester']);
    expect(n.text).toMatch(/service/);
    expect(await auditTypes(h, r.id)).toContain('request.needs-info');
  });

  it('bad input is refused before anything is recorded', async () => {
    h = await harness();
    await expect(
      h.service.submitRequest({ ...seedRequest(60), target_iam_identity: 'GROUP' }, 'alice'),
    ).rejects.toThrow(/target_iam_identity/);
    await expect(h.service.submitRequest(seedRequest(60), '')).rejects.toBeInstanceOf(LifecycleError);
    expect(await h.store.db.selectFrom('access_requests').selectAll().execute()).toEqual([]);
  });
});

describe('approvals', () => {
  it("the grant's time starts at the approval: an approval after the drafted end still gets the full time", async () => {
    h = await harness({ ...STRICT, approvers: ['bob'] });
    const r = await h.service.submitRequest(seedRequest(2), 'alice');
    await h.service.drive(r.id);
    const pending = await h.service.getRequest(r.id);
    expect(pending.status).toBe('pending_approval');
    await new Promise((res) =>
      setTimeout(res, Math.max(0, Date.parse(pending.expiresAt!) - Date.now() + 50)),
    );
    const approvedAt = Date.now();
    await h.service.approve(r.id, 'bob', { policyHash: pending.policyHash! });
    await h.service.drive(r.id);
    const active = await h.service.getRequest(r.id);
    expect(active.status).toBe('active');
    // The end moved to approval + 2 s (whole seconds, rounded up); only the expiry condition changed.
    const end = Date.parse(active.expiresAt!);
    expect(end).toBeGreaterThanOrEqual(approvedAt + 2_000);
    expect(end).toBeLessThan(Date.now() + 3_000);
    const withoutEnd = (doc: string) => doc.replaceAll(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, 'END');
    expect(withoutEnd(active.policyDocument!)).toBe(withoutEnd(pending.policyDocument!));
    expect(active.policyHash).toBe(policyHash(active.policyDocument!));
    expect(active.approvals[0]).toMatchObject({ approver: 'bob', policyHash: pending.policyHash });
    const reissued = (await listAuditLog(h.store.db, { subject: r.id, type: 'policy.reissued' }))[0]!;
    expect(reissued.details).toMatchObject({
      approvedHash: pending.policyHash,
      policyHash: active.policyHash,
    });
    // IAM sees the reissued policy: usable now, past the drafted end.
    const { PolicyVersion } = await h.backend.getPolicyVersion({
      PolicyArn: active.policyArn!,
      VersionId: 'v1',
    });
    expect(decodeURIComponent(PolicyVersion.Document!)).toBe(active.policyDocument);
    const request = parseAccessRequest(seedRequest(2));
    const set = compilePolicySet({ identityPolicies: [active.policyDocument!] });
    expect(decide(set, probeRequest(request, 'translate:TranslateText', '*', new Date()))).toBe('Allowed');
    h.service.start();
    expect((await h.service.settled(r.id)).status).toBe('revoked');
    expect(Date.now()).toBeGreaterThanOrEqual(end);
  });

  it('self-approval and non-approvers are refused; an approval is bound to the policy hash', async () => {
    h = await harness({ ...STRICT, approvers: ['alice', 'bob'] });
    const r = await h.service.submitRequest(seedRequest(3600), 'alice');
    await h.service.drive(r.id);
    const pending = await h.service.getRequest(r.id);
    expect(pending.status).toBe('pending_approval');
    expect(h.sent.find((n) => n.event === 'request.needs-approval')?.data?.policyHash).toBe(
      pending.policyHash,
    );
    await expect(h.service.approve(r.id, 'alice')).rejects.toMatchObject({ code: 'SELF_APPROVAL' });
    await expect(h.service.approve(r.id, 'mallory')).rejects.toMatchObject({ code: 'NOT_APPROVER' });
    await expect(h.service.approve(r.id, 'bob', { policyHash: 'f'.repeat(64) })).rejects.toMatchObject({
      code: 'POLICY_CHANGED',
    });
    expect(await grantflowPolicies(h.backend)).toEqual([]);

    // An answer bound to another policy (sent around the service) does not count: it waits again.
    const tail = await h.service.engine.store.loadTail(r.id);
    const token = tail!.waits.find((w) => w.kind === 'task_token' && !w.completedAt)!.taskToken!;
    await h.service.engine.sendTaskSuccess(token, { Decision: 'approve', Approver: 'bob', PolicyHash: 'x' });
    await h.service.drive(r.id);
    expect((await h.service.getRequest(r.id)).execution?.currentState).toBe('AwaitApproval');
    expect(await grantflowPolicies(h.backend)).toEqual([]);

    await h.service.approve(r.id, 'bob', { policyHash: pending.policyHash! });
    await h.service.drive(r.id);
    const active = await h.service.getRequest(r.id);
    expect(active.status).toBe('active');
    expect(active.approvals).toEqual([
      expect.objectContaining({ approver: 'bob', decision: 'approve', policyHash: pending.policyHash }),
    ]);
    expect(await attachedPolicies(h.backend)).toEqual([active.policyArn]);
    await expect(h.service.approve(r.id, 'bob')).rejects.toMatchObject({ code: 'NOT_PENDING' });
    h.service.start();
    await h.service.revoke(r.id, 'bob');
    expect((await h.service.settled(r.id)).status).toBe('revoked');
  });

  it('a listing gives each request the view getRequest gives, describing a few executions at a time', async () => {
    h = await harness({ ...STRICT, approvers: ['bob', 'carol'] });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await h.service.submitRequest(seedRequest(3600), i % 2 === 0 ? 'alice' : 'dave');
      await h.service.drive(r.id);
      ids.push(r.id);
    }
    // Approvals on some, in both orders and by two approvers: each view keeps its own.
    await h.service.deny(ids[3]!, 'carol', 'no');
    await h.service.deny(ids[7]!, 'bob', 'not now');
    const describe = h.service.executions.describe.bind(h.service.executions);
    let running = 0;
    let most = 0;
    const spy = vi.spyOn(h.service.executions, 'describe').mockImplementation(async (id) => {
      most = Math.max(most, ++running);
      await new Promise((done) => setTimeout(done, 2));
      try {
        return await describe(id);
      } finally {
        running--;
      }
    });
    const listed = await h.service.listGrants();
    expect(listed.map((v) => v.id)).toEqual([...ids].reverse());
    expect(spy).toHaveBeenCalledTimes(20);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
    spy.mockRestore();
    for (const view of listed) expect(view).toEqual(await h.service.getRequest(view.id));
    expect(listed.find((v) => v.id === ids[3])!.approvals).toEqual([
      expect.objectContaining({ approver: 'carol', decision: 'deny', reason: 'no' }),
    ]);
    expect(listed.find((v) => v.id === ids[7])!.approvals).toEqual([
      expect.objectContaining({ approver: 'bob', decision: 'deny', reason: 'not now' }),
    ]);
    expect(listed.filter((v) => v.approvals.length > 0).map((v) => v.id)).toEqual([ids[7], ids[3]]);
    expect((await h.service.listGrants({ requester: 'dave', limit: 3 })).map((v) => v.id)).toEqual([
      ids[19],
      ids[17],
      ids[15],
    ]);
  });

  it('deny: recorded, notified, nothing attached', async () => {
    h = await harness({ ...STRICT, approvers: ['bob'] });
    const r = await h.service.submitRequest(seedRequest(3600), 'alice');
    await h.service.drive(r.id);
    await h.service.deny(r.id, 'bob', 'not this week');
    await h.service.drive(r.id);
    const v = await h.service.getRequest(r.id);
    expect(v.status).toBe('denied');
    expect(v.approvals[0]).toMatchObject({ decision: 'deny', reason: 'not this week' });
    expect(h.sent.find((n) => n.event === 'request.denied')?.text).toMatch(/not this week/);
    expect(await grantflowPolicies(h.backend)).toEqual([]);
  });

  it('a request nobody approves expires after the configured time', async () => {
    h = await harness({ ...STRICT, approvers: ['bob'], approvalTimeoutSeconds: 1 });
    h.service.start();
    const r = await h.service.submitRequest(seedRequest(3600), 'alice');
    const v = await h.service.settled(r.id);
    expect(v.status).toBe('expired');
    expect(h.sent.map((n) => n.event)).toContain('request.expired');
    expect(await grantflowPolicies(h.backend)).toEqual([]);
  });

  it('without configured approvers nobody can approve', async () => {
    h = await harness({ ...STRICT });
    const r = await h.service.submitRequest(seedRequest(3600), 'alice');
    await h.service.drive(r.id);
    await expect(h.service.approve(r.id, 'bob')).rejects.toMatchObject({ code: 'NO_APPROVERS' });
  });
});

describe('failures', () => {
  // The execution's own revocation is under test: the expiry detacher, which would detach the
  // policy ahead of it (and so change how many detach calls the execution makes), stays off.
  const EXECUTION_ONLY: Partial<LifecycleOptions> = { expiryDetachIntervalMs: 0 };
  const wrap =
    (resource: string, fail: (attempt: number) => Error | undefined) =>
    (map: ConnectorMap): ConnectorMap => {
      let calls = 0;
      return {
        ...map,
        [resource]: async (invocation) => {
          const err = fail(++calls);
          if (err) throw err;
          return map[resource]!(invocation);
        },
      };
    };

  it('Attach failing after CreatePolicy: the policy is still detached and deleted', async () => {
    h = await harness({
      ...EXECUTION_ONLY,
      wrapConnectors: wrap(
        'arn:aws:states:::aws-sdk:iam:attachUserPolicy',
        () => new StatesError('Iam.InvalidInputException', 'injected'),
      ),
    });
    h.service.start();
    const r = await h.service.submitRequest(seedRequest(60), 'alice');
    const v = await h.service.settled(r.id);
    expect(v.status).toBe('failed');
    expect(v.execution).toMatchObject({ status: 'FAILED', error: 'Grantflow.GrantFailed' });
    expect(await grantflowPolicies(h.backend)).toEqual([]);
    expect(await auditTypes(h, r.id)).toContain('grant.failed');
    expect(h.sent.find((n) => n.event === 'grant.failed')?.audience).toContain('admins');
  });

  it('throttling on Detach is retried with backoff and the revocation completes', async () => {
    h = await harness({
      ...EXECUTION_ONLY,
      wrapConnectors: wrap('arn:aws:states:::aws-sdk:iam:detachUserPolicy', (n) =>
        n <= 3 ? new StatesError('Iam.ThrottlingException', 'Rate exceeded') : undefined,
      ),
    });
    h.service.start();
    const r = await h.service.submitRequest(seedRequest(1), 'alice');
    const v = await h.service.settled(r.id);
    expect(v.status).toBe('revoked');
    const history = await h.service.engine.getExecutionHistory(r.id);
    expect(history.filter((e) => e.type === 'TaskFailed' && e.stateName === 'DetachUserPolicy')).toHaveLength(
      3,
    );
    expect(await grantflowPolicies(h.backend)).toEqual([]);
  });

  it('a revocation that keeps failing notifies admins (critical) and ends in Grantflow.RevocationFailed', async () => {
    h = await harness({
      ...EXECUTION_ONLY,
      wrapConnectors: wrap(
        'arn:aws:states:::aws-sdk:iam:detachUserPolicy',
        () => new StatesError('Iam.ServiceFailureException', 'down'),
      ),
    });
    h.service.start();
    const r = await h.service.submitRequest(seedRequest(1), 'alice');
    const v = await h.service.settled(r.id);
    expect(v.status).toBe('revocation_failed');
    expect(v.execution).toMatchObject({ status: 'FAILED', error: 'Grantflow.RevocationFailed' });
    const critical = h.sent.find((n) => n.event === 'grant.revocation-failed')!;
    expect(critical).toMatchObject({ severity: 'critical', audience: ['admins'] });
    expect((await h.service.listGrants({ active: true })).map((g) => g.id)).toEqual([r.id]);
  });
});
