import { describe, expect, it } from 'vitest';
import { NotifyConfigError } from '../errors.ts';
import type { Notification } from '../types.ts';
import { addressFromTemplate, emailChannel, isMailbox, unknownTemplateFields } from './email.ts';
import { escapeMrkdwn, slackChannel, slackPayload } from './slack.ts';
import { snsAttributes, snsSubject } from './sns.ts';
import { webhookChannel } from './webhook.ts';

const n: Notification = {
  event: 'grant.attached',
  audience: ['admins'],
  severity: 'critical',
  subject: 'Access granted',
  text: 'x',
  data: { requestId: 'req-1' },
};

function configError(fn: () => unknown): NotifyConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NotifyConfigError);
    return err as NotifyConfigError;
  }
  throw new Error('expected a NotifyConfigError');
}

describe('channel constructors', () => {
  it('refuse a bad URL naming the field, never the value', () => {
    const secretish = 'https://hooks slack/services/T1/B1/TOPSECRET';
    const slack = configError(() => slackChannel({ url: secretish }));
    expect(slack.problems).toEqual([{ field: 'url', message: 'is not a valid URL' }]);
    expect(JSON.stringify(slack)).not.toContain('TOPSECRET');
    expect(configError(() => slackChannel({ url: 'ftp://example.com/x' })).problems[0]!.message).toBe(
      'must be a https or http URL',
    );
    expect(
      configError(() => webhookChannel({ url: 'https://example.com/h', secret: '' })).problems[0]!.field,
    ).toBe('secret');
    const smtp = configError(() =>
      emailChannel({
        smtp: { url: 'https://user:pw-TOPSECRET@mail' },
        from: 'a@example.com',
        recipients: () => [],
      }),
    );
    expect(smtp.problems[0]).toEqual({ field: 'smtp.url', message: 'must be a smtp or smtps URL' });
    expect(smtp.message).not.toContain('TOPSECRET');
  });
});

describe('SNS subject and attributes', () => {
  it('keeps printable ASCII subjects, replaces others with an ASCII line from the event', () => {
    expect(snsSubject(n)).toBe('Access granted');
    expect(snsSubject({ ...n, subject: ' leading space\tand tab ' })).toBe('leading space and tab');
    expect(snsSubject({ ...n, subject: '권한 부여됨' })).toBe('grantflow grant.attached (critical) req-1');
    expect(snsSubject({ ...n, subject: 'café', data: {} })).toBe('grantflow grant.attached (critical)');
    expect(snsSubject({ ...n, subject: 'y'.repeat(150) })).toBe(`${'y'.repeat(97)}...`);
  });

  it('carries event, severity, audience and request id as attributes', () => {
    expect(snsAttributes(n, { audiences: ['admins', 'requester'] })).toEqual({
      event: { DataType: 'String', StringValue: 'grant.attached' },
      severity: { DataType: 'String', StringValue: 'critical' },
      audience: { DataType: 'String.Array', StringValue: '["admins","requester"]' },
      requestId: { DataType: 'String', StringValue: 'req-1' },
    });
    expect(Object.keys(snsAttributes({ ...n, data: {} }, { audiences: ['admins'] }))).toEqual([
      'event',
      'severity',
      'audience',
    ]);
  });
});

describe('Slack payload', () => {
  it('marks severity and escapes the three control characters', () => {
    const p = slackPayload({ ...n, subject: 'a <b> & c', text: '<@U123> hi' });
    expect(p.text).toBe(':rotating_light: *a &lt;b&gt; &amp; c*\n&lt;@U123&gt; hi');
    expect(p.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'a <b> & c', emoji: true },
    });
    expect(escapeMrkdwn('&amp;')).toBe('&amp;amp;');
  });
});

describe('email addresses', () => {
  it('fills templates from ARNs, addresses and names', () => {
    expect(addressFromTemplate('{name}@example.com', 'arn:aws:iam::123456789012:user/dev/alice')).toBe(
      'alice@example.com',
    );
    expect(addressFromTemplate('{name}+{account}@example.com', 'arn:aws:iam::123456789012:role/Ops')).toBe(
      'Ops+123456789012@example.com',
    );
    expect(addressFromTemplate('{requester}', 'bob@example.com')).toBe('bob@example.com');
    expect(addressFromTemplate('{name}@corp.example.com', 'bob@example.com')).toBe('bob@corp.example.com');
    expect(addressFromTemplate('{name}@example.com', 'carol')).toBe('carol@example.com');
    expect(unknownTemplateFields('{name}{email}{}')).toEqual(['email', '']);
  });

  it('accepts mailboxes with display names, not header injection', () => {
    expect(isMailbox('grantflow <gf@example.com>')).toBe(true);
    expect(isMailbox('gf@example.com')).toBe(true);
    expect(isMailbox('gf@example.com\r\nBcc: x@example.com')).toBe(false);
    expect(isMailbox('grantflow <gf@example.com')).toBe(false);
  });
});
