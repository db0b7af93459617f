// SMTP email through nodemailer: implicit TLS (smtps, port 465) or STARTTLS, required by default,
// certificate checks on, optional authentication. One message per notification and audience,
// with the subject and text in the request's language (nodemailer encodes non-ASCII headers per
// RFC 2047 and picks the body's transfer encoding).
import type { Transporter } from 'nodemailer';
import { oneLine } from '../channel.ts';
import type { Channel, DeliveryContext, DeliveryReceipt } from '../channel.ts';
import { ChannelError } from '../errors.ts';
import type { ChannelErrorCode } from '../errors.ts';
import { channelUrl, describeUrl, redactor, sanitizedCause } from '../secrets.ts';
import type { Notification } from '../types.ts';

export type SmtpSecurity = 'starttls' | 'tls' | 'none';

export interface SmtpSettings {
  /** `smtp://host[:port]` (default port 587) or `smtps://host[:port]` (default 465). */
  readonly url: string;
  /** Default: `tls` for smtps://, else `starttls`, which fails when the server does not offer it. */
  readonly security?: SmtpSecurity;
  readonly user?: string;
  readonly password?: string;
  /** PEM certificates to trust besides the system's (a private CA). */
  readonly ca?: string;
  /** Default true; turn off only for a test relay. */
  readonly rejectUnauthorized?: boolean;
  /** The name this host gives in EHLO (default: nodemailer's, the machine's host name). */
  readonly clientName?: string;
  /** Connection, greeting and idle-socket timeout. Default 15 s. */
  readonly timeoutMs?: number;
}

export interface EmailChannelOptions {
  readonly smtp: SmtpSettings;
  /** `address` or `Display Name <address>`. */
  readonly from: string;
  /** The addresses for a notification (already resolved for this channel's audience). */
  readonly recipients: (notification: Notification) => readonly string[] | Promise<readonly string[]>;
}

export function emailChannel(options: EmailChannelOptions): Channel {
  const smtp = options.smtp;
  const url = channelUrl(smtp.url, 'smtp.url', ['smtp:', 'smtps:']);
  const security = smtp.security ?? (url.protocol === 'smtps:' ? 'tls' : 'starttls');
  const user = smtp.user ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const password = smtp.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const redact = redactor([smtp.url, password]);
  const where = `SMTP server ${describeUrl(`${url.protocol}//${url.host}`)}`;
  const timeout = smtp.timeoutMs ?? 15_000;
  let transporter: Transporter | undefined;
  // nodemailer takes ~0.3 s to load: only when an email is actually sent.
  const transport = async (): Promise<Transporter> =>
    (transporter ??= (await import('nodemailer')).default.createTransport({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : security === 'tls' ? 465 : 587,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      ...(user !== undefined ? { auth: { user, pass: password ?? '' } } : {}),
      tls: {
        rejectUnauthorized: smtp.rejectUnauthorized ?? true,
        minVersion: 'TLSv1.2',
        ...(smtp.ca !== undefined ? { ca: smtp.ca } : {}),
      },
      ...(smtp.clientName !== undefined ? { name: smtp.clientName } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // Messages are built from our own fields only; never let one read a file or a URL.
      disableFileAccess: true,
      disableUrlAccess: true,
    }));

  return {
    kind: 'email',
    async deliver(notification: Notification, context: DeliveryContext): Promise<DeliveryReceipt> {
      const to = [...(await options.recipients(notification))];
      if (to.length === 0) {
        throw new ChannelError('undeliverable', `no email address for ${context.audiences.join(', ')}`);
      }
      try {
        const info = await (
          await transport()
        ).sendMail({
          from: options.from,
          to,
          subject: oneLine(notification.subject),
          text: notification.text,
          priority: notification.severity === 'critical' ? 'high' : 'normal',
          headers: {
            // RFC 3834: tells auto-responders not to answer.
            'Auto-Submitted': 'auto-generated',
            'X-Grantflow-Event': notification.event,
            'X-Grantflow-Severity': notification.severity,
          },
          signal: context.signal,
        });
        return { attempts: 1, id: info.messageId };
      } catch (err) {
        throw smtpFailure(err, where, redact, context);
      }
    },
    async close(): Promise<void> {
      transporter?.close();
      transporter = undefined;
    },
  };
}

function smtpFailure(
  err: unknown,
  where: string,
  redact: (text: string) => string,
  context: DeliveryContext,
): ChannelError {
  const cause = sanitizedCause(err, redact);
  if (context.signal.aborted)
    return new ChannelError('timeout', `${where} did not finish in time`, { cause });
  const e = err as { code?: string; responseCode?: number };
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code: ChannelErrorCode =
    e.code === 'EAUTH' || e.code === 'ENOAUTH'
      ? 'auth'
      : e.code === 'ETIMEDOUT'
        ? 'timeout'
        : status !== undefined && status >= 400 && status < 500
          ? 'server_error' // 4yz replies are transient (RFC 5321, 4.2.1)
          : status !== undefined && status >= 500
            ? 'rejected'
            : 'network';
  return new ChannelError(code, `${where}: ${cause.message}`, {
    cause,
    ...(status !== undefined ? { status } : {}),
  });
}

// ── Addresses ────────────────────────────────────────────────────────────────────────────────

const ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/;

/** A bare address, `name@host`, with nothing a header could be split on. */
export function isEmailAddress(text: string): boolean {
  return ADDRESS.test(text) && text.length <= 254;
}

/** `address` or `Display Name <address>`, on one line. */
export function isMailbox(text: string): boolean {
  if (isEmailAddress(text)) return true;
  const m = /^([^<>\r\n]*)<([^<>]+)>$/.exec(text);
  return m !== null && isEmailAddress(m[2] as string);
}

export const ADDRESS_TEMPLATE_FIELDS = ['requester', 'name', 'account'] as const;

/** The placeholders in a template that are not `{requester}`, `{name}` or `{account}`. */
export function unknownTemplateFields(template: string): string[] {
  const known = new Set<string>(ADDRESS_TEMPLATE_FIELDS);
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] as string).filter((f) => !known.has(f));
}

/**
 * The requester's address from a template: `{requester}` is the requester as given, `{name}` the
 * user, role or session name of an IAM/STS ARN (or the local part of an address), `{account}`
 * the ARN's account. E.g. `{name}@example.com`.
 */
export function addressFromTemplate(template: string, requester: string): string {
  const fields = requesterFields(requester);
  return template.replace(
    /\{(requester|name|account)\}/g,
    (_, f: 'requester' | 'name' | 'account') => fields[f],
  );
}

function requesterFields(requester: string): Record<'requester' | 'name' | 'account', string> {
  if (requester.startsWith('arn:')) {
    const parts = requester.split(':');
    const resource = parts.slice(5).join(':');
    return { requester, name: resource.split('/').pop() ?? resource, account: parts[4] ?? '' };
  }
  if (isEmailAddress(requester))
    return { requester, name: requester.slice(0, requester.lastIndexOf('@')), account: '' };
  return { requester, name: requester, account: '' };
}
