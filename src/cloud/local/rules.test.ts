import { describe, expect, it } from 'vitest';
import type { CloudError } from '../errors.ts';
import { checkTagSemantics, constraints } from './rules.ts';
import { decodeMarker, encodeMarker, pageOf } from './pages.ts';
import { accessKeyId, secretAccessKey, uniqueId } from './ids.ts';
import { policySize } from './documents.ts';

const fails = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return err as CloudError;
  }
  throw new Error('expected a failure');
};

describe('constraints', () => {
  it('passes valid names, paths and documents', () => {
    expect(() =>
      constraints()
        .name('a+b=c,d.e@f_g-h', 'userName', 64)
        .path('/a/b/')
        .path('/')
        .document('{"a":"\u00e9"}', 'policyDocument')
        .check(),
    ).not.toThrow();
  });

  it('lists every violation in one ValidationError, naming the member', () => {
    const err = fails(() =>
      constraints()
        .name('bad name', 'userName', 64)
        .path('nope')
        .name('x'.repeat(65), 'roleName', 64)
        .check(),
    );
    expect(err.code).toBe('ValidationError');
    expect(err.message).toMatch(
      /^3 validation errors detected: Value 'bad name' at 'userName' failed to satisfy constraint/,
    );
    expect(err.message).toContain("at 'path'");
    expect(err.message).toContain(
      "at 'roleName' failed to satisfy constraint: Member must have length between 1 and 64",
    );
  });

  it('rejects documents with characters beyond Latin-1, missing required members and bad page sizes', () => {
    expect(fails(() => constraints().document('{"a":"\u4e2d"}', 'policyDocument').check()).code).toBe(
      'ValidationError',
    );
    expect(fails(() => constraints().name(undefined, 'userName', 64).check()).message).toContain(
      'Member must not be null',
    );
    expect(fails(() => constraints().page({ MaxItems: 1001 }).check()).message).toContain(
      'less than or equal to 1000',
    );
  });

  it('checks tag syntax, reserved prefixes and case-insensitive duplicates', () => {
    expect(
      fails(() =>
        constraints()
          .tags([{ Key: 'bad*key', Value: 'v' }])
          .check(),
      ).code,
    ).toBe('ValidationError');
    expect(fails(() => checkTagSemantics([{ Key: 'AWS:x', Value: 'v' }])).code).toBe('InvalidInput');
    expect(
      fails(() =>
        checkTagSemantics([
          { Key: 'a', Value: '1' },
          { Key: 'A', Value: '2' },
        ]),
      ).code,
    ).toBe('InvalidInput');
    expect(() =>
      checkTagSemantics([
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '' },
      ]),
    ).not.toThrow();
  });
});

describe('pages', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  it('slices after the marker and says when more remain', () => {
    const first = pageOf(items, (x) => x, { MaxItems: 2 });
    expect(first).toMatchObject({ items: ['a', 'b'], IsTruncated: true });
    const second = pageOf(items, (x) => x, { MaxItems: 2, Marker: first.Marker! });
    expect(second.items).toEqual(['c', 'd']);
    const last = pageOf(items, (x) => x, { MaxItems: 2, Marker: second.Marker! });
    expect(last).toEqual({ items: ['e'], IsTruncated: false });
  });

  it('continues correctly after the last returned item was removed', () => {
    const first = pageOf(items, (x) => x, { MaxItems: 2 });
    expect(pageOf(['a', 'c', 'd'], (x) => x, { MaxItems: 2, Marker: first.Marker! }).items).toEqual([
      'c',
      'd',
    ]);
  });

  it('refuses markers it did not make', () => {
    expect(decodeMarker(encodeMarker('k\u0000x'))).toBe('k\u0000x');
    expect(fails(() => decodeMarker('not a marker')).code).toBe('InvalidInput');
  });
});

describe('ids and sizes', () => {
  const random = (n: number) => new Uint8Array(n).fill(7);
  it('uses IAM’s prefixes and alphabets', () => {
    expect(uniqueId('user', random)).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(uniqueId('role', random)).toMatch(/^AROA/);
    expect(uniqueId('group', random)).toMatch(/^AGPA/);
    expect(uniqueId('policy', random)).toMatch(/^ANPA/);
    expect(accessKeyId(random)).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(secretAccessKey(random)).toMatch(/^[A-Za-z0-9+/]{40}$/);
  });

  it('counts policy size without whitespace', () => {
    expect(policySize('{ "a" :\n\t"b c" }')).toBe(10);
  });
});
