import { describe, expect, it } from 'vitest';
import { compilePolicySet } from '../evaluate/index.ts';
import { parsePolicy, substituteVariables } from '../policy/index.ts';
import type { ConditionEntry } from '../policy/index.ts';
import { IDENTITY_TYPE, OTHER_VALUE, Prober, candidateValues } from './prober.ts';

const USER = 'arn:aws:iam::111122223333:user/dev';

function prober(statements: object[], fixed: Record<string, string> = {}, prefixes: string[] = []): Prober {
  const policy = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
  return new Prober(
    compilePolicySet({ identityPolicies: [policy] }),
    (t, i) => (t === IDENTITY_TYPE && i === 0 ? policy : undefined),
    {
      principal: USER,
      fixed: { 'aws:CurrentTime': '2025-06-01T00:00:00Z', ...fixed },
      fixedPrefixes: prefixes,
    },
  );
}

const allow = (Condition?: object) => ({
  Effect: 'Allow',
  Action: 's3:GetObject',
  Resource: '*',
  ...(Condition ? { Condition } : {}),
});

function entry(operator: string, key: string, values: string[]): ConditionEntry {
  const policy = parsePolicy(
    JSON.stringify({ Statement: [{ Effect: 'Allow', Condition: { [operator]: { [key]: values } } }] }),
  );
  return policy.statements[0]!.condition!.entries[0]!;
}

describe('candidateValues', () => {
  const none = (text: string) => substituteVariables(text, () => undefined);
  it.each([
    ['StringEquals', ['a', 'b'], ['a', 'b', OTHER_VALUE]],
    ['StringNotEquals', ['a'], [OTHER_VALUE, 'a']],
    ['StringLike', ['dev-*'], ['dev-x', OTHER_VALUE]],
    ['NumericLessThan', ['10'], ['10', '11', '9']],
    ['Bool', ['true'], ['true', 'false']],
    ['IpAddress', ['10.0.0.0/8'], ['10.0.0.0', '203.0.113.77']],
    [
      'DateGreaterThan',
      ['2025-01-01T00:00:00Z'],
      ['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:01.000Z', '2024-12-31T23:59:59.000Z'],
    ],
    ['Null', ['true'], ['true']],
    ['ForAnyValue:StringEquals', ['x'], [['x'], [OTHER_VALUE], []]],
    ['NoSuchOperator', ['x'], []],
  ])('%s %j', (operator, values, expected) => {
    expect(candidateValues(entry(operator, 'k', values), none)).toEqual(expected);
  });

  it('fills policy variables with the values it knows, and drops those it cannot', () => {
    const e = entry('StringEquals', 'aws:RequestTag/owner', ['${aws:username}', '${aws:unknown}']);
    const fill = (text: string) =>
      substituteVariables(text, (k) => (k === 'aws:username' ? 'dev' : undefined));
    expect(candidateValues(e, fill)).toEqual(['dev', OTHER_VALUE]);
  });
});

describe('Prober.find', () => {
  it('allows without conditions in one decision, and returns no chosen context', () => {
    const grant = prober([allow()]).find('s3:GetObject', 'arn:aws:s3:::b/k');
    expect(grant?.chosen).toEqual({});
    expect(prober([allow()]).find('s3:PutObject', 'arn:aws:s3:::b/k')).toBeUndefined();
  });

  it('finds the context a condition needs', () => {
    const grant = prober([allow({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })]).find('s3:GetObject', '*');
    expect(grant?.chosen).toEqual({ 'aws:SourceIp': '10.0.0.0' });
  });

  it('dodges a Deny when some context satisfies the Allow and not the Deny', () => {
    const p = prober([
      allow({ StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } }),
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
      },
    ]);
    expect(p.find('s3:GetObject', '*')?.chosen).toEqual({ 'aws:RequestedRegion': 'eu-west-1' });
  });

  it('uses fixed values as facts: the time, and tags the principal has or has not', () => {
    const expired = prober([allow({ DateLessThan: { 'aws:CurrentTime': '2025-01-01T00:00:00Z' } })]);
    expect(expired.find('s3:GetObject', '*')).toBeUndefined();
    const tagged = { StringEquals: { 'aws:PrincipalTag/team': 'red' } };
    expect(
      prober([allow(tagged)], { 'aws:PrincipalTag/team': 'red' }, ['aws:principaltag/']).find(
        's3:GetObject',
        '*',
      ),
    ).toBeDefined();
    expect(prober([allow(tagged)], {}, ['aws:principaltag/']).find('s3:GetObject', '*')).toBeUndefined();
    // Without the prefix, an unknown tag is something the search may choose.
    expect(prober([allow(tagged)]).find('s3:GetObject', '*')?.chosen).toEqual({
      'aws:PrincipalTag/team': 'red',
    });
  });

  it('takes the values a check narrows a key to, and only those', () => {
    const p = prober([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: '*',
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
    ]);
    const role = 'arn:aws:iam::111122223333:role/r';
    expect(p.find('iam:PassRole', role, { 'iam:PassedToService': ['lambda.amazonaws.com'] })).toBeUndefined();
    expect(p.find('iam:PassRole', role, { 'iam:PassedToService': ['ec2.amazonaws.com'] })?.chosen).toEqual({
      'iam:PassedToService': 'ec2.amazonaws.com',
    });
  });

  it('searches statement by statement when the combinations are too many', () => {
    // Nine keys with three candidates each (3^9 combinations); one statement needs two of them.
    const keys = Array.from({ length: 9 }, (_, i) => `aws:RequestTag/k${i}`);
    const noise = keys.map((k) => ({
      Effect: 'Deny',
      Action: 's3:PutObject',
      Resource: '*',
      Condition: { StringEquals: { [k]: 'x' } },
    }));
    const p = prober([
      ...noise,
      {
        Effect: 'Deny',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { StringEquals: { [keys[8]!]: 'x' } },
      },
      allow({ StringEquals: { [keys[0]!]: 'a', [keys[1]!]: 'b' } }),
      ...keys.map((k) => ({
        Effect: 'Deny',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { StringEquals: { [k]: 'z' } },
      })),
    ]);
    expect(p.find('s3:GetObject', '*')?.chosen).toEqual({ [keys[0]!]: 'a', [keys[1]!]: 'b' });
  });

  it('explains a grant with the statements that matched', () => {
    const p = prober([allow()]);
    const grant = p.find('s3:GetObject', '*')!;
    expect(p.explain(grant).matchedStatements.map((m) => [m.policyIndex, m.statementIndex])).toEqual([
      [0, 0],
    ]);
  });
});
