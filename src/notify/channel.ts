// A channel delivers a notification one way (SNS, Slack-compatible webhook, signed webhook, SMTP,
// log). The composite gives each delivery a time budget and an abort signal; channels that retry
// stop retrying when the budget is spent.
import type { Audience, Notification } from './types.ts';

export type ChannelKind = 'log' | 'sns' | 'slack' | 'webhook' | 'email';

export interface DeliveryContext {
  /** Aborted when the channel's time budget is spent (or the notifier is closed). */
  readonly signal: AbortSignal;
  /** Epoch milliseconds by which the delivery must be over; waits between retries respect it. */
  readonly deadline: number;
  /** Which of the notification's audiences this delivery is for. */
  readonly audiences: readonly Audience[];
}

export interface DeliveryReceipt {
  readonly attempts: number;
  /** The receiver's id for the message when it gives one (SNS MessageId, SMTP Message-ID, webhook id). */
  readonly id?: string;
}

export interface Channel {
  readonly kind: ChannelKind;
  /** Rejects with a ChannelError. */
  deliver(notification: Notification, context: DeliveryContext): Promise<DeliveryReceipt>;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** Whitespace and control characters collapsed to single spaces: for subjects and titles. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/** At most `max` characters (code points), cut with an ellipsis. */
export function truncate(text: string, max: number, ellipsis = '…'): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return chars.slice(0, Math.max(0, max - [...ellipsis].length)).join('') + ellipsis;
}

/** Resolves after `ms`, or rejects when the signal aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
