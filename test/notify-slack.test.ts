// The Slack-compatible webhook channel against an HTTP receiver that behaves like Slack's
// incoming webhooks: success, refusals, 5xx with bounded retries, 429 with Retry-After, timeouts,
// a receiver that is down, and redirects, which are never followed.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelError, slackChannel } from '../src/notify/index.ts';
import type { DeliveryContext, Notification, RetryPolicy } from '../src/notify/index.ts';
import { SLACK_OK, slackError, startSlackFake } from './fakes/notify-http.ts';
import type { SlackFake } from './fakes/notify-http.ts';

const FAST: RetryPolicy = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };

const notification: Notification = {
  event: 'request.needs-approval',
  audience: ['approvers'],
  severity: 'warning',
  subject: '[grantflow] Approval needed: access request req-7 for alice',
  text: 'Task: "read <!channel> logs & more"\nApprove: grantflow approve req-7',
  data: { requestId: 'req-7' },
};

function context(ms = 5_000): DeliveryContext {
  return { signal: AbortSignal.timeout(ms), deadline: Date.now() + ms, audiences: ['approvers'] };
}

const fakes: SlackFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.server.close()));
});

async function slack(): Promise<SlackFake> {
  const f = await startSlackFake();
  fakes.push(f);
  return f;
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

function noSecret(err: ChannelError, fake: SlackFake): void {
  const secretPart = fake.path.split('/').pop() as string;
  const everything = JSON.stringify({ m: err.message, c: String(err.cause ?? ''), s: err.stack });
  expect(everything).not.toContain(secretPart);
  expect(everything).not.toContain(fake.path);
}

describe('Slack-compatible webhook channel', () => {
  it('posts text and blocks as Slack documents them, escaping mrkdwn control characters', async () => {
    const fake = await slack();
    const receipt = await slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context());
    expect(receipt.attempts).toBe(1);
    expect(fake.server.accepted).toHaveLength(1);
    const req = fake.server.accepted[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^grantflow\//);
    const body = req.json as {
      text: string;
      blocks: { type: string; text?: { type: string; text: string } }[];
    };
    expect(body.text).toContain('*[grantflow] Approval needed: access request req-7 for alice*');
    expect(body.text).toContain('&lt;!channel&gt; logs &amp; more');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[0]!.text).toEqual({
      type: 'plain_text',
      text: '[grantflow] Approval needed: access request req-7 for alice',
      emoji: true,
    });
    expect(body.blocks[1]!.text!.text).toBe(
      'Task: "read &lt;!channel&gt; logs &amp; more"\nApprove: grantflow approve req-7',
    );
    expect(JSON.stringify(body.blocks[2])).toContain('req-7');
  });

  it('keeps block text within Slack limits for long Korean messages', async () => {
    const fake = await slack();
    const long = { ...notification, subject: '승인 필요 '.repeat(40), text: '가나다 <&> '.repeat(800) };
    await slackChannel({ url: fake.url, retry: FAST }).deliver(long, context());
    const body = fake.server.accepted[0]!.json as { blocks: { text?: { text: string } }[] };
    expect([...body.blocks[0]!.text!.text].length).toBeLessThanOrEqual(150);
    const section = body.blocks[1]!.text!.text;
    expect([...section].length).toBeLessThanOrEqual(3_000);
    expect(section.endsWith('…')).toBe(true);
    expect(section).not.toMatch(/&[a-z]{0,3}…$/);
  });

  it('retries 5xx with backoff and succeeds', async () => {
    const fake = await slack();
    fake.server.enqueue(slackError(500, 'rollup_error'), slackError(503, 'service_unavailable'), SLACK_OK);
    const receipt = await slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context());
    expect(receipt.attempts).toBe(3);
    expect(fake.server.accepted).toHaveLength(3);
    expect(new Set(fake.server.accepted.map((r) => r.body)).size).toBe(1);
  });

  it('stops after the bounded number of retries on persistent 5xx', async () => {
    const fake = await slack();
    fake.server.enqueue(...Array.from({ length: 6 }, () => slackError(500, 'rollup_error')));
    const err = await failure(
      slackChannel({ url: fake.url, retry: { ...FAST, maxRetries: 2 } }).deliver(notification, context()),
    );
    expect(err.code).toBe('server_error');
    expect(err.retryable).toBe(true);
    expect(err.status).toBe(500);
    expect(err.attempts).toBe(3);
    expect(err.message).toContain('rollup_error');
    expect(fake.server.accepted).toHaveLength(3);
    noSecret(err, fake);
  });

  it('waits for Retry-After on 429, then delivers', async () => {
    const fake = await slack();
    fake.server.enqueue(slackError(429, 'rate_limited', { 'retry-after': '1' }), SLACK_OK);
    const started = Date.now();
    const receipt = await slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context());
    expect(receipt.attempts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('fails at once, with the wait, when Retry-After is longer than it will wait', async () => {
    const fake = await slack();
    fake.server.enqueue(slackError(429, 'rate_limited', { 'retry-after': '120' }), SLACK_OK);
    const err = await failure(slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context()));
    expect(err.code).toBe('rate_limited');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(120_000);
    expect(fake.server.accepted).toHaveLength(1);
  });

  it('does not wait past its deadline for Retry-After', async () => {
    const fake = await slack();
    fake.server.enqueue(slackError(429, 'rate_limited', { 'retry-after': '3' }), SLACK_OK);
    const started = Date.now();
    const err = await failure(
      slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context(1_000)),
    );
    expect(err.code).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(3_000);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('does not retry a refusal (4xx) and reports what the receiver said', async () => {
    const fake = await slack();
    fake.server.enqueue(slackError(400, 'invalid_payload'));
    const err = await failure(slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context()));
    expect(err.code).toBe('rejected');
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(400);
    expect(err.message).toContain('invalid_payload');
    expect(fake.server.accepted).toHaveLength(1);
  });

  it('reports a revoked webhook (404 no_service, 403 action_prohibited)', async () => {
    const fake = await slack();
    const wrong = fake.url.replace(/[^/]+$/, 'NOTTHESECRET');
    const gone = await failure(slackChannel({ url: wrong, retry: FAST }).deliver(notification, context()));
    expect(gone.code).toBe('rejected');
    expect(gone.message).toContain('no_service');
    expect(gone.message).not.toContain('NOTTHESECRET');
    fake.server.enqueue(slackError(403, 'action_prohibited'));
    const forbidden = await failure(
      slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context()),
    );
    expect(forbidden.code).toBe('auth');
  });

  it('times out on a receiver that never answers', async () => {
    const fake = await slack();
    fake.server.enqueue({ kind: 'hang' });
    const started = Date.now();
    const err = await failure(
      slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context(300)),
    );
    expect(err.code).toBe('timeout');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
    noSecret(err, fake);
  });

  it('reports a receiver that is down as a network failure after its retries', async () => {
    const fake = await slack();
    await fake.server.close();
    fakes.splice(fakes.indexOf(fake), 1);
    const err = await failure(
      slackChannel({ url: fake.url, retry: { ...FAST, maxRetries: 1 } }).deliver(notification, context()),
    );
    expect(err.code).toBe('network');
    expect(err.retryable).toBe(true);
    expect(err.attempts).toBe(2);
    expect(err.message).toContain('ECONNREFUSED');
    noSecret(err, fake);
  });

  it('never follows a redirect', async () => {
    const fake = await slack();
    const hits: string[] = [];
    const elsewhere = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/stolen`;
      for (const status of [301, 302, 307, 308]) {
        fake.server.enqueue({ kind: 'raw', status, body: '', headers: { location: target } });
        const err = await failure(
          slackChannel({ url: fake.url, retry: FAST }).deliver(notification, context()),
        );
        expect(err.code).toBe('redirect');
        expect(err.status).toBe(status);
        expect(err.retryable).toBe(false);
      }
      expect(hits).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });
});
