// One contract for every IamBackend: the same cases run against the embedded IAM in process and
// against the AWS SDK backend talking to the emulator over HTTP (SigV4, Query protocol, XML).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_REPORT_COLUMNS, CloudError, collectPages } from '../src/cloud/index.ts';
import type { IamBackend } from '../src/cloud/index.ts';
import { allowDoc, awsUnderTest, failure, localUnderTest } from './helpers/cloud.ts';
import type { BackendUnderTest } from './helpers/cloud.ts';

const ACCOUNT = '123456789012';
const AWS_READ_ONLY = 'arn:aws:iam::aws:policy/ExampleReadOnly';

const trustFor = (service: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });

/** A valid identity policy of about `size` non-whitespace characters. */
function policyOfSize(size: number): string {
  const base = allowDoc('s3:GetObject', 'arn:aws:s3:::b/');
  const pad = size - base.replace(/\s/g, '').length;
  return allowDoc('s3:GetObject', `arn:aws:s3:::b/${'x'.repeat(Math.max(0, pad))}`);
}

describe.each([
  ['local', localUnderTest],
  ['aws-via-emulator', awsUnderTest],
] as const)('IamBackend contract: %s', (_name, open) => {
  let t: BackendUnderTest;
  let iam: IamBackend;
  let n = 0;
  /** A name no other case uses, so cases share one backend without interfering. */
  const unique = (base: string) => `${base}${++n}`;

  beforeAll(async () => {
    t = await open();
    iam = t.backend;
    await t.local.putAwsManagedPolicy({
      PolicyName: 'ExampleReadOnly',
      PolicyDocument: allowDoc(['s3:Get*', 's3:List*']),
      Description: 'An AWS managed policy for the tests',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers ReportNotPresent before a credential report exists, then generates it', async () => {
    const missing = await failure(iam.getCredentialReport());
    expect(missing).toBeInstanceOf(CloudError);
    expect(missing.code).toBe('ReportNotPresent');
    expect(missing.httpStatus).toBe(410);

    await iam.createUser({ UserName: 'report-user' });
    expect((await iam.generateCredentialReport()).State).toBe('STARTED');
    expect((await iam.generateCredentialReport()).State).toBe('COMPLETE');
    const report = await iam.getCredentialReport();
    expect(report.ReportFormat).toBe('text/csv');
    const lines = new TextDecoder().decode(report.Content).split('\n');
    expect(lines[0]).toBe(CREDENTIAL_REPORT_COLUMNS.join(','));
    expect(lines[1]).toMatch(
      /^<root_account>,arn:aws:iam::123456789012:root,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00,not_supported,/,
    );
    const row = lines.find((l) => l.startsWith('report-user,'))!.split(',');
    expect(row).toHaveLength(CREDENTIAL_REPORT_COLUMNS.length);
    expect(row[1]).toBe(`arn:aws:iam::${ACCOUNT}:user/report-user`);
    expect(row[3]).toBe('false'); // no console password
    expect(row[8]).toBe('false'); // no access key
  });

  describe('managed policies', () => {
    it('creates a policy with IAM ids and ARN, and reads it back with tags and its document', async () => {
      const name = unique('Reader');
      const document = allowDoc('s3:GetObject', 'arn:aws:s3:::example-bucket/*');
      const { Policy } = await iam.createPolicy({
        PolicyName: name,
        PolicyDocument: document,
        Path: '/grantflow/',
        Description: 'reads <objects> & more',
        Tags: [{ Key: 'request', Value: 'r-1' }],
      });
      expect(Policy.Arn).toBe(`arn:aws:iam::${ACCOUNT}:policy/grantflow/${name}`);
      expect(Policy.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
      expect(Policy).toMatchObject({
        PolicyName: name,
        Path: '/grantflow/',
        DefaultVersionId: 'v1',
        AttachmentCount: 0,
        IsAttachable: true,
        Tags: [{ Key: 'request', Value: 'r-1' }],
      });
      expect(Policy.CreateDate).toBeInstanceOf(Date);

      const got = (await iam.getPolicy({ PolicyArn: Policy.Arn })).Policy;
      expect(got.Description).toBe('reads <objects> & more');
      expect(got.Tags).toEqual([{ Key: 'request', Value: 'r-1' }]);
      const version = (await iam.getPolicyVersion({ PolicyArn: Policy.Arn, VersionId: 'v1' })).PolicyVersion;
      expect(version).toMatchObject({ Document: document, VersionId: 'v1', IsDefaultVersion: true });
    });

    it('keeps a document with non-ASCII Latin-1 text and reserved URL characters intact', async () => {
      const document = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::b/a+b %20&c=d?e#f',
            Condition: { StringEquals: { 'aws:PrincipalTag/team': 'caf\u00e9 <&>' } },
          },
        ],
      });
      const { Policy } = await iam.createPolicy({ PolicyName: unique('Encoded'), PolicyDocument: document });
      const version = await iam.getPolicyVersion({ PolicyArn: Policy.Arn, VersionId: 'v1' });
      expect(version.PolicyVersion.Document).toBe(document);
    });

    it('refuses a second policy with the same name, whatever its case (EntityAlreadyExists, 409)', async () => {
      const name = unique('Dup');
      await iam.createPolicy({ PolicyName: name, PolicyDocument: allowDoc('s3:ListAllMyBuckets') });
      const err = await failure(
        iam.createPolicy({
          PolicyName: name.toUpperCase(),
          PolicyDocument: allowDoc('s3:ListAllMyBuckets'),
          Path: '/x/',
        }),
      );
      expect(err.code).toBe('EntityAlreadyExists');
      expect(err.httpStatus).toBe(409);
      expect(err.message).toContain(name.toUpperCase());
    });

    it('answers NoSuchEntity (404) for an unknown policy and InvalidInput for a malformed ARN', async () => {
      const missing = await failure(
        iam.getPolicy({ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/NoSuchPolicy` }),
      );
      expect(missing.code).toBe('NoSuchEntity');
      expect(missing.httpStatus).toBe(404);
      const bad = await failure(iam.getPolicy({ PolicyArn: 'arn:aws:s3:::not-an-iam-policy-arn' }));
      expect(bad.code).toBe('InvalidInput');
      expect(bad.httpStatus).toBe(400);
    });

    it('answers ValidationError for names and paths outside IAM’s patterns', async () => {
      const name = await failure(
        iam.createPolicy({ PolicyName: 'has space', PolicyDocument: allowDoc('s3:GetObject') }),
      );
      expect(name.code).toBe('ValidationError');
      expect(name.message).toMatch(/policyName/);
      const path = await failure(
        iam.createPolicy({
          PolicyName: unique('P'),
          PolicyDocument: allowDoc('s3:GetObject'),
          Path: 'no-slashes',
        }),
      );
      expect(path.code).toBe('ValidationError');
      expect(path.message).toMatch(/path/);
      const items = await failure(iam.listPolicies({ MaxItems: 0 }));
      expect(items.code).toBe('ValidationError');
    });

    it('answers MalformedPolicyDocument with the validator’s error', async () => {
      const noResource = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }],
      });
      const err = await failure(iam.createPolicy({ PolicyName: unique('Bad'), PolicyDocument: noResource }));
      expect(err.code).toBe('MalformedPolicyDocument');
      expect(err.httpStatus).toBe(400);
      expect(err.message).toMatch(/Resource/);
      const syntax = await failure(
        iam.createPolicy({ PolicyName: unique('Bad'), PolicyDocument: '{"Version": ' }),
      );
      expect(syntax.code).toBe('MalformedPolicyDocument');
    });

    it('holds managed policies to 6,144 non-whitespace characters (LimitExceeded)', async () => {
      const fits = policyOfSize(6144);
      await iam.createPolicy({ PolicyName: unique('Big'), PolicyDocument: fits });
      const err = await failure(
        iam.createPolicy({ PolicyName: unique('TooBig'), PolicyDocument: policyOfSize(6145) }),
      );
      expect(err.code).toBe('LimitExceeded');
      expect(err.httpStatus).toBe(409);
      expect(err.message).toContain('6144');
    });

    it('keeps up to five versions, refuses a sixth, and guards the default version', async () => {
      const { Policy } = await iam.createPolicy({
        PolicyName: unique('Versioned'),
        PolicyDocument: allowDoc('s3:GetObject'),
      });
      const v2 = await iam.createPolicyVersion({
        PolicyArn: Policy.Arn,
        PolicyDocument: allowDoc('s3:PutObject'),
        SetAsDefault: true,
      });
      expect(v2.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true });
      for (let i = 0; i < 3; i++)
        await iam.createPolicyVersion({ PolicyArn: Policy.Arn, PolicyDocument: allowDoc('s3:GetObject') });
      const sixth = await failure(
        iam.createPolicyVersion({ PolicyArn: Policy.Arn, PolicyDocument: allowDoc('s3:GetObject') }),
      );
      expect(sixth.code).toBe('LimitExceeded');

      const versions = await iam.listPolicyVersions({ PolicyArn: Policy.Arn });
      expect(versions.Versions.map((v) => v.VersionId)).toEqual(['v5', 'v4', 'v3', 'v2', 'v1']);
      expect(versions.Versions.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId)).toEqual(['v2']);
      expect((await iam.getPolicy({ PolicyArn: Policy.Arn })).Policy.DefaultVersionId).toBe('v2');

      const deleteDefault = await failure(
        iam.deletePolicyVersion({ PolicyArn: Policy.Arn, VersionId: 'v2' }),
      );
      expect(deleteDefault.code).toBe('DeleteConflict');
      const withVersions = await failure(iam.deletePolicy({ PolicyArn: Policy.Arn }));
      expect(withVersions.code).toBe('DeleteConflict');
      expect(withVersions.httpStatus).toBe(409);

      for (const v of ['v1', 'v3', 'v4', 'v5'])
        await iam.deletePolicyVersion({ PolicyArn: Policy.Arn, VersionId: v });
      const gone = await failure(iam.getPolicyVersion({ PolicyArn: Policy.Arn, VersionId: 'v1' }));
      expect(gone.code).toBe('NoSuchEntity');
      // Version ids are never reused.
      const next = await iam.createPolicyVersion({
        PolicyArn: Policy.Arn,
        PolicyDocument: allowDoc('s3:GetObject'),
      });
      expect(next.PolicyVersion.VersionId).toBe('v6');
      await iam.deletePolicyVersion({ PolicyArn: Policy.Arn, VersionId: 'v6' });
      await iam.deletePolicy({ PolicyArn: Policy.Arn });
      expect((await failure(iam.getPolicy({ PolicyArn: Policy.Arn }))).code).toBe('NoSuchEntity');
    });

    it('tags and untags policies, with keys compared without regard to case', async () => {
      const { Policy } = await iam.createPolicy({
        PolicyName: unique('Tagged'),
        PolicyDocument: allowDoc('s3:GetObject'),
        Tags: [{ Key: 'Owner', Value: 'a' }],
      });
      await iam.tagPolicy({
        PolicyArn: Policy.Arn,
        Tags: [
          { Key: 'owner', Value: 'b' },
          { Key: 'env', Value: 'dev' },
        ],
      });
      expect((await iam.listPolicyTags({ PolicyArn: Policy.Arn })).Tags).toEqual([
        { Key: 'owner', Value: 'b' },
        { Key: 'env', Value: 'dev' },
      ]);
      await iam.untagPolicy({ PolicyArn: Policy.Arn, TagKeys: ['OWNER'] });
      expect((await iam.listPolicyTags({ PolicyArn: Policy.Arn })).Tags).toEqual([
        { Key: 'env', Value: 'dev' },
      ]);

      const reserved = await failure(
        iam.tagPolicy({ PolicyArn: Policy.Arn, Tags: [{ Key: 'aws:owner', Value: 'x' }] }),
      );
      expect(reserved.code).toBe('InvalidInput');
      const duplicate = await failure(
        iam.tagPolicy({
          PolicyArn: Policy.Arn,
          Tags: [
            { Key: 'k', Value: '1' },
            { Key: 'K', Value: '2' },
          ],
        }),
      );
      expect(duplicate.code).toBe('InvalidInput');
      const tooMany = await failure(
        iam.tagPolicy({
          PolicyArn: Policy.Arn,
          Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
        }),
      );
      expect(tooMany.code).toBe('LimitExceeded');
    });

    it('lists policies by scope, path and attachment', async () => {
      const path = `/${unique('scope')}/`;
      const { Policy } = await iam.createPolicy({
        PolicyName: unique('Scoped'),
        PolicyDocument: allowDoc('s3:GetObject'),
        Path: path,
      });
      const local = await iam.listPolicies({ Scope: 'Local', PathPrefix: path });
      expect(local.Policies.map((p) => p.Arn)).toEqual([Policy.Arn]);
      const aws = await iam.listPolicies({ Scope: 'AWS' });
      expect(aws.Policies.map((p) => p.Arn)).toContain(AWS_READ_ONLY);
      expect(aws.Policies.every((p) => p.Arn.startsWith('arn:aws:iam::aws:policy/'))).toBe(true);
      expect(
        (await iam.listPolicies({ Scope: 'Local', PathPrefix: path, OnlyAttached: true })).Policies,
      ).toEqual([]);
    });
  });

  describe('attachments', () => {
    for (const kind of ['User', 'Role', 'Group'] as const) {
      it(`attaches, lists and detaches policies on a ${kind.toLowerCase()}`, async () => {
        const name = unique(`att-${kind.toLowerCase()}`);
        if (kind === 'User') await iam.createUser({ UserName: name });
        if (kind === 'Role')
          await iam.createRole({ RoleName: name, AssumeRolePolicyDocument: trustFor('ec2.amazonaws.com') });
        if (kind === 'Group') await iam.createGroup({ GroupName: name });
        const key = { [`${kind}Name`]: name } as Record<string, string>;
        const { Policy } = await iam.createPolicy({
          PolicyName: unique('AttachMe'),
          PolicyDocument: allowDoc('s3:GetObject'),
        });
        const attach = (arn: string) =>
          (iam[`attach${kind}Policy`] as (i: object) => Promise<void>)({ ...key, PolicyArn: arn });
        const detach = (arn: string) =>
          (iam[`detach${kind}Policy`] as (i: object) => Promise<void>)({ ...key, PolicyArn: arn });
        const list = () =>
          (
            iam[`listAttached${kind}Policies`] as unknown as (
              i: object,
            ) => Promise<{ AttachedPolicies: { PolicyArn: string }[] }>
          )(key);

        await attach(Policy.Arn);
        await attach(Policy.Arn); // a second attach changes nothing
        await attach(AWS_READ_ONLY);
        expect((await list()).AttachedPolicies.map((p) => p.PolicyArn).sort()).toEqual(
          [Policy.Arn, AWS_READ_ONLY].sort(),
        );
        expect((await iam.getPolicy({ PolicyArn: Policy.Arn })).Policy.AttachmentCount).toBe(1);
        const entities = await iam.listEntitiesForPolicy({ PolicyArn: Policy.Arn });
        const listed = [
          ...entities.PolicyUsers.map((u) => u.UserName),
          ...entities.PolicyRoles.map((r) => r.RoleName),
          ...entities.PolicyGroups.map((g) => g.GroupName),
        ];
        expect(listed).toEqual([name]);

        const inUse = await failure(iam.deletePolicy({ PolicyArn: Policy.Arn }));
        expect(inUse.code).toBe('DeleteConflict');
        expect(inUse.httpStatus).toBe(409);

        await detach(Policy.Arn);
        const again = await failure(detach(Policy.Arn));
        expect(again.code).toBe('NoSuchEntity');
        await detach(AWS_READ_ONLY);
        expect((await list()).AttachedPolicies).toEqual([]);
        await iam.deletePolicy({ PolicyArn: Policy.Arn });
        const deleted = await failure(attach(Policy.Arn));
        expect(deleted.code).toBe('NoSuchEntity');
      });
    }

    it('allows ten managed policies per user and refuses the eleventh (LimitExceeded)', async () => {
      const user = unique('quota-user');
      await iam.createUser({ UserName: user });
      for (let i = 0; i < 10; i++) {
        const { Policy } = await iam.createPolicy({
          PolicyName: unique('Q'),
          PolicyDocument: allowDoc('s3:GetObject'),
        });
        await iam.attachUserPolicy({ UserName: user, PolicyArn: Policy.Arn });
      }
      const { Policy } = await iam.createPolicy({
        PolicyName: unique('Q'),
        PolicyDocument: allowDoc('s3:GetObject'),
      });
      const err = await failure(iam.attachUserPolicy({ UserName: user, PolicyArn: Policy.Arn }));
      expect(err.code).toBe('LimitExceeded');
      expect(err.message).toContain('10');
    });

    it('answers NoSuchEntity for an unknown identity', async () => {
      const { Policy } = await iam.createPolicy({
        PolicyName: unique('Orphan'),
        PolicyDocument: allowDoc('s3:GetObject'),
      });
      const err = await failure(iam.attachRolePolicy({ RoleName: 'no-such-role', PolicyArn: Policy.Arn }));
      expect(err.code).toBe('NoSuchEntity');
      expect(err.message).toContain('no-such-role');
    });
  });

  describe('inline policies', () => {
    for (const [kind, limit] of [
      ['User', 2048],
      ['Role', 10240],
      ['Group', 5120],
    ] as const) {
      it(`puts, gets, lists and deletes ${kind.toLowerCase()} inline policies within ${limit} characters in all`, async () => {
        const name = unique(`inl-${kind.toLowerCase()}`);
        if (kind === 'User') await iam.createUser({ UserName: name });
        if (kind === 'Role')
          await iam.createRole({
            RoleName: name,
            AssumeRolePolicyDocument: trustFor('lambda.amazonaws.com'),
          });
        if (kind === 'Group') await iam.createGroup({ GroupName: name });
        const key = { [`${kind}Name`]: name } as Record<string, string>;
        const call = <T>(op: string, input: object) =>
          (iam[op as keyof IamBackend] as (i: object) => Promise<T>)({ ...key, ...input });

        const half = policyOfSize(Math.floor(limit / 2));
        await call(`put${kind}Policy`, { PolicyName: 'First', PolicyDocument: half });
        await call(`put${kind}Policy`, { PolicyName: 'Second', PolicyDocument: half });
        const got = await call<{ PolicyName: string; PolicyDocument: string }>(`get${kind}Policy`, {
          PolicyName: 'first',
        });
        expect(got).toMatchObject({ [`${kind}Name`]: name, PolicyName: 'First', PolicyDocument: half });
        expect((await call<{ PolicyNames: string[] }>(`list${kind}Policies`, {})).PolicyNames).toEqual([
          'First',
          'Second',
        ]);

        // Together the two already use the quota: a third one, however small, does not fit.
        const over = await failure(
          call(`put${kind}Policy`, { PolicyName: 'Third', PolicyDocument: allowDoc('s3:GetObject') }),
        );
        expect(over.code).toBe('LimitExceeded');
        expect(over.message).toContain(String(limit));
        // Replacing one counts the new text instead of the old.
        await call(`put${kind}Policy`, { PolicyName: 'Second', PolicyDocument: allowDoc('s3:GetObject') });

        const malformed = await failure(
          call(`put${kind}Policy`, {
            PolicyName: 'Bad',
            PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow' }] }),
          }),
        );
        expect(malformed.code).toBe('MalformedPolicyDocument');

        await call(`delete${kind}Policy`, { PolicyName: 'First' });
        const missing = await failure(call(`get${kind}Policy`, { PolicyName: 'First' }));
        expect(missing.code).toBe('NoSuchEntity');
        expect((await failure(call(`delete${kind}Policy`, { PolicyName: 'First' }))).code).toBe(
          'NoSuchEntity',
        );
      });
    }
  });

  describe('users, groups and roles', () => {
    it('creates users with AIDA ids and path-qualified ARNs, found by name in any case', async () => {
      const name = unique('Dana');
      const { User } = await iam.createUser({
        UserName: name,
        Path: '/eng/',
        Tags: [{ Key: 'team', Value: 'x' }],
      });
      expect(User.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
      expect(User.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/eng/${name}`);
      const got = (await iam.getUser({ UserName: name.toLowerCase() })).User;
      expect(got).toMatchObject({ UserName: name, UserId: User.UserId, Tags: [{ Key: 'team', Value: 'x' }] });
      const dup = await failure(iam.createUser({ UserName: name.toUpperCase() }));
      expect(dup.code).toBe('EntityAlreadyExists');
    });

    it('creates roles with AROA ids and their trust policy, and checks the trust policy', async () => {
      const name = unique('svc-role');
      const { Role } = await iam.createRole({
        RoleName: name,
        AssumeRolePolicyDocument: trustFor('ec2.amazonaws.com'),
        Description: 'for the app',
        MaxSessionDuration: 7200,
      });
      expect(Role.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
      const got = (await iam.getRole({ RoleName: name })).Role;
      expect(got).toMatchObject({
        AssumeRolePolicyDocument: trustFor('ec2.amazonaws.com'),
        Description: 'for the app',
        MaxSessionDuration: 7200,
      });

      const noPrincipal = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }],
      });
      const malformed = await failure(
        iam.createRole({ RoleName: unique('r'), AssumeRolePolicyDocument: noPrincipal }),
      );
      expect(malformed.code).toBe('MalformedPolicyDocument');
      const duration = await failure(
        iam.createRole({
          RoleName: unique('r'),
          AssumeRolePolicyDocument: trustFor('ec2.amazonaws.com'),
          MaxSessionDuration: 60,
        }),
      );
      expect(duration.code).toBe('ValidationError');
      const big = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'ec2.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'x'.repeat(2100) } },
          },
        ],
      });
      const tooBig = await failure(iam.createRole({ RoleName: unique('r'), AssumeRolePolicyDocument: big }));
      expect(tooBig.code).toBe('LimitExceeded');
    });

    it('manages group membership and refuses to delete what is still in use (DeleteConflict)', async () => {
      const user = unique('member');
      const group = unique('team');
      await iam.createUser({ UserName: user });
      const { Group } = await iam.createGroup({ GroupName: group, Path: '/teams/' });
      expect(Group.GroupId).toMatch(/^AGPA[A-Z2-7]{17}$/);
      await iam.addUserToGroup({ GroupName: group, UserName: user });
      await iam.addUserToGroup({ GroupName: group, UserName: user });
      expect((await iam.getGroup({ GroupName: group })).Users.map((u) => u.UserName)).toEqual([user]);
      expect((await iam.listGroupsForUser({ UserName: user })).Groups.map((g) => g.GroupName)).toEqual([
        group,
      ]);

      expect((await failure(iam.deleteGroup({ GroupName: group }))).code).toBe('DeleteConflict');
      expect((await failure(iam.deleteUser({ UserName: user }))).code).toBe('DeleteConflict');
      await iam.removeUserFromGroup({ GroupName: group, UserName: user });
      expect((await failure(iam.removeUserFromGroup({ GroupName: group, UserName: user }))).code).toBe(
        'NoSuchEntity',
      );

      await iam.putUserPolicy({ UserName: user, PolicyName: 'p', PolicyDocument: allowDoc('s3:GetObject') });
      expect((await failure(iam.deleteUser({ UserName: user }))).code).toBe('DeleteConflict');
      await iam.deleteUserPolicy({ UserName: user, PolicyName: 'p' });
      await iam.attachUserPolicy({ UserName: user, PolicyArn: AWS_READ_ONLY });
      expect((await failure(iam.deleteUser({ UserName: user }))).code).toBe('DeleteConflict');
      await iam.detachUserPolicy({ UserName: user, PolicyArn: AWS_READ_ONLY });

      await iam.deleteUser({ UserName: user });
      await iam.deleteGroup({ GroupName: group });
      expect((await failure(iam.getUser({ UserName: user }))).code).toBe('NoSuchEntity');
      expect((await failure(iam.getGroup({ GroupName: group }))).code).toBe('NoSuchEntity');
    });

    it('refuses to delete a role with policies until they are removed', async () => {
      const role = unique('busy-role');
      await iam.createRole({ RoleName: role, AssumeRolePolicyDocument: trustFor('ec2.amazonaws.com') });
      await iam.attachRolePolicy({ RoleName: role, PolicyArn: AWS_READ_ONLY });
      expect((await failure(iam.deleteRole({ RoleName: role }))).code).toBe('DeleteConflict');
      await iam.detachRolePolicy({ RoleName: role, PolicyArn: AWS_READ_ONLY });
      await iam.deleteRole({ RoleName: role });
      expect((await failure(iam.getRole({ RoleName: role }))).code).toBe('NoSuchEntity');
    });

    it('issues at most two access keys per user, which block the user’s deletion', async () => {
      const user = unique('keyed');
      await iam.createUser({ UserName: user });
      const { AccessKey } = await iam.createAccessKey({ UserName: user });
      expect(AccessKey.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(AccessKey.SecretAccessKey).toHaveLength(40);
      await iam.createAccessKey({ UserName: user });
      expect((await failure(iam.createAccessKey({ UserName: user }))).code).toBe('LimitExceeded');
      expect((await iam.listAccessKeys({ UserName: user })).AccessKeyMetadata).toHaveLength(2);
      expect((await failure(iam.deleteUser({ UserName: user }))).code).toBe('DeleteConflict');
      for (const k of (await iam.listAccessKeys({ UserName: user })).AccessKeyMetadata) {
        await iam.deleteAccessKey({ UserName: user, AccessKeyId: k.AccessKeyId });
      }
      expect(
        (await failure(iam.deleteAccessKey({ UserName: user, AccessKeyId: AccessKey.AccessKeyId }))).code,
      ).toBe('NoSuchEntity');
      await iam.deleteUser({ UserName: user });
    });
  });

  describe('pagination', () => {
    it('pages users with Marker and MaxItems, each item once', async () => {
      const path = `/${unique('paged')}/`;
      const names = Array.from({ length: 7 }, (_, i) => `pu${n}-${i}`);
      for (const name of names) await iam.createUser({ UserName: name, Path: path });
      const first = await iam.listUsers({ PathPrefix: path, MaxItems: 3 });
      expect(first.Users).toHaveLength(3);
      expect(first.IsTruncated).toBe(true);
      expect(first.Marker).toBeTypeOf('string');
      const second = await iam.listUsers({ PathPrefix: path, MaxItems: 3, Marker: first.Marker! });
      expect(second.Users.map((u) => u.UserName)).toEqual(names.slice(3, 6));
      const all = await collectPages(
        (i) => iam.listUsers(i),
        { PathPrefix: path, MaxItems: 3 },
        (p) => p.Users,
      );
      expect(all.map((u) => u.UserName)).toEqual(names);
      const bad = await failure(iam.listUsers({ PathPrefix: path, MaxItems: 3, Marker: 'not-a-marker!' }));
      expect(['InvalidInput', 'ValidationError']).toContain(bad.code);
    });

    it('pages policies, attached policies and inline policy names', async () => {
      const path = `/${unique('ppath')}/`;
      const user = unique('pager');
      await iam.createUser({ UserName: user });
      for (let i = 0; i < 5; i++) {
        const { Policy } = await iam.createPolicy({
          PolicyName: unique('Pg'),
          PolicyDocument: allowDoc('s3:GetObject'),
          Path: path,
        });
        await iam.attachUserPolicy({ UserName: user, PolicyArn: Policy.Arn });
        await iam.putUserPolicy({
          UserName: user,
          PolicyName: `inline${i}`,
          PolicyDocument: allowDoc('s3:GetObject'),
        });
      }
      const policies = await collectPages(
        (i) => iam.listPolicies(i),
        { PathPrefix: path, Scope: 'Local' as const, MaxItems: 2 },
        (p) => p.Policies,
      );
      expect(policies).toHaveLength(5);
      const attached = await collectPages(
        (i) => iam.listAttachedUserPolicies(i),
        { UserName: user, MaxItems: 2 },
        (p) => p.AttachedPolicies,
      );
      expect(new Set(attached.map((p) => p.PolicyArn)).size).toBe(5);
      const inline = await collectPages(
        (i) => iam.listUserPolicies(i),
        { UserName: user, MaxItems: 2 },
        (p) => p.PolicyNames,
      );
      expect(inline).toEqual(['inline0', 'inline1', 'inline2', 'inline3', 'inline4']);
    });

    it('pages GetAccountAuthorizationDetails and honours its Filter', async () => {
      const user = unique('gaad');
      await iam.createUser({ UserName: user });
      await iam.putUserPolicy({
        UserName: user,
        PolicyName: 'inline',
        PolicyDocument: allowDoc('s3:GetObject'),
      });
      await iam.attachUserPolicy({ UserName: user, PolicyArn: AWS_READ_ONLY });
      const { Policy } = await iam.createPolicy({
        PolicyName: unique('GaadPolicy'),
        PolicyDocument: allowDoc('sqs:SendMessage'),
      });

      const pages: Awaited<ReturnType<IamBackend['getAccountAuthorizationDetails']>>[] = [];
      let marker: string | undefined;
      do {
        const page = await iam.getAccountAuthorizationDetails({
          MaxItems: 4,
          ...(marker ? { Marker: marker } : {}),
        });
        pages.push(page);
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
      expect(pages.length).toBeGreaterThan(1);
      const users = pages.flatMap((p) => p.UserDetailList);
      const policies = pages.flatMap((p) => p.Policies);
      expect(new Set(users.map((u) => u.UserName)).size).toBe(users.length);
      const detail = users.find((u) => u.UserName === user)!;
      expect(detail.UserPolicyList).toEqual([
        { PolicyName: 'inline', PolicyDocument: allowDoc('s3:GetObject') },
      ]);
      expect(detail.AttachedManagedPolicies).toEqual([
        { PolicyName: 'ExampleReadOnly', PolicyArn: AWS_READ_ONLY },
      ]);
      const local = policies.find((p) => p.Arn === Policy.Arn)!;
      expect(local.PolicyVersionList).toEqual([
        expect.objectContaining({
          VersionId: 'v1',
          IsDefaultVersion: true,
          Document: allowDoc('sqs:SendMessage'),
        }),
      ]);
      // The AWS managed policy is listed because it is attached.
      expect(policies.some((p) => p.Arn === AWS_READ_ONLY)).toBe(true);

      const onlyRoles = await iam.getAccountAuthorizationDetails({ Filter: ['Role'], MaxItems: 1000 });
      expect(onlyRoles.UserDetailList).toEqual([]);
      expect(onlyRoles.Policies).toEqual([]);
      const onlyAws = await iam.getAccountAuthorizationDetails({
        Filter: ['AWSManagedPolicy'],
        MaxItems: 1000,
      });
      expect(onlyAws.Policies.every((p) => p.Arn.startsWith('arn:aws:iam::aws:'))).toBe(true);
    });
  });

  describe('STS and SNS', () => {
    it('reports the account root as the caller', async () => {
      expect(await iam.getCallerIdentity()).toEqual({
        UserId: ACCOUNT,
        Account: ACCOUNT,
        Arn: `arn:aws:iam::${ACCOUNT}:root`,
      });
    });

    it('records published messages and refuses a publish without a target (InvalidParameter)', async () => {
      const topic = `arn:aws:sns:eu-west-1:${ACCOUNT}:${unique('grants')}`;
      const { MessageId } = await iam.publish({
        TopicArn: topic,
        Subject: 'Access granted',
        Message: 'alice may read example-bucket until 12:00',
        MessageAttributes: { requestId: { DataType: 'String', StringValue: 'r-42' } },
      });
      expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
      const [message] = await t.local.listPublishedMessages({ TopicArn: topic });
      expect(message).toMatchObject({
        MessageId,
        Subject: 'Access granted',
        Message: 'alice may read example-bucket until 12:00',
        MessageAttributes: { requestId: { DataType: 'String', StringValue: 'r-42' } },
      });
      const err = await failure(iam.publish({ Message: 'to nobody' }));
      expect(err.code).toBe('InvalidParameter');
      expect(err.httpStatus).toBe(400);
    });
  });
});
