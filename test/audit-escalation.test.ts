// Small accounts that show the audit reasons over effective permissions: an escalation path split
// across two policies is found; the same path blocked by a Deny, by a resource the grant cannot
// reach, or by a condition that can never hold is not; a condition that can hold is reported
// with what the request must carry; and trust policies are judged by who can actually assume.
import { describe, expect, it } from 'vitest';
import { authorizationDetailsSnapshot, runAudit } from '../src/audit/index.ts';
import type { AuditFinding } from '../src/audit/index.ts';

const ACCOUNT = '123456789012';
const NOW = new Date('2025-06-01T12:00:00Z');

type Statement = Record<string, unknown>;
const doc = (...Statement: Statement[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Statement = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: Statement = {}) => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...extra,
});
const trust = (Principal: Record<string, unknown>, extra: Statement = {}) =>
  doc({ Effect: 'Allow', Principal, Action: 'sts:AssumeRole', ...extra });

interface RoleSpec {
  name: string;
  trust?: object;
  inline?: Record<string, object>;
  attached?: string[];
  boundary?: string;
}
interface UserSpec {
  name: string;
  inline?: Record<string, object>;
  attached?: string[];
  groups?: string[];
  boundary?: string;
}

const policyArn = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`;

function account(spec: {
  users?: UserSpec[];
  roles?: RoleSpec[];
  groups?: { name: string; inline?: Record<string, object>; attached?: string[] }[];
  policies?: Record<string, object>;
}) {
  const inline = (list: Record<string, object> = {}) =>
    Object.entries(list).map(([PolicyName, d]) => ({ PolicyName, PolicyDocument: JSON.stringify(d) }));
  const attached = (arns: string[] = []) =>
    arns.map((PolicyArn) => ({ PolicyArn, PolicyName: PolicyArn.split('/').pop() }));
  const boundary = (arn?: string) => (arn ? { PermissionsBoundary: { PermissionsBoundaryArn: arn } } : {});
  return authorizationDetailsSnapshot([
    {
      UserDetailList: (spec.users ?? []).map((u) => ({
        UserName: u.name,
        UserId: `AIDA${u.name.toUpperCase().padEnd(16, 'X')}`,
        Arn: `arn:aws:iam::${ACCOUNT}:user/${u.name}`,
        UserPolicyList: inline(u.inline),
        AttachedManagedPolicies: attached(u.attached),
        GroupList: u.groups ?? [],
        ...boundary(u.boundary),
      })),
      GroupDetailList: (spec.groups ?? []).map((g) => ({
        GroupName: g.name,
        GroupId: `AGPA${g.name.toUpperCase()}`,
        Arn: `arn:aws:iam::${ACCOUNT}:group/${g.name}`,
        GroupPolicyList: inline(g.inline),
        AttachedManagedPolicies: attached(g.attached),
      })),
      RoleDetailList: (spec.roles ?? []).map((r) => ({
        RoleName: r.name,
        RoleId: `AROA${r.name.toUpperCase().padEnd(16, 'X')}`,
        Arn: `arn:aws:iam::${ACCOUNT}:role/${r.name}`,
        AssumeRolePolicyDocument: encodeURIComponent(
          JSON.stringify(r.trust ?? trust({ Service: 'ec2.amazonaws.com' })),
        ),
        RolePolicyList: inline(r.inline),
        AttachedManagedPolicies: attached(r.attached),
        ...boundary(r.boundary),
      })),
      Policies: Object.entries(spec.policies ?? {}).map(([name, d]) => ({
        PolicyName: name,
        Arn: name === 'AdministratorAccess' ? 'arn:aws:iam::aws:policy/AdministratorAccess' : policyArn(name),
        Path: '/',
        DefaultVersionId: 'v1',
        PolicyVersionList: [
          { VersionId: 'v1', IsDefaultVersion: true, Document: encodeURIComponent(JSON.stringify(d)) },
        ],
      })),
    },
  ]);
}

async function findingsOf(snapshot: ReturnType<typeof account>, principal?: string): Promise<AuditFinding[]> {
  const result = await runAudit(snapshot, { now: NOW });
  return principal ? result.findings.filter((f) => f.principal.endsWith(principal)) : [...result.findings];
}

const escalations = (findings: readonly AuditFinding[]) =>
  findings.filter((f) => f.check === 'privilege-escalation');

/** A role Lambda can assume, with administrator access: the prize of passrole-lambda. */
const lambdaAdmin: RoleSpec = {
  name: 'lambda-admin',
  trust: trust({ Service: 'lambda.amazonaws.com' }),
  attached: ['arn:aws:iam::aws:policy/AdministratorAccess'],
};
const adminPolicy = { AdministratorAccess: doc(allow('*')) };

describe('an escalation path split across two policies', () => {
  const passRole = doc(allow('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/*`));
  const lambda = doc(allow(['lambda:CreateFunction', 'lambda:InvokeFunction']));

  it('is found, with the statement of each policy that grants its part', async () => {
    const snapshot = account({
      users: [{ name: 'dev', attached: [policyArn('PassRoles'), policyArn('LambdaDeveloper')] }],
      roles: [lambdaAdmin],
      policies: { ...adminPolicy, PassRoles: passRole, LambdaDeveloper: lambda },
    });
    const [finding, ...rest] = escalations(await findingsOf(snapshot, 'user/dev'));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      severity: 'critical',
      principal: `arn:aws:iam::${ACCOUNT}:user/dev`,
      title: expect.stringContaining('role/lambda-admin'),
    });
    const parts = finding!.evidence.map((e) =>
      e.kind === 'policy' ? [e.policy, e.statement, e.action] : [],
    );
    expect(parts).toEqual([
      ['PassRoles', 0, 'iam:PassRole'],
      ['LambdaDeveloper', 0, 'lambda:CreateFunction'],
      ['LambdaDeveloper', 0, 'lambda:InvokeFunction'],
    ]);
    const passEvidence = finding!.evidence[0]!;
    expect(passEvidence).toMatchObject({
      resource: `arn:aws:iam::${ACCOUNT}:role/lambda-admin`,
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
      span: { start: { line: expect.any(Number) } },
    });
  });

  it('is found when the two halves come from the user and from its group', async () => {
    const snapshot = account({
      users: [{ name: 'dev', inline: { pass: passRole }, groups: ['builders'] }],
      groups: [{ name: 'builders', inline: { lambda } }],
      roles: [lambdaAdmin],
      policies: adminPolicy,
    });
    const found = escalations(await findingsOf(snapshot, 'user/dev'));
    expect(found.map((f) => f.severity)).toEqual(['critical']);
    expect(found[0]!.evidence.map((e) => e.kind === 'policy' && e.attachedTo)).toEqual([
      `arn:aws:iam::${ACCOUNT}:user/dev`,
      `arn:aws:iam::${ACCOUNT}:group/builders`,
      `arn:aws:iam::${ACCOUNT}:group/builders`,
    ]);
    // Neither half alone is a path: the group on its own cannot pass roles.
    expect(escalations(await findingsOf(snapshot, 'group/builders'))).toEqual([]);
  });

  it('is not found when a Deny in a third policy blocks one step', async () => {
    const snapshot = account({
      users: [
        { name: 'dev', attached: [policyArn('PassRoles'), policyArn('LambdaDeveloper'), policyArn('Guard')] },
      ],
      roles: [lambdaAdmin],
      policies: {
        ...adminPolicy,
        PassRoles: passRole,
        LambdaDeveloper: lambda,
        Guard: doc(deny('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/lambda-*`)),
      },
    });
    expect(escalations(await findingsOf(snapshot, 'user/dev'))).toEqual([]);
  });

  it('is not found when PassRole reaches only roles the service cannot assume', async () => {
    const snapshot = account({
      users: [
        {
          name: 'dev',
          inline: { pass: doc(allow('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/app-*`)), lambda },
        },
      ],
      roles: [lambdaAdmin, { name: 'app-worker', trust: trust({ Service: 'ec2.amazonaws.com' }) }],
      policies: adminPolicy,
    });
    expect(escalations(await findingsOf(snapshot, 'user/dev'))).toEqual([]);
  });

  it('is not found when PassRole is only for another service (iam:PassedToService)', async () => {
    const snapshot = account({
      users: [
        {
          name: 'dev',
          inline: {
            pass: doc(
              allow('iam:PassRole', '*', {
                Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
              }),
            ),
            lambda,
          },
        },
      ],
      roles: [lambdaAdmin],
      policies: adminPolicy,
    });
    expect(escalations(await findingsOf(snapshot, 'user/dev'))).toEqual([]);
  });

  it('is not found when the grant expired (a condition that can never hold again)', async () => {
    const expired = { Condition: { DateLessThan: { 'aws:CurrentTime': '2025-01-01T00:00:00Z' } } };
    const snapshot = account({
      users: [{ name: 'dev', inline: { pass: doc(allow('iam:PassRole', '*', expired)), lambda } }],
      roles: [lambdaAdmin],
      policies: adminPolicy,
    });
    expect(escalations(await findingsOf(snapshot, 'user/dev'))).toEqual([]);
  });

  it('is not found when the condition names another principal', async () => {
    const other = {
      Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/someone-else` } },
    };
    const snapshot = account({
      users: [{ name: 'dev', inline: { pass: doc(allow('iam:PassRole', '*', other)), lambda } }],
      roles: [lambdaAdmin],
      policies: adminPolicy,
    });
    expect(escalations(await findingsOf(snapshot, 'user/dev'))).toEqual([]);
  });

  it('is not found when the Allow needs a Region that a Deny refuses', async () => {
    const snapshot = account({
      users: [
        {
          name: 'dev',
          inline: {
            pass: doc(
              allow('iam:PassRole', '*', {
                Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
              }),
            ),
            lambda,
            regions: doc(
              deny('*', '*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }),
            ),
          },
        },
      ],
      roles: [lambdaAdmin],
      policies: adminPolicy,
    });
    expect(escalations(await findingsOf(snapshot, 'user/dev'))).toEqual([]);
  });

  it('is found, with what the request must carry, when the condition can hold', async () => {
    const mfa = { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } };
    const snapshot = account({
      users: [{ name: 'dev', inline: { pass: doc(allow('iam:PassRole', '*', mfa)), lambda } }],
      roles: [lambdaAdmin],
      policies: adminPolicy,
    });
    const [finding] = escalations(await findingsOf(snapshot, 'user/dev'));
    expect(finding?.evidence[0]).toMatchObject({
      action: 'iam:PassRole',
      context: { 'aws:MultiFactorAuthPresent': 'true', 'iam:PassedToService': 'lambda.amazonaws.com' },
    });
  });
});

describe('self-administration', () => {
  it('CreatePolicyVersion on AWS managed policies only is not an escalation (they cannot be changed)', async () => {
    const snapshot = account({
      users: [
        {
          name: 'ops',
          attached: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
          inline: {
            versions: doc(
              allow(['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion'], 'arn:aws:iam::aws:policy/*'),
            ),
          },
        },
      ],
      policies: { ReadOnlyAccess: doc(allow(['s3:ListAllMyBuckets'])) },
    });
    const findings = await findingsOf(snapshot, 'user/ops');
    expect(
      findings.filter((f) => f.check === 'effective-admin' || f.check === 'privilege-escalation'),
    ).toEqual([]);
  });

  it('CreatePolicyVersion on a customer policy attached to the principal makes it an effective admin', async () => {
    const snapshot = account({
      users: [{ name: 'ops', attached: [policyArn('OpsTools')] }],
      policies: { OpsTools: doc(allow(['iam:CreatePolicyVersion'], policyArn('Ops*'))) },
    });
    const [finding] = (await findingsOf(snapshot, 'user/ops')).filter((f) => f.check === 'effective-admin');
    expect(finding).toMatchObject({ severity: 'critical' });
    expect(finding!.evidence[0]).toMatchObject({
      action: 'iam:CreatePolicyVersion',
      resource: policyArn('OpsTools'),
    });
  });

  it('PutUserPolicy restricted to the user itself is effective admin; on other users it is not', async () => {
    const self = account({
      users: [
        {
          name: 'ops',
          inline: { self: doc(allow('iam:PutUserPolicy', `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`)) },
        },
      ],
    });
    expect((await findingsOf(self, 'user/ops')).map((f) => f.check)).toContain('effective-admin');
    const others = account({
      users: [
        {
          name: 'ops',
          inline: { others: doc(allow('iam:PutUserPolicy', `arn:aws:iam::${ACCOUNT}:user/svc-*`)) },
        },
      ],
    });
    expect((await findingsOf(others, 'user/ops')).map((f) => f.check)).not.toContain('effective-admin');
  });

  it('AttachUserPolicy limited by iam:PolicyARN to a harmless policy is not an escalation', async () => {
    const limited = {
      Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/ReadOnlyAccess' } },
    };
    const snapshot = account({
      users: [{ name: 'ops', inline: { attach: doc(allow('iam:AttachUserPolicy', '*', limited)) } }],
    });
    const checks = (await findingsOf(snapshot, 'user/ops')).map((f) => f.check);
    expect(checks).not.toContain('effective-admin');
    expect(checks).not.toContain('privilege-escalation');
  });

  it('a permissions boundary caps self-administration unless the principal can lift it', async () => {
    const boundary = { Boundary: doc(allow(['s3:*', 'iam:*'])) };
    const capped = account({
      users: [
        {
          name: 'ops',
          inline: { self: doc(allow('iam:PutUserPolicy', '*')) },
          boundary: policyArn('Boundary'),
        },
      ],
      policies: boundary,
    });
    const cappedFindings = await findingsOf(capped, 'user/ops');
    expect(cappedFindings.map((f) => f.check)).not.toContain('effective-admin');
    expect(cappedFindings.find((f) => f.check === 'privilege-escalation')?.title).toContain(
      'permissions boundary',
    );
    const liftable = account({
      users: [
        {
          name: 'ops',
          inline: { self: doc(allow(['iam:PutUserPolicy', 'iam:DeleteUserPermissionsBoundary'], '*')) },
          boundary: policyArn('Boundary'),
        },
      ],
      policies: boundary,
    });
    const admin = (await findingsOf(liftable, 'user/ops')).find((f) => f.check === 'effective-admin');
    expect(admin?.details).toContain('iam:DeleteUserPermissionsBoundary');
  });

  it('joining an administrators group is effective admin', async () => {
    const snapshot = account({
      users: [
        {
          name: 'ops',
          inline: { join: doc(allow('iam:AddUserToGroup', `arn:aws:iam::${ACCOUNT}:group/admins`)) },
        },
      ],
      groups: [{ name: 'admins', attached: ['arn:aws:iam::aws:policy/AdministratorAccess'] }],
      policies: adminPolicy,
    });
    const finding = (await findingsOf(snapshot, 'user/ops')).find((f) => f.check === 'effective-admin');
    expect(finding?.evidence[0]).toMatchObject({
      action: 'iam:AddUserToGroup',
      resource: `arn:aws:iam::${ACCOUNT}:group/admins`,
    });
  });
});

describe('administrators', () => {
  it('NotAction with everything but IAM is not full admin, but is reported as a near-total grant', async () => {
    const snapshot = account({
      users: [
        { name: 'power', inline: { power: doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }) } },
      ],
    });
    const findings = await findingsOf(snapshot, 'user/power');
    expect(findings.map((f) => f.check)).not.toContain('full-admin');
    expect(findings.find((f) => f.check === 'service-wildcard' && f.severity === 'high')?.title).toContain(
      'every service',
    );
  });

  it('"*" denied for a few actions is not full admin', async () => {
    const snapshot = account({
      users: [
        {
          name: 'almost',
          inline: { all: doc(allow('*'), deny(['iam:CreateAccessKey', 'iam:PutUserPolicy'])) },
        },
      ],
    });
    expect((await findingsOf(snapshot, 'user/almost')).map((f) => f.check)).not.toContain('full-admin');
  });

  it('a role that can be assumed by a user makes the user able to become an administrator', async () => {
    const snapshot = account({
      users: [
        { name: 'dev', inline: { assume: doc(allow('sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/*`)) } },
      ],
      roles: [
        {
          name: 'break-glass',
          trust: trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }),
          attached: ['arn:aws:iam::aws:policy/AdministratorAccess'],
        },
      ],
      policies: adminPolicy,
    });
    const [finding] = escalations(await findingsOf(snapshot, 'user/dev'));
    expect(finding).toMatchObject({
      severity: 'critical',
      title: expect.stringContaining('role/break-glass'),
    });
  });

  it('assuming an administrator role the trust policy does not open to the user is not reported', async () => {
    const snapshot = account({
      users: [{ name: 'dev', inline: { assume: doc(allow('sts:AssumeRole', '*')) } }],
      roles: [
        {
          name: 'break-glass',
          trust: trust({ AWS: `arn:aws:iam::${ACCOUNT}:role/security` }),
          attached: ['arn:aws:iam::aws:policy/AdministratorAccess'],
        },
      ],
      policies: adminPolicy,
    });
    expect(escalations(await findingsOf(snapshot, 'user/dev'))).toEqual([]);
  });
});

describe('trust policies', () => {
  const github = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
  const oidc = (condition?: object) =>
    doc({
      Effect: 'Allow',
      Principal: { Federated: github },
      Action: 'sts:AssumeRoleWithWebIdentity',
      ...(condition ? { Condition: condition } : {}),
    });

  it('a GitHub Actions role without a subject condition is found', async () => {
    const snapshot = account({
      roles: [
        {
          name: 'deploy',
          trust: oidc({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } }),
        },
      ],
    });
    const [finding] = (await findingsOf(snapshot, 'role/deploy')).filter((f) => f.check.startsWith('trust-'));
    expect(finding).toMatchObject({ check: 'trust-github-without-subject', severity: 'critical' });
    expect(finding!.evidence[0]).toMatchObject({ policyType: 'trust', statement: 0 });
  });

  it('a GitHub Actions role scoped to one repository and branch is not', async () => {
    const snapshot = account({
      roles: [
        {
          name: 'deploy',
          trust: oidc({
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': 'repo:acme/app:ref:refs/heads/main',
            },
          }),
        },
      ],
    });
    expect((await findingsOf(snapshot, 'role/deploy')).filter((f) => f.check.startsWith('trust-'))).toEqual(
      [],
    );
  });

  it('cross-account trust without an external id is found; with one it is not', async () => {
    const open = account({
      roles: [{ name: 'vendor', trust: trust({ AWS: 'arn:aws:iam::999988887777:root' }) }],
    });
    const [finding] = (await findingsOf(open, 'role/vendor')).filter((f) => f.check.startsWith('trust-'));
    expect(finding).toMatchObject({
      check: 'trust-cross-account-without-external-id',
      title: expect.stringContaining('999988887777'),
    });
    const guarded = account({
      roles: [
        {
          name: 'vendor',
          trust: trust(
            { AWS: 'arn:aws:iam::999988887777:root' },
            { Condition: { StringEquals: { 'sts:ExternalId': 'x-42' } } },
          ),
        },
      ],
    });
    expect((await findingsOf(guarded, 'role/vendor')).filter((f) => f.check.startsWith('trust-'))).toEqual(
      [],
    );
  });

  it("the account's own root is reported as trusting the whole account", async () => {
    const snapshot = account({ roles: [{ name: 'shared', trust: trust({ AWS: ACCOUNT }) }] });
    const checks = (await findingsOf(snapshot, 'role/shared')).map((f) => f.check);
    expect(checks).toContain('trust-account-root');
    expect(checks).not.toContain('trust-cross-account-without-external-id');
  });

  it('everyone as principal, and deleted principals, are reported through the validator', async () => {
    const snapshot = account({
      roles: [
        { name: 'open', trust: trust({ AWS: '*' }) },
        { name: 'stale', trust: trust({ AWS: 'AROAABCDEFGHIJKLMNOPQ' }) },
      ],
    });
    const findings = await findingsOf(snapshot);
    expect(findings.find((f) => f.principal.endsWith('role/open'))?.check).toBe('trust-any-principal');
    expect(
      findings.find((f) => f.principal.endsWith('role/stale') && f.check.startsWith('trust-'))?.check,
    ).toBe('trust-deleted-principal');
    // "*" is reported once, not also as trusting the account.
    expect(findings.filter((f) => f.principal.endsWith('role/open')).map((f) => f.check)).not.toContain(
      'trust-account-root',
    );
  });
});
