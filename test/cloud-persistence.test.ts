// The embedded IAM on disk: data survives a restart, and concurrent writers (two other processes
// and concurrent calls in this one) leave a consistent account.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalIamBackend, collectPages } from '../src/cloud/index.ts';
import { openStore } from '../src/store/index.ts';
import { allowDoc } from './helpers/cloud.ts';

const writer = fileURLToPath(new URL('./helpers/iam-writer.ts', import.meta.url));
const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grantflow-store-'));
  dirs.push(dir);
  return join(dir, 'grantflow.db');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(path: string): Promise<LocalIamBackend> {
  return LocalIamBackend.open(await openStore({ kind: 'sqlite', path }), { ownsStore: true });
}

describe('local backend persistence', () => {
  it('keeps users, policies, attachments, inline policies, the account and its root key across a restart', async () => {
    const path = tempDb();
    const first = await open(path);
    await first.createUser({ UserName: 'persisted', Path: '/p/' });
    const { Policy } = await first.createPolicy({
      PolicyName: 'Kept',
      PolicyDocument: allowDoc('s3:GetObject'),
    });
    await first.attachUserPolicy({ UserName: 'persisted', PolicyArn: Policy.Arn });
    await first.putUserPolicy({
      UserName: 'persisted',
      PolicyName: 'inline',
      PolicyDocument: allowDoc('sqs:SendMessage'),
    });
    await first.publish({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: 'm' });
    const key = await first.rootAccessKey();
    await first.close();

    const second = await open(path);
    expect(second.accountId).toBe('123456789012');
    expect((await second.getUser({ UserName: 'persisted' })).User.Arn).toBe(
      'arn:aws:iam::123456789012:user/p/persisted',
    );
    expect((await second.listAttachedUserPolicies({ UserName: 'persisted' })).AttachedPolicies).toEqual([
      { PolicyName: 'Kept', PolicyArn: Policy.Arn },
    ]);
    expect((await second.getUserPolicy({ UserName: 'persisted', PolicyName: 'inline' })).PolicyDocument).toBe(
      allowDoc('sqs:SendMessage'),
    );
    expect((await second.getPolicy({ PolicyArn: Policy.Arn })).Policy.PolicyId).toBe(Policy.PolicyId);
    expect(await second.listPublishedMessages()).toHaveLength(1);
    expect(await second.rootAccessKey()).toEqual(key);
    await second.close();
  });

  it('refuses to open a store as another account than the one it holds', async () => {
    const path = tempDb();
    await (await open(path)).close();
    const store = await openStore({ kind: 'sqlite', path });
    await expect(LocalIamBackend.open(store, { accountId: '999999999999' })).rejects.toMatchObject({
      code: 'InvalidInput',
    });
    await store.close();
  });

  it('stays consistent under two writer processes and concurrent calls in this one', async () => {
    const path = tempDb();
    const iam = await open(path);
    await iam.createUser({ UserName: 'shared-user' });
    await iam.createGroup({ GroupName: 'shared-group' });
    const rounds = 12;
    const child = (tag: string) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [writer, path, tag, String(rounds)],
          { timeout: 120_000 },
          (err, stdout, stderr) =>
            err ? reject(new Error(`writer ${tag} failed: ${stderr || err.message}`)) : resolve(stdout),
        ),
      );
    // In this process: many calls in flight at once on the same backend.
    const inProcess = async () => {
      await Promise.all(
        Array.from({ length: rounds }, async (_, i) => {
          await iam.createUser({ UserName: `main-${i}` });
          const { Policy } = await iam.createPolicy({
            PolicyName: `main-cycle-${i}`,
            PolicyDocument: allowDoc('s3:GetObject'),
          });
          await iam.attachUserPolicy({ UserName: `main-${i}`, PolicyArn: Policy.Arn });
          await iam.detachUserPolicy({ UserName: `main-${i}`, PolicyArn: Policy.Arn });
          await iam.deletePolicy({ PolicyArn: Policy.Arn });
          await iam.createPolicy({ PolicyName: `main-kept-${i}`, PolicyDocument: allowDoc('s3:GetObject') });
        }),
      );
    };
    const results = await Promise.all([child('a'), child('b'), inProcess()]);
    expect(results.slice(0, 2)).toEqual(['done\n', 'done\n']);

    const policies = await collectPages(
      (i) => iam.listPolicies(i),
      { Scope: 'Local' as const, MaxItems: 7 },
      (p) => p.Policies,
    );
    const names = policies.map((p) => p.PolicyName).sort();
    const expected = ['a', 'b', 'main']
      .flatMap((tag) => Array.from({ length: rounds }, (_, i) => `${tag}-kept-${i}`))
      .sort();
    expect(names).toEqual(expected);
    // Nothing left attached to the shared identities; each writer got exactly its quota of ten.
    expect((await iam.listAttachedUserPolicies({ UserName: 'shared-user' })).AttachedPolicies).toEqual([]);
    expect((await iam.listAttachedGroupPolicies({ GroupName: 'shared-group' })).AttachedPolicies).toEqual([]);
    for (const tag of ['a', 'b']) {
      const attached = (await iam.listAttachedUserPolicies({ UserName: `writer-${tag}` })).AttachedPolicies;
      expect(attached).toHaveLength(10);
    }
    // Attachment counts agree with the attachments, and every attachment names a policy that exists.
    const counted = policies.reduce((n, p) => n + p.AttachmentCount, 0);
    expect(counted).toBe(20);
    const { db } = iam.store;
    const dangling = await db
      .selectFrom('iam_attachments')
      .leftJoin('iam_policies', 'iam_policies.arn', 'iam_attachments.policy_arn')
      .select('iam_attachments.policy_arn')
      .where('iam_policies.arn', 'is', null)
      .execute();
    expect(dangling).toEqual([]);
    const versionsWithoutPolicy = await db
      .selectFrom('iam_policy_versions')
      .leftJoin('iam_policies', 'iam_policies.arn', 'iam_policy_versions.policy_arn')
      .select('iam_policy_versions.policy_arn')
      .where('iam_policies.arn', 'is', null)
      .execute();
    expect(versionsWithoutPolicy).toEqual([]);
    await iam.close();
  });

  it('enforces the attachment quota when attaches race', async () => {
    const iam = await open(tempDb());
    await iam.createUser({ UserName: 'racer' });
    const arns = await Promise.all(
      Array.from(
        { length: 15 },
        async (_, i) =>
          (await iam.createPolicy({ PolicyName: `race-${i}`, PolicyDocument: allowDoc('s3:GetObject') }))
            .Policy.Arn,
      ),
    );
    const outcomes = await Promise.allSettled(
      arns.map((PolicyArn) => iam.attachUserPolicy({ UserName: 'racer', PolicyArn })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.map((o) => (o.reason as { code: string }).code)).toEqual(Array(5).fill('LimitExceeded'));
    expect((await iam.listAttachedUserPolicies({ UserName: 'racer' })).AttachedPolicies).toHaveLength(10);
    await iam.close();
  });
});
