// notify/: telling people what happened. Channels (log, SNS through the IamBackend, Slack-compatible
// webhook, HMAC-signed webhook, SMTP email), the composite notifier built from configuration, and
// the templates that turn lifecycle and audit events into notifications in English or Korean.
export type * from './types.ts';
export type { Channel, ChannelKind, DeliveryContext, DeliveryReceipt } from './channel.ts';
export {
  ChannelError,
  InvalidNotificationError,
  NotificationDeliveryError,
  NotifyConfigError,
  isChannelError,
} from './errors.ts';
export type { ChannelErrorCode, ChannelFailure, FieldProblem } from './errors.ts';
export { AUDIENCES, CompositeNotifier, DEFAULT_CHANNEL_TIMEOUT_MS, checkNotification } from './composite.ts';
export type { CompositeOptions, Delivered, DeliverOptions, DeliveryReport, Route } from './composite.ts';
export { createNotifier, loadNotifyConfig, notifyConfigFromEnv, parseNotifyConfig } from './config.ts';
export type {
  ChannelSpec,
  NotifierDeps,
  NotifyConfig,
  NotifyConfigInput,
  RecipientResolver,
  Recipients,
  RouteSpec,
} from './config.ts';
export { DEFAULT_RETRY } from './http.ts';
export type { RetryPolicy } from './http.ts';
export {
  DEFAULT_TOLERANCE_SECONDS,
  EVENT_HEADER,
  ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
  verifyWebhookSignature,
} from './signature.ts';
export type { HeaderSource, VerifyFailure, VerifyOptions, VerifyResult } from './signature.ts';
export { logChannel } from './channels/log.ts';
export type { LineSink, LogChannelOptions } from './channels/log.ts';
export { snsChannel, snsSubject } from './channels/sns.ts';
export type { SnsChannelOptions } from './channels/sns.ts';
export { slackChannel, slackPayload } from './channels/slack.ts';
export type { SlackChannelOptions, SlackPayload } from './channels/slack.ts';
export { webhookChannel } from './channels/webhook.ts';
export type { WebhookBody, WebhookChannelOptions } from './channels/webhook.ts';
export { emailChannel, addressFromTemplate } from './channels/email.ts';
export type { EmailChannelOptions, SmtpSecurity, SmtpSettings } from './channels/email.ts';
export {
  LIFECYCLE_EVENTS,
  grantAttached,
  grantExpiring,
  grantRevoked,
  lifecycleNotification,
  needsApproval,
  needsInfo,
  requestApproved,
  requestDenied,
  requestExpired,
  requestReceived,
  extensionRequested,
  requestRefused,
  revocationFailed,
} from './templates/lifecycle.ts';
export type { LifecycleDetails, LifecycleEvent, RequestFacts } from './templates/lifecycle.ts';
export { auditFailed, auditFindings } from './templates/audit.ts';
export type { AuditFacts, AuditFindingSummary } from './templates/audit.ts';
export type { Lang } from './templates/format.ts';
