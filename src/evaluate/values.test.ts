import { describe, expect, it } from 'vitest';
import { inRange, parseCidr, parseDate, parseIp, parseRequestIp, parseNumber } from './values.ts';

describe('parseNumber', () => {
  it('reads decimal numbers only', () => {
    expect(parseNumber('10')).toBe(10);
    expect(parseNumber('-1.5e2')).toBe(-150);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('0x10')).toBeUndefined();
    expect(parseNumber('Infinity')).toBeUndefined();
    expect(parseNumber('')).toBeUndefined();
  });
});

describe('parseDate', () => {
  it('reads the W3C forms of ISO 8601 and epoch seconds', () => {
    expect(parseDate('2020-01-01T00:00:00Z')).toBe(Date.UTC(2020, 0, 1));
    expect(parseDate('2020-01-01')).toBe(Date.UTC(2020, 0, 1));
    expect(parseDate('2020-01-01T09:00:00+09:00')).toBe(Date.UTC(2020, 0, 1));
    expect(parseDate('2020-01-01T09:00:00+0900')).toBe(Date.UTC(2020, 0, 1));
    expect(parseDate('2020-01-01T09:00+09')).toBe(Date.UTC(2020, 0, 1));
    expect(parseDate('2020-01-01T00:00:00.250Z')).toBe(Date.UTC(2020, 0, 1) + 250);
    expect(parseDate('1577836800')).toBe(Date.UTC(2020, 0, 1));
  });

  it('rejects what is not a date', () => {
    expect(parseDate('yesterday')).toBeUndefined();
    expect(parseDate('2020-13-01')).toBeUndefined();
    expect(parseDate('01/02/2020')).toBeUndefined();
  });
});

describe('IP addresses and ranges', () => {
  it('reads IPv4 and IPv6, with :: and an embedded IPv4 tail', () => {
    expect(parseIp('10.0.0.1')).toBe(0x0a000001);
    expect(parseIp('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIp('2001:db8::ff00:42:8329')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329]);
    expect(parseIp('::ffff:192.0.2.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]);
  });

  it('parses a request address once and answers the same afterwards, malformed ones included', () => {
    for (const text of ['10.0.0.1', '2001:db8::ff00:42:8329', '10.0.0', '1::2::3']) {
      const first = parseRequestIp(text);
      expect(first).toEqual(parseIp(text));
      expect(parseRequestIp(text)).toBe(first);
    }
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', '1::2::3', '12345::', 'a.b.c.d', '1.2.3.']) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
  });

  it('tests membership by prefix', () => {
    const v4 = parseCidr('192.168.0.0/16')!;
    expect(inRange(parseIp('192.168.255.1')!, v4)).toBe(true);
    expect(inRange(parseIp('192.169.0.1')!, v4)).toBe(false);
    expect(inRange(parseIp('8.8.8.8')!, parseCidr('0.0.0.0/0')!)).toBe(true);
    expect(inRange(parseIp('255.255.255.255')!, parseCidr('255.255.255.255')!)).toBe(true);
    const v6 = parseCidr('2001:db8::/33')!;
    expect(inRange(parseIp('2001:db8:7fff::1')!, v6)).toBe(true);
    expect(inRange(parseIp('2001:db8:8000::1')!, v6)).toBe(false);
    expect(inRange(parseIp('10.0.0.1')!, v6)).toBe(false);
  });
});
