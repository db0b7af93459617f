import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/index.ts';
import { batchResult, batchResultJson, compilePolicySet, decide, explain, simulate } from './index.ts';

const USER = 'arn:aws:iam::111122223333:user/alice';

const IDENTITY_TEXT = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadData",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::data/*"
    },
    {
      "Effect": "Deny",
      "Action": "s3:*",
      "Resource": "arn:aws:s3:::data/private/*",
      "Condition": { "Bool": { "aws:MultiFactorAuthPresent": "false" } }
    }
  ]
}`;

describe('explain', () => {
  const set = compilePolicySet({
    identityPolicies: [{ name: 'identity.json', document: IDENTITY_TEXT }],
    serviceControlPolicies: [
      [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
      [{ Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } }],
    ],
  });

  it('gives each matched statement with its policy, Sid, effect and source span', () => {
    const e = explain(set, { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::data/a' });
    expect(e.decision).toBe('Allowed');
    expect(e.blockedBy).toBeNull();
    // In evaluation order: RCPs, SCPs, resource policy, identity policies, boundaries, session, endpoints.
    expect(e.matchedStatements).toEqual([
      expect.objectContaining({
        policyType: 'scp',
        level: 0,
        policyIndex: 0,
        statementIndex: 0,
        effect: 'Allow',
      }),
      expect.objectContaining({
        policyType: 'scp',
        level: 1,
        policyIndex: 0,
        statementIndex: 0,
        effect: 'Allow',
      }),
      {
        policyType: 'identity',
        policyIndex: 0,
        statementIndex: 0,
        sid: 'ReadData',
        effect: 'Allow',
        span: { start: { line: 4, column: 4, offset: 50 }, end: { line: 9, column: 5, offset: 179 } },
        source: 'identity.json',
      },
    ]);
    expect(IDENTITY_TEXT.slice(50, 179)).toMatch(/^\{\s+"Sid": "ReadData"[\s\S]*\}$/);
  });

  it('gives the outcome per policy type and the type that blocked', () => {
    const e = explain(set, {
      principal: USER,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::data/private/x',
      context: { 'aws:MultiFactorAuthPresent': false },
    });
    expect(e.decision).toBe('ExplicitlyDenied');
    expect(e.blockedBy).toBe('identity');
    expect(e.policyTypes).toEqual({
      identity: 'ExplicitlyDenied',
      resource: 'Absent',
      boundary: 'Absent',
      session: 'Absent',
      scp: 'Allowed',
      rcp: 'Absent',
      vpcEndpoint: 'Absent',
    });
    expect(e.matchedStatements.filter((m) => m.policyType === 'identity').map((m) => m.effect)).toEqual([
      'Allow',
      'Deny',
    ]);
  });

  it('reports the context keys conditions needed, even of statements that then did not match', () => {
    const e = explain(set, {
      principal: USER,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::data/private/x',
    });
    expect(e.decision).toBe('Allowed');
    expect(e.missingContextKeys).toEqual(['aws:MultiFactorAuthPresent']);
    expect(e.matchedStatements.map((m) => m.effect)).toEqual(['Allow', 'Allow', 'Allow']);
  });

  it('an implicit deny names the first gate that did not allow', () => {
    const e = explain(set, { principal: USER, action: 'ec2:RunInstances', resource: '*' });
    expect([e.decision, e.blockedBy, e.policyTypes.scp, e.policyTypes.identity]).toEqual([
      'ImplicitlyDenied',
      'scp',
      'ImplicitlyDenied',
      'ImplicitlyDenied',
    ]);
  });

  it('agrees with decide, and nothing of one explanation leaks into the next', () => {
    const first = explain(set, {
      principal: USER,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::data/private/x',
    });
    const second = explain(set, {
      principal: USER,
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::elsewhere',
    });
    expect(first.missingContextKeys).toEqual(['aws:MultiFactorAuthPresent']);
    expect(second.missingContextKeys).toEqual([]);
    expect(second.matchedStatements.every((m) => m.policyType === 'scp')).toBe(true);
    expect(decide(set, { principal: USER, action: 's3:PutObject', resource: 'arn:aws:s3:::elsewhere' })).toBe(
      second.decision,
    );
  });

  it('spans of policies given as objects point into their compact JSON text', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    const e = simulate(
      { identityPolicies: [doc] },
      { principal: USER, action: 's3:GetObject', resource: '*' },
    );
    const text = JSON.stringify(doc);
    const span = e.matchedStatements[0]!.span;
    expect(text.slice(span.start.offset, span.end.offset)).toBe(JSON.stringify(doc.Statement[0]));
    expect(span.start.line).toBe(1);
  });

  it('accepts the parsed policy model', () => {
    const model = parsePolicy(IDENTITY_TEXT);
    const e = simulate(
      { identityPolicies: [model] },
      { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::data/a' },
    );
    expect(e.matchedStatements[0]!.span.start.line).toBe(4);
  });
});

describe('batch results', () => {
  const set = compilePolicySet({ identityPolicies: [IDENTITY_TEXT] });
  const requests = [
    { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::data/a' },
    {
      principal: USER,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::data/private/a',
      context: { 'aws:MultiFactorAuthPresent': 'false' },
    },
    { principal: USER, action: 'ec2:RunInstances', resource: '*' },
    { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::data/private/a' },
  ];

  it('the JSON line is the batch result, serialized', () => {
    for (const r of requests) expect(JSON.parse(batchResultJson(set, r))).toEqual(batchResult(set, r));
  });

  it('has exactly the four documented members', () => {
    const r = JSON.parse(batchResultJson(set, requests[1]!)) as Record<string, unknown>;
    expect(Object.keys(r)).toEqual(['decision', 'blockedBy', 'matchedStatements', 'missingContextKeys']);
    expect(r.decision).toBe('ExplicitlyDenied');
    expect(r.blockedBy).toBe('identity');
  });
});

describe('compile warnings', () => {
  it('says which statements cannot take part, and why', () => {
    const set = compilePolicySet({
      identityPolicies: [
        {
          Statement: [
            { Effect: 'Maybe', Action: '*', Resource: '*' },
            { Effect: 'Allow', Resource: '*' },
          ],
        },
      ],
      resourcePolicy: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
    });
    expect(set.warnings.map((w) => [w.policyType, w.statementIndex, w.message])).toEqual([
      ['identity', 0, 'the statement has no valid Effect and is ignored'],
      ['identity', 1, 'the statement has neither Action nor NotAction and matches nothing'],
      [
        'resource',
        0,
        'a resource policy statement without Principal or NotPrincipal names nobody and is ignored',
      ],
    ]);
    expect(decide(set, { principal: USER, action: 's3:GetObject', resource: '*' })).toBe('ImplicitlyDenied');
  });
});
