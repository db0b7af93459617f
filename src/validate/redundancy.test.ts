import { describe, expect, it } from 'vitest';
import { wildcardCovers } from '../policy/index.ts';
import { actionGroup, redundantEntries, resourceGroup } from './redundancy.ts';

const actions = (values: string[]) =>
  redundantEntries(
    values,
    (o, i) => wildcardCovers(o, i, true),
    (v) => v.toLowerCase(),
  );

describe('redundantEntries', () => {
  it('finds entries a wildcard entry covers', () => {
    expect(actions(['s3:GetObject', 's3:Get*', 'ec2:DescribeInstances'])).toEqual([1, -1, -1]);
  });
  it('reports the later of two equal entries, whatever the case', () => {
    expect(actions(['s3:GetObject', 'S3:getobject'])).toEqual([-1, 0]);
    expect(actions(['s3:Get*', 's3:get*'])).toEqual([-1, 0]);
  });
  it('keeps entries that only overlap', () => {
    expect(actions(['s3:Get*', 's3:*Object'])).toEqual([-1, -1]);
  });
  it('compares resources case-sensitively when asked to', () => {
    expect(redundantEntries(['arn:aws:s3:::B/*', 'arn:aws:s3:::b/x'], wildcardCovers)).toEqual([-1, -1]);
    expect(redundantEntries(['arn:aws:s3:::b/*', 'arn:aws:s3:::b/x'], wildcardCovers)).toEqual([-1, 0]);
  });
  it('still compares across services when a wildcard reaches into the service part', () => {
    expect(actions(['*:Get*', 's3:GetObject'])).toEqual([-1, 0]);
    expect(actions(['*', 'ec2:DescribeInstances'])).toEqual([-1, 0]);
  });
});

describe('groups', () => {
  it('names the service of actions and ARNs, or * when a wildcard reaches into it', () => {
    expect(actionGroup('S3:Get*')).toBe('s3');
    expect(actionGroup('*')).toBe('*');
    expect(actionGroup('s*:Get*')).toBe('*');
    expect(resourceGroup('arn:aws:s3:::b/*')).toBe('s3');
    expect(resourceGroup('arn:aws:*:*:*:*')).toBe('*');
    expect(resourceGroup('*')).toBe('*');
  });
});
