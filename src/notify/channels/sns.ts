// SNS: Publish through the IamBackend (the local backend records the message in the store, the
// aws backend calls SNS with the SDK, which already retries throttling and 5xx adaptively).
// SNS subjects must be printable ASCII of at most 100 characters, so a Korean subject goes into
// the message body and the Subject is an ASCII line built from the event.
// The leaf files, not cloud/index.ts, so that loading notify does not load the AWS SDK.
import { isCloudError } from '../../cloud/errors.ts';
import type { IamBackend, MessageAttributeValue } from '../../cloud/types.ts';
import { oneLine, truncate } from '../channel.ts';
import type { Channel, DeliveryContext, DeliveryReceipt } from '../channel.ts';
import { ChannelError } from '../errors.ts';
import type { ChannelErrorCode } from '../errors.ts';
import { sanitizedCause } from '../secrets.ts';
import type { Redact } from '../secrets.ts';
import type { Notification } from '../types.ts';

export interface SnsChannelOptions {
  readonly backend: Pick<IamBackend, 'publish'>;
  readonly topicArn: string;
}

export const SNS_MAX_SUBJECT = 100;
/** SNS's limit on a message with its attributes. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

export function snsChannel(options: SnsChannelOptions): Channel {
  return {
    kind: 'sns',
    async deliver(notification: Notification, context: DeliveryContext): Promise<DeliveryReceipt> {
      const attributes = snsAttributes(notification, context);
      const attributeBytes = Object.entries(attributes).reduce(
        (n, [k, v]) =>
          n + Buffer.byteLength(k) + Buffer.byteLength(v.DataType) + Buffer.byteLength(v.StringValue ?? ''),
        0,
      );
      const message = truncateBytes(
        `${oneLine(notification.subject)}\n\n${notification.text}`,
        SNS_MAX_MESSAGE_BYTES - attributeBytes,
      );
      try {
        const { MessageId } = await options.backend.publish({
          TopicArn: options.topicArn,
          Subject: snsSubject(notification),
          Message: message,
          MessageAttributes: attributes,
        });
        return { attempts: 1, id: MessageId };
      } catch (err) {
        throw snsFailure(err, options.topicArn, context);
      }
    },
  };
}

/** The notification's subject when SNS accepts it as is, else `grantflow <event> (<severity>)`. */
export function snsSubject(notification: Notification): string {
  const subject = oneLine(notification.subject);
  if (/^[\x21-\x7e][\x20-\x7e]*$/.test(subject)) return truncate(subject, SNS_MAX_SUBJECT, '...');
  const requestId = notification.data?.requestId;
  const id = typeof requestId === 'string' && /^[\x21-\x7e]+$/.test(requestId) ? ` ${requestId}` : '';
  return truncate(
    `grantflow ${asciiOnly(notification.event)} (${notification.severity})${id}`,
    SNS_MAX_SUBJECT,
    '...',
  );
}

/** Attributes subscribers can filter on (SNS subscription filter policies). */
export function snsAttributes(
  notification: Notification,
  context: Pick<DeliveryContext, 'audiences'>,
): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {
    event: { DataType: 'String', StringValue: notification.event },
    severity: { DataType: 'String', StringValue: notification.severity },
    audience: { DataType: 'String.Array', StringValue: JSON.stringify(context.audiences) },
  };
  const requestId = notification.data?.requestId;
  if (typeof requestId === 'string' && requestId !== '') {
    attributes.requestId = { DataType: 'String', StringValue: requestId };
  }
  return attributes;
}

function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** Cuts a UTF-8 text to at most `maxBytes` bytes without splitting a character. */
function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const marker = '\n[truncated]';
  let out = '';
  let size = Buffer.byteLength(marker);
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (size + n > maxBytes) break;
    out += ch;
    size += n;
  }
  return out + marker;
}

const NO_SECRETS: Redact = (text) => text;

function snsFailure(err: unknown, topicArn: string, context: DeliveryContext): ChannelError {
  const where = `SNS topic ${topicArn}`;
  if (context.signal.aborted) return new ChannelError('timeout', `${where}: Publish did not finish in time`);
  const cause = sanitizedCause(err, NO_SECRETS);
  if (!isCloudError(err)) {
    return new ChannelError('network', `${where}: Publish failed: ${cause.message}`, { cause });
  }
  // Codes the backend does not know arrive as ServiceFailure; the SDK's status tells them apart.
  const status =
    (err.cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode ??
    err.httpStatus;
  const code: ChannelErrorCode =
    /throttl/i.test(err.message) || status === 429
      ? 'rate_limited'
      : err.code === 'AuthorizationError' || status === 401 || status === 403
        ? 'auth'
        : status >= 500
          ? 'server_error'
          : 'rejected';
  return new ChannelError(code, `${where}: Publish failed: ${err.code}: ${cause.message}`, { status, cause });
}
