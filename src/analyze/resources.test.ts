import { describe, expect, it } from 'vitest';
import { PROBE_NAME, ProbeResources, fillTemplate, instantiatePattern } from './resources.ts';

const scope = { account: '111122223333', partition: 'aws' };

describe('probe resources', () => {
  it('fills the service reference ARN templates', () => {
    expect(fillTemplate('arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}', scope)).toBe(
      `arn:aws:lambda:us-east-1:111122223333:function:${PROBE_NAME}`,
    );
  });

  it('needs every required resource type, or any of the optional ones', () => {
    const probes = new ProbeResources(scope);
    expect(probes.for('iam:PassRole')).toEqual({
      all: true,
      arns: [`arn:aws:iam::111122223333:role/${PROBE_NAME}`],
    });
    const getObject = probes.for('s3:GetObject');
    expect(getObject.all).toBe(false);
    expect(getObject.arns).toContain(`arn:aws:s3:::${PROBE_NAME}/${PROBE_NAME}`);
    expect(probes.for('ec2:RunInstances').arns.length).toBeGreaterThan(1);
    expect(probes.for('sts:GetSessionToken')).toEqual({ all: true, arns: ['*'] });
    expect(probes.for('nosuchservice:Action')).toEqual({ all: true, arns: ['*'] });
  });
});

describe('instantiatePattern', () => {
  it.each([
    ['*', '*'],
    ['arn:aws:lambda:*:*:function:*', `arn:aws:lambda:us-east-1:111122223333:function:${PROBE_NAME}`],
    ['arn:*:s3:::bucket-?/*', `arn:aws:s3:::bucket-x/${PROBE_NAME}`],
    ['arn:aws:iam::*:user/${aws:username}', 'arn:aws:iam::111122223333:user/dev'],
    ["arn:aws:iam::*:user/${aws:unknown, 'fallback'}", 'arn:aws:iam::111122223333:user/fallback'],
    ['arn:aws:iam::999988887777:role/x', 'arn:aws:iam::999988887777:role/x'],
  ])('%s → %s', (pattern, arn) => {
    expect(instantiatePattern(pattern, scope, (k) => (k === 'aws:username' ? 'dev' : undefined))).toBe(arn);
  });
});
