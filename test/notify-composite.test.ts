// The composite notifier built from configuration, delivering one lifecycle notification to real
// local receivers at once: Slack-compatible webhook, signed webhook, SMTP, SNS (embedded backend)
// and the log. One receiver failing does not stop the others; the error names it and its cause,
// never a secret; retrying only that channel completes the delivery.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  NotificationDeliveryError,
  createNotifier,
  grantAttached,
  needsApproval,
  requestReceived,
} from '../src/notify/index.ts';
import type { CompositeNotifier, NotifyConfigInput, RequestFacts } from '../src/notify/index.ts';
import { localUnderTest } from './helpers/cloud.ts';
import type { BackendUnderTest } from './helpers/cloud.ts';
import { startSignedReceiver, startSlackFake } from './fakes/notify-http.ts';
import { TEST_TLS_CERT, startSmtpFake } from './fakes/notify-smtp.ts';

const SECRET = 'whsec-composite-0123456789abcdef';
const SMTP_PASSWORD = 'smtp-composite-pass-42';
const TOPIC = 'arn:aws:sns:ap-northeast-2:123456789012:grantflow-admins';
const FAST = { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10 };

const facts: RequestFacts = {
  requestId: 'req-100',
  lang: 'ko',
  requester: 'arn:aws:iam::123456789012:user/alice',
  identityArn: 'arn:aws:iam::123456789012:user/alice',
  task: 'app-logs 버킷의 로그를 1시간 동안 읽기',
};

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function lineSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

async function setup(extra: Partial<NotifyConfigInput> = {}) {
  const slack = await startSlackFake();
  const hook = await startSignedReceiver(SECRET);
  const smtp = await startSmtpFake({ tls: 'starttls', auth: { user: 'grantflow', pass: SMTP_PASSWORD } });
  const cloud: BackendUnderTest = await localUnderTest();
  cleanup.push(
    () => slack.server.close(),
    () => hook.server.close(),
    () => smtp.close(),
    () => cloud.close(),
  );
  const log = lineSink();
  const config: NotifyConfigInput = {
    timeoutMs: 5_000,
    email: {
      from: 'grantflow <grantflow@example.com>',
      smtp: {
        url: `smtp://127.0.0.1:${smtp.port}`,
        user: 'grantflow',
        password: SMTP_PASSWORD,
        ca: TEST_TLS_CERT,
      },
    },
    audiences: {
      requester: [{ type: 'email', to: { template: '{name}@example.com' } }],
      approvers: [{ type: 'slack', url: slack.url, retry: FAST }],
      admins: [
        { type: 'sns', topicArn: TOPIC },
        { type: 'webhook', url: hook.url, secret: SECRET, retry: FAST },
        { type: 'email', to: ['ops@example.com'] },
      ],
    },
    ...extra,
  };
  const notifier: CompositeNotifier = createNotifier(config, { backend: cloud.backend, stderr: log.stream });
  cleanup.push(() => notifier.close());
  return { slack, hook, smtp, cloud, log, notifier };
}

describe('composite notifier', () => {
  it('delivers to every channel of the notification’s audiences', async () => {
    const { slack, hook, smtp, cloud, log, notifier } = await setup();
    const n = grantAttached(facts, {
      policyArn: 'arn:aws:iam::123456789012:policy/grantflow/gf-req-100',
      expiresAt: '2026-05-01T10:30:00Z',
    });
    const report = await notifier.deliver(n);
    expect(report.failed).toEqual([]);
    expect(report.delivered.map((d) => d.channel).sort()).toEqual(
      ['admins.email', 'admins.sns', 'admins.webhook', 'log', 'requester.email'].sort(),
    );
    // Approvers are not an audience of grant.attached.
    expect(slack.server.requests).toEqual([]);
    expect(hook.checks.map((c) => c.ok)).toEqual([true]);
    expect((await cloud.local.listPublishedMessages({ TopicArn: TOPIC })).length).toBe(1);
    const byRecipient = Object.fromEntries(smtp.messages.map((m) => [m.to.join(','), m]));
    expect(Object.keys(byRecipient).sort()).toEqual(['alice@example.com', 'ops@example.com']);
    expect(byRecipient['alice@example.com']!.subject).toBe(n.subject);
    expect(byRecipient['alice@example.com']!.text).toBe(n.text);
    expect(log.lines).toHaveLength(1);
    expect(JSON.parse(log.lines[0]!)).toMatchObject({
      event: 'grant.attached',
      audience: ['requester', 'admins'],
    });
  });

  it('reports the failed channel with its cause, delivers the rest, and retries only that one', async () => {
    const { slack, hook, smtp, notifier } = await setup();
    hook.server.enqueue(
      { kind: 'json', status: 500, body: { error: 'down' } },
      { kind: 'json', status: 503, body: { error: 'still down' } },
    );
    const n = grantAttached(facts, {
      policyArn: 'arn:aws:iam::123456789012:policy/grantflow/gf-req-100',
      expiresAt: '2026-05-01T10:30:00Z',
    });
    const err = await notifier.notify(n).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NotificationDeliveryError);
    const e = err as NotificationDeliveryError;
    expect(e.channels).toEqual(['admins.webhook']);
    expect(e.failures[0]!.error).toMatchObject({
      code: 'server_error',
      status: 503,
      attempts: 2,
      retryable: true,
    });
    expect(e.retryable).toBe(true);
    expect([...e.delivered].sort()).toEqual(['admins.email', 'admins.sns', 'log', 'requester.email']);
    expect(smtp.messages).toHaveLength(2);
    const serialized = JSON.stringify({
      message: e.message,
      failures: e.failures.map((f) => [f.error.message, String(f.error.cause)]),
    });
    for (const secret of [SECRET, SMTP_PASSWORD, new URL(hook.url).pathname, new URL(slack.url).pathname]) {
      expect(serialized).not.toContain(secret);
    }

    const retried = await notifier.deliver(n, { channels: e.channels });
    expect(retried.failed).toEqual([]);
    expect(retried.delivered.map((d) => d.channel)).toEqual(['admins.webhook']);
    expect(smtp.messages).toHaveLength(2);
    expect(hook.checks.filter((c) => c.ok)).toHaveLength(3);
    expect(hook.server.requests).toHaveLength(3);
  });

  it('reports every channel that fails, each with its own cause', async () => {
    const { slack, smtp, notifier } = await setup();
    await smtp.close();
    slack.server.enqueue({ kind: 'raw', status: 404, body: 'channel_not_found' });
    const n = needsApproval(facts, {
      summary: 'read app-logs',
      reasons: ['bucket policy'],
      policyHash: 'sha256:1',
    });
    const err = (await notifier.notify(n).catch((x: unknown) => x)) as NotificationDeliveryError;
    expect(err).toBeInstanceOf(NotificationDeliveryError);
    expect(Object.fromEntries(err.failures.map((f) => [f.channel, f.error.code]))).toEqual({
      'approvers.slack': 'rejected',
      'requester.email': 'network',
    });
    expect(err.retryable).toBe(false);
    expect(err.delivered).toEqual(['log']);
  });

  it('resolves the requester’s address by template or function, and refuses a bad one', async () => {
    const { smtp, notifier } = await setup();
    await notifier.notify(requestReceived(facts));
    expect(smtp.messages.map((m) => m.to)).toEqual([['alice@example.com']]);

    const byFunction = await setup({
      audiences: {
        requester: [
          {
            type: 'email',
            to: async (n) => (n.requester?.endsWith('/alice') ? 'alice.kim@corp.example.com' : undefined),
          },
        ],
      },
    });
    await byFunction.notifier.notify(requestReceived(facts));
    expect(byFunction.smtp.messages.map((m) => m.to)).toEqual([['alice.kim@corp.example.com']]);
    const nobody = await byFunction.notifier.deliver(requestReceived({ ...facts, requester: 'carol' }));
    expect(nobody.failed.map((f) => [f.channel, f.error.code])).toEqual([
      ['requester.email', 'undeliverable'],
    ]);

    const byDefault = await setup({ audiences: { requester: [{ type: 'email' }] } });
    const arn = await byDefault.notifier.deliver(requestReceived(facts));
    expect(arn.failed[0]!.error.message).toMatch(
      /"arn:aws:iam::123456789012:user\/alice" is not an email address/,
    );
    await byDefault.notifier.notify(requestReceived({ ...facts, requester: 'dana@example.com' }));
    expect(byDefault.smtp.messages.map((m) => m.to)).toEqual([['dana@example.com']]);
  });
});
