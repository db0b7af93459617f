// The reconciler's sweep over IAM: expired grantflow policies are detached from users, roles and
// groups and deleted; everything else is left alone; throttling is retried; a permanent failure
// reaches administrators; a second pass is harmless.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudError } from '../src/cloud/index.ts';
import type { IamBackend, LocalIamBackend } from '../src/cloud/index.ts';
import type { Notification, Notifier } from '../src/notify/index.ts';
import { listAuditLog, verifyAuditLog } from '../src/store/index.ts';
import { EXPIRES_AT_TAG, REQUEST_ID_TAG, isRetryable, reconcile } from '../src/workflow/index.ts';
import type { ReconcileOptions } from '../src/workflow/index.ts';
import { allowDoc, openMemoryLocal } from './helpers/cloud.ts';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const ACCOUNT = '123456789012';

let local: LocalIamBackend;
let notes: Notification[];
const notifier: Notifier = { notify: async (n) => void notes.push(n) };

beforeEach(async () => {
  local = await openMemoryLocal();
  notes = [];
  await local.createUser({ UserName: 'alice' });
  await local.createGroup({ GroupName: 'devs' });
  await local.createRole({
    RoleName: 'deployer',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
      ],
    }),
  });
});
afterEach(() => local.close());

type Target = { user?: string; role?: string; group?: string };

async function grant(name: string, tags: Record<string, string>, to: Target, path = '/grantflow/') {
  const { Policy } = await local.createPolicy({
    PolicyName: name,
    Path: path,
    PolicyDocument: allowDoc('s3:GetObject', 'arn:aws:s3:::bucket/*'),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  });
  if (to.user) await local.attachUserPolicy({ UserName: to.user, PolicyArn: Policy.Arn });
  if (to.role) await local.attachRolePolicy({ RoleName: to.role, PolicyArn: Policy.Arn });
  if (to.group) await local.attachGroupPolicy({ GroupName: to.group, PolicyArn: Policy.Arn });
  return Policy.Arn;
}

async function exists(policyArn: string): Promise<boolean> {
  try {
    await local.getPolicy({ PolicyArn: policyArn });
    return true;
  } catch (err) {
    if (err instanceof CloudError && err.code === 'NoSuchEntity') return false;
    throw err;
  }
}

/**
 * The backend with faults injected per method: a list (each fault used once, in order; 'always'
 * for a permanent AccessDenied) or a function of the call's input returning the error to throw.
 */
type Fault = Array<Error | 'always'> | ((input: Record<string, unknown>) => Error | undefined);
function faulty(backend: IamBackend, faults: Partial<Record<keyof IamBackend, Fault>>) {
  const calls: string[] = [];
  const proxy = new Proxy(backend, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls.push(String(prop));
        const queue = faults[prop as keyof IamBackend];
        if (typeof queue === 'function') {
          const fault = queue(args[0] as Record<string, unknown>);
          if (fault) throw fault;
        } else if (queue && queue.length > 0) {
          const fault = queue[0]!;
          if (fault === 'always') throw new CloudError('AccessDenied', `not allowed to ${String(prop)}`);
          queue.shift();
          throw fault;
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend: proxy as IamBackend, calls };
}

const run = (options: Partial<ReconcileOptions> = {}) => {
  const sleeps: number[] = [];
  return reconcile({
    backend: local,
    store: local.store,
    notifier,
    now: NOW,
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
  }).then((summary) => ({ summary, sleeps }));
};

describe('reconcile: the sweep', () => {
  it('detaches expired grantflow policies from a user, a role and a group, then deletes them', async () => {
    const toUser = await grant('gf-user', { [EXPIRES_AT_TAG]: ago(3600) }, { user: 'alice' });
    const toRole = await grant('gf-role', { [EXPIRES_AT_TAG]: ago(120) }, { role: 'deployer' });
    const toAll = await grant(
      'gf-all',
      { [EXPIRES_AT_TAG]: ago(61) },
      { user: 'alice', role: 'deployer', group: 'devs' },
    );
    // A non-default version must go before the policy.
    await local.createPolicyVersion({
      PolicyArn: toAll,
      PolicyDocument: allowDoc('s3:ListBucket'),
      SetAsDefault: true,
    });
    const active = await grant('gf-active', { [EXPIRES_AT_TAG]: ago(-600) }, { user: 'alice' });
    const notOurs = await grant('someone-elses', { [EXPIRES_AT_TAG]: ago(3600) }, { user: 'alice' }, '/');
    const lookalike = await grant(
      'lookalike',
      { [EXPIRES_AT_TAG]: ago(3600) },
      { role: 'deployer' },
      '/grantflow-old/',
    );

    const { summary } = await run();

    expect(summary.failed).toEqual([]);
    expect(summary.invalid).toEqual([]);
    expect(summary.scanned).toBe(4);
    expect(summary.active).toBe(1);
    expect(summary.revoked.map((r) => r.policyArn).sort()).toEqual([toAll, toRole, toUser].sort());
    const all = summary.revoked.find((r) => r.policyArn === toAll)!;
    expect(all.detached.map((d) => `${d.kind}:${d.name}`).sort()).toEqual([
      'Group:devs',
      'Role:deployer',
      'User:alice',
    ]);
    expect(all.versionsDeleted).toEqual(['v1']);
    expect(all.late).toBe(true);
    expect(summary.revoked.find((r) => r.policyArn === toUser)!.overdueSeconds).toBe(3600);
    for (const gone of [toUser, toRole, toAll]) expect(await exists(gone)).toBe(false);
    for (const kept of [active, notOurs, lookalike]) expect(await exists(kept)).toBe(true);
    const userPolicies = await local.listAttachedUserPolicies({ UserName: 'alice' });
    expect(userPolicies.AttachedPolicies.map((p) => p.PolicyArn).sort()).toEqual([active, notOurs].sort());
    expect((await local.listAttachedGroupPolicies({ GroupName: 'devs' })).AttachedPolicies).toEqual([]);
    expect(
      (await local.listAttachedRolePolicies({ RoleName: 'deployer' })).AttachedPolicies.map(
        (p) => p.PolicyArn,
      ),
    ).toEqual([lookalike]);
    expect(notes).toEqual([]);

    // Every action is in the audit log, and the chain verifies.
    const entries = await listAuditLog(local.store.db);
    const about = (policyArn: string) => entries.filter((e) => e.subject === policyArn).map((e) => e.type);
    expect(about(toAll)).toEqual([
      'policy.detached',
      'policy.detached',
      'policy.detached',
      'policy.verified-detached',
      'policy.version-deleted',
      'policy.deleted',
    ]);
    expect(entries.every((e) => e.actor === 'grantflow:reconciler')).toBe(true);
    expect(entries.at(-1)!.type).toBe('reconcile.completed');
    expect((await verifyAuditLog(local.store.db)).intact).toBe(true);
  });

  it('walks every page of ListPolicies, ListPolicyTags and ListEntitiesForPolicy', async () => {
    const arns = [];
    for (let i = 0; i < 5; i++) {
      arns.push(
        await grant(
          `gf-${i}`,
          { a: '1', [EXPIRES_AT_TAG]: ago(100), z: '2' },
          { user: 'alice', role: 'deployer', group: 'devs' },
        ),
      );
    }
    // One item per page, whatever the caller asks for.
    const paged = new Proxy(local, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (!String(prop).startsWith('list')) return (value as () => unknown).bind(target);
        return (input: object = {}) =>
          (value as (i: object) => unknown).call(target, { ...input, MaxItems: 1 });
      },
    });
    const { summary } = await run({ backend: paged });
    expect(summary.revoked.map((r) => r.policyArn).sort()).toEqual(arns.sort());
    for (const r of summary.revoked) expect(r.detached).toHaveLength(3);
    for (const a of arns) expect(await exists(a)).toBe(false);
  });

  it('reports a policy whose expiry tag is missing or malformed, tells admins once, and deletes nothing', async () => {
    const missing = await grant('gf-missing', { [REQUEST_ID_TAG]: 'req-1' }, { user: 'alice' });
    const malformed = await grant('gf-malformed', { [EXPIRES_AT_TAG]: 'yesterday' }, { role: 'deployer' });
    const noZone = await grant('gf-nozone', { [EXPIRES_AT_TAG]: '2020-01-01T00:00:00' }, { group: 'devs' });
    const notified = new Set<string>();
    const { summary } = await run({ notified });
    expect(summary.revoked).toEqual([]);
    const byArn = (a: { policyArn: string }, b: { policyArn: string }) =>
      a.policyArn.localeCompare(b.policyArn);
    expect([...summary.invalid].sort(byArn)).toEqual(
      [
        { policyArn: malformed, reason: 'malformed-expiry-tag', value: 'yesterday' },
        { policyArn: missing, reason: 'missing-expiry-tag' },
        { policyArn: noZone, reason: 'malformed-expiry-tag', value: '2020-01-01T00:00:00' },
      ].sort(byArn),
    );
    for (const a of [missing, malformed, noZone]) expect(await exists(a)).toBe(true);
    expect(notes).toHaveLength(3);
    expect(notes.every((n) => n.audience.join() === 'admins' && n.severity === 'warning')).toBe(true);
    expect(notes.find((n) => n.data?.policyArn === missing)!.text).toContain(
      'has no grantflow:expires-at tag',
    );
    // The next pass (same scheduler) does not repeat itself.
    await run({ notified });
    expect(notes).toHaveLength(3);
    const types = (await listAuditLog(local.store.db)).map((e) => e.type);
    expect(types.filter((t) => t === 'reconcile.policy-invalid')).toHaveLength(6);
  });

  it('retries throttling and 5xx on detach with growing backoff', async () => {
    const policy = await grant(
      'gf-throttled',
      { [EXPIRES_AT_TAG]: ago(300) },
      { user: 'alice', role: 'deployer' },
    );
    const throttled = new CloudError('ServiceFailure', 'Throttling: Rate exceeded');
    const { backend, calls } = faulty(local, {
      detachUserPolicy: [throttled, throttled, new CloudError('ServiceFailure', 'internal error')],
      detachRolePolicy: [
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      ],
    });
    const { summary, sleeps } = await run({ backend, random: () => 1, retry: { baseDelayMs: 100 } });
    expect(summary.failed).toEqual([]);
    expect(summary.revoked.map((r) => r.policyArn)).toEqual([policy]);
    expect(calls.filter((c) => c === 'detachUserPolicy')).toHaveLength(4);
    // Exponential: 100, 200, 400 for the user; then 100 for the role, whose SDK-shaped throttle
    // came with HTTP 400 (as IAM sends it) and is recognised by its name.
    expect(sleeps).toEqual([100, 200, 400, 100]);
    expect(calls.filter((c) => c === 'detachRolePolicy')).toHaveLength(2);
    expect(await exists(policy)).toBe(false);
  });

  it('counts NoSuchEntity as done when someone else detached or deleted first', async () => {
    const policy = await grant('gf-raced', { [EXPIRES_AT_TAG]: ago(300) }, { user: 'alice' });
    const raced = new Proxy(local, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'detachUserPolicy') {
          // The lifecycle's own execution detaches and deletes it just before us.
          return async (input: { UserName: string; PolicyArn: string }) => {
            await target.detachUserPolicy(input);
            await target.deletePolicy({ PolicyArn: input.PolicyArn });
            return target.detachUserPolicy(input);
          };
        }
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const { summary } = await run({ backend: raced });
    expect(summary.failed).toEqual([]);
    expect(summary.revoked).toHaveLength(1);
    expect(summary.revoked[0]!.detached).toEqual([{ kind: 'User', name: 'alice', alreadyGone: true }]);
    expect(summary.revoked[0]!.alreadyGone).toBe(true);
    expect(await exists(policy)).toBe(false);
  });

  it('notifies administrators (critical) when a policy cannot be revoked, once per problem', async () => {
    const stuck = await grant(
      'gf-stuck',
      { [EXPIRES_AT_TAG]: ago(600), [REQUEST_ID_TAG]: 'req-42' },
      { role: 'deployer' },
    );
    const down = await grant('gf-down', { [EXPIRES_AT_TAG]: ago(600) }, { user: 'alice' });
    const fine = await grant('gf-fine', { [EXPIRES_AT_TAG]: ago(600) }, { group: 'devs' });
    // The request behind the first one, as the lifecycle stores it.
    await local.store.db
      .insertInto('access_requests')
      .values({
        id: 'req-42',
        requested_task: 'read the deploy logs',
        target_iam_identity: 'ROLE',
        target_iam_identity_arn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
        required_attach_time: 3600,
        account_id: ACCOUNT,
        region: 'ap-northeast-2',
        requester: 'arn:aws:iam::123456789012:user/kim',
        language: 'ko',
        status: 'granted',
        outcome: 'grant',
        policy_document: null,
        policy_hash: null,
        policy_name: 'gf-stuck',
        policy_arn: stuck,
        execution_id: null,
        extends_request_id: null,
        expires_at: ago(600),
        created_at: ago(4200),
        updated_at: ago(4200),
        version: 1,
      })
      .execute();
    let serverDown = true;
    const { backend } = faulty(local, {
      detachRolePolicy: ['always'],
      deletePolicy: (input) =>
        serverDown && input.PolicyArn === down
          ? new CloudError('ServiceFailure', 'internal error')
          : undefined,
    });
    const notified = new Set<string>();
    const { summary, sleeps } = await run({ backend, notified, retry: { maxAttempts: 4 } });

    expect(summary.revoked.map((r) => r.policyArn)).toEqual([fine]);
    expect(summary.failed.map((f) => f.policyArn).sort()).toEqual([down, stuck].sort());
    const stuckFailure = summary.failed.find((f) => f.policyArn === stuck)!;
    expect(stuckFailure.error).toContain('AccessDenied');
    expect(stuckFailure.notified).toBe(true);
    const downFailure = summary.failed.find((f) => f.policyArn === down)!;
    expect(downFailure.error).toMatch(/DeletePolicy: ServiceFailure/);
    expect(sleeps).toHaveLength(3); // 4 attempts of DeletePolicy, nothing retried for AccessDenied
    expect(notes).toHaveLength(2);
    for (const n of notes) {
      expect(n.event).toBe('grant.revocation-failed');
      expect(n.severity).toBe('critical');
      expect(n.audience).toEqual(['admins']);
    }
    const aboutStuck = notes.find((n) => n.data?.policyArn === stuck)!;
    expect(aboutStuck.data?.requestId).toBe('req-42');
    expect(aboutStuck.text).toContain('deployer');
    expect(aboutStuck.requester).toBe('arn:aws:iam::123456789012:user/kim');
    // The attachment is still there (nothing deleted half-way) and the detached user's policy is gone.
    expect(await exists(stuck)).toBe(true);
    expect((await local.listAttachedUserPolicies({ UserName: 'alice' })).AttachedPolicies).toEqual([]);
    expect(await exists(down)).toBe(true);

    // The next pass tries again but does not notify again.
    await run({ backend, notified, retry: { maxAttempts: 1 } });
    expect(notes).toHaveLength(2);
    // Once IAM answers again, both are revoked.
    serverDown = false;
    const { summary: third } = await run({ notified });
    expect(third.revoked.map((r) => r.policyArn).sort()).toEqual([down, stuck].sort());
    expect(third.failed).toEqual([]);
    const failures = (await listAuditLog(local.store.db)).filter(
      (e) => e.type === 'policy.revocation-failed',
    );
    expect(failures.length).toBe(4);
  });

  it('is idempotent: a second pass finds nothing to do and changes nothing', async () => {
    const a = await grant('gf-a', { [EXPIRES_AT_TAG]: ago(300) }, { user: 'alice', group: 'devs' });
    const keep = await grant('gf-keep', { [EXPIRES_AT_TAG]: ago(-300) }, { user: 'alice' });
    const first = (await run()).summary;
    expect(first.revoked.map((r) => r.policyArn)).toEqual([a]);
    const before = await listAuditLog(local.store.db);
    const second = (await run()).summary;
    expect(second.revoked).toEqual([]);
    expect(second.failed).toEqual([]);
    expect(second.active).toBe(1);
    const after = await listAuditLog(local.store.db);
    expect(after.slice(before.length).map((e) => e.type)).toEqual(['reconcile.completed']);
    expect(await exists(keep)).toBe(true);
  });

  it('leaves a just-expired policy to its execution for the handoff, then takes over', async () => {
    const recent = await grant('gf-recent', { [EXPIRES_AT_TAG]: ago(10) }, { user: 'alice' });
    const early = (await run({ graceSeconds: 60 })).summary;
    expect(early.handedOff).toBe(1);
    expect(await exists(recent)).toBe(true);
    const later = (await run({ now: new Date(NOW.getTime() + 25_000) })).summary;
    expect(later.revoked.map((r) => r.policyArn)).toEqual([recent]);
    expect(later.revoked[0]!.late).toBe(false);
  });

  it('reads each expiry tag once across passes, forgets revoked and vanished policies', async () => {
    const expiryTags = new Map<string, string>();
    const active = await grant('gf-active', { [EXPIRES_AT_TAG]: ago(-600) }, { user: 'alice' });
    const expired = await grant('gf-expired', { [EXPIRES_AT_TAG]: ago(3600) }, { user: 'alice' });
    const untagged = await grant('gf-untagged', {}, { user: 'alice' });
    const first = faulty(local, {});
    await run({ backend: first.backend, expiryTags });
    expect(first.calls.filter((c) => c === 'listPolicyTags')).toHaveLength(3);
    // The revoked policy is forgotten; the untagged one is not remembered (it is reported again).
    expect([...expiryTags.keys()]).toEqual([active]);
    expect(await exists(expired)).toBe(false);

    const later = await grant('gf-later', { [EXPIRES_AT_TAG]: ago(-60) }, { user: 'alice' });
    const second = faulty(local, {});
    const { summary } = await run({ backend: second.backend, expiryTags });
    // Only the new policy and the untagged one are read again.
    expect(second.calls.filter((c) => c === 'listPolicyTags')).toHaveLength(2);
    expect(summary.active).toBe(2);
    expect(summary.invalid.map((i) => i.policyArn)).toEqual([untagged]);
    expect([...expiryTags.keys()].sort()).toEqual([active, later].sort());

    // A policy deleted elsewhere drops out of the cache on the next pass.
    await local.detachUserPolicy({ UserName: 'alice', PolicyArn: later });
    await local.deletePolicy({ PolicyArn: later });
    await run({ expiryTags });
    expect([...expiryTags.keys()]).toEqual([active]);
  });

  it('changes nothing in a dry run', async () => {
    const a = await grant('gf-dry', { [EXPIRES_AT_TAG]: ago(300) }, { user: 'alice', role: 'deployer' });
    const { summary } = await run({ dryRun: true });
    expect(summary.dryRun).toBe(true);
    expect(summary.revoked).toHaveLength(1);
    expect(summary.revoked[0]!.detached.map((d) => d.kind).sort()).toEqual(['Role', 'User']);
    expect(await exists(a)).toBe(true);
    expect(await listAuditLog(local.store.db)).toEqual([]);
  });

  it('classifies errors: throttling, 5xx and network failures retry; 4xx do not', () => {
    expect(isRetryable(new CloudError('ServiceFailure', 'x'))).toBe(true);
    expect(isRetryable(new CloudError('LimitExceeded', 'Rate exceeded'))).toBe(true);
    expect(isRetryable(new CloudError('LimitExceeded', 'Cannot exceed quota for PoliciesPerAccount'))).toBe(
      false,
    );
    expect(isRetryable(new CloudError('AccessDenied', 'no'))).toBe(false);
    expect(isRetryable(new CloudError('NoSuchEntity', 'gone'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(new TypeError('bug'))).toBe(false);
  });
});
