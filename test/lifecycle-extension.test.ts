// Extending a grant: a new request for the same policy with a later end, which always needs a new
// approval, is attached as a policy of its own and revoked like any grant; revoking ends the chain.
import { afterEach, describe, expect, it } from 'vitest';
import { compilePolicySet, decide } from '../src/evaluate/index.ts';
import { probeRequest } from '../src/generate/probe.ts';
import { parseAccessRequest } from '../src/generate/request.ts';
import { listAuditLog, verifyAuditLog } from '../src/store/index.ts';
import { policyHash } from '../src/workflow/lifecycle/index.ts';
import { attachedPolicies, grantflowPolicies, harness, seedRequest } from './lifecycle-helpers.ts';
import type { Harness } from './lifecycle-helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** An active grant of `seconds` for alice, granted without an approval (the default guardrails). */
async function activeGrant(x: Harness, seconds = 3600) {
  const r = await x.service.submitRequest(seedRequest(seconds), 'alice');
  await x.service.drive(r.id);
  const view = await x.service.getRequest(r.id);
  expect(view.status).toBe('active');
  return view;
}

describe('extending a grant', () => {
  it('needs a new approval bound to the policy with the later end; then both policies are attached', async () => {
    h = await harness({ approvers: ['bob'] });
    const grant = await activeGrant(h);
    const ext = await h.service.extend(grant.id, 'alice', 1800);
    expect(ext.extendsRequestId).toBe(grant.id);
    expect(ext.requester).toBe('alice');
    const told = h.sent.find((n) => n.event === 'request.extension-requested');
    expect(told?.audience).toEqual(['requester']);
    expect(told?.data).toMatchObject({ requestId: ext.id, extends: grant.id, by: 'alice' });
    await h.service.drive(ext.id);

    const pending = await h.service.getRequest(ext.id);
    expect(pending.status).toBe('pending_approval');
    expect(Date.parse(pending.expiresAt!)).toBe(Date.parse(grant.expiresAt!) + 1800 * 1000);
    // The same statements; only the end moved.
    const before = JSON.parse(grant.policyDocument!);
    const after = JSON.parse(pending.policyDocument!);
    const end = (doc: typeof before) =>
      doc.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow').map(
        (s: { Condition: { DateLessThan: Record<string, string> } }) =>
          s.Condition.DateLessThan['aws:CurrentTime'],
      );
    expect(new Set(end(before))).toEqual(new Set([grant.expiresAt!.replace(/\.\d{3}Z$/, 'Z')]));
    expect(new Set(end(after))).toEqual(new Set([pending.expiresAt!.replace(/\.\d{3}Z$/, 'Z')]));
    const withoutEnd = (doc: typeof before) =>
      JSON.stringify(doc).replaceAll(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, 'END');
    expect(withoutEnd(after)).toBe(withoutEnd(before));
    expect(pending.policyHash).toBe(policyHash(pending.policyDocument!));
    expect(h.sent.some((n) => n.event === 'request.needs-approval' && n.subject.includes(ext.id))).toBe(true);

    // The requester cannot approve the extension of their own grant, whoever asked for it.
    await expect(h.service.approve(ext.id, 'alice')).rejects.toMatchObject({ code: 'SELF_APPROVAL' });
    await expect(h.service.approve(ext.id, 'bob', { policyHash: grant.policyHash! })).rejects.toMatchObject({
      code: 'POLICY_CHANGED',
    });
    await h.service.approve(ext.id, 'bob', { policyHash: pending.policyHash! });
    await h.service.drive(ext.id);
    const active = await h.service.getRequest(ext.id);
    expect(active.status).toBe('active');
    expect(active.policyArn).not.toBe(grant.policyArn);
    expect((await attachedPolicies(h.backend)).sort()).toEqual([grant.policyArn, active.policyArn].sort());

    // Between the two ends only the extension's policy allows.
    const request = parseAccessRequest(seedRequest(3600));
    const at = (doc: string, t: number) =>
      decide(
        compilePolicySet({ identityPolicies: [doc] }),
        probeRequest(request, 'translate:TranslateText', '*', new Date(t)),
      );
    const between = Date.parse(grant.expiresAt!) + 60_000;
    expect(at(grant.policyDocument!, between)).toBe('ImplicitlyDenied');
    expect(at(active.policyDocument!, between)).toBe('Allowed');
    expect(at(active.policyDocument!, Date.parse(active.expiresAt!) + 1000)).toBe('ImplicitlyDenied');

    // Revoking the original ends the whole chain.
    h.service.start();
    await h.service.revoke(grant.id, 'alice');
    expect((await h.service.settled(grant.id)).status).toBe('revoked');
    expect((await h.service.settled(ext.id)).status).toBe('revoked');
    expect(await grantflowPolicies(h.backend)).toEqual([]);
    const audit = await listAuditLog(h.store.db, { subject: ext.id });
    expect(audit.map((e) => e.type)).toEqual(
      expect.arrayContaining(['request.extension-requested', 'request.approved', 'grant.revoked']),
    );
    expect(audit.find((e) => e.type === 'request.extension-requested')?.details).toMatchObject({
      extends: grant.id,
    });
    expect((await verifyAuditLog(h.store.db)).intact).toBe(true);
  });

  it('refuses what cannot be extended, and a second extension while one is pending', async () => {
    h = await harness({ approvers: ['bob'], guard: { autoGrantLevels: ['List', 'Read'] } });
    const waiting = await h.service.submitRequest(seedRequest(3600), 'alice');
    await h.service.drive(waiting.id);
    expect((await h.service.getRequest(waiting.id)).status).toBe('pending_approval');
    await expect(h.service.extend(waiting.id, 'alice', 60)).rejects.toMatchObject({ code: 'NOT_EXTENDABLE' });
    await expect(h.service.extend('req-nope', 'alice', 60)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await h.service.approve(waiting.id, 'bob');
    await h.service.drive(waiting.id);
    for (const bad of [0, -5, 1.5, 12 * 3600 + 1, Number.NaN])
      await expect(h.service.extend(waiting.id, 'alice', bad)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    await expect(h.service.extend(waiting.id, ' ', 60)).rejects.toMatchObject({ code: 'INVALID_INPUT' });

    const ext = await h.service.extend(waiting.id, 'alice', 60);
    await h.service.drive(ext.id);
    await expect(h.service.extend(waiting.id, 'alice', 60)).rejects.toMatchObject({
      code: 'EXTENSION_PENDING',
    });
    // Withdrawing (revoking) the pending extension ends the grant too: revoke means done.
    h.service.start();
    await h.service.revoke(ext.id, 'alice');
    expect((await h.service.settled(ext.id)).status).toBe('denied');
    expect((await h.service.settled(waiting.id)).status).toBe('revoked');
    expect(await grantflowPolicies(h.backend)).toEqual([]);
    await expect(h.service.extend(waiting.id, 'alice', 60)).rejects.toMatchObject({ code: 'NOT_EXTENDABLE' });
  });

  it("an extension's end is fixed when asked: approving it after that end is refused", async () => {
    h = await harness({ approvers: ['bob'] });
    const grant = await activeGrant(h, 1);
    const ext = await h.service.extend(grant.id, 'alice', 1);
    await h.service.drive(ext.id);
    const pending = await h.service.getRequest(ext.id);
    expect(pending.status).toBe('pending_approval');
    await new Promise((res) =>
      setTimeout(res, Math.max(0, Date.parse(pending.expiresAt!) - Date.now() + 50)),
    );
    await expect(h.service.approve(ext.id, 'bob')).rejects.toMatchObject({ code: 'GRANT_EXPIRED' });
    h.service.start();
    expect((await h.service.settled(ext.id)).status).toBe('expired');
    expect((await h.service.settled(grant.id)).status).toBe('revoked');
    expect(await grantflowPolicies(h.backend)).toEqual([]);
  });

  it('an extension nobody approves expires at the latest at its own end; the grant ends at its own', async () => {
    h = await harness({ approvers: ['bob'] });
    const grant = await activeGrant(h, 2);
    const ext = await h.service.extend(grant.id, 'alice', 1, { approvalTimeoutSeconds: 3600 });
    h.service.start();
    expect((await h.service.settled(grant.id)).status).toBe('revoked');
    const ended = await h.service.settled(ext.id);
    expect(ended.status).toBe('expired');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(ended.expiresAt!));
    expect(await grantflowPolicies(h.backend)).toEqual([]);
  });

  it("an extension the user's managed-policy quota cannot take fails cleanly; the grant stays as it was", async () => {
    h = await harness({ approvers: ['bob'] });
    const grant = await activeGrant(h);
    // Nine more managed policies: with the grant, dev-kim is at IAM's default quota of ten.
    for (let i = 0; i < 9; i++) {
      const { Policy } = await h.backend.createPolicy({
        PolicyName: `team-${i}`,
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
        }),
      });
      await h.backend.attachUserPolicy({ UserName: 'dev-kim', PolicyArn: Policy.Arn });
    }
    const ext = await h.service.extend(grant.id, 'alice', 1800);
    await h.service.drive(ext.id);
    await h.service.approve(ext.id, 'bob', { policyHash: (await h.service.getRequest(ext.id)).policyHash! });
    await h.service.drive(ext.id);
    const failed = await h.service.getRequest(ext.id);
    expect(failed.status).toBe('failed');
    expect(failed.execution).toMatchObject({ status: 'FAILED', error: 'Grantflow.GrantFailed' });
    const told = h.sent.find((n) => n.event === 'grant.failed');
    expect(told?.audience).toEqual(['requester', 'admins']);
    expect(told?.text).toMatch(/LimitExceeded|quota/);
    // The extension's policy was created, then deleted when the attach failed; the grant is untouched.
    expect(await grantflowPolicies(h.backend)).toEqual([grant.policyArn]);
    expect(await attachedPolicies(h.backend)).toContain(grant.policyArn);
    expect((await h.service.getRequest(grant.id)).status).toBe('active');
  });
});
