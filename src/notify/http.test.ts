import { describe, expect, it } from 'vitest';
import { backoff, parseRetryAfter } from './http.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-05-01T09:30:00Z');
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Fri, 01 May 2026 09:30:45 GMT', now)).toBe(45_000);
    expect(parseRetryAfter('Fri, 01 May 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores what is neither', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles from the base with jitter in the upper half, capped', () => {
    const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 0 };
    for (let i = 0; i < 50; i++) {
      const first = backoff(policy, 1);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      const third = backoff(policy, 3);
      expect(third).toBeGreaterThanOrEqual(200);
      expect(third).toBeLessThanOrEqual(400);
      expect(backoff(policy, 10)).toBeLessThanOrEqual(1_000);
      expect(backoff(policy, 10)).toBeGreaterThanOrEqual(500);
    }
  });
});
