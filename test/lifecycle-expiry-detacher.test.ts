// The expiry detacher: expired grants are detached from their user or role straight away, and
// their executions, which find them detached, still verify, delete and record them.
import { afterEach, describe, expect, it } from 'vitest';
import { listAuditLog, verifyAuditLog } from '../src/store/index.ts';
import { ExpiryDetacher } from '../src/workflow/lifecycle/expiry-detacher.ts';
import { attachedPolicies, grantflowPolicies, harness, seedRequest } from './lifecycle-helpers.ts';
import type { Harness } from './lifecycle-helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ROLE_ARN = 'arn:aws:iam::123456789012:role/etl-runner';

async function roleAttachments(x: Harness): Promise<string[]> {
  const { AttachedPolicies } = await x.backend.listAttachedRolePolicies({ RoleName: 'etl-runner' });
  return AttachedPolicies.map((p) => p.PolicyArn);
}

describe('ExpiryDetacher', () => {
  it('detaches expired grants from users and roles once, leaves the others, audits each pass', async () => {
    h = await harness({ expiryDetachIntervalMs: 0 });
    await h.backend.createRole({
      RoleName: 'etl-runner',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
    const toUser = await h.service.submitRequest(seedRequest(60), 'alice');
    const toRole = await h.service.submitRequest(
      { ...seedRequest(60), target_iam_identity: 'ROLE', target_iam_identity_arn: ROLE_ARN },
      'alice',
    );
    const later = await h.service.submitRequest(seedRequest(3600), 'alice');
    for (const r of [toUser, toRole, later]) await h.service.drive(r.id);
    const views = await Promise.all([toUser, toRole, later].map((r) => h!.service.getRequest(r.id)));
    expect(views.map((v) => v.status)).toEqual(['active', 'active', 'active']);
    const [userGrant, roleGrant, laterGrant] = views as [
      (typeof views)[0],
      (typeof views)[0],
      (typeof views)[0],
    ];

    const detacher = new ExpiryDetacher(h.store, h.backend);
    const at = new Date(Date.parse(userGrant.expiresAt!) + 2_000);
    expect(await detacher.pass(new Date(Date.parse(userGrant.expiresAt!) - 2_000))).toEqual({
      detached: [],
      failed: [],
    });
    const first = await detacher.pass(at);
    expect([...first.detached].sort()).toEqual([userGrant.policyArn, roleGrant.policyArn].sort());
    expect(first.failed).toEqual([]);
    expect(await attachedPolicies(h.backend)).toEqual([laterGrant.policyArn]);
    expect(await roleAttachments(h)).toEqual([]);
    // Detached, not deleted: deleting is the execution's.
    expect(await grantflowPolicies(h.backend)).toHaveLength(3);
    // Not asked again while their executions have not caught up.
    expect(await detacher.pass(at)).toEqual({ detached: [], failed: [] });
    // Another process's detacher finds them detached already (NoSuchEntity) and counts them done.
    expect((await new ExpiryDetacher(h.store, h.backend).pass(at)).detached).toHaveLength(2);

    const audit = await listAuditLog(h.store.db, { type: 'grants.expired-detached' });
    expect(audit).toHaveLength(2);
    expect(audit[0]!.actor).toBe('grantflow:expiry');

    // The executions (ended early here, rather than waiting out the real minute) find nothing
    // attached and finish the revocation.
    h.service.start();
    for (const r of [toUser, toRole, later]) await h.service.revoke(r.id, 'alice');
    for (const r of [toUser, toRole, later]) expect((await h.service.settled(r.id)).status).toBe('revoked');
    expect(await grantflowPolicies(h.backend)).toEqual([]);
    expect((await verifyAuditLog(h.store.db)).intact).toBe(true);
  });

  it('runs every interval while the service runs: a grant is detached soon after its expiry, with no execution acting', async () => {
    h = await harness({ expiryDetachIntervalMs: 200 });
    const r = await h.service.submitRequest(seedRequest(2), 'alice');
    await h.service.drive(r.id);
    const grant = await h.service.getRequest(r.id);
    // start() also starts the runner: stop it, so that only the detacher can act.
    h.service.start();
    await h.service.runner.stop();
    // Well within the grace period (the bench measures how soon: bench/RESULTS.md); a busy test
    // machine may delay a pass by a few seconds.
    const deadline = Date.parse(grant.expiresAt!) + 15_000;
    while ((await attachedPolicies(h.backend)).length > 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50));
    expect(await attachedPolicies(h.backend)).toEqual([]);
    expect(Date.now()).toBeLessThan(deadline);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(grant.expiresAt!));
  });
});
