import { describe, expect, it } from 'vitest';
import { compilePolicySet, decide, explain } from './index.ts';
import type { ContextValue } from './index.ts';

const USER = 'arn:aws:iam::111122223333:user/alice';

/** Whether an Allow statement with just this condition block allows a request with this context. */
function allows(
  condition: Record<string, Record<string, unknown>>,
  context: Record<string, ContextValue> | undefined,
  version = '2012-10-17',
): boolean {
  const set = compilePolicySet({
    identityPolicies: [
      {
        Version: version,
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: condition }],
      },
    ],
  });
  return (
    decide(set, { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context }) ===
    'Allowed'
  );
}

const one = (operator: string, key: string, value: unknown) => ({ [operator]: { [key]: value } });

describe('string operators', () => {
  it('StringEquals is exact and case-sensitive; several policy values are alternatives', () => {
    expect(
      allows(one('StringEquals', 'aws:PrincipalTag/team', ['red', 'blue']), {
        'aws:PrincipalTag/team': 'blue',
      }),
    ).toBe(true);
    expect(
      allows(one('StringEquals', 'aws:PrincipalTag/team', 'red'), { 'aws:PrincipalTag/team': 'Red' }),
    ).toBe(false);
    expect(
      allows(one('StringEquals', 'aws:PrincipalTag/team', 're*'), { 'aws:PrincipalTag/team': 'red' }),
    ).toBe(false);
  });

  it('StringNotEquals holds only when the value matches none of the policy values', () => {
    const c = one('StringNotEquals', 'aws:RequestedRegion', ['us-east-1', 'eu-west-1']);
    expect(allows(c, { 'aws:RequestedRegion': 'ap-south-1' })).toBe(true);
    expect(allows(c, { 'aws:RequestedRegion': 'eu-west-1' })).toBe(false);
  });

  it('StringEqualsIgnoreCase and StringNotEqualsIgnoreCase ignore letter case', () => {
    expect(
      allows(one('StringEqualsIgnoreCase', 'aws:PrincipalTag/team', 'RED'), {
        'aws:PrincipalTag/team': 'red',
      }),
    ).toBe(true);
    expect(
      allows(one('StringEqualsIgnoreCase', 'aws:PrincipalTag/team', 'RED'), {
        'aws:PrincipalTag/team': 'reds',
      }),
    ).toBe(false);
    expect(
      allows(one('StringNotEqualsIgnoreCase', 'aws:PrincipalTag/team', 'RED'), {
        'aws:PrincipalTag/team': 'Red',
      }),
    ).toBe(false);
    expect(
      allows(one('StringNotEqualsIgnoreCase', 'aws:PrincipalTag/team', 'RED'), {
        'aws:PrincipalTag/team': 'blue',
      }),
    ).toBe(true);
  });

  it('StringLike takes * and ? wildcards, case-sensitively; StringNotLike is its negation', () => {
    const like = one('StringLike', 's3:prefix', ['home/*', 'tmp/??']);
    expect(allows(like, { 's3:prefix': 'home/alice/x' })).toBe(true);
    expect(allows(like, { 's3:prefix': 'tmp/ab' })).toBe(true);
    expect(allows(like, { 's3:prefix': 'tmp/abc' })).toBe(false);
    expect(allows(like, { 's3:prefix': 'Home/alice' })).toBe(false);
    expect(allows(one('StringNotLike', 's3:prefix', 'home/*'), { 's3:prefix': 'etc/passwd' })).toBe(true);
    expect(allows(one('StringNotLike', 's3:prefix', 'home/*'), { 's3:prefix': 'home/x' })).toBe(false);
  });

  it('context key names are case-insensitive, values are not', () => {
    expect(
      allows(one('StringEquals', 'AWS:PrincipalTag/Team', 'red'), { 'aws:principaltag/team': 'red' }),
    ).toBe(true);
    expect(
      allows(one('StringEquals', 'aws:PrincipalTag/team', 'red'), { 'AWS:PRINCIPALTAG/TEAM': 'RED' }),
    ).toBe(false);
  });
});

describe('numeric operators', () => {
  const key = 's3:max-keys';
  it.each([
    ['NumericEquals', '10', 10, true],
    ['NumericEquals', '10', 10.5, false],
    ['NumericNotEquals', '10', 11, true],
    ['NumericNotEquals', '10', '10.0', false],
    ['NumericLessThan', '10', 9, true],
    ['NumericLessThan', '10', 10, false],
    ['NumericLessThanEquals', '10', 10, true],
    ['NumericLessThanEquals', '10', 11, false],
    ['NumericGreaterThan', '10', 11, true],
    ['NumericGreaterThan', '10', 10, false],
    ['NumericGreaterThanEquals', '10', 10, true],
    ['NumericGreaterThanEquals', '10', 9.99, false],
  ])('%s %s against %s is %s', (op, policy, request, expected) => {
    expect(allows(one(op, key, policy), { [key]: request })).toBe(expected);
  });

  it('a request value that is not a number does not satisfy a positive operator', () => {
    expect(allows(one('NumericLessThan', key, '10'), { [key]: 'ten' })).toBe(false);
    expect(allows(one('NumericNotEquals', key, '10'), { [key]: 'ten' })).toBe(true);
  });

  it('accepts policy numbers written as JSON numbers', () => {
    expect(allows(one('NumericEquals', key, 10), { [key]: '10' })).toBe(true);
  });
});

describe('date operators', () => {
  const key = 'aws:CurrentTime';
  it('compares ISO 8601 instants, with zones', () => {
    const window = {
      DateGreaterThan: { [key]: '2020-04-01T00:00:00Z' },
      DateLessThan: { [key]: '2020-06-30T23:59:59Z' },
    };
    expect(allows(window, { [key]: '2020-05-15T12:00:00Z' })).toBe(true);
    expect(allows(window, { [key]: '2020-07-01T00:00:00Z' })).toBe(false);
    expect(
      allows(one('DateEquals', key, '2020-05-15T12:00:00Z'), { [key]: '2020-05-15T21:00:00+09:00' }),
    ).toBe(true);
    expect(allows(one('DateNotEquals', key, '2020-05-15'), { [key]: '2020-05-15T00:00:00Z' })).toBe(false);
  });

  it('reads digits as epoch seconds, on either side', () => {
    expect(
      allows(one('DateLessThanEquals', 'aws:EpochTime', '2020-01-01T00:00:00Z'), {
        'aws:EpochTime': 1577836800,
      }),
    ).toBe(true);
    expect(allows(one('DateGreaterThanEquals', key, '1577836801'), { [key]: '2020-01-01T00:00:00Z' })).toBe(
      false,
    );
  });

  it('a time without a zone is UTC', () => {
    expect(allows(one('DateEquals', key, '2020-01-01T10:00:00'), { [key]: '2020-01-01T10:00:00Z' })).toBe(
      true,
    );
  });
});

describe('Bool and Binary', () => {
  it('Bool compares true/false in any letter case, JSON booleans included', () => {
    expect(allows(one('Bool', 'aws:SecureTransport', 'true'), { 'aws:SecureTransport': true })).toBe(true);
    expect(allows(one('Bool', 'aws:SecureTransport', true), { 'aws:SecureTransport': 'TRUE' })).toBe(true);
    expect(allows(one('Bool', 'aws:SecureTransport', 'false'), { 'aws:SecureTransport': 'true' })).toBe(
      false,
    );
  });

  it('BinaryEquals compares base64 text', () => {
    expect(allows(one('BinaryEquals', 'example:key', 'QmluYXJ5'), { 'example:key': 'QmluYXJ5' })).toBe(true);
    expect(allows(one('BinaryEquals', 'example:key', 'QmluYXJ5'), { 'example:key': 'QmluYXJ6' })).toBe(false);
  });
});

describe('IP address operators', () => {
  const key = 'aws:SourceIp';
  it('matches IPv4 and IPv6 CIDR ranges; a bare address is a range of one', () => {
    const c = one('IpAddress', key, ['203.0.113.0/24', '2001:DB8:1234:5678::/64', '192.0.2.7']);
    expect(allows(c, { [key]: '203.0.113.250' })).toBe(true);
    expect(allows(c, { [key]: '203.0.114.1' })).toBe(false);
    expect(allows(c, { [key]: '2001:db8:1234:5678::42' })).toBe(true);
    expect(allows(c, { [key]: '2001:db8:1234:5679::42' })).toBe(false);
    expect(allows(c, { [key]: '192.0.2.7' })).toBe(true);
    expect(allows(c, { [key]: '192.0.2.8' })).toBe(false);
  });

  it('NotIpAddress holds outside every range', () => {
    const c = one('NotIpAddress', key, ['10.0.0.0/8', '172.16.0.0/12']);
    expect(allows(c, { [key]: '8.8.8.8' })).toBe(true);
    expect(allows(c, { [key]: '172.20.1.1' })).toBe(false);
  });

  it('an address that is not an IP address matches no range', () => {
    expect(allows(one('IpAddress', key, '0.0.0.0/0'), { [key]: 'localhost' })).toBe(false);
    expect(allows(one('IpAddress', key, '0.0.0.0/0'), { [key]: '1.2.3.4' })).toBe(true);
  });
});

describe('ARN operators', () => {
  const key = 'aws:SourceArn';
  it('ArnLike and ArnEquals match each ARN part separately, with wildcards', () => {
    expect(
      allows(one('ArnLike', key, 'arn:aws:sns:*:111122223333:topic-*'), {
        [key]: 'arn:aws:sns:us-east-1:111122223333:topic-a',
      }),
    ).toBe(true);
    expect(
      allows(one('ArnEquals', key, 'arn:aws:sns:*:111122223333:topic-*'), {
        [key]: 'arn:aws:sns:us-east-1:111122223333:topic-a',
      }),
    ).toBe(true);
    // The region wildcard may not run across a colon into the account part.
    expect(
      allows(one('ArnLike', key, 'arn:aws:sns:*:111122223333:topic'), {
        [key]: 'arn:aws:sns:us-east-1:x:111122223333:topic',
      }),
    ).toBe(false);
    expect(
      allows(one('ArnLike', key, 'arn:aws:sns:*:*:topic'), {
        [key]: 'arn:aws:sns:us-east-1:111122223333:topic',
      }),
    ).toBe(true);
  });

  it('ArnNotLike and ArnNotEquals hold when no pattern matches', () => {
    const c = one('ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/admin-*');
    expect(allows(c, { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/dev' })).toBe(true);
    expect(allows(c, { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/admin-1' })).toBe(false);
    expect(allows(one('ArnNotEquals', 'aws:PrincipalArn', USER), {})).toBe(false);
  });
});

describe('missing keys and IfExists', () => {
  it('a missing key fails a positive operator and satisfies a negated one', () => {
    expect(allows(one('StringEquals', 'aws:PrincipalTag/team', 'red'), {})).toBe(false);
    expect(allows(one('StringNotEquals', 'aws:PrincipalTag/team', 'red'), {})).toBe(true);
    expect(allows(one('NotIpAddress', 'aws:SourceIp', '10.0.0.0/8'), undefined)).toBe(true);
  });

  it('...IfExists holds when the key is missing and compares when it is present', () => {
    const c = one('StringEqualsIfExists', 'ec2:InstanceType', ['t3.micro', 't3.small']);
    expect(allows(c, {})).toBe(true);
    expect(allows(c, { 'ec2:InstanceType': 't3.micro' })).toBe(true);
    expect(allows(c, { 'ec2:InstanceType': 'm5.24xlarge' })).toBe(false);
    expect(allows(one('NumericLessThanIfExists', 's3:max-keys', '5'), { 's3:max-keys': 9 })).toBe(false);
  });

  it('reports keys a condition needed and the request did not have', () => {
    const set = compilePolicySet({
      identityPolicies: [
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:*',
              Resource: '*',
              Condition: {
                StringEquals: { 'aws:PrincipalTag/team': 'red' },
                Bool: { 'aws:MultiFactorAuthPresent': 'true' },
              },
            },
          ],
        },
      ],
    });
    const e = explain(set, {
      principal: USER,
      action: 's3:GetObject',
      resource: '*',
      context: { 'aws:PrincipalTag/team': 'red' },
    });
    expect(e.decision).toBe('ImplicitlyDenied');
    expect(e.missingContextKeys).toEqual(['aws:MultiFactorAuthPresent']);
  });
});

describe('Null', () => {
  it('"true" holds when the key is missing, "false" when it is present', () => {
    expect(allows(one('Null', 'aws:TokenIssueTime', 'true'), {})).toBe(true);
    expect(
      allows(one('Null', 'aws:TokenIssueTime', 'true'), { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' }),
    ).toBe(false);
    expect(
      allows(one('Null', 'aws:TokenIssueTime', 'false'), { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' }),
    ).toBe(true);
    expect(allows(one('Null', 'aws:TokenIssueTime', false), {})).toBe(false);
  });

  it('an empty list counts as missing', () => {
    expect(allows(one('Null', 'aws:TagKeys', 'true'), { 'aws:TagKeys': [] })).toBe(true);
  });
});

describe('set qualifiers for multivalued keys', () => {
  const key = 'aws:TagKeys';
  it('ForAllValues holds when every request value is among the policy values', () => {
    const c = one('ForAllValues:StringEquals', key, ['env', 'team']);
    expect(allows(c, { [key]: ['env', 'team'] })).toBe(true);
    expect(allows(c, { [key]: ['env'] })).toBe(true);
    expect(allows(c, { [key]: ['env', 'cost'] })).toBe(false);
  });

  it('ForAllValues holds for a missing key and for an empty set', () => {
    const c = one('ForAllValues:StringEquals', key, ['env']);
    expect(allows(c, {})).toBe(true);
    expect(allows(c, { [key]: [] })).toBe(true);
  });

  it('ForAnyValue holds when at least one request value matches, never for missing or empty', () => {
    const c = one('ForAnyValue:StringLike', key, ['team*']);
    expect(allows(c, { [key]: ['env', 'team-x'] })).toBe(true);
    expect(allows(c, { [key]: ['env', 'cost'] })).toBe(false);
    expect(allows(c, {})).toBe(false);
    expect(allows(c, { [key]: [] })).toBe(false);
  });

  it('a negated operator under a set qualifier negates each value', () => {
    const all = one('ForAllValues:StringNotEquals', key, ['secret']);
    expect(allows(all, { [key]: ['env', 'team'] })).toBe(true);
    expect(allows(all, { [key]: ['env', 'secret'] })).toBe(false);
    const any = one('ForAnyValue:StringNotEquals', key, ['secret']);
    expect(allows(any, { [key]: ['env', 'secret'] })).toBe(true);
    expect(allows(any, { [key]: ['secret'] })).toBe(false);
  });

  it('IfExists under ForAnyValue does not hold for a missing key (the set qualifier decides)', () => {
    expect(allows(one('ForAnyValue:StringEqualsIfExists', key, ['env']), {})).toBe(false);
    expect(allows(one('ForAnyValue:StringEqualsIfExists', key, ['env']), { [key]: ['env'] })).toBe(true);
  });

  it('without a qualifier a multivalued value matches when any of its values does', () => {
    expect(allows(one('StringEquals', key, 'env'), { [key]: ['cost', 'env'] })).toBe(true);
    expect(allows(one('StringNotEquals', key, 'env'), { [key]: ['cost', 'env'] })).toBe(false);
  });
});

describe('combining conditions', () => {
  it('every operator and every key must hold', () => {
    const c = {
      StringEquals: { 'aws:PrincipalTag/team': 'red', 'aws:RequestedRegion': 'us-east-1' },
      IpAddress: { 'aws:SourceIp': '10.0.0.0/8' },
    };
    const ctx = {
      'aws:PrincipalTag/team': 'red',
      'aws:RequestedRegion': 'us-east-1',
      'aws:SourceIp': '10.1.2.3',
    };
    expect(allows(c, ctx)).toBe(true);
    expect(allows(c, { ...ctx, 'aws:RequestedRegion': 'eu-west-1' })).toBe(false);
    expect(allows(c, { ...ctx, 'aws:SourceIp': '11.0.0.1' })).toBe(false);
  });

  it('an operator IAM does not know never holds, and the compiled set says so', () => {
    expect(
      allows(one('StringEqualz', 'aws:PrincipalTag/team', 'red'), { 'aws:PrincipalTag/team': 'red' }),
    ).toBe(false);
    const set = compilePolicySet({
      identityPolicies: [
        { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: one('Foo', 'k', 'v') }] },
      ],
    });
    expect(set.warnings.map((w) => w.message)).toEqual([
      'unknown condition operator "Foo": the condition never holds',
    ]);
  });
});

describe('policy variables in condition values', () => {
  it('substitutes request values in string and ARN operators (Version 2012-10-17)', () => {
    expect(
      allows(one('StringLike', 's3:prefix', 'home/${aws:username}/*'), { 's3:prefix': 'home/alice/docs' }),
    ).toBe(true);
    expect(
      allows(one('StringLike', 's3:prefix', 'home/${aws:username}/*'), { 's3:prefix': 'home/bob/docs' }),
    ).toBe(false);
    expect(
      allows(one('ArnEquals', 'aws:SourceArn', 'arn:aws:iam::${aws:PrincipalAccount}:user/*'), {
        'aws:SourceArn': 'arn:aws:iam::111122223333:user/x',
      }),
    ).toBe(true);
  });

  it('uses the default when the key is missing, and treats substituted text literally', () => {
    const c = one('StringEquals', 'aws:ResourceTag/owner', "${aws:PrincipalTag/owner, 'nobody'}");
    expect(allows(c, { 'aws:ResourceTag/owner': 'nobody' })).toBe(true);
    expect(allows(c, { 'aws:ResourceTag/owner': 'x', 'aws:PrincipalTag/owner': 'x' })).toBe(true);
    // A * that came from the request is a literal star, not a wildcard.
    expect(
      allows(one('StringLike', 's3:prefix', '${aws:PrincipalTag/p}'), {
        's3:prefix': 'abc',
        'aws:PrincipalTag/p': '*',
      }),
    ).toBe(false);
  });

  it('a variable without a value leaves the value unmatched, and is reported as missing', () => {
    const c = one('StringEquals', 'aws:ResourceTag/owner', '${aws:PrincipalTag/owner}');
    expect(allows(c, { 'aws:ResourceTag/owner': '' })).toBe(false);
    const set = compilePolicySet({
      identityPolicies: [
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: c }] },
      ],
    });
    const e = explain(set, {
      principal: USER,
      action: 's3:GetObject',
      resource: '*',
      context: { 'aws:ResourceTag/owner': 'x' },
    });
    expect(e.missingContextKeys).toEqual(['aws:PrincipalTag/owner']);
  });

  it('does not substitute in Version 2008-10-17 or without a Version', () => {
    const c = one('StringEquals', 's3:prefix', '${aws:username}');
    expect(allows(c, { 's3:prefix': 'alice' }, '2008-10-17')).toBe(false);
    expect(allows(c, { 's3:prefix': '${aws:username}' }, '2008-10-17')).toBe(true);
    expect(allows(c, { 's3:prefix': 'alice' })).toBe(true);
  });

  it('does not substitute in numeric operators', () => {
    expect(
      allows(one('NumericEquals', 's3:max-keys', '${aws:PrincipalTag/n}'), {
        's3:max-keys': 3,
        'aws:PrincipalTag/n': '3',
      }),
    ).toBe(false);
  });
});
