// The signed generic webhook against a receiver that verifies the HMAC signature: the body and
// headers it gets, an independent check of the signature, retries that keep the id and re-sign,
// and the receiver refusing what it cannot verify.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelError, webhookChannel } from '../src/notify/index.ts';
import type { DeliveryContext, Notification, RetryPolicy, WebhookBody } from '../src/notify/index.ts';
import { startSignedReceiver } from './fakes/notify-http.ts';
import type { SignedReceiver } from './fakes/notify-http.ts';

const SECRET = 'whsec-0123456789abcdef0123456789abcdef';
const FAST: RetryPolicy = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };

const notification: Notification = {
  event: 'grant.revoked',
  audience: ['requester', 'admins'],
  severity: 'info',
  subject: '[grantflow] alice의 권한 회수됨',
  text: '정책을 분리하고 삭제했습니다.',
  requester: 'arn:aws:iam::123456789012:user/alice',
  data: { requestId: 'req-9', policyArn: 'arn:aws:iam::123456789012:policy/grantflow/gf-req-9' },
};

function context(ms = 5_000): DeliveryContext {
  return { signal: AbortSignal.timeout(ms), deadline: Date.now() + ms, audiences: ['admins'] };
}

const receivers: SignedReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.server.close()));
});

async function receiver(secret = SECRET): Promise<SignedReceiver> {
  const r = await startSignedReceiver(secret);
  receivers.push(r);
  return r;
}

async function failure(promise: Promise<unknown>): Promise<ChannelError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ChannelError);
    return err as ChannelError;
  }
  throw new Error('expected delivery to fail');
}

describe('signed webhook channel', () => {
  it('posts the notification as JSON with a signature anyone holding the secret can check', async () => {
    const r = await receiver();
    const receipt = await webhookChannel({ url: r.url, secret: SECRET, retry: FAST }).deliver(
      notification,
      context(),
    );
    expect(r.server.accepted).toHaveLength(1);
    const req = r.server.accepted[0]!;
    const body = req.json as WebhookBody;
    expect(body).toMatchObject({
      id: receipt.id,
      event: 'grant.revoked',
      severity: 'info',
      audience: ['admins'],
      subject: '[grantflow] alice의 권한 회수됨',
      text: '정책을 분리하고 삭제했습니다.',
      requester: 'arn:aws:iam::123456789012:user/alice',
      data: notification.data,
    });
    expect(Date.parse(body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(req.headers['x-grantflow-id']).toBe(receipt.id);
    expect(req.headers['x-grantflow-event']).toBe('grant.revoked');
    // Independently of the library: HMAC-SHA256 over "<timestamp>.<raw body>".
    const timestamp = req.headers['x-grantflow-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.`).update(req.rawBody).digest('hex');
    expect(req.headers['x-grantflow-signature']).toBe(`sha256=${expected}`);
    expect(r.checks[0]).toEqual({ ok: true, id: receipt.id, timestamp: Number(timestamp) });
  });

  it('keeps the id across retries and signs each attempt afresh', async () => {
    const r = await receiver();
    r.server.enqueue({ kind: 'json', status: 502, body: { error: 'bad gateway' } });
    // A sender clock that moves 7 s per reading, so the two attempts carry different timestamps.
    let clock = Date.now();
    const receipt = await webhookChannel({
      url: r.url,
      secret: SECRET,
      retry: FAST,
      now: () => new Date((clock += 7_000)),
      newId: () => 'fixed-id-1',
    }).deliver(notification, context());
    expect(receipt).toEqual({ attempts: 2, id: 'fixed-id-1' });
    const [first, second] = r.server.requests;
    expect(first!.headers['x-grantflow-id']).toBe('fixed-id-1');
    expect(second!.headers['x-grantflow-id']).toBe('fixed-id-1');
    expect(first!.body).toBe(second!.body);
    expect(Number(second!.headers['x-grantflow-timestamp'])).toBeGreaterThan(
      Number(first!.headers['x-grantflow-timestamp']),
    );
    expect(r.checks.map((c) => c.ok)).toEqual([true, true]);
  });

  it('is refused by a receiver with another secret, as auth, without retrying or leaking either secret', async () => {
    const r = await receiver('another-secret-entirely-1234');
    const err = await failure(
      webhookChannel({ url: r.url, secret: SECRET, retry: FAST }).deliver(notification, context()),
    );
    expect(err.code).toBe('auth');
    expect(err.status).toBe(401);
    expect(err.message).toContain('bad_signature');
    expect(r.server.requests).toHaveLength(1);
    expect(JSON.stringify({ m: err.message, s: err.stack })).not.toContain(SECRET);
  });

  it('reports a receiver that is down, and one that hangs', async () => {
    const down = await receiver();
    await down.server.close();
    receivers.splice(receivers.indexOf(down), 1);
    const refused = await failure(
      webhookChannel({ url: down.url, secret: SECRET, retry: { ...FAST, maxRetries: 0 } }).deliver(
        notification,
        context(),
      ),
    );
    expect(refused.code).toBe('network');

    const hang = await receiver();
    hang.server.enqueue({ kind: 'hang' });
    const timedOut = await failure(
      webhookChannel({ url: hang.url, secret: SECRET, retry: FAST }).deliver(notification, context(250)),
    );
    expect(timedOut.code).toBe('timeout');
  });
});
