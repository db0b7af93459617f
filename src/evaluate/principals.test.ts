import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/index.ts';
import { BY_ACCOUNT, BY_ROLE, DIRECTLY, NOT_NAMED, PrincipalMatcher, callerOf } from './principals.ts';

const matcher = (principal: unknown) =>
  new PrincipalMatcher(
    parsePolicy(JSON.stringify({ Statement: { Principal: principal } })).statements[0]!.principal!,
  );

describe('callers', () => {
  it('lists the identities of a role session, strongest first', () => {
    const c = callerOf('arn:aws:sts::111122223333:assumed-role/app/s1', undefined);
    expect([c.kind, c.account, c.isSession, c.principalArn]).toEqual([
      'role-session',
      '111122223333',
      true,
      'arn:aws:iam::111122223333:role/app',
    ]);
    expect(c.identityStrengths).toEqual([DIRECTLY, BY_ROLE, BY_ACCOUNT]);
  });

  it('takes the role ARN with its path from the session issuer', () => {
    const c = callerOf(
      'arn:aws:sts::111122223333:assumed-role/app/s1',
      undefined,
      'arn:aws:iam::111122223333:role/team/app',
    );
    expect(c.principalArn).toBe('arn:aws:iam::111122223333:role/team/app');
  });

  it('recognizes service-linked roles', () => {
    expect(
      callerOf('arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECS/x', undefined)
        .isServiceLinkedRole,
    ).toBe(true);
    expect(callerOf('arn:aws:sts::111122223333:assumed-role/app/x', undefined).isServiceLinkedRole).toBe(
      false,
    );
  });

  it('honours a declared kind, and rejects one the ARN contradicts', () => {
    expect(callerOf('cognito-identity.amazonaws.com', 'identity-provider').kind).toBe('identity-provider');
    expect(callerOf('cognito-identity.amazonaws.com', undefined).kind).toBe('service');
    expect(() => callerOf('arn:aws:iam::111122223333:user/x', 'role')).toThrow(/not a role ARN/);
    expect(() => callerOf('arn:aws:iam::12:user/x', undefined)).toThrow(/12-digit account/);
  });
});

describe('Principal elements', () => {
  const session = callerOf('arn:aws:sts::111122223333:assumed-role/app/s1', undefined);
  const user = callerOf('arn:aws:iam::111122223333:user/alice', undefined);
  const anonymous = callerOf('*', undefined);
  const service = callerOf('ec2.amazonaws.com', undefined);

  it('says how strongly it names the caller', () => {
    expect(matcher({ AWS: 'arn:aws:sts::111122223333:assumed-role/app/s1' }).names(session)).toBe(DIRECTLY);
    expect(matcher({ AWS: 'arn:aws:iam::111122223333:role/app' }).names(session)).toBe(BY_ROLE);
    expect(matcher({ AWS: '111122223333' }).names(session)).toBe(BY_ACCOUNT);
    expect(matcher({ AWS: '444455556666' }).names(session)).toBe(NOT_NAMED);
    expect(matcher('*').names(anonymous)).toBe(DIRECTLY);
    expect(matcher({ AWS: '*' }).names(anonymous)).toBe(NOT_NAMED);
    expect(matcher({ AWS: '*' }).names(service)).toBe(NOT_NAMED);
    expect(matcher({ Service: 'EC2.amazonaws.com' }).names(service)).toBe(DIRECTLY);
    expect(
      matcher({ AWS: ['arn:aws:iam::111122223333:user/bob', 'arn:aws:iam::111122223333:user/alice'] }).names(
        user,
      ),
    ).toBe(DIRECTLY);
  });

  it('NotPrincipal excludes a caller only when every identity it has is listed', () => {
    expect(matcher({ AWS: ['arn:aws:iam::111122223333:user/alice', '111122223333'] }).excludes(user)).toBe(
      true,
    );
    expect(matcher({ AWS: ['arn:aws:iam::111122223333:user/alice'] }).excludes(user)).toBe(false);
    expect(matcher({ AWS: ['111122223333'] }).excludes(anonymous)).toBe(false);
    expect(matcher('*').excludes(anonymous)).toBe(true);
  });
});
