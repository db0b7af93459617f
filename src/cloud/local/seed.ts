// A small sample account for the embedded IAM: users in groups, roles with trust policies for a
// service, a Lambda function and another account, customer managed policies (one with two
// versions), inline policies and a few AWS managed policies. Seeding is deterministic (fixed
// dates, ids drawn from a fixed seed) and idempotent: what already exists is left as it is.
import { createHash } from 'node:crypto';
import { isCloudError } from '../errors.ts';
import type { Tag } from '../types.ts';
import type { LocalIamBackend } from './backend.ts';
import type { RandomBytes } from './ids.ts';

/** When the sample entities are dated. */
export const SEED_DATE = new Date('2025-01-06T09:00:00Z');

const doc = (...statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const trust = (Principal: object, extra: object = {}) =>
  doc({ Effect: 'Allow', Principal, Action: 'sts:AssumeRole', ...extra });

/** AWS managed policies the sample uses, with their documents as AWS publishes them. */
const AWS_MANAGED = [
  { name: 'AdministratorAccess', path: '/', document: doc(allow('*')) },
  {
    name: 'IAMReadOnlyAccess',
    path: '/',
    document: doc(
      allow([
        'iam:GenerateCredentialReport',
        'iam:GenerateServiceLastAccessedDetails',
        'iam:Get*',
        'iam:List*',
        'iam:SimulateCustomPolicy',
        'iam:SimulatePrincipalPolicy',
      ]),
    ),
  },
  {
    name: 'AmazonS3ReadOnlyAccess',
    path: '/',
    document: doc(allow(['s3:Get*', 's3:List*', 's3-object-lambda:Get*', 's3-object-lambda:List*'])),
  },
  {
    name: 'AWSLambdaBasicExecutionRole',
    path: '/service-role/',
    document: doc(allow(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'])),
  },
];

interface SeedPolicy {
  readonly name: string;
  readonly path: string;
  readonly description: string;
  readonly versions: readonly string[];
  readonly tags?: readonly Tag[];
}

const CUSTOMER_MANAGED: readonly SeedPolicy[] = [
  {
    name: 'AppDataReadWrite',
    path: '/app/',
    description: 'Read and write the objects of the app-data bucket',
    versions: [
      doc(allow(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::example-app-data/*')),
      doc(
        allow(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::example-app-data/*'),
        allow('s3:ListBucket', 'arn:aws:s3:::example-app-data'),
      ),
    ],
    tags: [{ Key: 'team', Value: 'platform' }],
  },
  {
    name: 'Ec2Describe',
    path: '/',
    description: 'Look at EC2 instances, volumes and security groups',
    versions: [doc(allow(['ec2:DescribeInstances', 'ec2:DescribeVolumes', 'ec2:DescribeSecurityGroups']))],
  },
  {
    name: 'LegacyDeployer',
    path: '/',
    description: 'Broad deployment rights kept from an old pipeline (review me)',
    versions: [doc(allow(['iam:PassRole', 'lambda:*', 's3:*']))],
    tags: [{ Key: 'review', Value: 'overdue' }],
  },
];

const policyArn = (accountId: string, p: { name: string; path: string }, scope: 'aws' | 'local') =>
  `arn:aws:iam::${scope === 'aws' ? 'aws' : accountId}:policy${p.path}${p.name}`;

export interface SeedSummary {
  readonly created: string[];
  readonly existing: string[];
}

/** A deterministic byte stream (SHA-256 in counter mode), so seeded ids are the same every time. */
export function seededRandomBytes(seed: string): RandomBytes {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n) => {
    while (pool.length < n) {
      pool = Buffer.concat([pool, createHash('sha256').update(`${seed}:${counter++}`).digest()]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return new Uint8Array(out);
  };
}

/** Loads the sample account into a local backend (open it with SEED_DATE and seededRandomBytes). */
export async function seedSampleAccount(backend: LocalIamBackend): Promise<SeedSummary> {
  const created: string[] = [];
  const existing: string[] = [];
  const make = async (label: string, create: () => Promise<unknown>): Promise<boolean> => {
    try {
      await create();
      created.push(label);
      return true;
    } catch (err) {
      if (!isCloudError(err, 'EntityAlreadyExists')) throw err;
      existing.push(label);
      return false;
    }
  };
  const account = backend.accountId;

  for (const p of AWS_MANAGED) {
    const before = await backend.listPolicies({ Scope: 'AWS', PathPrefix: p.path, MaxItems: 1000 });
    const arn = policyArn(account, p, 'aws');
    if (before.Policies.some((x) => x.Arn === arn)) existing.push(arn);
    else {
      await backend.putAwsManagedPolicy({
        PolicyName: p.name,
        Path: p.path,
        PolicyDocument: p.document,
        CreateDate: SEED_DATE,
      });
      created.push(arn);
    }
  }
  for (const p of CUSTOMER_MANAGED) {
    const arn = policyArn(account, p, 'local');
    const fresh = await make(arn, () =>
      backend.createPolicy({
        PolicyName: p.name,
        Path: p.path,
        Description: p.description,
        PolicyDocument: p.versions[0]!,
        ...(p.tags ? { Tags: p.tags } : {}),
      }),
    );
    if (fresh) {
      for (const version of p.versions.slice(1)) {
        await backend.createPolicyVersion({ PolicyArn: arn, PolicyDocument: version, SetAsDefault: true });
      }
    }
  }

  const users = [
    { name: 'alice', path: '/', tags: [{ Key: 'department', Value: 'security' }] },
    { name: 'bob', path: '/engineering/' },
    { name: 'carol', path: '/engineering/' },
    { name: 'deploy-bot', path: '/automation/', tags: [{ Key: 'owner', Value: 'platform' }] },
  ];
  for (const u of users) {
    await make(`user/${u.name}`, () =>
      backend.createUser({ UserName: u.name, Path: u.path, ...(u.tags ? { Tags: u.tags } : {}) }),
    );
  }
  for (const g of [
    { name: 'admins', path: '/' },
    { name: 'developers', path: '/engineering/' },
  ]) {
    await make(`group/${g.name}`, () => backend.createGroup({ GroupName: g.name, Path: g.path }));
  }
  await backend.addUserToGroup({ GroupName: 'admins', UserName: 'alice' });
  await backend.addUserToGroup({ GroupName: 'developers', UserName: 'bob' });
  await backend.addUserToGroup({ GroupName: 'developers', UserName: 'carol' });
  await backend.attachGroupPolicy({
    GroupName: 'admins',
    PolicyArn: policyArn(account, AWS_MANAGED[0]!, 'aws'),
  });
  await backend.attachGroupPolicy({
    GroupName: 'developers',
    PolicyArn: policyArn(account, AWS_MANAGED[1]!, 'aws'),
  });
  await backend.attachGroupPolicy({
    GroupName: 'developers',
    PolicyArn: policyArn(account, CUSTOMER_MANAGED[1]!, 'local'),
  });
  await backend.putGroupPolicy({
    GroupName: 'developers',
    PolicyName: 'ReadAppLogs',
    PolicyDocument: doc(
      allow(['logs:GetLogEvents', 'logs:FilterLogEvents'], 'arn:aws:logs:*:*:log-group:/app/*'),
      allow('logs:DescribeLogGroups'),
    ),
  });
  await backend.putUserPolicy({
    UserName: 'carol',
    PolicyName: 'TranslateText',
    PolicyDocument: doc(allow(['translate:TranslateText', 'comprehend:DetectDominantLanguage'])),
  });
  await backend.attachUserPolicy({
    UserName: 'deploy-bot',
    PolicyArn: policyArn(account, CUSTOMER_MANAGED[2]!, 'local'),
  });

  await make('role/app-server', () =>
    backend.createRole({
      RoleName: 'app-server',
      Description: 'EC2 instances of the app tier',
      AssumeRolePolicyDocument: trust({ Service: 'ec2.amazonaws.com' }),
      Tags: [{ Key: 'tier', Value: 'app' }],
    }),
  );
  await backend.attachRolePolicy({
    RoleName: 'app-server',
    PolicyArn: policyArn(account, CUSTOMER_MANAGED[0]!, 'local'),
  });
  await backend.putRolePolicy({
    RoleName: 'app-server',
    PolicyName: 'ReadAppSecrets',
    PolicyDocument: doc(
      allow('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:*:${account}:secret:app/*`),
    ),
  });
  await make('role/image-resizer', () =>
    backend.createRole({
      RoleName: 'image-resizer',
      Path: '/service-role/',
      AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
      MaxSessionDuration: 3600,
    }),
  );
  await backend.attachRolePolicy({
    RoleName: 'image-resizer',
    PolicyArn: policyArn(account, AWS_MANAGED[3]!, 'aws'),
  });
  await backend.attachRolePolicy({
    RoleName: 'image-resizer',
    PolicyArn: policyArn(account, AWS_MANAGED[2]!, 'aws'),
  });
  await make('role/external-auditor', () =>
    backend.createRole({
      RoleName: 'external-auditor',
      Description: 'Assumed by the audit firm from its own account',
      AssumeRolePolicyDocument: trust(
        { AWS: 'arn:aws:iam::111122223333:root' },
        { Condition: { StringEquals: { 'sts:ExternalId': 'example-audit-7f3c' } } },
      ),
      MaxSessionDuration: 7200,
    }),
  );
  await backend.attachRolePolicy({
    RoleName: 'external-auditor',
    PolicyArn: policyArn(account, AWS_MANAGED[1]!, 'aws'),
  });
  return { created, existing };
}
