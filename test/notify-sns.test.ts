// The SNS channel through the IamBackend: the embedded backend (which records messages in the
// store) and the AWS SDK backend against the emulator, which speaks SNS's wire protocol.
import { afterEach, describe, expect, it } from 'vitest';
import { AwsIamBackend } from '../src/cloud/index.ts';
import {
  ChannelError,
  createNotifier,
  grantAttached,
  revocationFailed,
  snsChannel,
} from '../src/notify/index.ts';
import type { DeliveryContext, Notification, RequestFacts } from '../src/notify/index.ts';
import { awsUnderTest, localUnderTest } from './helpers/cloud.ts';
import type { BackendUnderTest } from './helpers/cloud.ts';

const ADMINS = 'arn:aws:sns:ap-northeast-2:123456789012:grantflow-admins';
const REQUESTERS = 'arn:aws:sns:ap-northeast-2:123456789012:grantflow-requesters';

const facts: RequestFacts = {
  requestId: 'req-42',
  lang: 'ko',
  requester: 'arn:aws:iam::123456789012:user/alice',
  identityArn: 'arn:aws:iam::123456789012:user/alice',
  task: 'S3 버킷 로그 읽기',
};

function context(ms = 10_000): DeliveryContext {
  return { signal: AbortSignal.timeout(ms), deadline: Date.now() + ms, audiences: ['admins'] };
}

const open: BackendUnderTest[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

for (const [name, start] of [
  ['local', localUnderTest],
  ['aws-via-emulator', awsUnderTest],
] as const) {
  describe(`SNS channel (${name} backend)`, () => {
    it('publishes subject, message and filterable attributes; a Korean subject becomes an ASCII one', async () => {
      const b = await start();
      open.push(b);
      const n = revocationFailed(facts, {
        policyArn: 'arn:aws:iam::123456789012:policy/grantflow/gf-req-42',
        error: 'Throttling: Rate exceeded',
        attempts: 5,
      });
      const receipt = await snsChannel({ backend: b.backend, topicArn: ADMINS }).deliver(n, context());
      const [message, ...rest] = await b.local.listPublishedMessages({ TopicArn: ADMINS });
      expect(rest).toEqual([]);
      expect(message!.MessageId).toBe(receipt.id);
      expect(message!.Subject).toBe('grantflow grant.revocation-failed (critical) req-42');
      expect(message!.Message.split('\n')[0]).toBe(n.subject);
      expect(message!.Message).toContain(n.text);
      expect(message!.MessageAttributes).toEqual({
        event: { DataType: 'String', StringValue: 'grant.revocation-failed' },
        severity: { DataType: 'String', StringValue: 'critical' },
        audience: { DataType: 'String.Array', StringValue: '["admins"]' },
        requestId: { DataType: 'String', StringValue: 'req-42' },
      });
    });

    it('keeps an ASCII subject, cut to SNS’s 100 characters', async () => {
      const b = await start();
      open.push(b);
      const n = grantAttached(
        { ...facts, lang: 'en', identityArn: `arn:aws:iam::123456789012:user/${'a'.repeat(64)}` },
        {
          policyArn: 'arn:aws:iam::123456789012:policy/grantflow/gf-req-42',
          expiresAt: '2026-05-01T09:30:00Z',
        },
      );
      expect(n.subject.length).toBeGreaterThan(100);
      await snsChannel({ backend: b.backend, topicArn: REQUESTERS }).deliver(n, context());
      const [message] = await b.local.listPublishedMessages({ TopicArn: REQUESTERS });
      expect(message!.Subject).toHaveLength(100);
      expect(message!.Subject!.endsWith('...')).toBe(true);
      expect(n.subject.startsWith(message!.Subject!.slice(0, 97))).toBe(true);
    });

    it('reports a topic SNS refuses as rejected', async () => {
      const b = await start();
      open.push(b);
      const err = await snsChannel({
        backend: b.backend,
        topicArn: 'arn:aws:iam::123456789012:user/not-a-topic',
      })
        .deliver(grantAttached(facts, { policyArn: 'p', expiresAt: '2026-05-01T09:30:00Z' }), context())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).code).toBe('rejected');
      expect((err as ChannelError).message).toContain('InvalidParameter');
    });

    it('delivers per audience through the composite notifier, to each audience’s topic', async () => {
      const b = await start();
      open.push(b);
      const notifier = createNotifier(
        {
          log: false,
          audiences: {
            requester: [{ type: 'sns', topicArn: REQUESTERS }],
            admins: [{ type: 'sns', topicArn: ADMINS }],
          },
        },
        { backend: b.backend },
      );
      await notifier.notify(
        grantAttached(facts, {
          policyArn: 'arn:aws:iam::123456789012:policy/grantflow/gf-req-42',
          expiresAt: '2026-05-01T09:30:00Z',
        }),
      );
      const toRequesters = await b.local.listPublishedMessages({ TopicArn: REQUESTERS });
      const toAdmins = await b.local.listPublishedMessages({ TopicArn: ADMINS });
      expect(toRequesters).toHaveLength(1);
      expect(toAdmins).toHaveLength(1);
      expect(toRequesters[0]!.MessageAttributes.audience!.StringValue).toBe('["requester"]');
      expect(toAdmins[0]!.MessageAttributes.audience!.StringValue).toBe('["admins"]');
      await notifier.close();
    });
  });
}

describe('SNS channel failures on the wire', () => {
  it('reports an SNS endpoint that is down as a retryable failure', async () => {
    const b = await awsUnderTest();
    const url = b.emulator!.url;
    await b.close();
    const backend = new AwsIamBackend({
      endpoint: url,
      region: 'ap-northeast-2',
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-key-example' },
    });
    try {
      const n: Notification = {
        event: 'x.y',
        audience: ['admins'],
        severity: 'info',
        subject: 'hi',
        text: 'there',
      };
      const err = await snsChannel({ backend, topicArn: ADMINS })
        .deliver(n, context())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).code).toBe('network');
      expect((err as ChannelError).retryable).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('reports refused credentials as auth', async () => {
    const b = await awsUnderTest({ authorize: true });
    open.push(b);
    const backend = new AwsIamBackend({
      endpoint: b.emulator!.url,
      region: 'ap-northeast-2',
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'not-the-secret' },
    });
    try {
      const n: Notification = {
        event: 'x.y',
        audience: ['admins'],
        severity: 'info',
        subject: 'hi',
        text: 'there',
      };
      const err = await snsChannel({ backend, topicArn: ADMINS })
        .deliver(n, context())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).code).toBe('auth');
      expect((err as ChannelError).retryable).toBe(false);
    } finally {
      await backend.close();
    }
  });
});
