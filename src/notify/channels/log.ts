// The log channel: one JSON line per notification on a stream (stderr by default). Always
// available, so a grantflow with nothing configured still tells someone what happened.
import type { Channel, DeliveryContext, DeliveryReceipt } from '../channel.ts';
import { ChannelError } from '../errors.ts';
import { sanitizedCause } from '../secrets.ts';
import type { Notification } from '../types.ts';

/** The part of a Node writable stream the log channel uses. */
export interface LineSink {
  write(chunk: string, callback: (err?: Error | null) => void): unknown;
}

export interface LogChannelOptions {
  readonly stream: LineSink;
  readonly now?: () => Date;
}

export function logChannel(options: LogChannelOptions): Channel {
  const now = options.now ?? (() => new Date());
  return {
    kind: 'log',
    deliver(notification: Notification, context: DeliveryContext): Promise<DeliveryReceipt> {
      const line = JSON.stringify({
        time: now().toISOString(),
        level: notification.severity,
        msg: notification.subject,
        event: notification.event,
        audience: context.audiences,
        ...(notification.requester !== undefined ? { requester: notification.requester } : {}),
        text: notification.text,
        ...(notification.data !== undefined ? { data: notification.data } : {}),
      });
      return new Promise((resolve, reject) => {
        try {
          options.stream.write(`${line}\n`, (err) => {
            if (err) reject(writeFailed(err));
            else resolve({ attempts: 1 });
          });
        } catch (err) {
          reject(writeFailed(err));
        }
      });
    },
  };
}

function writeFailed(err: unknown): ChannelError {
  const cause = sanitizedCause(err, (t) => t);
  return new ChannelError('io', `writing to the log stream failed: ${cause.message}`, { cause });
}
