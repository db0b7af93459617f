import { describe, expect, it } from 'vitest';
import type { Path, PolicyType } from '../../policy/index.ts';
import type { Finding } from '../finding.ts';
import { ALL_CHECKS } from '../registry.ts';
import { validatePolicy } from '../validate.ts';
import { variablesChecks } from './variables.ts';

const CODES = new Set(variablesChecks.map((c) => c.issueCode));
// Other families are left out so that these tests exercise this family alone.
const OTHERS = ALL_CHECKS.filter((c) => !CODES.has(c.issueCode)).map((c) => c.issueCode);

function run(policy: object, policyType: PolicyType = 'identity') {
  const text = JSON.stringify(policy, null, 2);
  const findings = validatePolicy(text, { policyType, ignoreFindings: OTHERS }).findings.filter((f) =>
    CODES.has(f.issueCode),
  );
  return { text, findings };
}

/** A one-statement identity policy; `statement` overrides its elements. */
function policy(statement: object, version: string | null = '2012-10-17') {
  const stmt = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*', ...statement };
  return version === null ? { Statement: [stmt] } : { Version: version, Statement: [stmt] };
}

const resource = (value: string) => policy({ Resource: value });

function found(code: string, p: object, policyType?: PolicyType): { text: string; hits: Finding[] } {
  const { text, findings } = run(p, policyType);
  return { text, hits: findings.filter((f) => f.issueCode === code) };
}

const codesOf = (p: object, policyType?: PolicyType) => run(p, policyType).findings.map((f) => f.issueCode);

const RESOURCE: Path = [{ value: 'Statement' }, { index: 0 }, { value: 'Resource' }];
const sub = (path: Path, start: number, length: number): Path => [...path, { substring: { start, length } }];

/** Asserts that the finding spans exactly `part` inside the JSON string `whole`. */
function expectSpan(f: Finding | undefined, text: string, whole: string, part: string) {
  const at = text.indexOf(`"${whole}"`) + 1 + whole.indexOf(part);
  expect(f?.locations[0]?.span.start.offset).toBe(at);
  expect(f?.locations[0]?.span.end.offset).toBe(at + part.length);
}

describe('MISSING_BRACE_IN_VARIABLE', () => {
  it('flags ${ without a closing brace, from the ${ to the end of the string', () => {
    const value = 'arn:aws:s3:::bucket/${aws:username';
    const { text, hits } = found('MISSING_BRACE_IN_VARIABLE', resource(value));
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(sub(RESOURCE, 20, 14));
    expectSpan(hits[0], text, value, '${aws:username');
  });

  it('flags it in condition values too', () => {
    const p = policy({ Condition: { StringEquals: { 'aws:PrincipalTag/team': '${aws:ResourceTag/team' } } });
    expect(codesOf(p)).toEqual(['MISSING_BRACE_IN_VARIABLE']);
  });

  it('does not flag closed variables', () => {
    expect(codesOf(resource('arn:aws:s3:::bucket/${aws:username}/*'))).toEqual([]);
  });
});

describe('EMPTY_VARIABLE', () => {
  it('flags ${} and ${ }', () => {
    for (const v of ['${}', '${ }']) {
      const value = `arn:aws:s3:::bucket/${v}`;
      const { text, hits } = found('EMPTY_VARIABLE', resource(value));
      expect(
        hits.map((f) => f.findingType),
        v,
      ).toEqual(['ERROR']);
      expect(hits[0]!.locations[0]!.path).toEqual(sub(RESOURCE, 20, v.length));
      expectSpan(hits[0], text, value, v);
    }
  });

  it('does not flag the ${*}, ${?} and ${$} escapes', () => {
    expect(codesOf(resource('arn:aws:s3:::bucket/${*}${?}${$}'))).toEqual([]);
  });
});

describe('UNSUPPORTED_SPACE_IN_VARIABLE', () => {
  it('flags white space in the variable name', () => {
    for (const v of ['${aws: username}', '${ aws:username}', "${aws:username , 'x'}"]) {
      const value = `arn:aws:s3:::bucket/${v}`;
      const { text, hits } = found('UNSUPPORTED_SPACE_IN_VARIABLE', resource(value));
      expect(
        hits.map((f) => f.findingType),
        v,
      ).toEqual(['ERROR']);
      expectSpan(hits[0], text, value, v);
    }
  });

  it('does not flag the space after the comma before a default, or spaces in the default', () => {
    expect(codesOf(resource("arn:aws:s3:::bucket/${aws:username, 'no one'}"))).toEqual([]);
  });
});

describe('UNSUPPORTED_SYMBOL_IN_VARIABLE', () => {
  it('flags a character no key name contains', () => {
    const value = 'arn:aws:s3:::bucket/${aws:user#name}';
    const { text, hits } = found('UNSUPPORTED_SYMBOL_IN_VARIABLE', resource(value));
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.findingDetails).toContain('"#"');
    expect(hits[0]!.locations[0]!.path).toEqual(sub(RESOURCE, 20, 16));
    expectSpan(hits[0], text, value, '${aws:user#name}');
  });

  it('does not flag tag keys with the characters tags allow, or escapes', () => {
    const p = resource('arn:aws:s3:::bucket/${aws:PrincipalTag/cost-center.v2@team+x=y}/${*}');
    expect(codesOf(p)).not.toContain('UNSUPPORTED_SYMBOL_IN_VARIABLE');
  });
});

describe('MISSING_QUOTE_IN_VARIABLE', () => {
  it('flags a default value without single quotes on both sides', () => {
    for (const v of ['${aws:username, anonymous}', "${aws:username, 'anonymous}"]) {
      const value = `arn:aws:s3:::bucket/${v}`;
      const { text, hits } = found('MISSING_QUOTE_IN_VARIABLE', resource(value));
      expect(
        hits.map((f) => f.findingType),
        v,
      ).toEqual(['ERROR']);
      expect(hits[0]!.locations[0]!.path).toEqual(sub(RESOURCE, 20, v.length));
      expectSpan(hits[0], text, value, v);
    }
  });

  it('flags double quotes, pointing at the whole string when it has JSON escapes', () => {
    const { text, hits } = found(
      'MISSING_QUOTE_IN_VARIABLE',
      resource('arn:aws:s3:::bucket/${aws:username, "anonymous"}'),
    );
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.locations[0]!.path).toEqual(RESOURCE);
    expect(hits[0]!.locations[0]!.span.start.offset).toBe(text.indexOf('"arn:aws:s3:::bucket/'));
  });

  it('does not flag a quoted default, or no default', () => {
    const p = resource("arn:aws:s3:::bucket/${aws:username,'anonymous'}/${aws:userid}");
    expect(codesOf(p)).toEqual([]);
  });
});

describe('VARIABLE_UNSUPPORTED_IN_ELEMENT', () => {
  it('flags a variable in Action', () => {
    const { text, hits } = found('VARIABLE_UNSUPPORTED_IN_ELEMENT', policy({ Action: 's3:${aws:username}' }));
    expect(hits.map((f) => f.findingType)).toEqual(['ERROR']);
    expect(hits[0]!.findingDetails).toContain('Action element');
    expect(hits[0]!.locations[0]!.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Action' },
      { substring: { start: 3, length: 15 } },
    ]);
    expectSpan(hits[0], text, 's3:${aws:username}', '${aws:username}');
  });

  it('flags variables in Principal, Sid, NotAction and condition keys', () => {
    const principal = policy({ Principal: { AWS: 'arn:aws:iam::111122223333:user/${aws:username}' } });
    expect(codesOf(principal, 'resource')).toEqual(['VARIABLE_UNSUPPORTED_IN_ELEMENT']);
    expect(codesOf(policy({ Sid: 'x${aws:username}' }))).toEqual(['VARIABLE_UNSUPPORTED_IN_ELEMENT']);
    const notAction = policy({ Action: undefined, NotAction: ['iam:${aws:username}'] });
    expect(codesOf(notAction)).toEqual(['VARIABLE_UNSUPPORTED_IN_ELEMENT']);
    const key = policy({ Condition: { StringEquals: { 'aws:PrincipalTag/${aws:username}': 'x' } } });
    const { hits } = found('VARIABLE_UNSUPPORTED_IN_ELEMENT', key);
    expect(hits[0]!.findingDetails).toContain('a condition key');
    expect(hits[0]!.locations[0]!.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Condition' },
      { value: 'StringEquals' },
      { key: 'aws:PrincipalTag/${aws:username}' },
      { substring: { start: 17, length: 15 } },
    ]);
  });

  it('does not flag variables in Resource, NotResource and condition values', () => {
    const p = policy({
      Resource: undefined,
      NotResource: 'arn:aws:s3:::bucket/${aws:username}',
      Condition: { StringLike: { 's3:prefix': '${aws:username}/*' } },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('VARIABLE_UNSUPPORTED_IN_VERSION', () => {
  it('flags a variable when the policy has no Version or the 2008-10-17 one', () => {
    const value = 'arn:aws:s3:::bucket/${aws:username}';
    for (const version of [null, '2008-10-17']) {
      const p = policy({ Resource: value }, version);
      const { text, hits } = found('VARIABLE_UNSUPPORTED_IN_VERSION', p);
      expect(
        hits.map((f) => f.findingType),
        String(version),
      ).toEqual(['ERROR']);
      expect(hits[0]!.locations[0]!.path).toEqual(sub(RESOURCE, 20, 15));
      expectSpan(hits[0], text, value, '${aws:username}');
    }
  });

  it('does not flag variables under 2012-10-17, or policies without variables', () => {
    expect(codesOf(resource('arn:aws:s3:::bucket/${aws:username}'))).toEqual([]);
    expect(codesOf(policy({}, null))).toEqual([]);
  });
});

describe('UNKNOWN_POLICY_VARIABLE', () => {
  it('flags a variable naming no documented key', () => {
    const value = 'arn:aws:s3:::bucket/${aws:usrname}';
    const { text, hits } = found('UNKNOWN_POLICY_VARIABLE', resource(value));
    expect(hits.map((f) => f.findingType)).toEqual(['WARNING']);
    expect(hits[0]!.learnMoreLink).toBe('docs/checks.md#unknown-policy-variable');
    expect(hits[0]!.locations[0]!.path).toEqual(sub(RESOURCE, 20, 14));
    expectSpan(hits[0], text, value, '${aws:usrname}');
    const withDefault = found('UNKNOWN_POLICY_VARIABLE', resource("arn:aws:s3:::b/${s3:nosuchkey, 'x'}"));
    expect(withDefault.hits[0]!.findingDetails).toContain("default 'x'");
  });

  it('does not flag documented, tag, SAML and web identity keys', () => {
    const p = policy({
      Resource: [
        'arn:aws:s3:::b/${aws:username}/${aws:PrincipalTag/team}',
        'arn:aws:s3:::b/${saml:sub}/${accounts.google.com:sub}/${www.amazon.com:user_id}',
        'arn:aws:s3:::b/${auth.example.com:sub}',
      ],
      Condition: { StringEquals: { 's3:prefix': '${aws:userid}' } },
    });
    expect(codesOf(p)).toEqual([]);
  });
});

describe('seed trust policy with a variable', () => {
  it('accepts ${aws:ResourceTag/owningDepartment} in a condition value', () => {
    const p = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:PrincipalTag/department': '${aws:ResourceTag/owningDepartment}' },
          },
        },
      ],
    };
    expect(codesOf(p, 'trust')).toEqual([]);
  });
});
