import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './signature.ts';

const SECRET = 'whsec-test-0123456789abcdef';
const BODY = JSON.stringify({ id: 'n-1', event: 'grant.attached', text: '권한 부여됨' });
const NOW = Date.parse('2026-05-01T09:30:00Z');
const TS = Math.floor(NOW / 1000);

function headers(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    'x-grantflow-signature': signWebhook(SECRET, TS, BODY),
    'x-grantflow-timestamp': String(TS),
    'x-grantflow-id': 'n-1',
    ...overrides,
  };
}

describe('signWebhook', () => {
  it('is HMAC-SHA256 over "<timestamp>.<body>" in hex, prefixed sha256=', () => {
    const hex = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, TS, BODY)).toBe(`sha256=${hex}`);
    expect(signWebhook(SECRET, TS, Buffer.from(BODY))).toBe(`sha256=${hex}`);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a valid request and returns its id and timestamp', () => {
    expect(verifyWebhookSignature(SECRET, headers(), BODY, { now: NOW })).toEqual({
      ok: true,
      id: 'n-1',
      timestamp: TS,
    });
    expect(verifyWebhookSignature(SECRET, headers(), Buffer.from(BODY), { now: NOW }).ok).toBe(true);
  });

  it('reads Fetch Headers and mixed-case header names', () => {
    expect(
      verifyWebhookSignature(SECRET, new Headers(headers() as Record<string, string>), BODY, { now: NOW }).ok,
    ).toBe(true);
    const mixed = Object.fromEntries(Object.entries(headers()).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhookSignature(SECRET, mixed, BODY, { now: NOW }).ok).toBe(true);
  });

  it('rejects a tampered body', () => {
    const tampered = BODY.replace('grant.attached', 'grant.revoked');
    expect(verifyWebhookSignature(SECRET, headers(), tampered, { now: NOW })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a timestamp moved to get past the replay window (the signature covers it)', () => {
    const moved = headers({ 'x-grantflow-timestamp': String(TS + 1) });
    expect(verifyWebhookSignature(SECRET, moved, BODY, { now: NOW })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects the wrong secret, and accepts any of several during a rotation', () => {
    expect(verifyWebhookSignature('another-secret-0000', headers(), BODY, { now: NOW })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyWebhookSignature(['another-secret-0000', SECRET], headers(), BODY, { now: NOW }).ok).toBe(
      true,
    );
    expect(verifyWebhookSignature([], headers(), BODY, { now: NOW }).ok).toBe(false);
  });

  it('rejects a stale or future timestamp outside the tolerance (a replay)', () => {
    expect(verifyWebhookSignature(SECRET, headers(), BODY, { now: NOW + 301_000 })).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyWebhookSignature(SECRET, headers(), BODY, { now: NOW - 301_000 })).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyWebhookSignature(SECRET, headers(), BODY, { now: NOW + 299_000 }).ok).toBe(true);
    expect(
      verifyWebhookSignature(SECRET, headers(), BODY, { now: NOW + 61_000, toleranceSeconds: 60 }),
    ).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('names missing and malformed headers', () => {
    const cases: [Record<string, string | undefined>, string][] = [
      [{ 'x-grantflow-signature': undefined }, 'missing_signature'],
      [{ 'x-grantflow-timestamp': undefined }, 'missing_timestamp'],
      [{ 'x-grantflow-id': undefined }, 'missing_id'],
      [{ 'x-grantflow-timestamp': '2026-05-01T09:30:00Z' }, 'malformed_timestamp'],
      [{ 'x-grantflow-signature': 'sha1=abc' }, 'malformed_signature'],
      [{ 'x-grantflow-signature': 'sha256=' + 'z'.repeat(64) }, 'malformed_signature'],
    ];
    for (const [override, reason] of cases) {
      expect(verifyWebhookSignature(SECRET, headers(override), BODY, { now: NOW })).toMatchObject({
        ok: false,
        reason,
      });
    }
  });

  it('refuses a repeated signature header rather than picking one', () => {
    const twice = {
      ...headers(),
      'x-grantflow-signature': [signWebhook(SECRET, TS, BODY), 'sha256=' + '0'.repeat(64)],
    };
    expect(verifyWebhookSignature(SECRET, twice, BODY, { now: NOW })).toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
  });
});
