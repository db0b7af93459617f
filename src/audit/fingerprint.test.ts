import { describe, expect, it } from 'vitest';
import { fingerprintOf } from './fingerprint.ts';

describe('fingerprintOf', () => {
  it('depends on the check, the principal and the essentials, not on their order', () => {
    const a = fingerprintOf('privilege-escalation', 'arn:aws:iam::1:user/a', ['passrole-lambda', 'x']);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprintOf('privilege-escalation', 'arn:aws:iam::1:user/a', ['x', 'passrole-lambda'])).toBe(a);
    expect(fingerprintOf('privilege-escalation', 'arn:aws:iam::1:user/a', ['passrole-ec2', 'x'])).not.toBe(a);
    expect(fingerprintOf('privilege-escalation', 'arn:aws:iam::1:user/b', ['passrole-lambda', 'x'])).not.toBe(
      a,
    );
    expect(fingerprintOf('full-admin', 'arn:aws:iam::1:user/a', ['passrole-lambda', 'x'])).not.toBe(a);
  });

  it('does not confuse parts that run together', () => {
    expect(fingerprintOf('a', 'bc')).not.toBe(fingerprintOf('ab', 'c'));
  });
});
