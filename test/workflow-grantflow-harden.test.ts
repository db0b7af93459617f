// The grantflow:harden task: moves an approved policy's expiry condition, and names what is wrong
// with its arguments.
import { afterEach, describe, expect, it } from 'vitest';
import { StatesError } from '../src/workflow/index.ts';
import type { Json } from '../src/workflow/index.ts';
import { grantflowConnectors, policyHash } from '../src/workflow/connectors/grantflow.ts';
import { harness } from './lifecycle-helpers.ts';
import type { Harness } from './lifecycle-helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const RESOURCE = 'arn:aws:states:::grantflow:harden';
const PRINCIPAL = 'arn:aws:iam::123456789012:user/dev-kim';
const DRAFTED = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Read',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: {
        DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
        ArnEquals: { 'aws:PrincipalArn': PRINCIPAL },
      },
    },
  ],
});

async function harden(args: Json) {
  h ??= await harness();
  const connector = grantflowConnectors({ db: h.store.db })[RESOURCE]!;
  return connector({
    executionId: 'e',
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:m:e',
    stateName: 'StartGrantClock',
    resource: RESOURCE,
    arguments: args,
    recovery: false,
    attempt: 0,
    signal: new AbortController().signal,
  });
}

describe('grantflow:harden', () => {
  it('moves the end to the next whole second at or after NewExpiresAt and hashes the result', async () => {
    const out = (await harden({
      PolicyDocument: DRAFTED,
      ExpiresAt: '2030-01-01T00:00:00Z',
      NewExpiresAt: '2030-01-01T02:00:00.250Z',
      PrincipalArn: PRINCIPAL,
    })) as { PolicyDocument: string; PolicyHash: string; ExpiresAt: string };
    expect(out.ExpiresAt).toBe('2030-01-01T02:00:01Z');
    expect(JSON.parse(out.PolicyDocument).Statement[0].Condition.DateLessThan).toEqual({
      'aws:CurrentTime': '2030-01-01T02:00:01Z',
    });
    expect(out.PolicyHash).toBe(policyHash(out.PolicyDocument));
  });

  it('names the argument that is wrong', async () => {
    const good = {
      PolicyDocument: DRAFTED,
      ExpiresAt: '2030-01-01T00:00:00Z',
      NewExpiresAt: '2030-01-01T02:00:00Z',
      PrincipalArn: PRINCIPAL,
    };
    for (const [bad, message] of [
      [{ ...good, NewExpiresAt: 'tomorrow' }, /NewExpiresAt is not a time/],
      [{ ...good, ExpiresAt: '' }, /ExpiresAt must be a non-empty string/],
      [{ ...good, PolicyDocument: '{"Version":"2012-10-17"}' }, /PolicyDocument: it has no Statement list/],
      [{ ...good, PolicyDocument: '{' }, /PolicyDocument: /],
      [{ ...good, PrincipalArn: 7 }, /PrincipalArn must be a non-empty string/],
    ] as const) {
      const err = await harden(bad as unknown as Json).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StatesError);
      expect((err as StatesError).error).toBe('Grantflow.InvalidArguments');
      expect((err as Error).message).toMatch(message);
    }
  });
});
