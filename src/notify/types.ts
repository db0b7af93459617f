// What the rest of grantflow hands to the notifier: a message for an audience, independent of the
// channel (SNS, Slack-compatible webhook, signed webhook, SMTP email, log) that delivers it.

export type Audience = 'requester' | 'approvers' | 'admins';

export type NotificationSeverity = 'info' | 'warning' | 'critical';

export interface Notification {
  /** What happened, as a stable machine-readable name, e.g. `grant.attached`, `audit.new-findings`. */
  readonly event: string;
  readonly audience: readonly Audience[];
  readonly severity: NotificationSeverity;
  /** One line, for email subjects and chat titles. */
  readonly subject: string;
  /** The message body, plain text, in the recipient's language. */
  readonly text: string;
  /** Structured details for machine consumers (webhooks), JSON-serializable. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Who the requester is, when there is one (an IAM ARN, an email address or a user name). */
  readonly requester?: string;
}

export interface Notifier {
  /** Delivers to every channel configured for the notification's audience; rejects if any channel failed. */
  notify(notification: Notification): Promise<void>;
}
