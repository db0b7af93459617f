// The email channel against a real SMTP server on 127.0.0.1: STARTTLS and implicit TLS with
// certificate checks, authentication, Korean subjects and bodies, and the ways delivery fails.
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelError, emailChannel } from '../src/notify/index.ts';
import type { Channel, DeliveryContext, Notification, SmtpSettings } from '../src/notify/index.ts';
import { TEST_TLS_CERT, startSmtpFake } from './fakes/notify-smtp.ts';
import type { SmtpFake } from './fakes/notify-smtp.ts';

const KO_SUBJECT = '[grantflow] alice에게 2026-05-01 09:30:00 UTC까지 권한 부여됨';
const KO_TEXT =
  '정책 arn:aws:iam::123456789012:policy/grantflow/gf-1이(가) 연결되었습니다.\n요청 내용: "S3 버킷 읽기"';

const notification: Notification = {
  event: 'grant.attached',
  audience: ['requester'],
  severity: 'info',
  subject: KO_SUBJECT,
  text: KO_TEXT,
  requester: 'alice@example.com',
  data: { requestId: 'req-1' },
};

function context(ms = 10_000): DeliveryContext & { controller: AbortController } {
  const controller = new AbortController();
  return { signal: controller.signal, deadline: Date.now() + ms, audiences: ['requester'], controller };
}

const open: { close(): Promise<void> }[] = [];
const channels: Channel[] = [];
afterEach(async () => {
  await Promise.all(channels.splice(0).map((c) => c.close?.()));
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function fake(options: Parameters<typeof startSmtpFake>[0] = {}): Promise<SmtpFake> {
  const server = await startSmtpFake(options);
  open.push(server);
  return server;
}

function channel(smtp: SmtpSettings, to: readonly string[] = ['alice@example.com']): Channel {
  const c = emailChannel({ smtp, from: 'grantflow <grantflow@example.com>', recipients: () => to });
  channels.push(c);
  return c;
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

describe('email channel', () => {
  it('sends over STARTTLS with a verified certificate and authentication, Korean subject and text intact', async () => {
    const server = await fake({ tls: 'starttls', auth: { user: 'mailer', pass: 's3cret-pass' } });
    const c = channel({
      url: `smtp://127.0.0.1:${server.port}`,
      user: 'mailer',
      password: 's3cret-pass',
      ca: TEST_TLS_CERT,
    });
    const receipt = await c.deliver(notification, context());
    expect(receipt.id).toMatch(/^<.+@.+>$/);
    expect(server.messages).toHaveLength(1);
    const mail = server.messages[0]!;
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe('mailer');
    expect(mail.from).toBe('grantflow@example.com');
    expect(mail.to).toEqual(['alice@example.com']);
    expect(mail.subject).toBe(KO_SUBJECT);
    expect(mail.text).toBe(KO_TEXT);
    // Non-ASCII travels encoded, never as raw 8-bit header bytes.
    expect(mail.headers.get('subject')).toMatch(/^[\x20-\x7e]+$/);
    expect(mail.headers.get('subject')).toContain('=?UTF-8?');
    expect(mail.headers.get('content-type')).toMatch(/text\/plain; charset=utf-8/i);
    expect(mail.headers.get('from')).toBe('grantflow <grantflow@example.com>');
    expect(mail.headers.get('to')).toBe('alice@example.com');
    expect(mail.headers.get('message-id')).toBe(receipt.id);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.headers.get('x-grantflow-event')).toBe('grant.attached');
    expect(mail.headers.get('x-grantflow-severity')).toBe('info');
    expect(mail.headers.has('x-priority')).toBe(false);
  });

  it('sends over implicit TLS (smtps://) to several recipients, marking critical mail high priority', async () => {
    const server = await fake({ tls: 'implicit' });
    const c = channel({ url: `smtps://127.0.0.1:${server.port}`, ca: TEST_TLS_CERT }, [
      'ops@example.com',
      'security@example.com',
    ]);
    await c.deliver(
      { ...notification, severity: 'critical', subject: 'Revoking access failed', text: 'plain ASCII body' },
      context(),
    );
    const mail = server.messages[0]!;
    expect(mail.secure).toBe(true);
    expect(mail.to).toEqual(['ops@example.com', 'security@example.com']);
    expect(mail.subject).toBe('Revoking access failed');
    expect(mail.text).toBe('plain ASCII body');
    expect(mail.headers.get('x-priority')).toMatch(/^1/);
  });

  it('keeps a long Korean subject whole across folded encoded words, and collapses line breaks in it', async () => {
    const server = await fake({ tls: 'none' });
    const long = '권한 회수 실패 '.repeat(12).trim();
    const c = channel({ url: `smtp://127.0.0.1:${server.port}`, security: 'none' });
    await c.deliver({ ...notification, subject: `${long}\r\nBcc: evil@example.com` }, context());
    const mail = server.messages[0]!;
    expect(mail.secure).toBe(false);
    expect(mail.subject).toBe(`${long} Bcc: evil@example.com`);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.to).toEqual(['alice@example.com']);
  });

  it('refuses to go on without TLS when STARTTLS is required and the server does not offer it', async () => {
    const server = await fake({ tls: 'none' });
    const c = channel({ url: `smtp://127.0.0.1:${server.port}` });
    const err = await failure(c.deliver(notification, context()));
    expect(err.code).toBe('rejected');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/STARTTLS/i);
    expect(server.messages).toHaveLength(0);
  });

  it('rejects a certificate it does not trust', async () => {
    const server = await fake({ tls: 'starttls' });
    const c = channel({ url: `smtp://127.0.0.1:${server.port}` });
    const err = await failure(c.deliver(notification, context()));
    expect(err.code).toBe('network');
    expect(err.message).toMatch(/certificate/i);
    expect(server.messages).toHaveLength(0);
  });

  it('reports refused credentials as auth, without the password', async () => {
    const server = await fake({ tls: 'starttls', auth: { user: 'mailer', pass: 'right-password' } });
    const c = channel({
      url: `smtp://mailer:wrong-password-123@127.0.0.1:${server.port}`,
      ca: TEST_TLS_CERT,
    });
    const err = await failure(c.deliver(notification, context()));
    expect(err.code).toBe('auth');
    expect(err.retryable).toBe(false);
    expect(server.failedLogins).toEqual(['mailer']);
    const everything = JSON.stringify({ message: err.message, cause: String(err.cause), stack: err.stack });
    expect(everything).not.toContain('wrong-password-123');
  });

  it('reports a permanently refused recipient as rejected and a temporary one as retryable', async () => {
    const server = await fake({
      tls: 'none',
      refuseRecipients: new Map([
        ['gone@example.com', 550],
        ['busy@example.com', 451],
      ]),
    });
    const url = `smtp://127.0.0.1:${server.port}`;
    const gone = await failure(
      channel({ url, security: 'none' }, ['gone@example.com']).deliver(notification, context()),
    );
    expect(gone.code).toBe('rejected');
    expect(gone.status).toBe(550);
    expect(gone.retryable).toBe(false);
    const busy = await failure(
      channel({ url, security: 'none' }, ['busy@example.com']).deliver(notification, context()),
    );
    expect(busy.code).toBe('server_error');
    expect(busy.status).toBe(451);
    expect(busy.retryable).toBe(true);
    expect(server.messages).toHaveLength(0);
  });

  it('reports a server that is down as a retryable network failure', async () => {
    const server = await fake({ tls: 'none' });
    const port = server.port;
    await server.close();
    open.splice(open.indexOf(server), 1);
    const err = await failure(
      channel({ url: `smtp://127.0.0.1:${port}`, security: 'none' }).deliver(notification, context()),
    );
    expect(err.code).toBe('network');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it('gives up on a server that never greets, when the delivery is aborted', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    open.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          silent.close(() => resolve());
        }),
    });
    const port = (silent.address() as AddressInfo).port;
    const ctx = context(200);
    setTimeout(() => ctx.controller.abort(new Error('budget spent')), 200);
    const started = Date.now();
    const err = await failure(
      channel({ url: `smtp://127.0.0.1:${port}`, security: 'none' }).deliver(notification, ctx),
    );
    expect(err.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up on a server that never greets, by its own greeting timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    open.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          silent.close(() => resolve());
        }),
    });
    const port = (silent.address() as AddressInfo).port;
    const err = await failure(
      channel({ url: `smtp://127.0.0.1:${port}`, security: 'none', timeoutMs: 150 }).deliver(
        notification,
        context(),
      ),
    );
    expect(err.code).toBe('timeout');
    expect(err.retryable).toBe(true);
  });

  it('fails without a connection when there is nobody to send to', async () => {
    const err = await failure(
      channel({ url: 'smtp://127.0.0.1:9', security: 'none' }, []).deliver(notification, context()),
    );
    expect(err.code).toBe('undeliverable');
    expect(err.message).toContain('requester');
  });
});
