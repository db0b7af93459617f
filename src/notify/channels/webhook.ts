// Generic webhook signed with HMAC-SHA256 (signature.ts): a JSON body receivers can act on, with
// the signature, timestamp and id in headers. The id stays the same across retries so receivers
// can drop duplicates; each attempt is signed with a fresh timestamp so a delayed retry still
// passes the receiver's replay window.
import { randomUUID } from 'node:crypto';
import { oneLine } from '../channel.ts';
import type { Channel, DeliveryContext, DeliveryReceipt } from '../channel.ts';
import { DEFAULT_RETRY, postWithRetry } from '../http.ts';
import type { RetryPolicy } from '../http.ts';
import { NotifyConfigError } from '../errors.ts';
import { channelUrl, redactor } from '../secrets.ts';
import { EVENT_HEADER, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from '../signature.ts';
import type { Audience, Notification, NotificationSeverity } from '../types.ts';

export interface WebhookChannelOptions {
  readonly url: string;
  readonly secret: string;
  readonly retry?: RetryPolicy;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

/** What a receiver gets, as JSON. */
export interface WebhookBody {
  /** Unique per notification and channel; the same on every retry. */
  readonly id: string;
  readonly event: string;
  readonly severity: NotificationSeverity;
  readonly audience: readonly Audience[];
  readonly subject: string;
  readonly text: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly requester?: string;
  /** When grantflow first sent it (ISO 8601); the signed header timestamp is per attempt. */
  readonly timestamp: string;
}

export function webhookChannel(options: WebhookChannelOptions): Channel {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  if (typeof options.secret !== 'string' || options.secret === '') {
    throw new NotifyConfigError([
      { field: 'secret', message: 'is required (the HMAC key shared with the receiver)' },
    ]);
  }
  const target = {
    url: channelUrl(options.url, 'url', ['https:', 'http:']),
    label: 'webhook',
    retry: options.retry ?? DEFAULT_RETRY,
    redact: redactor([options.url, options.secret]),
  };
  return {
    kind: 'webhook',
    async deliver(notification: Notification, context: DeliveryContext): Promise<DeliveryReceipt> {
      const id = newId();
      const payload: WebhookBody = {
        id,
        event: notification.event,
        severity: notification.severity,
        audience: context.audiences,
        subject: oneLine(notification.subject),
        text: notification.text,
        data: notification.data ?? {},
        ...(notification.requester !== undefined ? { requester: notification.requester } : {}),
        timestamp: now().toISOString(),
      };
      const body = JSON.stringify(payload);
      const result = await postWithRetry(
        target,
        () => {
          const timestamp = Math.floor(now().getTime() / 1000);
          return {
            headers: {
              [SIGNATURE_HEADER]: signWebhook(options.secret, timestamp, body),
              [TIMESTAMP_HEADER]: String(timestamp),
              [ID_HEADER]: id,
              [EVENT_HEADER]: notification.event,
            },
            body,
          };
        },
        context,
      );
      return { attempts: result.attempts, id };
    },
  };
}
