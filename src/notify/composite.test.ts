import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Channel, DeliveryContext } from './channel.ts';
import { logChannel } from './channels/log.ts';
import { CompositeNotifier, checkNotification } from './composite.ts';
import { ChannelError, InvalidNotificationError, NotificationDeliveryError } from './errors.ts';
import type { Notification } from './types.ts';

const base: Notification = {
  event: 'grant.attached',
  audience: ['requester', 'admins'],
  severity: 'info',
  subject: 'Access granted',
  text: 'details',
  requester: 'alice@example.com',
  data: { requestId: 'req-1' },
};

interface Recorded {
  readonly notification: Notification;
  readonly audiences: readonly string[];
}

function recording(
  calls: Recorded[],
  behaviour: (ctx: DeliveryContext) => Promise<void> = async () => {},
): Channel {
  return {
    kind: 'webhook',
    async deliver(notification, ctx) {
      calls.push({ notification, audiences: ctx.audiences });
      await behaviour(ctx);
      return { attempts: 1 };
    },
  };
}

const failing = (err: ChannelError): Channel => ({
  kind: 'slack',
  deliver: async () => {
    throw err;
  },
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('CompositeNotifier', () => {
  it('sends to the channels of the notification’s audiences only, telling each which audiences', async () => {
    const requester: Recorded[] = [];
    const approvers: Recorded[] = [];
    const everyone: Recorded[] = [];
    const notifier = new CompositeNotifier([
      { id: 'requester.webhook', audiences: ['requester'], channel: recording(requester) },
      { id: 'approvers.webhook', audiences: ['approvers'], channel: recording(approvers) },
      { id: 'log', audiences: ['requester', 'approvers', 'admins'], channel: recording(everyone) },
    ]);
    const report = await notifier.deliver(base);
    expect(report.delivered.map((d) => d.channel)).toEqual(['requester.webhook', 'log']);
    expect(report.failed).toEqual([]);
    expect(requester[0]!.audiences).toEqual(['requester']);
    expect(approvers).toEqual([]);
    expect(everyone[0]!.audiences).toEqual(['requester', 'admins']);
  });

  it('keeps delivering when one channel fails, then reports the failure with its cause', async () => {
    const ok: Recorded[] = [];
    const cause = new ChannelError(
      'server_error',
      'Slack webhook https://hooks.slack.com/… failed (HTTP 500)',
      {
        status: 500,
        attempts: 4,
      },
    );
    const notifier = new CompositeNotifier([
      { id: 'admins.slack', audiences: ['admins'], channel: failing(cause) },
      { id: 'admins.email', audiences: ['admins'], channel: recording(ok) },
    ]);
    const err = await rejection(notifier.notify(base));
    expect(err).toBeInstanceOf(NotificationDeliveryError);
    const e = err as NotificationDeliveryError;
    expect(e.code).toBe('NOTIFY_DELIVERY_FAILED');
    expect(e.channels).toEqual(['admins.slack']);
    expect(e.delivered).toEqual(['admins.email']);
    expect(e.failures[0]!.error).toBe(cause);
    expect(e.retryable).toBe(true);
    expect(e.message).toBe(
      'notification grant.attached: 1 of 2 channels failed: admins.slack (server_error: Slack webhook https://hooks.slack.com/… failed (HTTP 500))',
    );
    expect(ok).toHaveLength(1);
  });

  it('retries only the channels named', async () => {
    const a: Recorded[] = [];
    const b: Recorded[] = [];
    const notifier = new CompositeNotifier([
      { id: 'admins.a', audiences: ['admins'], channel: recording(a) },
      { id: 'admins.b', audiences: ['admins'], channel: recording(b) },
    ]);
    const report = await notifier.deliver(base, { channels: ['admins.b'] });
    expect(report.delivered.map((d) => d.channel)).toEqual(['admins.b']);
    expect(a).toEqual([]);
    await expect(notifier.deliver(base, { channels: ['admins.c'] })).rejects.toThrow(
      /unknown channel "admins.c"/,
    );
  });

  it('times a channel out even when it ignores its abort signal, without holding up the others', async () => {
    const fast: Recorded[] = [];
    let aborted = false;
    const stuck: Channel = {
      kind: 'sns',
      deliver: (_n, ctx) => {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        return new Promise(() => {});
      },
    };
    const notifier = new CompositeNotifier(
      [
        { id: 'admins.sns', audiences: ['admins'], channel: stuck, timeoutMs: 100 },
        { id: 'admins.fast', audiences: ['admins'], channel: recording(fast) },
      ],
      { timeoutMs: 5_000 },
    );
    const started = Date.now();
    const report = await notifier.deliver(base);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(report.failed.map((f) => [f.channel, f.error.code])).toEqual([['admins.sns', 'timeout']]);
    expect(report.failed[0]!.error.message).toBe('admins.sns did not finish within 100 ms');
    expect(report.delivered.map((d) => d.channel)).toEqual(['admins.fast']);
    expect(aborted).toBe(true);
  });

  it('gives each channel a deadline matching its budget', async () => {
    let seen: DeliveryContext | undefined;
    const notifier = new CompositeNotifier(
      [{ id: 'admins.x', audiences: ['admins'], channel: recording([], async (ctx) => void (seen = ctx)) }],
      { timeoutMs: 2_000 },
    );
    const before = Date.now();
    await notifier.notify(base);
    expect(seen!.deadline).toBeGreaterThanOrEqual(before + 2_000);
    expect(seen!.deadline).toBeLessThanOrEqual(Date.now() + 2_000);
    expect(seen!.signal.aborted).toBe(false);
  });

  it('turns an unexpected exception into a channel failure with secrets masked', async () => {
    const notifier = new CompositeNotifier([
      {
        id: 'admins.webhook',
        audiences: ['admins'],
        redact: (t) => t.replaceAll('hunter2-secret', '[redacted]'),
        channel: {
          kind: 'webhook',
          deliver: async () => {
            throw new Error('boom with hunter2-secret inside');
          },
        },
      },
    ]);
    const report = await notifier.deliver(base);
    expect(report.failed[0]!.error.message).toBe('unexpected failure: boom with [redacted] inside');
    expect(String(report.failed[0]!.error.cause)).not.toContain('hunter2');
  });

  it('resolves when no channel serves the audience, and refuses after close', async () => {
    const closed: string[] = [];
    const notifier = new CompositeNotifier([
      {
        id: 'approvers.x',
        audiences: ['approvers'],
        channel: { ...recording([]), close: async () => void closed.push('approvers.x') },
      },
    ]);
    expect(await notifier.deliver(base)).toEqual({ event: 'grant.attached', delivered: [], failed: [] });
    await notifier.close();
    expect(closed).toEqual(['approvers.x']);
    await expect(notifier.notify(base)).rejects.toThrow(/closed/);
  });

  it('refuses duplicate channel ids', () => {
    const c = recording([]);
    expect(
      () =>
        new CompositeNotifier([
          { id: 'admins.x', audiences: ['admins'], channel: c },
          { id: 'admins.x', audiences: ['admins'], channel: c },
        ]),
    ).toThrow(/admins.x/);
  });
});

describe('checkNotification', () => {
  const bad: [Partial<Record<keyof Notification, unknown>>, string][] = [
    [{ event: '' }, 'event'],
    [{ event: 'has space' }, 'event'],
    [{ audience: [] }, 'audience'],
    [{ audience: ['everyone'] }, 'audience'],
    [{ severity: 'fatal' }, 'severity'],
    [{ subject: '  ' }, 'subject'],
    [{ text: 42 }, 'text'],
    [{ requester: 7 }, 'requester'],
    [{ data: [1, 2] }, 'data'],
    [{ data: { n: 10n } }, 'data'],
  ];
  for (const [override, field] of bad) {
    it(`names ${field} for ${JSON.stringify(override, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`, () => {
      let err: unknown;
      try {
        checkNotification({ ...base, ...override } as Notification);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidNotificationError);
      expect((err as InvalidNotificationError).field).toBe(field);
    });
  }
});

describe('log channel', () => {
  it('writes one JSON line per notification', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const channel = logChannel({ stream, now: () => new Date('2026-05-01T09:30:00Z') });
    const ctx = {
      signal: new AbortController().signal,
      deadline: Date.now() + 1_000,
      audiences: ['admins'] as const,
    };
    await channel.deliver({ ...base, subject: '권한 부여됨', text: '줄 1\n줄 2' }, ctx);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(lines[0]!.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-05-01T09:30:00.000Z',
      level: 'info',
      msg: '권한 부여됨',
      event: 'grant.attached',
      audience: ['admins'],
      requester: 'alice@example.com',
      text: '줄 1\n줄 2',
      data: { requestId: 'req-1' },
    });
  });

  it('fails with an io error when the stream does', async () => {
    const stream = new Writable({
      write(_chunk, _enc, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    stream.on('error', () => {});
    const ctx = {
      signal: new AbortController().signal,
      deadline: Date.now() + 1_000,
      audiences: ['admins'] as const,
    };
    const err = await rejection(logChannel({ stream }).deliver(base, ctx));
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).code).toBe('io');
    expect((err as ChannelError).message).toContain('EPIPE');
  });
});
