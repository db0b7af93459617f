import { describe, expect, it } from 'vitest';
import { RequestError, allowedActions, compilePolicySet } from './index.ts';

const USER = 'arn:aws:iam::111122223333:user/alice';

describe('allowedActions', () => {
  const set = compilePolicySet({
    identityPolicies: [
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['sqs:Get*', 'sqs:SendMessage', 'sqs:ReceiveMessage'], Resource: '*' },
          { Effect: 'Deny', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:111122223333:audit' },
        ],
      },
    ],
  });

  it('keeps the asked actions that are allowed on the resource, in order', () => {
    const actions = ['sqs:SendMessage', 'sqs:DeleteQueue', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
    expect(
      allowedActions(set, { principal: USER, resource: 'arn:aws:sqs:us-east-1:111122223333:jobs', actions }),
    ).toEqual(['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
    expect(
      allowedActions(set, { principal: USER, resource: 'arn:aws:sqs:us-east-1:111122223333:audit', actions }),
    ).toEqual(['sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
  });

  it('asks about every action of a service from the catalog', () => {
    const allowed = allowedActions(set, {
      principal: USER,
      resource: 'arn:aws:sqs:us-east-1:111122223333:jobs',
      service: 'sqs',
    });
    expect(allowed).toContain('sqs:GetQueueAttributes');
    expect(allowed).toContain('sqs:SendMessage');
    expect(allowed).not.toContain('sqs:DeleteQueue');
    expect(
      allowed.every((a) => a === 'sqs:SendMessage' || a === 'sqs:ReceiveMessage' || a.startsWith('sqs:Get')),
    ).toBe(true);
  });

  it('needs actions or a service it knows', () => {
    expect(() => allowedActions(set, { principal: USER, resource: '*' })).toThrow(RequestError);
    expect(() => allowedActions(set, { principal: USER, resource: '*', service: 'nosuchservice' })).toThrow(
      /no actions are known/,
    );
  });
});
