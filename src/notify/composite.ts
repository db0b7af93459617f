// The notifier the rest of grantflow holds: routes a notification to every channel configured
// for its audiences, runs them side by side, each within its time budget, and reports which
// failed. One channel's failure never stops the others; `notify` rejects afterwards with a
// NotificationDeliveryError listing the failed channel ids, which `deliver(n, { channels })`
// takes back to retry only those.
import type { Channel, DeliveryReceipt } from './channel.ts';
import { ChannelError, InvalidNotificationError, NotificationDeliveryError } from './errors.ts';
import type { ChannelFailure } from './errors.ts';
import { sanitizedCause } from './secrets.ts';
import type { Redact } from './secrets.ts';
import type { Audience, Notification, Notifier } from './types.ts';

export const AUDIENCES: readonly Audience[] = ['requester', 'approvers', 'admins'];
export const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** Default time budget of one channel's delivery, retries included. */
export const DEFAULT_CHANNEL_TIMEOUT_MS = 15_000;

export interface Route {
  /** Unique, e.g. `admins.slack`; used in reports and to retry. */
  readonly id: string;
  readonly channel: Channel;
  readonly audiences: readonly Audience[];
  /** Overrides the notifier's default budget for this channel. */
  readonly timeoutMs?: number;
  /** Masks this channel's secrets in errors the channel did not produce itself. */
  readonly redact?: Redact;
}

export interface CompositeOptions {
  readonly timeoutMs?: number;
}

export interface Delivered extends DeliveryReceipt {
  readonly channel: string;
}

export interface DeliveryReport {
  readonly event: string;
  readonly delivered: readonly Delivered[];
  readonly failed: readonly ChannelFailure[];
}

export interface DeliverOptions {
  /** Only these channel ids (e.g. the ones a NotificationDeliveryError listed). */
  readonly channels?: readonly string[];
}

export class CompositeNotifier implements Notifier {
  readonly #routes: readonly Route[];
  readonly #timeoutMs: number;
  #closed = false;

  constructor(routes: readonly Route[], options: CompositeOptions = {}) {
    const ids = new Set<string>();
    for (const route of routes) {
      if (ids.has(route.id)) throw new Error(`two notification channels have the id "${route.id}"`);
      ids.add(route.id);
    }
    this.#routes = routes;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS;
  }

  /** The channel ids and the audiences each serves. */
  get routes(): readonly {
    readonly id: string;
    readonly kind: string;
    readonly audiences: readonly Audience[];
  }[] {
    return this.#routes.map((r) => ({ id: r.id, kind: r.channel.kind, audiences: r.audiences }));
  }

  async notify(notification: Notification): Promise<void> {
    const report = await this.deliver(notification);
    if (report.failed.length > 0) {
      throw new NotificationDeliveryError(
        notification.event,
        report.failed,
        report.delivered.map((d) => d.channel),
      );
    }
  }

  /** Delivers and reports; rejects only for a malformed notification or unknown channel ids. */
  async deliver(notification: Notification, options: DeliverOptions = {}): Promise<DeliveryReport> {
    if (this.#closed) throw new Error('the notifier is closed');
    checkNotification(notification);
    const only = options.channels === undefined ? undefined : new Set(options.channels);
    if (only) {
      const unknown = [...only].filter((id) => !this.#routes.some((r) => r.id === id));
      if (unknown.length > 0) {
        throw new InvalidNotificationError(
          'channels',
          `unknown channel ${unknown.map((u) => `"${u}"`).join(', ')}; configured: ${this.#routes.map((r) => r.id).join(', ')}`,
        );
      }
    }
    const wanted = new Set(notification.audience);
    const selected = this.#routes
      .filter((r) => only === undefined || only.has(r.id))
      .map((r) => ({ route: r, audiences: r.audiences.filter((a) => wanted.has(a)) }))
      .filter((s) => s.audiences.length > 0);
    const outcomes = await Promise.all(selected.map((s) => this.#run(s.route, s.audiences, notification)));
    const delivered: Delivered[] = [];
    const failed: ChannelFailure[] = [];
    for (const outcome of outcomes) {
      if ('error' in outcome) failed.push(outcome);
      else delivered.push(outcome);
    }
    return { event: notification.event, delivered, failed };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#routes.map((r) => r.channel.close?.()));
  }

  async #run(
    route: Route,
    audiences: readonly Audience[],
    notification: Notification,
  ): Promise<Delivered | ChannelFailure> {
    const timeoutMs = route.timeoutMs ?? this.#timeoutMs;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // A channel that ignores the signal still cannot hold the others up past its budget.
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ChannelError('timeout', `${route.id} did not finish within ${timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      const receipt = await Promise.race([
        route.channel.deliver(notification, {
          signal: controller.signal,
          deadline: Date.now() + timeoutMs,
          audiences,
        }),
        expired,
      ]);
      return { channel: route.id, ...receipt };
    } catch (err) {
      return { channel: route.id, error: asChannelError(err, route.redact ?? ((t) => t)) };
    } finally {
      clearTimeout(timer);
      expired.catch(() => {});
    }
  }
}

function asChannelError(err: unknown, redact: Redact): ChannelError {
  if (err instanceof ChannelError) return err;
  const cause = sanitizedCause(err, redact);
  return new ChannelError('network', `unexpected failure: ${cause.message}`, { cause });
}

/** A notification the channels can rely on; throws InvalidNotificationError naming the field. */
export function checkNotification(n: Notification): void {
  const bad = (field: string, message: string) => new InvalidNotificationError(field, message);
  if (typeof n !== 'object' || n === null) throw bad('notification', 'must be an object');
  if (typeof n.event !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,127}$/i.test(n.event)) {
    throw bad('event', 'must be a name like grant.attached (letters, digits, . _ -; at most 128)');
  }
  if (!Array.isArray(n.audience) || n.audience.length === 0) {
    throw bad('audience', `must be a non-empty list of ${AUDIENCES.join(', ')}`);
  }
  for (const a of n.audience) {
    if (!AUDIENCES.includes(a))
      throw bad('audience', `unknown audience "${String(a)}": use ${AUDIENCES.join(', ')}`);
  }
  if (!(SEVERITIES as readonly string[]).includes(n.severity)) {
    throw bad('severity', `must be one of ${SEVERITIES.join(', ')}`);
  }
  if (typeof n.subject !== 'string' || n.subject.trim() === '')
    throw bad('subject', 'must be a non-empty string');
  if (typeof n.text !== 'string') throw bad('text', 'must be a string');
  if (n.requester !== undefined && typeof n.requester !== 'string')
    throw bad('requester', 'must be a string');
  if (n.data !== undefined) {
    if (typeof n.data !== 'object' || n.data === null || Array.isArray(n.data)) {
      throw bad('data', 'must be an object');
    }
    try {
      JSON.stringify(n.data);
    } catch (err) {
      throw bad('data', `must be JSON-serializable (${(err as Error).message})`);
    }
  }
}
