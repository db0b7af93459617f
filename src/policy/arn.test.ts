import { describe, expect, it } from 'vitest';
import { arnMatches, formatArn, isAccountId, parseArn } from './arn.ts';

describe('parseArn', () => {
  it('splits the six parts, keeping colons in the resource', () => {
    expect(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:/app:*')).toEqual({
      partition: 'aws',
      service: 'logs',
      region: 'us-east-1',
      account: '123456789012',
      resource: 'log-group:/app:*',
    });
    expect(parseArn('arn:aws:s3:::bucket')?.resource).toBe('bucket');
  });

  it('rejects what is not an ARN', () => {
    expect(parseArn('bucket')).toBeUndefined();
    expect(parseArn('arn:aws:s3')).toBeUndefined();
    expect(parseArn('ARN:aws:s3:::b')).toBeUndefined();
  });

  it('round-trips through formatArn', () => {
    const text = 'arn:aws-cn:iam::123456789012:role/path/name';
    expect(formatArn(parseArn(text)!)).toBe(text);
  });
});

describe('arnMatches', () => {
  it('matches component by component', () => {
    expect(arnMatches('arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1')).toBe(
      true,
    );
    expect(arnMatches('arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:us-east-1:123456789012:volume/v-1')).toBe(
      false,
    );
    // Each wildcard stays within its own part: `us-*` cannot swallow the account.
    expect(
      arnMatches('arn:aws:ec2:us-*:123456789012:*', 'arn:aws:ec2:us-east-1:210987654321:instance/i-1'),
    ).toBe(false);
    expect(
      arnMatches('arn:aws:ec2:us-*:123456789012:*', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1'),
    ).toBe(true);
    // The resource part keeps its colons and slashes.
    expect(
      arnMatches('arn:aws:logs:*:*:log-group:/app/*', 'arn:aws:logs:us-east-1:1:log-group:/app/x:*'),
    ).toBe(true);
  });

  it('is case-sensitive in the resource part', () => {
    expect(arnMatches('arn:aws:s3:::Bucket', 'arn:aws:s3:::bucket')).toBe(false);
  });

  it('lets * match everything', () => {
    expect(arnMatches('*', 'arn:aws:s3:::bucket')).toBe(true);
  });
});

describe('isAccountId', () => {
  it('accepts exactly twelve digits', () => {
    expect(isAccountId('123456789012')).toBe(true);
    expect(isAccountId('12345678901')).toBe(false);
    expect(isAccountId('12345678901a')).toBe(false);
  });
});
