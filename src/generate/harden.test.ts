import { describe, expect, it } from 'vitest';
import { extendPolicy, hardenPolicy, iamDate } from './harden.ts';
import type { PolicyDocument } from './policy-document.ts';

const expiresAt = new Date('2026-11-22T20:00:00.000Z');
const principalArn = 'arn:aws:iam::111122223333:user/dev-kim';

describe('hardenPolicy', () => {
  it('adds the expiry and requester conditions to every Allow statement', () => {
    const out = hardenPolicy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
          {
            Sid: 'Regional',
            Effect: 'Allow',
            Action: 'ec2:DescribeInstances',
            Resource: '*',
            Condition: { StringEquals: { 'aws:RequestedRegion': 'ap-northeast-2' } },
          },
        ],
      },
      { expiresAt, principalArn },
    );
    expect(out.Statement[0]!.Condition).toEqual({
      DateLessThan: { 'aws:CurrentTime': '2026-11-22T20:00:00Z' },
      ArnEquals: { 'aws:PrincipalArn': principalArn },
    });
    expect(out.Statement[1]!.Condition).toEqual({
      StringEquals: { 'aws:RequestedRegion': 'ap-northeast-2' },
      DateLessThan: { 'aws:CurrentTime': '2026-11-22T20:00:00Z' },
      ArnEquals: { 'aws:PrincipalArn': principalArn },
    });
  });

  it('keeps an earlier expiry a draft already had and ignores a later or unreadable one', () => {
    const base = { Effect: 'Allow' as const, Action: 's3:GetObject', Resource: '*' };
    const earlier = hardenPolicy(
      {
        Version: '2012-10-17',
        Statement: [{ ...base, Condition: { DateLessThan: { 'aws:CurrentTime': '2026-11-22T19:00:00Z' } } }],
      },
      { expiresAt, principalArn },
    );
    expect(earlier.Statement[0]!.Condition!.DateLessThan).toEqual({
      'aws:CurrentTime': '2026-11-22T19:00:00Z',
    });
    const later = hardenPolicy(
      {
        Version: '2012-10-17',
        Statement: [
          { ...base, Condition: { DateLessThan: { 'AWS:CurrentTime': ['2030-01-01T00:00:00Z', 'never'] } } },
        ],
      },
      { expiresAt, principalArn },
    );
    expect(later.Statement[0]!.Condition!.DateLessThan).toEqual({
      'aws:CurrentTime': '2026-11-22T20:00:00Z',
    });
  });

  it('overrides a principal condition that names someone else', () => {
    const out = hardenPolicy(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: '*',
            Condition: { ArnEquals: { 'aws:principalarn': 'arn:aws:iam::111122223333:role/admin' } },
          },
        ],
      },
      { expiresAt, principalArn },
    );
    expect(out.Statement[0]!.Condition!.ArnEquals).toEqual({ 'aws:PrincipalArn': principalArn });
  });

  it('leaves Deny statements alone and gives every statement a unique alphanumeric Sid', () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Same', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Sid: 'Same', Effect: 'Allow', Action: 's3:PutObject', Resource: '*' },
        { Sid: 'has space', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
      ],
    };
    const out = hardenPolicy(policy, { expiresAt, principalArn });
    expect(out.Statement.map((s) => s.Sid)).toEqual(['Same', 'Grant2', 'Grant3']);
    expect(out.Statement[2]!.Condition).toBeUndefined();
    expect(policy.Statement[0]!.Condition).toBeUndefined(); // the input is not modified
  });
});

describe('iamDate', () => {
  it('writes ISO 8601 to the second', () => {
    expect(iamDate(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05Z');
  });
});

describe('extendPolicy', () => {
  const later = new Date('2026-11-22T21:30:00.000Z');
  const hardened = hardenPolicy(
    {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
        {
          Sid: 'Short',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: 'arn:aws:s3:::b/*',
          Condition: { DateLessThan: { 'aws:CurrentTime': '2026-11-22T19:00:00Z' } },
        },
        { Sid: 'NoDelete', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
      ],
    },
    { expiresAt, principalArn },
  );

  it("moves the grant's end, keeps an earlier end the draft set, and leaves Deny statements alone", () => {
    const out = extendPolicy(hardened, { previousExpiresAt: expiresAt, expiresAt: later, principalArn });
    expect(out.Statement[0]!.Condition).toEqual({
      DateLessThan: { 'aws:CurrentTime': '2026-11-22T21:30:00Z' },
      ArnEquals: { 'aws:PrincipalArn': principalArn },
    });
    expect(out.Statement[1]!.Condition!.DateLessThan).toEqual({ 'aws:CurrentTime': '2026-11-22T19:00:00Z' });
    expect(out.Statement[2]).toEqual(hardened.Statement[2]);
    expect(hardened.Statement[0]!.Condition!.DateLessThan).toEqual({
      'aws:CurrentTime': '2026-11-22T20:00:00Z',
    });
  });

  it('hardens an Allow statement that lost its conditions', () => {
    const stripped = { ...hardened, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
    const out = extendPolicy(stripped as typeof hardened, {
      previousExpiresAt: expiresAt,
      expiresAt: later,
      principalArn,
    });
    expect(out.Statement[0]!.Condition).toEqual({
      DateLessThan: { 'aws:CurrentTime': '2026-11-22T21:30:00Z' },
      ArnEquals: { 'aws:PrincipalArn': principalArn },
    });
  });
});
