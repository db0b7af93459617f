import { describe, expect, it } from 'vitest';
import { effectOf, parsePolicy } from './model.ts';

describe('parsePolicy', () => {
  it('reads statements with paths Access Analyzer uses', () => {
    const p = parsePolicy(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'A',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Resource: 'arn:aws:s3:::b/*',
          },
          {
            Effect: 'Deny',
            NotAction: 'iam:*',
            NotResource: ['*'],
            Principal: { AWS: ['123456789012'], Service: 'lambda.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] },
              Bool: { 'aws:SecureTransport': true },
            },
          },
        ],
      }),
    );
    expect(p.version?.value).toBe('2012-10-17');
    expect(p.statements).toHaveLength(2);
    const [a, b] = p.statements;
    expect(a!.sid?.value).toBe('A');
    expect(effectOf(a!)).toBe('Allow');
    expect(a!.action?.values.map((v) => v.value)).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(a!.action?.values[1]!.path).toEqual([
      { value: 'Statement' },
      { index: 0 },
      { value: 'Action' },
      { index: 1 },
    ]);
    expect(a!.resource?.isArray).toBe(false);
    expect(b!.notAction?.values[0]!.value).toBe('iam:*');
    expect(b!.principal?.entries.map((e) => [e.type, e.values.values.map((v) => v.value)])).toEqual([
      ['AWS', ['123456789012']],
      ['Service', ['lambda.amazonaws.com']],
    ]);
    const entries = b!.condition!.entries;
    expect(entries.map((e) => [e.operator, e.key, e.values.map((v) => v.value)])).toEqual([
      ['StringEquals', 'aws:RequestedRegion', ['us-east-1', 'eu-west-1']],
      ['Bool', 'aws:SecureTransport', ['true']],
    ]);
    expect(entries[1]!.values[0]!.jsonType).toBe('boolean');
    expect(entries[0]!.keyPath).toEqual([
      { value: 'Statement' },
      { index: 1 },
      { value: 'Condition' },
      { value: 'StringEquals' },
      { key: 'aws:RequestedRegion' },
    ]);
  });

  it('reads a single Statement object and a Principal of "*"', () => {
    const p = parsePolicy('{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}}');
    expect(p.statementElement?.isArray).toBe(false);
    expect(p.statements[0]!.path).toEqual([{ value: 'Statement' }]);
    expect(p.statements[0]!.principal?.wildcard?.value).toBe('*');
  });

  it('keeps malformed elements for the checks instead of throwing', () => {
    const p = parsePolicy('{"Statement": [{"Effect": 1, "Action": [1, "s3:GetObject"]}, "oops"]}');
    expect(p.statements[0]!.effect).toBeUndefined();
    expect(p.statements[0]!.action?.invalid).toHaveLength(1);
    expect(p.statements[1]!.members).toEqual([]);
    expect(effectOf(p.statements[0]!)).toBeUndefined();
  });
});
