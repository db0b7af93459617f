import { describe, expect, it } from 'vitest';
import { arnMatches, matchesWildcard } from '../policy/index.ts';
import { compileGlob, glob } from './glob.ts';

describe('glob', () => {
  it('matches literals exactly, "*" everything, a trailing "*" as a prefix', () => {
    expect(glob('s3:getobject', false).test('s3:getobject')).toBe(true);
    expect(glob('s3:getobject', false).test('s3:getobjects')).toBe(false);
    expect(glob('*', false).test('')).toBe(true);
    expect(glob('s3:get*', false).test('s3:get')).toBe(true);
    expect(glob('s3:get*', false).test('s3:put')).toBe(false);
  });

  it('handles "?" and inner stars, and escapes RegExp characters', () => {
    expect(glob('a?c', false).test('abc')).toBe(true);
    expect(glob('a?c', false).test('ac')).toBe(false);
    expect(glob('a*b*c', false).test('a-b-c')).toBe(true);
    expect(glob('a.(b)*', false).test('a.(b)x')).toBe(true);
    expect(glob('a.(b)*', false).test('aX(b)x')).toBe(false);
    expect(glob('*\n', false).test('x\n')).toBe(true);
  });

  it('keeps wildcards inside the first five parts of an ARN pattern', () => {
    const g = glob('arn:aws:sqs:*:111122223333:q*', true);
    expect(g.test('arn:aws:sqs:us-east-1:111122223333:queue')).toBe(true);
    expect(g.test('arn:aws:sqs:us-east-1:x:111122223333:queue')).toBe(false);
    // A trailing star in the account part is not a prefix test: it must stop at the colon.
    const account = glob('arn:aws:s3:::*', true);
    expect(account.test('arn:aws:s3:::a:b')).toBe(true);
    expect(glob('arn:aws:iam::1111*', true).test('arn:aws:iam::111122223333:x')).toBe(true);
    expect(glob('arn:aws:iam::1111*:role/x', true).test('arn:aws:iam::1111:2222:role/x')).toBe(false);
  });

  it('agrees with the policy module on random patterns', () => {
    const alphabet = ['a', 'b', ':', '*', '?', '/'];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), (seed >>> 8) % n);
    const word = (n: number) => Array.from({ length: n }, () => alphabet[rand(alphabet.length)]!).join('');
    for (let i = 0; i < 2000; i++) {
      const pattern = `arn:${word(rand(8))}`;
      const value = `arn:${word(rand(10))}`.replace(/[*?]/g, 'a');
      expect(glob(pattern, true).test(value), `${pattern} ~ ${value}`).toBe(arnMatches(pattern, value));
      expect(glob(pattern, false).test(value), `${pattern} ~ ${value}`).toBe(matchesWildcard(pattern, value));
    }
  });

  it('takes literal parts literally', () => {
    const g = compileGlob(
      [
        { text: 'arn:aws:s3:::home/', literal: false },
        { text: 'a*b?', literal: true },
        { text: '/*', literal: false },
      ],
      true,
    );
    expect(g.test('arn:aws:s3:::home/a*b?/x')).toBe(true);
    expect(g.test('arn:aws:s3:::home/aXXbY/x')).toBe(false);
  });
});
