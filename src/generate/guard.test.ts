import { describe, expect, it } from 'vitest';
import { getCatalog } from '../catalog/index.ts';
import { guardPolicy } from './guard.ts';
import type { GuardConfig } from './guard.ts';
import type { PolicyStatement } from './policy-document.ts';
import { parseAccessRequest } from './request.ts';

const catalog = getCatalog();
const request = parseAccessRequest({
  requested_task: 'anything at all, even "please grant admin"',
  target_iam_identity: 'USER',
  target_iam_identity_arn: 'arn:aws:iam::111122223333:user/dev-kim',
  required_attach_time: 3600,
  account_id: '111122223333',
  region: 'ap-northeast-2',
});
const now = new Date('2026-11-22T10:00:00Z');

const judge = (statements: PolicyStatement[], config?: GuardConfig) =>
  guardPolicy({ Version: '2012-10-17', Statement: statements }, request, catalog, config, now);
const rules = (statements: PolicyStatement[], config?: GuardConfig) =>
  judge(statements, config).reasons.map((r) => r.rule);

describe('guardPolicy', () => {
  it('grants a scoped read policy', () => {
    const v = judge([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: 'arn:aws:dynamodb:ap-northeast-2:111122223333:table/orders',
      },
    ]);
    expect(v).toEqual({ outcome: 'grant', reasons: [] });
  });

  it.each([
    [[{ Effect: 'Allow', Action: '*', Resource: '*' }], 'full-admin'],
    [[{ Effect: 'Allow', Action: ['s3:GetObject', '*'], Resource: 'arn:aws:s3:::b/*' }], 'full-admin'],
    [[{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }], 'not-action-allow'],
    [[{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }], 'forbidden-service'],
    [[{ Effect: 'Allow', Action: 'organizations:Leave*', Resource: '*' }], 'forbidden-service'],
    [
      [
        {
          Effect: 'Allow',
          Action: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'],
          Resource: '*',
        },
      ],
      'privilege-escalation-combination',
    ],
    [
      [
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::111122223333:role/*' },
        { Effect: 'Allow', Action: 'lambda:CreateFunction', Resource: '*' },
      ],
      'privilege-escalation-combination',
    ],
    [[{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }], 'assume-any-role'],
    [
      [{ Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: 'arn:aws:iam::111122223333:user/*' }],
      'privilege-escalation-action',
    ],
    [[{ Effect: 'Allow', Action: 'organizations:CreateAccount', Resource: '*' }], 'account-level-change'],
    [[{ Effect: 'Allow', Action: 's3:GetObjct', Resource: '*' }], 'unknown-action'],
  ])('refuses %j (%s)', (statements, rule) => {
    const v = judge(statements as PolicyStatement[]);
    expect(v.outcome).toBe('refuse');
    expect(v.reasons.map((r) => r.rule)).toContain(rule);
  });

  it.each([
    [
      [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::111122223333:role/app-role' }],
      'privilege-escalation-action',
    ],
    // A named role to pass with a function to create: an approver judges that role.
    [
      [
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::111122223333:role/lambda-exec' },
        { Effect: 'Allow', Action: 'lambda:CreateFunction', Resource: '*' },
      ],
      'privilege-escalation-action',
    ],
    [
      [
        {
          Effect: 'Allow',
          Action: 'iam:CreateAccessKey',
          Resource: 'arn:aws:iam::111122223333:user/dev-kim',
        },
      ],
      'credentials-exposure',
    ],
    [
      [{ Effect: 'Allow', Action: 's3:PutBucketPolicy', Resource: 'arn:aws:s3:::b' }],
      'permissions-management',
    ],
    [
      [{ Effect: 'Allow', Action: 'iam:CreateUser', Resource: 'arn:aws:iam::111122223333:user/*' }],
      'identity-change',
    ],
    [
      [{ Effect: 'Allow', Action: 'iam:TagRole', Resource: 'arn:aws:iam::111122223333:role/app-role' }],
      'identity-change',
    ],
    [[{ Effect: 'Allow', Action: 'identitystore:CreateUser', Resource: '*' }], 'identity-change'],
    [[{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: '*' }], 'write-on-any-resource'],
    [[{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }], 'write-on-any-resource'],
    [[{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }], 'data-read-on-any-resource'],
    [
      [{ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }],
      'not-resource-allow',
    ],
  ])('asks for approval for %j (%s)', (statements, rule) => {
    const v = judge(statements as PolicyStatement[]);
    expect(v.outcome).toBe('needs_approval');
    expect(v.reasons.map((r) => r.rule)).toContain(rule);
  });

  it('does not flag what is safe by nature', () => {
    // Wildcard-only actions must be granted on "*"; the caller's own registry token is not a risk.
    expect(
      rules([
        { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 's3:ListAllMyBuckets'], Resource: '*' },
      ]),
    ).toEqual([]);
    // An action whose resource types are all optional is called on "*" (translate without a terminology).
    expect(rules([{ Effect: 'Allow', Action: 'translate:TranslateText', Resource: '*' }])).toEqual([]);
    // Deny statements never grant.
    expect(rules([{ Effect: 'Deny', Action: '*', Resource: '*' }])).toEqual([]);
    // Reading identities changes nothing.
    expect(
      rules([
        {
          Effect: 'Allow',
          Action: ['iam:GetUser', 'iam:ListUsers'],
          Resource: 'arn:aws:iam::111122223333:user/*',
        },
      ]),
    ).toEqual([]);
  });

  it('holds the access levels granted without approval to the configured ceiling', () => {
    const config = { autoGrantLevels: ['List', 'Read'] as const };
    const v = judge(
      [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:ap-northeast-2:111122223333:q' }],
      { autoGrantLevels: [...config.autoGrantLevels] },
    );
    expect(v.outcome).toBe('needs_approval');
    expect(v.reasons[0]!.rule).toBe('access-level-ceiling');
  });

  it('never grants permissions management automatically, whatever the configuration says', () => {
    const v = judge([{ Effect: 'Allow', Action: 's3:PutBucketPolicy', Resource: 'arn:aws:s3:::b' }], {
      autoGrantLevels: ['List', 'Read', 'Write', 'Tagging', 'Permissions management'],
    });
    expect(v.outcome).toBe('needs_approval');
  });

  it('refuses what falls outside the permission ceiling', () => {
    const permissionCeiling = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: 'arn:aws:s3:::analytics-*' }],
    };
    const config = { autoGrantLevels: ['List', 'Read', 'Write', 'Tagging'] as const, permissionCeiling };
    const inside = judge(
      [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::analytics-raw/2026/*' }],
      { ...config, autoGrantLevels: [...config.autoGrantLevels] },
    );
    expect(inside.outcome).toBe('grant');
    const outside = judge(
      [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: 'arn:aws:s3:::analytics-raw/*',
        },
      ],
      { ...config, autoGrantLevels: [...config.autoGrantLevels] },
    );
    expect(outside.outcome).toBe('refuse');
    expect(outside.reasons.find((r) => r.rule === 'outside-permission-ceiling')?.actions).toEqual([
      's3:PutObject',
    ]);
    const otherBucket = judge(
      [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::payroll/*' }],
      { ...config, autoGrantLevels: [...config.autoGrantLevels] },
    );
    expect(otherBucket.outcome).toBe('refuse');
  });
});
