import { describe, expect, it } from 'vitest';
import type { PolicyType } from '../../policy/index.ts';
import type { Finding } from '../finding.ts';
import { validatePolicy } from '../validate.ts';
import { securityChecks } from './security.ts';

interface Result {
  readonly text: string;
  readonly findings: Finding[];
}

function run(policy: object, policyType: PolicyType = 'identity'): Result {
  const text = JSON.stringify(policy, null, 2);
  return { text, findings: validatePolicy(text, { policyType }).findings };
}

function withCode(r: Result, code: string): Finding[] {
  return r.findings.filter((f) => f.issueCode === code);
}

function located(r: Result, f: Finding, i = 0): string {
  const span = f.locations[i]!.span;
  return r.text.slice(span.start.offset, span.end.offset);
}

function allow(action: string | string[], resource: string | string[], extra: object = {}): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: resource, ...extra }],
  };
}

function statements(...list: object[]): object {
  return { Version: '2012-10-17', Statement: list };
}

const ROLE = 'arn:aws:iam::111122223333:role/app-deployer';

describe('PASS_ROLE_WITH_STAR_IN_RESOURCE', () => {
  it.each(['*', 'arn:aws:iam::*:role/*', 'arn:aws:iam::111122223333:role/*'])(
    'flags iam:PassRole on %s',
    (resource) => {
      const r = run(allow('iam:PassRole', resource));
      const [f] = withCode(r, 'PASS_ROLE_WITH_STAR_IN_RESOURCE');
      expect(f?.findingType).toBe('SECURITY_WARNING');
      expect(f?.learnMoreLink).toMatch(
        /#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource$/,
      );
      expect(located(r, f!, 0)).toBe('"iam:PassRole"');
      expect(located(r, f!, 1)).toBe(`"${resource}"`);
    },
  );
  it('does not flag a named role, a naming-convention prefix, iam:PassedToService, or Deny', () => {
    const quiet = [
      allow('iam:PassRole', ROLE),
      allow('iam:PassRole', 'arn:aws:iam::*:role/Service*'),
      allow('iam:PassRole', '*', {
        Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      }),
      statements({ Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }),
    ];
    for (const p of quiet) expect(withCode(run(p), 'PASS_ROLE_WITH_STAR_IN_RESOURCE')).toEqual([]);
  });
});

describe('PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE', () => {
  it.each(['iam:*', 'iam:Pass*', '*'])('flags %s on *', (action) => {
    const r = run(allow(action, '*'));
    const [f] = withCode(r, 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(located(r, f!, 0)).toBe(`"${action}"`);
  });
  it('does not flag wildcards that miss iam:PassRole, or the exact action', () => {
    expect(withCode(run(allow('iam:Get*', '*')), 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE')).toEqual([]);
    expect(
      withCode(run(allow(['iam:PassRole', 'iam:*'], '*')), 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE'),
    ).toEqual([]);
  });
});

describe('PASS_ROLE_WITH_NOT_RESOURCE', () => {
  it('flags iam:PassRole with NotResource', () => {
    const r = run(statements({ Effect: 'Allow', Action: 'iam:PassRole', NotResource: ROLE }));
    const [f] = withCode(r, 'PASS_ROLE_WITH_NOT_RESOURCE');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.locations[1]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'NotResource' }]);
  });
  it('does not flag NotResource that excludes every role', () => {
    const r = run(
      statements({ Effect: 'Allow', Action: 'iam:PassRole', NotResource: 'arn:aws:iam::*:role/*' }),
    );
    expect(withCode(r, 'PASS_ROLE_WITH_NOT_RESOURCE')).toEqual([]);
  });
});

describe('PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE', () => {
  it('flags iam:* with NotResource', () => {
    const r = run(statements({ Effect: 'Allow', Action: 'iam:*', NotResource: ROLE }));
    expect(withCode(r, 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE')[0]?.findingType).toBe(
      'SECURITY_WARNING',
    );
  });
  it('does not flag a wildcard that misses iam:PassRole', () => {
    const r = run(statements({ Effect: 'Allow', Action: 'iam:List*', NotResource: ROLE }));
    expect(withCode(r, 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE')).toEqual([]);
  });
});

describe('PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE', () => {
  it('flags NotAction with NotResource', () => {
    const r = run(statements({ Effect: 'Allow', NotAction: 's3:*', NotResource: ROLE }));
    const [f] = withCode(r, 'PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'NotAction' }]);
  });
  it('does not flag a NotAction that excludes iam:PassRole', () => {
    const r = run(statements({ Effect: 'Allow', NotAction: 'iam:*', NotResource: ROLE }));
    expect(withCode(r, 'PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE')).toEqual([]);
  });
});

describe('PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION', () => {
  it('flags NotAction on *', () => {
    const r = run(statements({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }));
    expect(withCode(r, 'PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION')[0]?.findingType).toBe(
      'SECURITY_WARNING',
    );
  });
  it('does not flag NotAction on a named resource, or excluding iam:PassRole', () => {
    expect(
      withCode(
        run(statements({ Effect: 'Allow', NotAction: 's3:*', Resource: ROLE })),
        'PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
      ),
    ).toEqual([]);
    expect(
      withCode(
        run(statements({ Effect: 'Allow', NotAction: 'iam:PassRole', Resource: '*' })),
        'PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
      ),
    ).toEqual([]);
  });
});

describe('CREATE_SLR_WITH_STAR_IN_RESOURCE', () => {
  it('flags iam:CreateServiceLinkedRole on * as a WARNING', () => {
    const r = run(allow('iam:CreateServiceLinkedRole', '*'));
    const [f] = withCode(r, 'CREATE_SLR_WITH_STAR_IN_RESOURCE');
    expect(f?.findingType).toBe('WARNING');
    expect(f?.learnMoreLink).toMatch(/general-warning-create-slr-with-star-in-resource$/);
  });
  it("does not flag it with iam:AWSServiceName or on one service's roles", () => {
    const named = allow('iam:CreateServiceLinkedRole', '*', {
      Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticbeanstalk.amazonaws.com' } },
    });
    const scoped = allow(
      'iam:CreateServiceLinkedRole',
      'arn:aws:iam::*:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk*',
    );
    expect(withCode(run(named), 'CREATE_SLR_WITH_STAR_IN_RESOURCE')).toEqual([]);
    expect(withCode(run(scoped), 'CREATE_SLR_WITH_STAR_IN_RESOURCE')).toEqual([]);
  });
});

describe('CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE', () => {
  it('flags iam:Create* on *', () => {
    expect(
      withCode(run(allow('iam:Create*', '*')), 'CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE')[0]?.findingType,
    ).toBe('WARNING');
  });
  it('does not flag iam:Create* on named roles', () => {
    expect(withCode(run(allow('iam:Create*', ROLE)), 'CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE')).toEqual(
      [],
    );
  });
});

describe('CREATE_SLR_WITH_NOT_RESOURCE', () => {
  it('flags the exact action with NotResource', () => {
    const r = run(statements({ Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', NotResource: ROLE }));
    expect(withCode(r, 'CREATE_SLR_WITH_NOT_RESOURCE')).toHaveLength(1);
  });
  it('does not flag NotResource that excludes every service-linked role', () => {
    const r = run(
      statements({
        Effect: 'Allow',
        Action: 'iam:CreateServiceLinkedRole',
        NotResource: 'arn:aws:iam::*:role/*',
      }),
    );
    expect(withCode(r, 'CREATE_SLR_WITH_NOT_RESOURCE')).toEqual([]);
  });
});

describe('CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE', () => {
  it('flags iam:* with NotResource', () => {
    expect(
      withCode(
        run(statements({ Effect: 'Allow', Action: 'iam:*', NotResource: ROLE })),
        'CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
      ),
    ).toHaveLength(1);
  });
  it('does not flag a Deny', () => {
    expect(
      withCode(
        run(statements({ Effect: 'Deny', Action: 'iam:*', NotResource: ROLE })),
        'CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
      ),
    ).toEqual([]);
  });
});

describe('CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE', () => {
  it('flags NotAction with NotResource', () => {
    expect(
      withCode(
        run(statements({ Effect: 'Allow', NotAction: 's3:*', NotResource: ROLE })),
        'CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE',
      ),
    ).toHaveLength(1);
  });
  it('does not flag a NotAction that excludes the action', () => {
    const r = run(
      statements({ Effect: 'Allow', NotAction: 'iam:CreateServiceLinkedRole', NotResource: ROLE }),
    );
    expect(withCode(r, 'CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE')).toEqual([]);
  });
});

describe('CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION', () => {
  it('flags NotAction on *', () => {
    expect(
      withCode(
        run(statements({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' })),
        'CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
      ),
    ).toHaveLength(1);
  });
  it('does not flag NotAction on named resources', () => {
    expect(
      withCode(
        run(statements({ Effect: 'Allow', NotAction: 's3:*', Resource: ROLE })),
        'CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
      ),
    ).toEqual([]);
  });
});

describe('FULL_ADMIN', () => {
  it('flags Allow * on *, at the action and the resource', () => {
    const r = run(allow('*', '*'));
    const [f] = withCode(r, 'FULL_ADMIN');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.learnMoreLink).toBe('docs/checks.md#full-admin');
    expect(f?.locations.map((l) => l.path)).toEqual([
      [{ value: 'Statement' }, { index: 0 }, { value: 'Action' }],
      [{ value: 'Statement' }, { index: 0 }, { value: 'Resource' }],
    ]);
  });
  it('flags NotAction that keeps IAM permissions management, at NotAction, and * with NotResource', () => {
    const r = run(statements({ Effect: 'Allow', NotAction: ['s3:*', 'iam:DeleteUser'], Resource: '*' }));
    const [f] = withCode(r, 'FULL_ADMIN');
    expect(f?.locations[0]?.path).toEqual([{ value: 'Statement' }, { index: 0 }, { value: 'NotAction' }]);
    expect(f?.findingDetails).toContain('grant itself the rest');
    expect(
      withCode(run(statements({ Effect: 'Allow', Action: '*', NotResource: ROLE })), 'FULL_ADMIN'),
    ).toHaveLength(1);
  });
  it('mentions conditions and still reports', () => {
    const r = run(allow('*', '*', { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }));
    expect(withCode(r, 'FULL_ADMIN')[0]?.findingDetails).toContain('conditions');
  });
  it('reports only FULL_ADMIN among grantflow codes for an admin statement', () => {
    const codes = run(allow('*', '*')).findings.map((f) => f.issueCode);
    for (const code of [
      'SERVICE_WIDE_WILDCARD',
      'PRIVILEGE_ESCALATION_ACTION',
      'WRITE_ON_STAR_RESOURCE',
      'DATA_EXFILTRATION_ACTION',
    ]) {
      expect(codes).not.toContain(code);
    }
  });
  it('does not flag power-user NotAction that excludes IAM, * on a named resource, or Deny', () => {
    const power = statements({
      Effect: 'Allow',
      NotAction: ['iam:*', 'organizations:*', 'account:*'],
      Resource: '*',
    });
    expect(withCode(run(power), 'FULL_ADMIN')).toEqual([]);
    expect(withCode(run(allow('*', 'arn:aws:s3:::bucket/*')), 'FULL_ADMIN')).toEqual([]);
    expect(withCode(run(statements({ Effect: 'Deny', Action: '*', Resource: '*' })), 'FULL_ADMIN')).toEqual(
      [],
    );
  });
});

describe('SERVICE_WIDE_WILDCARD', () => {
  it('flags s3:* as a WARNING at the entry', () => {
    const r = run(allow(['s3:GetObject', 's3:*'], 'arn:aws:s3:::bucket/*'));
    const [f] = withCode(r, 'SERVICE_WIDE_WILDCARD');
    expect(f?.findingType).toBe('WARNING');
    expect(f?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Action' },
      { index: 1 },
    ]);
    expect(f?.findingDetails).toContain('every action of s3');
  });
  it('flags * on a named resource', () => {
    expect(
      withCode(run(allow('*', 'arn:aws:s3:::bucket')), 'SERVICE_WIDE_WILDCARD')[0]?.findingDetails,
    ).toContain('every service');
  });
  it('does not flag partial wildcards, exact actions, or Deny', () => {
    expect(
      withCode(run(allow(['s3:Get*', 's3:PutObject'], 'arn:aws:s3:::bucket/*')), 'SERVICE_WIDE_WILDCARD'),
    ).toEqual([]);
    expect(
      withCode(run(statements({ Effect: 'Deny', Action: 's3:*', Resource: '*' })), 'SERVICE_WIDE_WILDCARD'),
    ).toEqual([]);
  });
});

describe('PRIVILEGE_ESCALATION_ACTION', () => {
  it('names the action and why', () => {
    const r = run(allow('iam:AttachUserPolicy', 'arn:aws:iam::111122223333:user/*'));
    const [f] = withCode(r, 'PRIVILEGE_ESCALATION_ACTION');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.findingDetails).toContain('iam:AttachUserPolicy (attaches any managed policy');
    expect(located(r, f!, 1)).toBe('"arn:aws:iam::111122223333:user/*"');
  });
  it('lists several actions from one wildcard in one finding', () => {
    const r = run(allow('iam:Put*', '*'));
    const found = withCode(r, 'PRIVILEGE_ESCALATION_ACTION');
    expect(found).toHaveLength(1);
    expect(found[0]?.findingDetails).toMatch(/iam:PutGroupPolicy.*iam:PutRolePermissionsBoundary/);
  });
  it('does not flag named resources, iam:PassRole alone (a combination step), or read-only IAM', () => {
    expect(
      withCode(
        run(allow('iam:AttachUserPolicy', 'arn:aws:iam::111122223333:user/alice')),
        'PRIVILEGE_ESCALATION_ACTION',
      ),
    ).toEqual([]);
    expect(withCode(run(allow('iam:PassRole', '*')), 'PRIVILEGE_ESCALATION_ACTION')).toEqual([]);
    expect(withCode(run(allow(['iam:Get*', 'iam:List*'], '*')), 'PRIVILEGE_ESCALATION_ACTION')).toEqual([]);
  });
});

describe('PRIVILEGE_ESCALATION_COMBINATION', () => {
  const lambdaDeploy = (passRoleResource: string, extra: object = {}) =>
    statements(
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: passRoleResource, ...extra },
      { Effect: 'Allow', Action: ['lambda:CreateFunction', 'lambda:InvokeFunction'], Resource: '*' },
    );
  it('flags iam:PassRole on every role with lambda:CreateFunction and lambda:InvokeFunction', () => {
    const r = run(lambdaDeploy('*'));
    const [f] = withCode(r, 'PRIVILEGE_ESCALATION_COMBINATION');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.findingDetails).toContain('iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction');
    expect(f?.locations.map((l) => l.path)).toEqual([
      [{ value: 'Statement' }, { index: 0 }, { value: 'Action' }],
      [{ value: 'Statement' }, { index: 1 }, { value: 'Action' }, { index: 0 }],
      [{ value: 'Statement' }, { index: 1 }, { value: 'Action' }, { index: 1 }],
    ]);
  });
  it('flags iam:PassRole with ec2:RunInstances', () => {
    const r = run(allow(['iam:PassRole', 'ec2:RunInstances'], '*'));
    expect(withCode(r, 'PRIVILEGE_ESCALATION_COMBINATION')[0]?.findingDetails).toContain(
      'launches an instance',
    );
  });
  it('does not flag a named role, a missing step, or iam:PassedToService for another service', () => {
    expect(withCode(run(lambdaDeploy(ROLE)), 'PRIVILEGE_ESCALATION_COMBINATION')).toEqual([]);
    expect(
      withCode(
        run(allow(['iam:PassRole', 'lambda:CreateFunction'], '*')),
        'PRIVILEGE_ESCALATION_COMBINATION',
      ),
    ).toEqual([]);
    const toEcs = lambdaDeploy('*', {
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    expect(withCode(run(toEcs), 'PRIVILEGE_ESCALATION_COMBINATION')).toEqual([]);
  });
  it('still flags when iam:PassedToService names the service of the combination', () => {
    const toLambda = lambdaDeploy('*', {
      Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
    });
    expect(withCode(run(toLambda), 'PRIVILEGE_ESCALATION_COMBINATION')).toHaveLength(1);
  });
});

describe('CREDENTIALS_EXPOSURE_ACTION', () => {
  it('flags credentials for other identities on every resource', () => {
    const r = run(allow('ec2:GetPasswordData', '*'));
    const [f] = withCode(r, 'CREDENTIALS_EXPOSURE_ACTION');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.findingDetails).toContain('Windows Administrator password');
  });
  it("does not flag the caller's own tokens, named resources, or actions reported as escalation", () => {
    expect(
      withCode(
        run(allow(['ecr:GetAuthorizationToken', 'sts:GetSessionToken'], '*')),
        'CREDENTIALS_EXPOSURE_ACTION',
      ),
    ).toEqual([]);
    expect(
      withCode(
        run(allow('ec2:GetPasswordData', 'arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0')),
        'CREDENTIALS_EXPOSURE_ACTION',
      ),
    ).toEqual([]);
    const r = run(allow('iam:CreateAccessKey', '*'));
    expect(withCode(r, 'CREDENTIALS_EXPOSURE_ACTION')).toEqual([]);
    expect(withCode(r, 'PRIVILEGE_ESCALATION_ACTION')).toHaveLength(1);
  });
});

describe('DATA_EXFILTRATION_ACTION', () => {
  it.each(['*', 'arn:aws:s3:::*', 'arn:aws:s3:::*/*'])('flags s3:GetObject on %s', (resource) => {
    const r = run(allow('s3:GetObject', resource));
    const [f] = withCode(r, 'DATA_EXFILTRATION_ACTION');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(located(r, f!, 1)).toBe(`"${resource}"`);
  });
  it('flags secretsmanager:GetSecretValue on every secret, noting conditions', () => {
    const r = run(
      allow('secretsmanager:GetSecretValue', '*', {
        Condition: { StringEquals: { 'aws:ResourceTag/app': 'web' } },
      }),
    );
    expect(withCode(r, 'DATA_EXFILTRATION_ACTION')[0]?.findingDetails).toContain('conditions');
  });
  it('does not flag named buckets, prefixes, or metadata reads', () => {
    expect(withCode(run(allow('s3:GetObject', 'arn:aws:s3:::bucket/*')), 'DATA_EXFILTRATION_ACTION')).toEqual(
      [],
    );
    expect(
      withCode(run(allow('s3:GetObject', 'arn:aws:s3:::bucket-*/*')), 'DATA_EXFILTRATION_ACTION'),
    ).toEqual([]);
    expect(withCode(run(allow('secretsmanager:DescribeSecret', '*')), 'DATA_EXFILTRATION_ACTION')).toEqual(
      [],
    );
  });
});

describe('RESOURCE_EXPOSURE_ACTION', () => {
  it('flags changing bucket policies on every bucket', () => {
    const r = run(allow('s3:PutBucketPolicy', 'arn:aws:s3:::*'));
    const [f] = withCode(r, 'RESOURCE_EXPOSURE_ACTION');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.findingDetails).toContain('s3:PutBucketPolicy (rewrites a bucket policy');
  });
  it('does not flag a named bucket, or iam:UpdateAssumeRolePolicy (reported as escalation)', () => {
    expect(
      withCode(run(allow('s3:PutBucketPolicy', 'arn:aws:s3:::bucket')), 'RESOURCE_EXPOSURE_ACTION'),
    ).toEqual([]);
    expect(withCode(run(allow('iam:UpdateAssumeRolePolicy', '*')), 'RESOURCE_EXPOSURE_ACTION')).toEqual([]);
  });
});

describe('PERMISSIONS_MANAGEMENT_ON_STAR', () => {
  it('flags permissions-management actions that support resources, on *', () => {
    const r = run(allow('cloudformation:SetStackPolicy', '*'));
    const [f] = withCode(r, 'PERMISSIONS_MANAGEMENT_ON_STAR');
    expect(f?.findingType).toBe('SECURITY_WARNING');
    expect(f?.findingDetails).toContain('1 permissions-management action on every resource of its type');
  });
  it('does not flag named resources or actions claimed by the risk tables', () => {
    const stack = 'arn:aws:cloudformation:us-east-1:111122223333:stack/app/*';
    expect(
      withCode(run(allow('cloudformation:SetStackPolicy', stack)), 'PERMISSIONS_MANAGEMENT_ON_STAR'),
    ).toEqual([]);
    expect(withCode(run(allow('kms:PutKeyPolicy', '*')), 'PERMISSIONS_MANAGEMENT_ON_STAR')).toEqual([]);
  });
});

describe('WRITE_ON_STAR_RESOURCE', () => {
  it('flags write actions that support resources, on *', () => {
    const r = run(allow(['dynamodb:PutItem', 'dynamodb:DeleteTable'], '*'));
    const found = withCode(r, 'WRITE_ON_STAR_RESOURCE');
    expect(found).toHaveLength(2);
    expect(found[0]?.findingType).toBe('WARNING');
  });
  it('leaves iam:PassRole and iam:CreateServiceLinkedRole to the Access Analyzer checks', () => {
    const r = run(allow(['iam:PassRole', 'iam:CreateServiceLinkedRole'], '*'));
    expect(withCode(r, 'WRITE_ON_STAR_RESOURCE')).toEqual([]);
    expect(withCode(r, 'PASS_ROLE_WITH_STAR_IN_RESOURCE')).toHaveLength(1);
    expect(withCode(r, 'CREATE_SLR_WITH_STAR_IN_RESOURCE')).toHaveLength(1);
  });
  it('does not flag wildcard-only writes, named resources, or read-only access', () => {
    expect(withCode(run(allow('s3:CreateJob', '*')), 'WRITE_ON_STAR_RESOURCE')).toEqual([]);
    expect(
      withCode(
        run(allow('dynamodb:PutItem', 'arn:aws:dynamodb:us-east-1:111122223333:table/t')),
        'WRITE_ON_STAR_RESOURCE',
      ),
    ).toEqual([]);
    expect(
      withCode(run(allow(['ec2:Describe*', 's3:List*', 'iam:Get*'], '*')), 'WRITE_ON_STAR_RESOURCE'),
    ).toEqual([]);
  });
});

describe('policy types', () => {
  it('runs on boundary and session policies but not on resource or trust policies', () => {
    expect(withCode(run(allow('*', '*'), 'boundary'), 'FULL_ADMIN')).toHaveLength(1);
    expect(withCode(run(allow('*', '*'), 'session'), 'FULL_ADMIN')).toHaveLength(1);
    const bucket = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 's3:*', Resource: '*' }],
    };
    const codes = new Set(securityChecks.map((c) => c.issueCode));
    expect(run(bucket, 'resource').findings.filter((f) => codes.has(f.issueCode))).toEqual([]);
  });
});
