// Typed errors of the notifier. Every message here has already been through the channel's
// redaction: webhook URLs, HMAC secrets and SMTP passwords never reach an error or a log.

export interface FieldProblem {
  /** Where in the configuration, e.g. `audiences.admins[1].url` or `GRANTFLOW_NOTIFY_SMTP_URL`. */
  readonly field: string;
  readonly message: string;
}

/** The notification configuration (object or environment) is unusable; names every bad field. */
export class NotifyConfigError extends Error {
  readonly code = 'INVALID_NOTIFY_CONFIG';
  readonly problems: readonly FieldProblem[];
  constructor(problems: readonly FieldProblem[]) {
    super(
      `invalid notification configuration: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    );
    this.name = 'NotifyConfigError';
    this.problems = problems;
  }
}

/** A notification handed to the notifier is malformed (a bug in the caller, not a delivery failure). */
export class InvalidNotificationError extends Error {
  readonly code = 'INVALID_NOTIFICATION';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`invalid notification: ${field}: ${message}`);
    this.name = 'InvalidNotificationError';
    this.field = field;
  }
}

export type ChannelErrorCode =
  /** The channel did not finish within its time budget. */
  | 'timeout'
  /** No connection: refused, reset, DNS, TLS handshake. */
  | 'network'
  /** 429 (or SNS throttling) until the retries or the time budget ran out. */
  | 'rate_limited'
  /** 5xx until the retries ran out. */
  | 'server_error'
  /** The receiver refused the message (4xx other than 429, SMTP 5xx, SNS InvalidParameter). */
  | 'rejected'
  /** The receiver answered with a redirect, which is never followed. */
  | 'redirect'
  /** Credentials were refused (HTTP 401/403, SMTP authentication, SNS AuthorizationError). */
  | 'auth'
  /** This notification cannot be sent on this channel (e.g. no address for the requester). */
  | 'undeliverable'
  /** Writing to the log stream failed (closed pipe, full disk). */
  | 'io';

const RETRYABLE: ReadonlySet<ChannelErrorCode> = new Set([
  'timeout',
  'network',
  'rate_limited',
  'server_error',
]);

/** One channel's failure, safe to log and to store. */
export class ChannelError extends Error {
  readonly code: ChannelErrorCode;
  /** Whether sending the same notification again later may succeed. */
  readonly retryable: boolean;
  /** The HTTP status or SMTP reply code of the last answer, when there was one. */
  readonly status?: number;
  /** How many times delivery was tried. */
  readonly attempts: number;
  /** The receiver asked to wait this long before trying again (429 Retry-After). */
  readonly retryAfterMs?: number;

  constructor(
    code: ChannelErrorCode,
    message: string,
    details: { status?: number; attempts?: number; retryAfterMs?: number; cause?: Error } = {},
  ) {
    super(message, details.cause ? { cause: details.cause } : undefined);
    this.name = 'ChannelError';
    this.code = code;
    this.retryable = RETRYABLE.has(code);
    this.attempts = details.attempts ?? 1;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

export function isChannelError(err: unknown): err is ChannelError {
  return err instanceof ChannelError;
}

/** What the composite reports for each channel that failed. */
export interface ChannelFailure {
  /** The channel's id, e.g. `admins.slack` or `log`. */
  readonly channel: string;
  readonly error: ChannelError;
}

/** Some channels failed; the others delivered. The workflow records it and retries `channels`. */
export class NotificationDeliveryError extends Error {
  readonly code = 'NOTIFY_DELIVERY_FAILED';
  readonly event: string;
  readonly failures: readonly ChannelFailure[];
  readonly delivered: readonly string[];

  constructor(event: string, failures: readonly ChannelFailure[], delivered: readonly string[]) {
    const total = failures.length + delivered.length;
    super(
      `notification ${event}: ${failures.length} of ${total} channel${total === 1 ? '' : 's'} failed: ` +
        failures.map((f) => `${f.channel} (${f.error.code}: ${f.error.message})`).join('; '),
    );
    this.name = 'NotificationDeliveryError';
    this.event = event;
    this.failures = failures;
    this.delivered = delivered;
  }

  /** The ids of the channels that failed, to pass back as `deliver(n, { channels })`. */
  get channels(): string[] {
    return this.failures.map((f) => f.channel);
  }

  /** True when every failure may succeed on a later try. */
  get retryable(): boolean {
    return this.failures.every((f) => f.error.retryable);
  }
}
