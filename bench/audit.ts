// `grantflow audit` on a generated account: 5,000 roles and 20,000 customer managed policies
// (plus 300 users in 20 groups and a credential report), with the mix of grants a large account
// has: scoped service access, service wildcards, iam:PassRole with and without
// iam:PassedToService, denies, conditions, a few administrators, and trust policies for services,
// the account, other accounts and GitHub Actions. The target is a scan in under 10 seconds.
// Run: `node bench/audit.ts` (Node 24 runs the TypeScript). ROLES and POLICIES override the size.
import { openStore } from '../src/store/index.ts';
import { readAuthorizationDetails, readCredentialReport, recordScan, runAudit } from '../src/audit/index.ts';

const ROLES = Number(process.env.ROLES ?? 5000);
const POLICIES = Number(process.env.POLICIES ?? 20000);
const USERS = 300;
const GROUPS = 20;
const ACCOUNT = '123456789012';

/** A small deterministic generator (mulberry32), so every run scans the same account. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(7);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
const chance = (p: number) => rnd() < p;

const SCOPED: readonly (() => object)[] = [
  () => ({
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:PutObject'],
    Resource: `arn:aws:s3:::bucket-${Math.floor(rnd() * 500)}/*`,
  }),
  () => ({
    Effect: 'Allow',
    Action: 's3:ListBucket',
    Resource: `arn:aws:s3:::bucket-${Math.floor(rnd() * 500)}`,
  }),
  () => ({
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
    Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/table-${Math.floor(rnd() * 300)}`,
  }),
  () => ({
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app-${Math.floor(rnd() * 200)}/*`,
  }),
  () => ({
    Effect: 'Allow',
    Action: ['sqs:SendMessage', 'sqs:ReceiveMessage'],
    Resource: `arn:aws:sqs:*:${ACCOUNT}:queue-${Math.floor(rnd() * 100)}`,
  }),
  () => ({
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: `arn:aws:logs:*:${ACCOUNT}:log-group:/app/*`,
  }),
  () => ({ Effect: 'Allow', Action: ['ec2:Describe*', 'cloudwatch:GetMetricData'], Resource: '*' }),
  () => ({
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/k-${Math.floor(rnd() * 50)}`,
    Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
  }),
  () => ({
    Effect: 'Allow',
    Action: 'ssm:GetParameter*',
    Resource: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/app/*`,
    Condition: { StringEquals: { 'aws:PrincipalTag/team': pick(['red', 'blue', 'green']) } },
  }),
];

const RISKY: readonly (() => object)[] = [
  () => ({
    Effect: 'Allow',
    Action: pick(['s3:*', 'dynamodb:*', 'sqs:*', 'lambda:*', 'logs:*']),
    Resource: '*',
  }),
  () => ({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCOUNT}:role/*` }),
  () => ({
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: '*',
    Condition: {
      StringEquals: { 'iam:PassedToService': pick(['ec2.amazonaws.com', 'ecs-tasks.amazonaws.com']) },
    },
  }),
  () => ({ Effect: 'Allow', Action: ['lambda:CreateFunction', 'lambda:InvokeFunction'], Resource: '*' }),
  () => ({ Effect: 'Allow', Action: ['ecs:RegisterTaskDefinition', 'ecs:RunTask'], Resource: '*' }),
  () => ({
    Effect: 'Allow',
    Action: 'sts:AssumeRole',
    Resource: `arn:aws:iam::${ACCOUNT}:role/*`,
    Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
  }),
  () => ({
    Effect: 'Allow',
    Action: ['iam:CreateAccessKey', 'iam:ListAccessKeys'],
    Resource: `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`,
  }),
  () => ({
    Effect: 'Allow',
    Action: 'iam:PutRolePolicy',
    Resource: `arn:aws:iam::${ACCOUNT}:role/app-*`,
    Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  }),
  () => ({
    Effect: 'Deny',
    Action: ['iam:*', 'organizations:*'],
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } },
  }),
  () => ({ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' }),
];

const doc = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

function policyDocument(): string {
  const statements: object[] = [];
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) statements.push(chance(0.15) ? pick(RISKY)() : pick(SCOPED)());
  return doc(statements);
}

function trustDocument(i: number): string {
  const kind = rnd();
  const base = { Effect: 'Allow', Action: 'sts:AssumeRole' };
  if (kind < 0.55) {
    return doc([
      {
        ...base,
        Principal: {
          Service: pick(['ec2.amazonaws.com', 'lambda.amazonaws.com', 'ecs-tasks.amazonaws.com']),
        },
      },
    ]);
  }
  if (kind < 0.8) return doc([{ ...base, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }]);
  if (kind < 0.9) {
    return doc([
      {
        ...base,
        Principal: { AWS: `arn:aws:iam::${String(100000000000 + (i % 40))}:root` },
        ...(chance(0.5) ? { Condition: { StringEquals: { 'sts:ExternalId': `ext-${i}` } } } : {}),
      },
    ]);
  }
  return doc([
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          ...(chance(0.7)
            ? { 'token.actions.githubusercontent.com:sub': `repo:acme/app-${i}:ref:refs/heads/main` }
            : {}),
        },
      },
    },
  ]);
}

function generate(): { authz: string; report: string } {
  const policyArn = (i: number) => `arn:aws:iam::${ACCOUNT}:policy/team/policy-${i}`;
  const policies = Array.from({ length: POLICIES }, (_, i) => ({
    PolicyName: `policy-${i}`,
    PolicyId: `ANPA${i}`,
    Arn: policyArn(i),
    Path: i % 500 === 0 ? '/grantflow/' : '/team/',
    DefaultVersionId: 'v1',
    AttachmentCount: 1,
    IsAttachable: true,
    PolicyVersionList: [
      { VersionId: 'v1', IsDefaultVersion: true, Document: encodeURIComponent(policyDocument()) },
    ],
  }));
  policies.push({
    PolicyName: 'AdministratorAccess',
    PolicyId: 'ANPAADMIN',
    Arn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    Path: '/',
    DefaultVersionId: 'v1',
    AttachmentCount: 1,
    IsAttachable: true,
    PolicyVersionList: [
      {
        VersionId: 'v1',
        IsDefaultVersion: true,
        Document: encodeURIComponent(doc([{ Effect: 'Allow', Action: '*', Resource: '*' }])),
      },
    ],
  });
  const perRole = Math.max(1, Math.floor(POLICIES / ROLES));
  const roles = Array.from({ length: ROLES }, (_, i) => ({
    RoleName: `${i % 3 === 0 ? 'app' : 'svc'}-${i}`,
    RoleId: `AROA${String(i).padStart(16, '0')}`,
    Arn: `arn:aws:iam::${ACCOUNT}:role/${i % 3 === 0 ? 'app' : 'svc'}-${i}`,
    Path: '/',
    CreateDate: '2023-01-01T00:00:00Z',
    AssumeRolePolicyDocument: encodeURIComponent(trustDocument(i)),
    RolePolicyList: chance(0.2)
      ? [{ PolicyName: 'inline', PolicyDocument: encodeURIComponent(policyDocument()) }]
      : [],
    AttachedManagedPolicies: [
      ...Array.from({ length: perRole }, (_, k) => ({
        PolicyName: `policy-${i * perRole + k}`,
        PolicyArn: policyArn((i * perRole + k) % POLICIES),
      })),
      ...(i % 100 === 0
        ? [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }]
        : []),
    ],
    Tags: [{ Key: 'team', Value: pick(['red', 'blue', 'green']) }],
    RoleLastUsed: chance(0.5) ? { LastUsedDate: '2025-05-01T00:00:00Z', Region: 'us-east-1' } : {},
  }));
  const groups = Array.from({ length: GROUPS }, (_, g) => ({
    GroupName: `group-${g}`,
    GroupId: `AGPA${g}`,
    Arn: `arn:aws:iam::${ACCOUNT}:group/group-${g}`,
    Path: '/',
    GroupPolicyList: [{ PolicyName: 'inline', PolicyDocument: encodeURIComponent(policyDocument()) }],
    AttachedManagedPolicies:
      g === 0
        ? [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }]
        : [],
  }));
  const users = Array.from({ length: USERS }, (_, u) => ({
    UserName: `user-${u}`,
    UserId: `AIDA${String(u).padStart(16, '0')}`,
    Arn: `arn:aws:iam::${ACCOUNT}:user/user-${u}`,
    Path: '/',
    GroupList: [`group-${1 + (u % (GROUPS - 1))}`, ...(u % 50 === 0 ? ['group-0'] : [])],
    UserPolicyList: chance(0.3)
      ? [{ PolicyName: 'inline', PolicyDocument: encodeURIComponent(policyDocument()) }]
      : [],
    AttachedManagedPolicies: [],
    Tags: [],
  }));
  const header =
    'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
  const rows = [
    `<root_account>,arn:aws:iam::${ACCOUNT}:root,2020-01-01T00:00:00+00:00,not_supported,2025-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
    ...users.map(
      (u) =>
        `${u.UserName},${u.Arn},2022-01-01T00:00:00+00:00,${chance(0.5)},2025-0${1 + Math.floor(rnd() * 5)}-01T00:00:00+00:00,2022-01-01T00:00:00+00:00,N/A,${chance(0.6)},true,202${3 + Math.floor(rnd() * 3)}-01-01T00:00:00+00:00,N/A,N/A,N/A,${chance(0.2)},2025-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A`,
    ),
  ];
  return {
    authz: JSON.stringify({
      UserDetailList: users,
      GroupDetailList: groups,
      RoleDetailList: roles,
      Policies: policies,
    }),
    report: [header, ...rows].join('\n'),
  };
}

const { authz, report } = generate();
const now = new Date('2025-06-01T00:00:00Z');
const t0 = performance.now();
const snapshot = readAuthorizationDetails(authz, {
  source: 'generated',
  credentialReport: readCredentialReport(report),
});
const t1 = performance.now();
const result = await runAudit(snapshot, { now });
const t2 = performance.now();
const store = await openStore({ kind: 'sqlite', path: ':memory:' });
await recordScan(store.db, result);
const t3 = performance.now();
await store.close();

const bySeverity: Record<string, number> = {};
const byCheck: Record<string, number> = {};
for (const f of result.findings) {
  bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  byCheck[f.check] = (byCheck[f.check] ?? 0) + 1;
}
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `account: ${snapshot.roles.length} roles, ${snapshot.policies.size} managed policies, ${snapshot.users.length} users, ${snapshot.groups.length} groups (${(authz.length / 1e6).toFixed(1)} MB of JSON)`,
);
console.log(`read + parse:   ${s(t1 - t0)}`);
console.log(`scan:           ${s(t2 - t1)}`);
console.log(`read + scan:    ${s(t2 - t0)}   (target: under 10 s)`);
console.log(`store (sqlite): ${s(t3 - t2)}   (${result.findings.length} findings)`);
console.log(`peak RSS:       ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
console.log(`by severity:    ${JSON.stringify(bySeverity)}`);
console.log(`by check:       ${JSON.stringify(byCheck)}`);
