import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getCatalog } from '../../catalog/index.ts';
import type { Path, PolicyType } from '../../policy/index.ts';
import type { Finding } from '../finding.ts';
import { ALL_CHECKS } from '../registry.ts';
import { validatePolicy } from '../validate.ts';
import {
  conditionsChecks,
  isIsoDate,
  isPrivateRange,
  networkOf,
  parseCidr,
  resolveConditionKey,
} from './conditions.ts';
import { variablesChecks } from './variables.ts';

const CONDITION_CODES = new Set(conditionsChecks.map((c) => c.issueCode));
const VARIABLE_CODES = new Set(variablesChecks.map((c) => c.issueCode));
const OURS = new Set([...CONDITION_CODES, ...VARIABLE_CODES]);
// Other families are left out so that these tests exercise this family alone.
const OTHERS = ALL_CHECKS.filter((c) => !OURS.has(c.issueCode)).map((c) => c.issueCode);

function run(policy: object | string, policyType: PolicyType = 'identity', family = CONDITION_CODES) {
  const text = typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2);
  const findings = validatePolicy(text, { policyType, ignoreFindings: OTHERS }).findings.filter((f) =>
    family.has(f.issueCode),
  );
  return { text, findings };
}

/** A one-statement identity policy with the given Condition. */
function policy(condition: object, statement: object = {}) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: condition, ...statement },
    ],
  };
}

function found(code: string, p: object, policyType?: PolicyType): { text: string; hits: Finding[] } {
  const { text, findings } = run(p, policyType);
  return { text, hits: findings.filter((f) => f.issueCode === code) };
}

const codesOf = (p: object, policyType?: PolicyType) => run(p, policyType).findings.map((f) => f.issueCode);

const CONDITION: Path = [{ value: 'Statement' }, { index: 0 }, { value: 'Condition' }];
const operatorPath = (op: string): Path => [...CONDITION, { key: op }];
const keyPath = (op: string, key: string): Path => [...CONDITION, { value: op }, { key }];
const valuePath = (op: string, key: string, index?: number): Path => [
  ...CONDITION,
  { value: op },
  { value: key },
  ...(index === undefined ? [] : [{ index }]),
];

/** Asserts that the finding's first location spans exactly the quoted text at its nth occurrence. */
function expectSpan(f: Finding | undefined, text: string, quoted: string, nth = 0) {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(quoted, at + 1);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(f?.locations[0]?.span.start.offset).toBe(at);
  expect(f?.locations[0]?.span.end.offset).toBe(at + quoted.length);
}

describe('INVALID_CONDITION_OPERATOR', () => {
  it('flags an unknown operator at its name', () => {
    const { text, hits } = found(
      'INVALID_CONDITION_OPERATOR',
      policy({ StringEqual: { 'aws:username': 'x' } }),
    );
    expect(hits).toHaveLength(1);
    expect(hits[0]!.findingType).toBe('ERROR');
    expect(hits[0]!.locations[0]!.path).toEqual(operatorPath('StringEqual'));
    expectSpan(hits[0], text, '"StringEqual"');
  });

  it('flags wrong case, unknown qualifiers and doubled wrappers', () => {
    for (const op of [
      'stringEquals',
      'ForSomeValues:StringEquals',
      'ForAllValues:ForAnyValue:StringEquals',
      'StringEqualsIfExistsIfExists',
    ]) {
      expect(
        found('INVALID_CONDITION_OPERATOR', policy({ [op]: { 'aws:username': 'x' } })).hits,
        op,
      ).toHaveLength(1);
    }
  });

  it('flags an unknown operator even when its block is empty', () => {
    expect(found('INVALID_CONDITION_OPERATOR', policy({ StringMatches: {} })).hits).toHaveLength(1);
  });

  it('does not flag valid operators with qualifiers and IfExists', () => {
    const p = policy({
      'ForAnyValue:StringNotLikeIfExists': { 'aws:TagKeys': 'a*' },
      NumericLessThanEqualsIfExists: { 'aws:MultiFactorAuthAge': '3600' },
      ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/r' },
      NullIfExists: { 'aws:username': 'true' },
    });
    expect(codesOf(p)).not.toContain('INVALID_CONDITION_OPERATOR');
  });
});

describe('NULL_WITH_IF_EXISTS', () => {
  it('flags NullIfExists at the operator', () => {
    const { text, hits } = found('NULL_WITH_IF_EXISTS', policy({ NullIfExists: { 'aws:username': 'true' } }));
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(operatorPath('NullIfExists'));
    expectSpan(hits[0], text, '"NullIfExists"');
  });

  it('does not flag Null or other IfExists operators', () => {
    const p = policy({ Null: { 'aws:username': 'true' }, StringEqualsIfExists: { 'aws:username': 'a' } });
    expect(codesOf(p)).not.toContain('NULL_WITH_IF_EXISTS');
  });
});

describe('NULL_WITH_QUALIFIER', () => {
  it('flags ForAllValues:Null and ForAnyValue:Null', () => {
    for (const op of ['ForAllValues:Null', 'ForAnyValue:Null']) {
      const { hits } = found('NULL_WITH_QUALIFIER', policy({ [op]: { 'aws:TagKeys': 'true' } }));
      expect(hits.map((f) => f.findingType)).toEqual(['SUGGESTION']);
      expect(hits[0]!.locations[0]!.path).toEqual(operatorPath(op));
    }
  });

  it('does not flag Null without a qualifier', () => {
    expect(codesOf(policy({ Null: { 'aws:TagKeys': 'false' } }))).not.toContain('NULL_WITH_QUALIFIER');
  });
});

describe('INVALID_CONDITION_KEY_FORMAT', () => {
  it('flags keys that are not prefix:name', () => {
    const { text, hits } = found(
      'INVALID_CONDITION_KEY_FORMAT',
      policy({ IpAddress: { SourceIp: '203.0.113.0/24' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('IpAddress', 'SourceIp'));
    expectSpan(hits[0], text, '"SourceIp"');
    for (const key of ['aws:', ':username', ' aws:username']) {
      expect(
        found('INVALID_CONDITION_KEY_FORMAT', policy({ StringEquals: { [key]: 'x' } })).hits,
        key,
      ).toHaveLength(1);
    }
  });

  it('does not flag keys with several colons or spaces in a tag key', () => {
    const p = policy(
      { StringEquals: { 'kms:EncryptionContext:aws:s3:arn': 'x', 'aws:RequestTag/Cost Center': 'x' } },
      { Action: 'kms:Decrypt' },
    );
    expect(codesOf(p)).not.toContain('INVALID_CONDITION_KEY_FORMAT');
  });
});

describe('INVALID_GLOBAL_CONDITION_KEY', () => {
  it('flags an aws: key that does not exist', () => {
    const { text, hits } = found(
      'INVALID_GLOBAL_CONDITION_KEY',
      policy({ IpAddress: { 'aws:SourceIpv4': '203.0.113.0/24' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('IpAddress', 'aws:SourceIpv4'));
    expectSpan(hits[0], text, '"aws:SourceIpv4"');
  });

  it('does not flag documented keys in any capitalization, or tag keys', () => {
    const p = policy({
      IpAddress: { 'aws:sourceip': '203.0.113.0/24' },
      StringEquals: { 'aws:PrincipalTag/team': 'a', 'aws:PrincipalOrgID': 'o-abc' },
    });
    expect(codesOf(p)).not.toContain('INVALID_GLOBAL_CONDITION_KEY');
  });
});

describe('INVALID_SERVICE_CONDITION_KEY', () => {
  it('flags a key the service does not define', () => {
    const { text, hits } = found(
      'INVALID_SERVICE_CONDITION_KEY',
      policy({ StringLike: { 's3:prefixes': 'home/' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('StringLike', 's3:prefixes'));
    expectSpan(hits[0], text, '"s3:prefixes"');
  });

  it("flags a key of a service none of the statement's actions belong to", () => {
    const { hits } = found(
      'INVALID_SERVICE_CONDITION_KEY',
      policy({ StringLike: { 's3:prefix': 'home/' } }, { Action: 'ec2:DescribeInstances' }),
    );
    expect(hits).toHaveLength(1);
    expect(hits[0]!.findingDetails).toContain('no action in this statement belongs to s3');
  });

  it('does not flag a key of the statement’s service, with wildcard actions, or with NotAction', () => {
    expect(codesOf(policy({ StringLike: { 's3:prefix': 'home/' } }))).not.toContain(
      'INVALID_SERVICE_CONDITION_KEY',
    );
    expect(codesOf(policy({ StringLike: { 's3:prefix': 'home/' } }, { Action: '*' }))).toEqual([]);
    expect(codesOf(policy({ StringLike: { 's3:prefix': 'home/' } }, { Action: 's*:List*' }))).toEqual([]);
    const notAction = { Action: undefined, NotAction: 'iam:*' };
    expect(codesOf(policy({ StringLike: { 's3:prefix': 'home/' } }, notAction))).toEqual([]);
  });

  it('accepts keys a service documents under another prefix', () => {
    const p = policy(
      { StringEquals: { 'catalog:ChangeType': 'AddRevisions' } },
      { Action: 'aws-marketplace:StartChangeSet' },
    );
    expect(codesOf(p)).toEqual([]);
  });
});

describe('INVALID_SERVICE', () => {
  it('flags a key whose prefix is not a service', () => {
    const { text, hits } = found('INVALID_SERVICE', policy({ StringEquals: { 'storage:prefix': 'x' } }));
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('StringEquals', 'storage:prefix'));
    expectSpan(hits[0], text, '"storage:prefix"');
  });

  it('does not flag OIDC provider claims or SAML keys', () => {
    const p = policy(
      { StringEquals: { 'auth.example.com:sub': 'a', 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
      { Action: 'sts:AssumeRoleWithWebIdentity' },
    );
    expect(codesOf(p)).toEqual([]);
  });
});

describe('MISSING_TAG_KEY_IN_CONDITION', () => {
  it('flags tag keys written without the tag key', () => {
    for (const key of ['aws:ResourceTag', 'aws:RequestTag/']) {
      const { text, hits } = found('MISSING_TAG_KEY_IN_CONDITION', policy({ StringEquals: { [key]: 'x' } }));
      expect(
        hits.map((f) => f.findingType),
        key,
      ).toEqual(['ERROR']);
      expect(hits[0]!.locations[0]!.path).toEqual(keyPath('StringEquals', key));
      expectSpan(hits[0], text, `"${key}"`);
    }
    const ec2 = policy({ StringEquals: { 'ec2:ResourceTag': 'x' } }, { Action: 'ec2:StartInstances' });
    expect(codesOf(ec2)).toEqual(['MISSING_TAG_KEY_IN_CONDITION']);
  });

  it('does not flag a tag key with its name', () => {
    expect(codesOf(policy({ StringEquals: { 'aws:ResourceTag/owner': 'x' } }))).toEqual([]);
  });
});

describe('UNSUPPORTED_GLOBAL_CONDITION_KEY', () => {
  const resourcePolicy = policy(
    { ArnEquals: { 'aws:ARN': 'arn:aws:iam::111122223333:role/r' } },
    { Principal: '*' },
  );

  it('flags aws:ARN in a resource-side policy', () => {
    const { text, hits } = found('UNSUPPORTED_GLOBAL_CONDITION_KEY', resourcePolicy, 'resource');
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('ArnEquals', 'aws:ARN'));
    expectSpan(hits[0], text, '"aws:ARN"');
  });

  it('does not flag aws:ARN in an identity policy, or aws:PrincipalArn', () => {
    expect(codesOf(resourcePolicy, 'identity')).not.toContain('UNSUPPORTED_GLOBAL_CONDITION_KEY');
    const p = policy(
      { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/r' } },
      { Principal: '*' },
    );
    expect(codesOf(p, 'resource')).toEqual([]);
  });
});

describe('DEPRECATED_GLOBAL_CONDITION_KEY', () => {
  const p = policy({ ArnEquals: { 'aws:ARN': 'arn:aws:iam::111122223333:role/r' } });

  it('flags aws:ARN in an identity policy', () => {
    const { hits } = found('DEPRECATED_GLOBAL_CONDITION_KEY', p);
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('ArnEquals', 'aws:ARN'));
    expect(codesOf(p)).not.toContain('INVALID_GLOBAL_CONDITION_KEY');
  });

  it('does not flag it in a resource policy (there it is an error)', () => {
    expect(codesOf(p, 'resource')).not.toContain('DEPRECATED_GLOBAL_CONDITION_KEY');
  });
});

describe('MISSING_QUALIFIER', () => {
  it('flags a multivalued key without ForAllValues/ForAnyValue', () => {
    const { text, hits } = found('MISSING_QUALIFIER', policy({ StringEquals: { 'aws:TagKeys': ['team'] } }));
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('StringEquals', 'aws:TagKeys'));
    expectSpan(hits[0], text, '"aws:TagKeys"');
  });

  it('does not flag qualified use, Null, or single-valued keys', () => {
    const p = policy({
      'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] },
      Null: { 'aws:TagKeys': 'false' },
      StringEquals: { 'aws:username': 'a' },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('FORALLVALUES_WITH_SINGLE_VALUED_KEY', () => {
  it('flags ForAllValues with a single-valued key', () => {
    const { text, hits } = found(
      'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
      policy({ 'ForAllValues:StringEquals': { 'aws:username': ['a', 'b'] } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['SECURITY_WARNING']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('ForAllValues:StringEquals', 'aws:username'));
    expectSpan(hits[0], text, '"aws:username"');
  });

  it('does not flag ForAllValues with a multivalued key, or ForAnyValue', () => {
    const p = policy({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] },
      'ForAnyValue:StringEquals': { 'aws:username': ['a'] },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS', () => {
  it('flags StringLike and StringNotLike on ARN keys', () => {
    const p = policy({
      StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/ops-*' },
      StringNotLikeIfExists: { 'aws:SourceArn': 'arn:aws:sns:*:111122223333:*' },
    });
    const { text, hits } = found('STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS', p);
    expect(hits.map((f) => f.findingType)).toEqual(['SECURITY_WARNING', 'SECURITY_WARNING']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('StringLike', 'aws:PrincipalArn'));
    expectSpan(hits[0], text, '"aws:PrincipalArn"');
    expect(hits[1]!.findingDetails).toContain('ArnNotLikeIfExists');
  });

  it('does not flag ArnLike, StringEquals on ARN keys, or StringLike on string keys', () => {
    const p = policy({
      ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/ops-*' },
      StringEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:t' },
      StringLike: { 'aws:username': 'ops-*' },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('TYPE_MISMATCH', () => {
  it("flags an operator family that does not fit the key's type", () => {
    const { text, hits } = found(
      'TYPE_MISMATCH',
      policy({ StringEquals: { 'aws:SecureTransport': 'true' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING']);
    expect(hits[0]!.findingDetails).toContain('Bool');
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('StringEquals', 'aws:SecureTransport'));
    expectSpan(hits[0], text, '"aws:SecureTransport"');
    expect(codesOf(policy({ NumericLessThan: { 'aws:CurrentTime': '5' } }))).toContain('TYPE_MISMATCH');
    expect(codesOf(policy({ IpAddress: { 'aws:username': '203.0.113.0/24' } }))).toContain('TYPE_MISMATCH');
  });

  it('does not flag fitting operators, Null, string operators on ARN keys, or numbers for aws:EpochTime', () => {
    const p = policy({
      Bool: { 'aws:SecureTransport': 'true' },
      DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
      NumericLessThan: { 'aws:EpochTime': '1900000000' },
      Null: { 'aws:SourceIp': 'true' },
      StringEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:t' },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('DUPLICATE_KEYS_WITH_DIFFERENT_CASE', () => {
  it('flags the second spelling of a key in the same operator block', () => {
    const { text, hits } = found(
      'DUPLICATE_KEYS_WITH_DIFFERENT_CASE',
      policy({ StringEquals: { 'aws:username': 'a', 'aws:UserName': 'b' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(keyPath('StringEquals', 'aws:UserName'));
    expectSpan(hits[0], text, '"aws:UserName"');
  });

  it('does not flag the same key under different operators', () => {
    const p = policy({ StringEquals: { 'aws:username': 'a' }, StringLike: { 'aws:UserName': 'a*' } });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('INVALID_VARIABLE_FOR_OPERATOR', () => {
  it('flags a variable in the value of a date operator, at the variable', () => {
    const p = policy({ DateGreaterThan: { 'aws:CurrentTime': '${aws:TokenIssueTime}' } });
    const { text, hits } = found('INVALID_VARIABLE_FOR_OPERATOR', p);
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual([
      ...valuePath('DateGreaterThan', 'aws:CurrentTime'),
      { substring: { start: 0, length: 21 } },
    ]);
    expectSpan(hits[0], text, '${aws:TokenIssueTime}');
  });

  it('does not flag variables with string and ARN operators', () => {
    const p = policy({
      StringEquals: { 'aws:PrincipalTag/team': '${aws:ResourceTag/team}' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:${aws:PrincipalAccount}:*' },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('TYPE_MISMATCH_BOOLEAN', () => {
  it('flags Bool and Null values other than true/false', () => {
    const p = policy({ Bool: { 'aws:SecureTransport': 'yes' }, Null: { 'aws:username': 'maybe' } });
    const { text, hits } = found('TYPE_MISMATCH_BOOLEAN', p);
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING', 'WARNING']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('Bool', 'aws:SecureTransport'));
    expectSpan(hits[0], text, '"yes"');
  });

  it('does not flag true/false as strings, in any case, or as JSON booleans', () => {
    const p = policy({ Bool: { 'aws:SecureTransport': 'False' }, Null: { 'aws:username': true } });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('TYPE_MISMATCH_NUMBER', () => {
  it('flags a numeric operator value that is not a number', () => {
    const { text, hits } = found(
      'TYPE_MISMATCH_NUMBER',
      policy({ NumericLessThan: { 'aws:MultiFactorAuthAge': 'ten' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('NumericLessThan', 'aws:MultiFactorAuthAge'));
    expectSpan(hits[0], text, '"ten"');
  });

  it('does not flag integers, decimals or JSON numbers', () => {
    const p = policy({ NumericLessThan: { 'aws:MultiFactorAuthAge': ['3600', '1.5', 7200] } });
    expect(codesOf(p)).not.toContain('TYPE_MISMATCH_NUMBER');
  });
});

describe('TYPE_MISMATCH_DATE', () => {
  it('flags values that are not dates', () => {
    const p = policy({ DateGreaterThan: { 'aws:CurrentTime': ['tomorrow', '2030-13-01', '2030-02-30'] } });
    const { text, hits } = found('TYPE_MISMATCH_DATE', p);
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING', 'WARNING', 'WARNING']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('DateGreaterThan', 'aws:CurrentTime', 0));
    expectSpan(hits[0], text, '"tomorrow"');
  });

  it('does not flag ISO 8601 dates and times, or epoch seconds', () => {
    const p = policy({
      DateGreaterThan: {
        'aws:CurrentTime': [
          '2030-01-31',
          '2030-01-31T12:00:00Z',
          '2030-01-31T12:00:00.5+09:00',
          '1900000000',
        ],
      },
    });
    expect(codesOf(p)).not.toContain('TYPE_MISMATCH_DATE');
  });
});

describe('INVALID_DATE_VALUE', () => {
  it('flags a date written as epoch seconds and suggests the ISO form', () => {
    const { text, hits } = found(
      'INVALID_DATE_VALUE',
      policy({ DateLessThan: { 'aws:CurrentTime': '1900000000' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING']);
    expect(hits[0]!.findingDetails).toContain('2030-03-17T17:46:40Z');
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('DateLessThan', 'aws:CurrentTime'));
    expectSpan(hits[0], text, '"1900000000"');
  });

  it('does not flag ISO dates, or numbers under numeric operators', () => {
    const p = policy({
      DateLessThan: { 'aws:CurrentTime': '2030-01-31T00:00:00Z' },
      NumericLessThan: { 'aws:EpochTime': '1900000000' },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('TYPE_MISMATCH_IP_RANGE', () => {
  it('flags values that are not IP addresses or CIDR ranges', () => {
    const p = policy({
      IpAddress: { 'aws:SourceIp': ['203.0.113.0/33', 'office', '1.2.3', '2001:db8:::1'] },
    });
    const { text, hits } = found('TYPE_MISMATCH_IP_RANGE', p);
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING', 'WARNING', 'WARNING', 'WARNING']);
    expect(hits[1]!.locations[0]!.path).toEqual(valuePath('IpAddress', 'aws:SourceIp', 1));
    expectSpan(hits[1], text, '"office"');
  });

  it('does not flag IPv4 and IPv6 addresses and ranges', () => {
    const p = policy({
      NotIpAddress: {
        'aws:SourceIp': ['203.0.113.0/24', '198.51.100.7', '2001:db8::/32', '::ffff:203.0.113.9'],
      },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('TYPE_MISMATCH_STRING', () => {
  it('flags a BinaryEquals value that is not base64', () => {
    const { text, hits } = found(
      'TYPE_MISMATCH_STRING',
      policy({ BinaryEquals: { 'aws:username': 'not base64!' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('BinaryEquals', 'aws:username'));
    expectSpan(hits[0], text, '"not base64!"');
  });

  it('does not flag base64', () => {
    expect(codesOf(policy({ BinaryEquals: { 'aws:username': 'QmluYXJ5VmFsdWU=' } }))).not.toContain(
      'TYPE_MISMATCH_STRING',
    );
  });
});

describe('WILDCARD_WITHOUT_LIKE_OPERATOR', () => {
  it('flags * or ? in a literal string comparison', () => {
    const { text, hits } = found(
      'WILDCARD_WITHOUT_LIKE_OPERATOR',
      policy({ StringEquals: { 's3:prefix': 'home/*' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING']);
    expect(hits[0]!.findingDetails).toContain('StringLike');
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('StringEquals', 's3:prefix'));
    expectSpan(hits[0], text, '"home/*"');
  });

  it('does not flag Like operators, ARN operators, or the ${*} escape', () => {
    const p = policy({
      StringLike: { 's3:prefix': 'home/*' },
      StringEquals: { 'aws:username': 'literal${*}star' },
      ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/r' },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('IMPROVE_IP_RANGE', () => {
  it('flags a range with host bits set and suggests the network', () => {
    const p = policy({ IpAddress: { 'aws:SourceIp': ['203.0.113.5/24', '2001:db8::1/32'] } });
    const { text, hits } = found('IMPROVE_IP_RANGE', p);
    expect(hits.map((f) => f.findingType)).toEqual(['SUGGESTION', 'SUGGESTION']);
    expect(hits[0]!.findingDetails).toContain('203.0.113.0/24');
    expect(hits[1]!.findingDetails).toContain('2001:db8::/32');
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('IpAddress', 'aws:SourceIp', 0));
    expectSpan(hits[0], text, '"203.0.113.5/24"');
  });

  it('does not flag network addresses or single hosts', () => {
    const p = policy({
      IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.7', '198.51.100.7/32'] },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('INVALID_CONDITION_DATA_TYPE', () => {
  it('flags a value list that mixes JSON types', () => {
    const p = policy({ NumericLessThan: { 'aws:MultiFactorAuthAge': ['3600', 7200] } });
    const { text, hits } = found('INVALID_CONDITION_DATA_TYPE', p);
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('NumericLessThan', 'aws:MultiFactorAuthAge'));
    expect(hits[0]!.locations[0]!.span.start.offset).toBe(
      text.indexOf('[', text.indexOf('"aws:MultiFactorAuthAge"')),
    );
  });

  it('does not flag lists of one JSON type', () => {
    const p = policy({
      NumericLessThan: { 'aws:MultiFactorAuthAge': [3600, 7200] },
      StringEquals: { 'aws:username': ['a', 'b'] },
    });
    expect(codesOf(p)).not.toContain('INVALID_CONDITION_DATA_TYPE');
  });
});

describe('INVALID_CONDITION_MULTIPLE_BOOLEAN', () => {
  it('flags several values for Bool', () => {
    const { hits } = found(
      'INVALID_CONDITION_MULTIPLE_BOOLEAN',
      policy({ Bool: { 'aws:SecureTransport': ['true', 'false'] } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('Bool', 'aws:SecureTransport'));
  });

  it('does not flag a single value, in a list or not', () => {
    const p = policy({ Bool: { 'aws:SecureTransport': ['true'], 'aws:ViaAWSService': 'false' } });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('REDUNDANT_CONDITION_VALUE_NUM', () => {
  it('flags several bounds for an ordering operator and names the one that counts', () => {
    const less = found(
      'REDUNDANT_CONDITION_VALUE_NUM',
      policy({ NumericLessThan: { 'aws:MultiFactorAuthAge': ['2700', '3600'] } }),
    );
    expect(less.hits.map((f) => f.findingType)).toEqual(['SUGGESTION']);
    expect(less.hits[0]!.findingDetails).toContain('3600');
    expect(less.hits[0]!.locations[0]!.path).toEqual(valuePath('NumericLessThan', 'aws:MultiFactorAuthAge'));
    const more = found(
      'REDUNDANT_CONDITION_VALUE_NUM',
      policy({ NumericGreaterThan: { 'aws:MultiFactorAuthAge': ['60', '30'] } }),
    );
    expect(more.hits[0]!.findingDetails).toContain('30');
  });

  it('does not flag NumericEquals with several values, or a single bound', () => {
    const p = policy({
      NumericEquals: { 'aws:MultiFactorAuthAge': ['60', '30'] },
      NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('PRIVATE_IP_ADDRESS', () => {
  it('flags IpAddress on aws:SourceIp with only private ranges', () => {
    const p = policy({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.1.0/24'] } });
    const { text, hits } = found('PRIVATE_IP_ADDRESS', p);
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('IpAddress', 'aws:SourceIp'));
    expect(hits[0]!.locations[0]!.span.start.offset).toBe(text.indexOf('[', text.indexOf('"aws:SourceIp"')));
  });

  it('does not flag public ranges, or private ranges on aws:VpcSourceIp', () => {
    const p = policy({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24', 'aws:VpcSourceIp': '10.0.0.0/8' } });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('PRIVATE_NOT_IP_ADDRESS', () => {
  it('flags NotIpAddress on aws:SourceIp with only private ranges', () => {
    const { hits } = found(
      'PRIVATE_NOT_IP_ADDRESS',
      policy({ NotIpAddress: { 'aws:SourceIp': '172.16.0.0/12' } }),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('NotIpAddress', 'aws:SourceIp'));
  });

  it('does not flag NotIpAddress with public ranges', () => {
    expect(codesOf(policy({ NotIpAddress: { 'aws:SourceIp': '172.32.0.0/16' } }))).toEqual([]);
  });
});

describe('PRIVATE_IP_ADDRESS_SUBSET', () => {
  it('flags IpAddress on aws:SourceIp mixing private and public ranges', () => {
    const p = policy({ IpAddress: { 'aws:SourceIp': ['10.1.0.0/16', '203.0.113.0/24'] } });
    expect(run(p).findings.map((f) => [f.issueCode, f.findingType])).toEqual([
      ['PRIVATE_IP_ADDRESS_SUBSET', 'SUGGESTION'],
    ]);
  });

  it('does not flag all-public ranges', () => {
    expect(codesOf(policy({ IpAddress: { 'aws:SourceIp': ['198.51.100.0/24', '203.0.113.0/24'] } }))).toEqual(
      [],
    );
  });
});

describe('PRIVATE_NOT_IP_ADDRESS_SUBSET', () => {
  it('flags NotIpAddress on aws:SourceIp mixing private and public ranges', () => {
    const p = policy({ NotIpAddress: { 'aws:SourceIp': ['fd00::/8', '2001:db8::/32'] } });
    expect(run(p).findings.map((f) => [f.issueCode, f.findingType])).toEqual([
      ['PRIVATE_NOT_IP_ADDRESS_SUBSET', 'SUGGESTION'],
    ]);
  });

  it('does not flag IpAddress with the same mix (that is the IpAddress suggestion)', () => {
    const p = policy({ IpAddress: { 'aws:SourceIp': ['fd00::/8', '2001:db8::/32'] } });
    expect(codesOf(p)).not.toContain('PRIVATE_NOT_IP_ADDRESS_SUBSET');
  });
});

describe('EMPTY_ARRAY_CONDITION', () => {
  it('flags an empty value list', () => {
    const { text, hits } = found('EMPTY_ARRAY_CONDITION', policy({ StringEquals: { 'aws:username': [] } }));
    expect(hits.map((f) => f.findingType)).toEqual(['SUGGESTION']);
    expect(hits[0]!.locations[0]!.path).toEqual(valuePath('StringEquals', 'aws:username'));
    expect(hits[0]!.locations[0]!.span.start.offset).toBe(text.indexOf('[]'));
  });

  it('does not flag values, or empty lists with qualifiers or IfExists (they have their own codes)', () => {
    expect(codesOf(policy({ StringEquals: { 'aws:username': ['a'] } }))).toEqual([]);
    expect(codesOf(policy({ StringEqualsIfExists: { 'aws:username': [] } }))).not.toContain(
      'EMPTY_ARRAY_CONDITION',
    );
  });
});

describe('EMPTY_ARRAY_CONDITION_FORALLVALUES', () => {
  it('flags ForAllValues with no values', () => {
    const p = policy({ 'ForAllValues:StringEquals': { 'aws:TagKeys': [] } });
    expect(run(p).findings.map((f) => [f.issueCode, f.findingType])).toEqual([
      ['EMPTY_ARRAY_CONDITION_FORALLVALUES', 'SUGGESTION'],
    ]);
  });

  it('does not flag ForAllValues with values', () => {
    expect(codesOf(policy({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }))).toEqual([]);
  });
});

describe('EMPTY_ARRAY_CONDITION_FORANYVALUE', () => {
  it('flags ForAnyValue with no values', () => {
    const p = policy({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': [] } });
    expect(run(p).findings.map((f) => [f.issueCode, f.findingType])).toEqual([
      ['EMPTY_ARRAY_CONDITION_FORANYVALUE', 'SUGGESTION'],
    ]);
  });

  it('does not flag ForAnyValue with values', () => {
    expect(codesOf(policy({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }))).toEqual([]);
  });
});

describe('EMPTY_ARRAY_CONDITION_IFEXISTS', () => {
  it('flags an IfExists operator with no values', () => {
    const p = policy({ StringEqualsIfExists: { 'aws:username': [] } });
    expect(run(p).findings.map((f) => [f.issueCode, f.findingType])).toEqual([
      ['EMPTY_ARRAY_CONDITION_IFEXISTS', 'SUGGESTION'],
    ]);
  });

  it('does not flag an IfExists operator with values', () => {
    expect(codesOf(policy({ StringEqualsIfExists: { 'aws:username': 'a' } }))).toEqual([]);
  });
});

describe('EMPTY_OBJECT_CONDITION', () => {
  it('flags an empty Condition element', () => {
    const { text, hits } = found('EMPTY_OBJECT_CONDITION', policy({}));
    expect(hits.map((f) => f.findingType)).toEqual(['SUGGESTION']);
    expect(hits[0]!.locations[0]!.path).toEqual(CONDITION);
    expect(hits[0]!.locations[0]!.span.start.offset).toBe(text.indexOf('{}'));
  });

  it('does not flag a Condition with operators, or a statement without Condition', () => {
    expect(codesOf(policy({ Bool: { 'aws:SecureTransport': 'true' } }))).toEqual([]);
    expect(
      codesOf({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' },
      }),
    ).toEqual([]);
  });
});

describe('check metadata', () => {
  it('links each Access Analyzer check to its section of the reference', () => {
    for (const check of conditionsChecks) {
      const type = {
        ERROR: 'error',
        SECURITY_WARNING: 'security-warning',
        WARNING: 'general-warning',
        SUGGESTION: 'suggestion',
      }[check.findingType];
      const slug = check.issueCode.toLowerCase().replace(/_/g, '-');
      expect(check.learnMoreLink).toMatch(
        new RegExp(`#access-analyzer-reference-policy-checks-${type}-${slug}$`),
      );
      expect(check.family).toBe('conditions');
    }
  });
});

describe('condition key resolution', () => {
  const catalog = getCatalog();
  it('resolves global, service, templated, federation and provider keys', () => {
    expect(resolveConditionKey(catalog, 'aws:SourceIp')).toMatchObject({ kind: 'known', service: 'aws' });
    expect(resolveConditionKey(catalog, 'ec2:ResourceTag/team')).toMatchObject({
      kind: 'known',
      service: 'ec2',
    });
    expect(resolveConditionKey(catalog, 'saml:aud')).toMatchObject({ kind: 'known', service: 'sts' });
    expect(resolveConditionKey(catalog, 'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub')).toEqual({
      kind: 'provider',
    });
    expect(resolveConditionKey(catalog, 'identitycenter:InstanceArn')).toMatchObject({
      kind: 'unknownPrefix',
    });
    expect(resolveConditionKey(catalog, 'identitycenter:InstanceArn', ['sso'])).toMatchObject({
      kind: 'known',
      service: 'sso',
    });
  });
});

describe('value formats', () => {
  it('reads ISO 8601 dates and rejects impossible ones', () => {
    expect(['2030', '2030-01', '2030-02-28T23:59:59Z', '2028-02-29'].every(isIsoDate)).toBe(true);
    expect(['2030-02-29', '2030-01-01T24:00:00Z', '30-01-01', '2030-1-1'].some(isIsoDate)).toBe(false);
  });

  it('parses CIDR ranges and tells private ones', () => {
    expect(networkOf(parseCidr('10.1.2.3/8')!)).toBe('10.0.0.0/8');
    expect(networkOf(parseCidr('2001:db8:0:0:1::1/64')!)).toBe('2001:db8::/64');
    expect(isPrivateRange(parseCidr('172.31.255.0/24')!)).toBe(true);
    expect(isPrivateRange(parseCidr('172.32.0.0/24')!)).toBe(false);
    expect(isPrivateRange(parseCidr('10.0.0.0/7')!)).toBe(false);
    expect(parseCidr('256.0.0.1')).toBeUndefined();
    expect(parseCidr('1::2::3')).toBeUndefined();
  });
});

// Trust policies from the seed document on role trust policies (SAML, OIDC, ExternalId,
// aws:SourceIp, tags, aws:PrincipalOrgID): none of them is wrong, so none may be flagged,
// except that an empty Condition element is worth a suggestion.
const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));

function jsonBlocks(text: string): unknown[] {
  const blocks: unknown[] = [];
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; offset += lines[i]!.length + 1, i++) {
    if (!/^\s*\{/.test(lines[i]!)) continue;
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let j = offset + lines[i]!.indexOf('{'); j < text.length && end < 0; j++) {
      const c = text[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) end = j + 1;
    }
    if (end < 0) continue;
    try {
      blocks.push(JSON.parse(text.slice(offset, end)));
      while (i + 1 < lines.length && offset + lines[i]!.length + 1 < end) offset += lines[i++]!.length + 1;
    } catch {
      // prose with braces, or a fragment: its inner objects are tried line by line
    }
  }
  return blocks;
}

function seedTrustPolicies(): object[] {
  const file = readdirSync(`${SHARED}seeds`).find((f) => f.startsWith('001_'))!;
  return jsonBlocks(readFileSync(`${SHARED}seeds/${file}`, 'utf8'))
    .filter((b): b is Record<string, unknown> => typeof b === 'object' && b !== null)
    .map((b) => ('Statement' in b ? b : { Version: '2012-10-17', Statement: [b] }))
    .filter((p) => JSON.stringify(p).includes('"Principal"'));
}

describe('seed trust policies', () => {
  const policies = seedTrustPolicies();

  it('finds the examples in the seed', () => {
    const text = JSON.stringify(policies);
    for (const key of [
      'SAML:aud',
      'auth.example.com:sub',
      'sts:ExternalId',
      'aws:SourceIp',
      'aws:PrincipalOrgID',
    ]) {
      expect(text, key).toContain(key);
    }
    expect(policies).toHaveLength(16);
  });

  it('reports nothing from the conditions and variables families but the empty Condition suggestion', () => {
    for (const p of policies) {
      const { findings } = run(p, 'trust', OURS);
      const expected = JSON.stringify(p).includes('"Condition":{}') ? ['EMPTY_OBJECT_CONDITION'] : [];
      expect(
        findings.map((f) => f.issueCode),
        JSON.stringify(p),
      ).toEqual(expected);
    }
  });
});
