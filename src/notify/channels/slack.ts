// Slack-compatible incoming webhook: POST {"text", "blocks"} as Slack documents it. Mattermost,
// Rocket.Chat and others accept the same body and use `text` where they do not render blocks.
// The URL is the credential, so it appears in no error (see secrets.ts).
import { oneLine, truncate } from '../channel.ts';
import type { Channel, DeliveryContext, DeliveryReceipt } from '../channel.ts';
import { DEFAULT_RETRY, postWithRetry } from '../http.ts';
import type { RetryPolicy } from '../http.ts';
import { channelUrl, redactor } from '../secrets.ts';
import type { Notification, NotificationSeverity } from '../types.ts';

export interface SlackChannelOptions {
  readonly url: string;
  readonly retry?: RetryPolicy;
}

/** Block Kit limits: header text 150 characters, section and context text 3,000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3_000;
/** Slack truncates a message's `text` beyond 40,000 characters; stay well under. */
const TEXT_MAX = 4_000;

const MARK: Record<NotificationSeverity, string> = {
  info: ':information_source:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

export function slackChannel(options: SlackChannelOptions): Channel {
  const target = {
    url: channelUrl(options.url, 'url', ['https:', 'http:']),
    label: 'Slack webhook',
    retry: options.retry ?? DEFAULT_RETRY,
    redact: redactor([options.url]),
  };
  return {
    kind: 'slack',
    async deliver(notification: Notification, context: DeliveryContext): Promise<DeliveryReceipt> {
      const body = JSON.stringify(slackPayload(notification));
      const result = await postWithRetry(target, () => ({ headers: {}, body }), context);
      return { attempts: result.attempts };
    },
  };
}

export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

export function slackPayload(notification: Notification): SlackPayload {
  const subject = oneLine(notification.subject);
  const requestId = notification.data?.requestId;
  const context = [
    `*${notification.severity}*`,
    `\`${escapeMrkdwn(notification.event)}\``,
    ...(typeof requestId === 'string' ? [`request \`${escapeMrkdwn(requestId)}\``] : []),
  ].join(' · ');
  return {
    text: fitMrkdwn(
      `${MARK[notification.severity]} *${escapeMrkdwn(subject)}*\n${escapeMrkdwn(notification.text)}`,
      TEXT_MAX,
    ),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(subject, HEADER_MAX), emoji: true } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: fitMrkdwn(escapeMrkdwn(notification.text), SECTION_MAX) },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: fitMrkdwn(context, SECTION_MAX) }] },
    ],
  };
}

/**
 * Slack's three control characters. Escaping them also disarms `<!channel>` mentions and links
 * that request text (untrusted) might carry.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Truncates escaped text without leaving half an entity at the end. */
function fitMrkdwn(text: string, max: number): string {
  if ([...text].length <= max) return text;
  return truncate(text, max).replace(/&[a-z]{0,3}…$/, '…');
}
