// SNS Publish as the local backend does it: SNS's input rules (SNS API Reference, Publish), then the
// message is kept in the store, where tests and `grantflow` read what was sent.
import { randomUUID } from 'node:crypto';
import { parseArn } from '../../policy/index.ts';
import { CloudError } from '../errors.ts';
import type { MessageAttributeValue, PublishInput } from '../types.ts';
import type { IamContext } from './context.ts';

/** SNS's limit on a message, attributes included: 256 KiB. */
export const MAX_MESSAGE_BYTES = 262_144;

export interface PublishedMessage {
  readonly MessageId: string;
  readonly TopicArn?: string;
  readonly TargetArn?: string;
  readonly PhoneNumber?: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly MessageStructure?: 'json';
  readonly MessageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly PublishedAt: Date;
}

const invalid = (what: string) => new CloudError('InvalidParameter', `Invalid parameter: ${what}`);

export function checkPublish(input: PublishInput): void {
  const targets = [input.TopicArn, input.TargetArn, input.PhoneNumber].filter((t) => t !== undefined);
  if (targets.length !== 1) {
    throw invalid('give exactly one of TopicArn, TargetArn or PhoneNumber');
  }
  for (const [name, arn] of [
    ['TopicArn', input.TopicArn],
    ['TargetArn', input.TargetArn],
  ] as const) {
    if (arn === undefined) continue;
    const parsed = parseArn(arn);
    if (!parsed || parsed.service !== 'sns' || !parsed.region || !parsed.account) {
      throw invalid(`${name} is not an SNS topic or endpoint ARN`);
    }
  }
  if (input.PhoneNumber !== undefined && !/^\+?[0-9]{5,15}$/.test(input.PhoneNumber)) {
    throw invalid('PhoneNumber must be in E.164 format');
  }
  if (typeof input.Message !== 'string' || input.Message.length === 0)
    throw invalid('Message must not be empty');
  const attributes = input.MessageAttributes ?? {};
  const bytes =
    Buffer.byteLength(input.Message) +
    Object.entries(attributes).reduce(
      (n, [k, v]) =>
        n + Buffer.byteLength(k) + Buffer.byteLength(v.DataType) + Buffer.byteLength(v.StringValue ?? ''),
      0,
    );
  if (bytes > MAX_MESSAGE_BYTES) throw invalid(`Message too long: at most ${MAX_MESSAGE_BYTES} bytes`);
  if (input.Subject !== undefined) {
    // Subjects are ASCII, start with a letter, number or punctuation, hold no line breaks or
    // control characters, and are at most 100 characters long.
    if (
      input.Subject.length === 0 ||
      input.Subject.length > 100 ||
      !/^[\x20-\x7e]+$/.test(input.Subject) ||
      input.Subject[0] === ' '
    ) {
      throw invalid('Subject must be 1 to 100 printable ASCII characters without line breaks');
    }
  }
  if (input.MessageStructure !== undefined) {
    if (input.MessageStructure !== 'json') throw invalid('MessageStructure must be json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.Message);
    } catch {
      throw invalid('Message must be a JSON object when MessageStructure is json');
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      typeof (parsed as Record<string, unknown>).default !== 'string'
    ) {
      throw invalid(
        'Message must be a JSON object with a string "default" member when MessageStructure is json',
      );
    }
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (!/^(String|Number|Binary|String\.Array)(\..+)?$/.test(value.DataType)) {
      throw invalid(`message attribute ${name} has an unsupported DataType ${value.DataType}`);
    }
    if (value.StringValue === undefined) throw invalid(`message attribute ${name} has no value`);
  }
}

export async function publish(iam: IamContext, input: PublishInput): Promise<{ MessageId: string }> {
  checkPublish(input);
  const messageId = randomUUID();
  await iam.write(async (trx) => {
    await trx
      .insertInto('sns_messages')
      .values({
        message_id: messageId,
        topic_arn: input.TopicArn ?? null,
        target_arn: input.TargetArn ?? null,
        phone_number: input.PhoneNumber ?? null,
        subject: input.Subject ?? null,
        message: input.Message,
        message_structure: input.MessageStructure ?? null,
        message_attributes: JSON.stringify(input.MessageAttributes ?? {}),
        published_at: iam.now(),
      })
      .execute();
  });
  return { MessageId: messageId };
}

/** Messages published so far, oldest first. */
export async function listPublishedMessages(
  iam: IamContext,
  filter: { TopicArn?: string },
): Promise<PublishedMessage[]> {
  let q = iam.db.selectFrom('sns_messages').selectAll().orderBy('seq');
  if (filter.TopicArn !== undefined) q = q.where('topic_arn', '=', filter.TopicArn);
  const rows = await q.execute();
  return rows.map((r) => ({
    MessageId: r.message_id,
    ...(r.topic_arn !== null ? { TopicArn: r.topic_arn } : {}),
    ...(r.target_arn !== null ? { TargetArn: r.target_arn } : {}),
    ...(r.phone_number !== null ? { PhoneNumber: r.phone_number } : {}),
    ...(r.subject !== null ? { Subject: r.subject } : {}),
    Message: r.message,
    ...(r.message_structure !== null ? { MessageStructure: 'json' as const } : {}),
    MessageAttributes: JSON.parse(r.message_attributes) as PublishedMessage['MessageAttributes'],
    PublishedAt: new Date(r.published_at),
  }));
}
