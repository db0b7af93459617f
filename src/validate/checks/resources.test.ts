import { describe, expect, it } from 'vitest';
import type { PolicyType } from '../../policy/index.ts';
import type { Finding } from '../finding.ts';
import { validatePolicy } from '../validate.ts';

function policyText(statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
}

/** One Allow statement; every action by default, so only the ARN itself matters. */
function withResource(resource: string | string[], action: string | string[] = '*'): string {
  return policyText([{ Effect: 'Allow', Action: action, Resource: resource }]);
}

function findingsOf(text: string, issueCode: string, policyType?: PolicyType): Finding[] {
  return validatePolicy(text, { policyType }).findings.filter((f) => f.issueCode === issueCode);
}

function codesOf(text: string): string[] {
  return validatePolicy(text).findings.map((f) => f.issueCode);
}

const RESOURCE_PATH = [{ value: 'Statement' }, { index: 0 }, { value: 'Resource' }];

/** The finding's location must be this part of the ARN, and its span exactly that text. */
function expectSubstring(text: string, finding: Finding | undefined, arn: string, part: string): void {
  const start = arn.indexOf(part);
  expect(finding?.locations[0]?.path).toEqual([
    ...RESOURCE_PATH,
    { substring: { start, length: part.length } },
  ]);
  const span = finding!.locations[0]!.span;
  expect(text.slice(span.start.offset, span.end.offset)).toBe(part);
}

describe('INVALID_ARN_PREFIX', () => {
  it('flags an entry that is neither "*" nor an ARN', () => {
    const text = withResource(['*', 'amzn-s3-demo-bucket']);
    const [finding, ...rest] = findingsOf(text, 'INVALID_ARN_PREFIX');
    expect(rest).toEqual([]);
    expect(finding?.findingType).toBe('ERROR');
    expect(finding?.locations[0]?.path).toEqual([...RESOURCE_PATH, { index: 1 }]);
    const start = text.indexOf('"amzn-s3-demo-bucket"');
    expect(finding?.locations[0]?.span.start).toMatchObject({ offset: start, line: 9, column: 8 });
    expect(finding?.learnMoreLink).toMatch(/-error-invalid-arn-prefix$/);
  });

  it('flags NotResource entries too, and an upper-case prefix', () => {
    const text = policyText([{ Effect: 'Deny', Action: 's3:*', NotResource: 'ARN:aws:s3:::b' }]);
    expect(findingsOf(text, 'INVALID_ARN_PREFIX')[0]?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'NotResource' },
    ]);
  });

  it('does not flag "*", ARNs, or a policy variable that holds a whole ARN', () => {
    expect(
      findingsOf(withResource(['*', 'arn:aws:s3:::b', '${aws:SourceArn}']), 'INVALID_ARN_PREFIX'),
    ).toEqual([]);
  });

  it('does not apply to role trust policies, which have no Resource element', () => {
    const text = policyText([
      { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: 'bucket' },
    ]);
    expect(findingsOf(text, 'INVALID_ARN_PREFIX', 'trust')).toEqual([]);
  });
});

describe('MISSING_ARN_FIELD', () => {
  it('flags an ARN with fewer than six fields', () => {
    const [finding] = findingsOf(withResource('arn:aws:s3:amzn-s3-demo-bucket'), 'MISSING_ARN_FIELD');
    expect(finding?.findingType).toBe('ERROR');
    expect(finding?.locations[0]?.path).toEqual(RESOURCE_PATH);
    expect(finding?.findingDetails).toContain('4 of the six');
  });

  it('flags an empty service or resource field', () => {
    expect(findingsOf(withResource(['arn:aws::::thing', 'arn:aws:s3:::']), 'MISSING_ARN_FIELD')).toHaveLength(
      2,
    );
  });

  it('does not flag empty Region and account fields, or colons inside a policy variable', () => {
    const text = withResource([
      'arn:aws:s3:::b',
      'arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}',
    ]);
    expect(findingsOf(text, 'MISSING_ARN_FIELD')).toEqual([]);
  });
});

describe('INVALID_PARTITION', () => {
  it('flags a partition AWS does not have, at the partition', () => {
    const arn = 'arn:awz:s3:::amzn-s3-demo-bucket';
    const text = withResource(arn);
    const [finding] = findingsOf(text, 'INVALID_PARTITION');
    expect(finding?.findingType).toBe('ERROR');
    expectSubstring(text, finding, arn, 'awz');
  });

  it('does not flag the partitions of every Region group, a wildcard or a variable', () => {
    const arns = [
      'aws',
      'aws-cn',
      'aws-us-gov',
      'aws-iso-b',
      'aws-eusc',
      '*',
      'aws*',
      '${aws:Partition}',
    ].map((p) => `arn:${p}:s3:::b`);
    expect(findingsOf(withResource(arns), 'INVALID_PARTITION')).toEqual([]);
  });
});

describe('INVALID_ARN_SERVICE_CASE', () => {
  it('flags a service written with capitals, at the service', () => {
    const arn = 'arn:aws:DynamoDB:us-east-1:111122223333:table/Books';
    const text = withResource(arn);
    const [finding] = findingsOf(text, 'INVALID_ARN_SERVICE_CASE');
    expect(finding?.findingType).toBe('ERROR');
    expectSubstring(text, finding, arn, 'DynamoDB');
    // The format checks do not run on a service they cannot look up.
    expect(codesOf(text)).not.toContain('INVALID_ARN_RESOURCE');
  });

  it('does not flag a lower-case service', () => {
    expect(
      findingsOf(
        withResource('arn:aws:dynamodb:us-east-1:111122223333:table/Books'),
        'INVALID_ARN_SERVICE_CASE',
      ),
    ).toEqual([]);
  });
});

describe('WILDCARD_IN_SERVICE_NAME', () => {
  it('flags a wildcard inside the service name', () => {
    const arn = 'arn:aws:*code*::111122223333:*';
    const text = withResource(arn);
    const [finding] = findingsOf(text, 'WILDCARD_IN_SERVICE_NAME');
    expect(finding?.findingType).toBe('SUGGESTION');
    expectSubstring(text, finding, arn, '*code*');
  });

  it('does not flag a named service or a service field that is "*" alone', () => {
    expect(
      findingsOf(
        withResource(['arn:aws:*:*:*:*', 'arn:aws:codebuild:*:*:project/*']),
        'WILDCARD_IN_SERVICE_NAME',
      ),
    ).toEqual([]);
  });
});

describe('INVALID_ARN_RESOURCE', () => {
  it('flags a resource part that fits no ARN format of the service, at the resource part', () => {
    const arn = 'arn:aws:dynamodb:us-east-1:111122223333:tabel/Books';
    const text = withResource(arn);
    const [finding] = findingsOf(text, 'INVALID_ARN_RESOURCE');
    expect(finding?.findingType).toBe('ERROR');
    expectSubstring(text, finding, arn, 'tabel/Books');
    expect(finding?.findingDetails).toContain('table/${TableName}');
  });

  it('matches resource types case-sensitively and separator by separator', () => {
    const text = withResource([
      'arn:aws:states:us-east-1:111122223333:statemachine:Orders',
      'arn:aws:lambda:us-east-1:111122223333:function/my-function',
    ]);
    expect(findingsOf(text, 'INVALID_ARN_RESOURCE')).toHaveLength(2);
  });

  it('does not flag documented formats, with wildcards and variables standing for any value', () => {
    const text = withResource([
      'arn:aws:states:us-east-1:111122223333:stateMachine:Orders',
      'arn:aws:lambda:us-east-1:111122223333:function:my-function',
      'arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*',
      'arn:aws:ec2:*:*:instance/*',
      'arn:aws:dynamodb:*:*:table/*/index/*',
      'arn:aws:backup:us-east-1:111122223333:recovery-point:1EB3B5E7',
      'arn:aws:iam::aws:policy/AdministratorAccess',
    ]);
    expect(findingsOf(text, 'INVALID_ARN_RESOURCE')).toEqual([]);
  });

  it('does not flag ARNs of services the reference does not describe', () => {
    expect(
      findingsOf(
        withResource('arn:aws:nosuchservice:us-east-1:111122223333:thing/x'),
        'INVALID_ARN_RESOURCE',
      ),
    ).toEqual([]);
  });
});

describe('MISSING_ARN_REGION', () => {
  it('flags an empty Region where the format has one', () => {
    const text = withResource('arn:aws:dynamodb::111122223333:table/Books');
    const [finding] = findingsOf(text, 'MISSING_ARN_REGION');
    expect(finding?.findingType).toBe('ERROR');
    expect(finding?.locations[0]?.path).toEqual(RESOURCE_PATH);
    expect(finding?.locations[0]?.span.start.offset).toBe(text.indexOf('"arn:aws:dynamodb'));
  });

  it('does not flag a wildcard Region, or formats without a Region', () => {
    const text = withResource([
      'arn:aws:dynamodb:*:111122223333:table/Books',
      'arn:aws:iam::111122223333:role/Admin',
      'arn:aws:s3:::amzn-s3-demo-bucket',
    ]);
    expect(findingsOf(text, 'MISSING_ARN_REGION')).toEqual([]);
  });
});

describe('ARN_REGION_NOT_ALLOWED', () => {
  it('flags a Region in an IAM ARN, at the Region', () => {
    const arn = 'arn:aws:iam:us-east-1:111122223333:role/Admin';
    const text = withResource(arn);
    const [finding] = findingsOf(text, 'ARN_REGION_NOT_ALLOWED');
    expect(finding?.findingType).toBe('ERROR');
    expectSubstring(text, finding, arn, 'us-east-1');
  });

  it('flags a Region in an S3 bucket ARN', () => {
    expect(
      findingsOf(withResource('arn:aws:s3:us-east-1::amzn-s3-demo-bucket'), 'ARN_REGION_NOT_ALLOWED'),
    ).toHaveLength(1);
  });

  it('does not flag "*", which also matches the empty Region, or S3 formats that have a Region', () => {
    const text = withResource([
      'arn:aws:s3:*::amzn-s3-demo-bucket',
      'arn:aws:s3:us-east-1:111122223333:accesspoint/ap1',
    ]);
    expect(findingsOf(text, 'ARN_REGION_NOT_ALLOWED')).toEqual([]);
  });
});

describe('INVALID_ARN_REGION', () => {
  it('flags a Region code that does not exist, at the Region', () => {
    const arn = 'arn:aws:ec2:us-east-7:111122223333:instance/*';
    const text = withResource(arn);
    const [finding] = findingsOf(text, 'INVALID_ARN_REGION');
    expect(finding?.findingType).toBe('ERROR');
    expectSubstring(text, finding, arn, 'us-east-7');
  });

  it('flags a Region of another partition', () => {
    const [finding] = findingsOf(
      withResource('arn:aws:ec2:cn-north-1:111122223333:instance/*'),
      'INVALID_ARN_REGION',
    );
    expect(finding?.findingDetails).toContain('aws-cn');
  });

  it('flags a Region the format fixes to another one', () => {
    const arn = 'arn:aws:s3:us-east-1:111122223333:async-request/mrap/PutMultiRegionAccessPointPolicy/token';
    expect(findingsOf(withResource(arn), 'INVALID_ARN_REGION')).toHaveLength(1);
  });

  it('does not flag real Region codes of the partition, recent ones included, wildcards or variables', () => {
    const regions = [
      'us-east-1',
      'ap-southeast-7',
      'mx-central-1',
      'ap-east-2',
      'us-*',
      '${aws:RequestedRegion}',
    ];
    const arns = regions.map((r) => `arn:aws:ec2:${r}:111122223333:instance/*`);
    arns.push(
      'arn:aws-cn:ec2:cn-north-1:111122223333:instance/*',
      'arn:aws-us-gov:ec2:us-gov-west-1:111122223333:instance/*',
    );
    expect(findingsOf(withResource(arns), 'INVALID_ARN_REGION')).toEqual([]);
  });
});

describe('INVALID_ARN_ACCOUNT', () => {
  it('flags an account ID that is not 12 digits, at the account', () => {
    const arn = 'arn:aws:ec2:us-east-1:12345:instance/*';
    const text = withResource(arn);
    const [finding] = findingsOf(text, 'INVALID_ARN_ACCOUNT');
    expect(finding?.findingType).toBe('ERROR');
    expectSubstring(text, finding, arn, '12345');
  });

  it('flags an account where the format fixes the account to aws', () => {
    const text = withResource('arn:aws:eks::111122223333:cluster-access-policy/AmazonEKSViewPolicy');
    expect(findingsOf(text, 'INVALID_ARN_ACCOUNT')).toHaveLength(1);
  });

  it('does not flag account IDs, wildcards, variables, or the aws and empty accounts of AWS-owned resources', () => {
    const text = withResource([
      'arn:aws:ec2:us-east-1:111122223333:instance/*',
      'arn:aws:ec2:*:*:instance/*',
      'arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}',
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'arn:aws:ssm:*::document/AWS-RunShellScript',
    ]);
    expect(findingsOf(text, 'INVALID_ARN_ACCOUNT')).toEqual([]);
  });
});

describe('ARN_ACCOUNT_NOT_ALLOWED', () => {
  it('flags an account ID in an S3 bucket ARN, at the account', () => {
    const arn = 'arn:aws:s3::111122223333:amzn-s3-demo-bucket';
    const text = withResource(arn);
    const [finding] = findingsOf(text, 'ARN_ACCOUNT_NOT_ALLOWED');
    expect(finding?.findingType).toBe('ERROR');
    expectSubstring(text, finding, arn, '111122223333');
  });

  it('does not flag an empty or wildcard account, or S3 formats that have an account', () => {
    const text = withResource([
      'arn:aws:s3:::amzn-s3-demo-bucket',
      'arn:aws:s3:*:*:amzn-s3-demo-bucket',
      'arn:aws:s3:us-east-1:111122223333:accesspoint/ap1',
    ]);
    expect(findingsOf(text, 'ARN_ACCOUNT_NOT_ALLOWED')).toEqual([]);
  });
});

describe('REDUNDANT_RESOURCE', () => {
  it('flags ARNs another entry of the same element already matches', () => {
    const text = withResource([
      'arn:aws:iam::111122223333:role/jane-admin',
      'arn:aws:iam::111122223333:role/jane-s3only',
      'arn:aws:iam::111122223333:role/jane*',
    ]);
    const found = findingsOf(text, 'REDUNDANT_RESOURCE');
    expect(found.map((f) => f.findingType)).toEqual(['SUGGESTION', 'SUGGESTION']);
    expect(found.map((f) => f.locations[0]?.path)).toEqual([
      [...RESOURCE_PATH, { index: 0 }],
      [...RESOURCE_PATH, { index: 1 }],
    ]);
    expect(found[0]?.locations[0]?.span.start.offset).toBe(
      text.indexOf('"arn:aws:iam::111122223333:role/jane-admin"'),
    );
    expect(found[0]?.findingDetails).toContain('role/jane*');
  });

  it('reports the later of two equal entries, once, and entries "*" covers', () => {
    const text = withResource(['arn:aws:s3:::b', 'arn:aws:s3:::b', '*']);
    expect(findingsOf(text, 'REDUNDANT_RESOURCE').map((f) => f.locations[0]?.path.at(-1))).toEqual([
      { index: 0 },
      { index: 1 },
    ]);
  });

  it('compares case-sensitively, field by field, and variables only by equality', () => {
    const text = withResource([
      'arn:aws:s3:::Bucket',
      'arn:aws:s3:::bucket',
      'arn:aws:s3:::*',
      'arn:aws:s3:us-east-1:111122223333:accesspoint/ap1',
      'arn:aws:iam::*:user/${aws:username}',
      'arn:aws:iam::*:user/${aws:username}x',
    ]);
    const found = findingsOf(text, 'REDUNDANT_RESOURCE').map((f) => f.locations[0]?.path.at(-1));
    // Only the two bucket ARNs are covered (by arn:aws:s3:::*); the access point has a Region and account.
    expect(found).toEqual([{ index: 0 }, { index: 1 }]);
  });

  it('does not compare entries of different statements', () => {
    const text = policyText([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/key' },
    ]);
    expect(findingsOf(text, 'REDUNDANT_RESOURCE')).toEqual([]);
  });
});

describe('RESOURCE_MATCHES_NO_ACTION', () => {
  it("flags an ARN of a type none of the statement's actions supports", () => {
    const text = withResource(
      ['arn:aws:s3:::amzn-s3-demo-bucket/*', 'arn:aws:dynamodb:us-east-1:111122223333:table/Books'],
      ['s3:GetObject', 's3:PutObject'],
    );
    const [finding, ...rest] = findingsOf(text, 'RESOURCE_MATCHES_NO_ACTION');
    expect(rest).toEqual([]);
    expect(finding?.findingType).toBe('WARNING');
    expect(finding?.locations[0]?.path).toEqual([...RESOURCE_PATH, { index: 1 }]);
    expect(finding?.learnMoreLink).toBe('docs/checks.md#resource-matches-no-action');
  });

  it('flags an ARN of another service for an action the reference gives no resource type', () => {
    const text = withResource('arn:aws:dynamodb:*:*:table/Books', 's3:ListAllMyBuckets');
    expect(findingsOf(text, 'RESOURCE_MATCHES_NO_ACTION')).toHaveLength(1);
  });

  it('does not flag ARNs some action supports, or ARNs of its own service for an action without resource types', () => {
    expect(
      findingsOf(withResource('arn:aws:s3:::amzn-s3-demo-bucket/*', 's3:Get*'), 'RESOURCE_MATCHES_NO_ACTION'),
    ).toEqual([]);
    const listAll = withResource('arn:aws:s3:::*', ['s3:ListAllMyBuckets']);
    expect(findingsOf(listAll, 'RESOURCE_MATCHES_NO_ACTION')).toEqual([]);
  });
});

describe('ACTION_MATCHES_NO_RESOURCE', () => {
  it('flags an action none of whose resource types the ARNs are', () => {
    const text = withResource('arn:aws:s3:::amzn-s3-demo-bucket/*', ['s3:GetObject', 'dynamodb:GetItem']);
    const [finding, ...rest] = findingsOf(text, 'ACTION_MATCHES_NO_RESOURCE');
    expect(rest).toEqual([]);
    expect(finding?.findingType).toBe('WARNING');
    expect(finding?.locations[0]?.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Action' },
      { index: 1 },
    ]);
    expect(finding?.locations[0]?.span.start.offset).toBe(text.indexOf('"dynamodb:GetItem"'));
  });

  it('flags an action without resource types next to ARNs of another service only', () => {
    const text = withResource('arn:aws:dynamodb:*:*:table/Books', [
      'dynamodb:GetItem',
      's3:ListAllMyBuckets',
    ]);
    expect(findingsOf(text, 'ACTION_MATCHES_NO_RESOURCE').map((f) => f.locations[0]?.path.at(-1))).toEqual([
      { index: 1 },
    ]);
  });

  it('does not flag when Resource has "*", for matching types, or for actions without resource types on their service', () => {
    const cases = [
      withResource(['arn:aws:s3:::b/*', '*'], 'dynamodb:GetItem'),
      withResource('arn:aws:dynamodb:*:*:table/Books', 'dynamodb:GetItem'),
      withResource('arn:aws:s3:::*', 's3:ListAllMyBuckets'),
    ];
    for (const text of cases) expect(findingsOf(text, 'ACTION_MATCHES_NO_RESOURCE')).toEqual([]);
  });
});
