// `arn:aws:states:::sns:publish` through the IamBackend's SNS Publish (the local backend records
// the message; the aws backend sends it), and, when a Notifier is configured, to grantflow's
// notification channels as well. A Message that is not a string is sent as its JSON text, as
// Step Functions does.
//
// Publishing is at-least-once: a publish whose completion was not recorded (the process stopped
// in between) is sent again on recovery.
import type { IamBackend, MessageAttributeValue, PublishInput } from '../../cloud/index.ts';
import { isCloudError } from '../../cloud/index.ts';
import type { Audience, Notifier } from '../../notify/types.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { isJsonObject } from '../json.ts';
import type { JsonObject } from '../json.ts';
import type { ConnectorMap, TaskInvocation } from './types.ts';

export interface SnsConnectorOptions {
  readonly backend: IamBackend;
  /** Also delivers every published message to these channels. */
  readonly notifier?: Notifier;
  /** Who a topic's messages are for (default: administrators). */
  readonly audienceFor?: (topicArn: string) => readonly Audience[];
  /**
   * A notifier failure does not fail the task (the SNS message went out, and a retry would
   * publish it twice); it is reported here. Default: ignored.
   */
  readonly onNotifierError?: (error: unknown, invocation: TaskInvocation) => void;
}

const ARGUMENTS = new Set([
  'TopicArn',
  'TargetArn',
  'PhoneNumber',
  'Message',
  'Subject',
  'MessageStructure',
  'MessageAttributes',
  'MessageDeduplicationId',
  'MessageGroupId',
]);

const invalid = (message: string) => new StatesError('SNS.InvalidParameterException', message);

function publishInput(args: JsonObject): PublishInput {
  for (const key of Object.keys(args)) {
    if (!ARGUMENTS.has(key)) throw invalid(`Unknown parameter ${key} for sns:publish.`);
  }
  if (args.Message === undefined) throw invalid('Message is required.');
  const message = typeof args.Message === 'string' ? args.Message : JSON.stringify(args.Message);
  const strings = ['TopicArn', 'TargetArn', 'PhoneNumber', 'Subject'] as const;
  for (const key of strings) {
    if (args[key] !== undefined && typeof args[key] !== 'string') throw invalid(`${key} must be a string.`);
  }
  if (args.MessageStructure !== undefined && args.MessageStructure !== 'json')
    throw invalid('MessageStructure must be "json".');
  let attributes: Record<string, MessageAttributeValue> | undefined;
  if (args.MessageAttributes !== undefined) {
    if (!isJsonObject(args.MessageAttributes)) throw invalid('MessageAttributes must be an object.');
    attributes = {};
    for (const [name, value] of Object.entries(args.MessageAttributes)) {
      if (!isJsonObject(value) || typeof value.DataType !== 'string') {
        throw invalid(`MessageAttributes.${name} must be an object with DataType and StringValue.`);
      }
      attributes[name] = {
        DataType: value.DataType,
        ...(typeof value.StringValue === 'string' ? { StringValue: value.StringValue } : {}),
      };
    }
  }
  return {
    Message: message,
    ...(typeof args.TopicArn === 'string' ? { TopicArn: args.TopicArn } : {}),
    ...(typeof args.TargetArn === 'string' ? { TargetArn: args.TargetArn } : {}),
    ...(typeof args.PhoneNumber === 'string' ? { PhoneNumber: args.PhoneNumber } : {}),
    ...(typeof args.Subject === 'string' ? { Subject: args.Subject } : {}),
    ...(args.MessageStructure === 'json' ? { MessageStructure: 'json' as const } : {}),
    ...(attributes ? { MessageAttributes: attributes } : {}),
  };
}

/** The first line of a message, for a notification's subject. */
function subjectOf(input: PublishInput): string {
  if (input.Subject) return input.Subject;
  const line =
    input.Message.split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'grantflow';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

export function snsConnectors(options: SnsConnectorOptions): ConnectorMap {
  return {
    'arn:aws:states:::sns:publish': async (invocation) => {
      if (!isJsonObject(invocation.arguments))
        throw invalid('The arguments of sns:publish must be a JSON object.');
      const input = publishInput(invocation.arguments);
      let messageId: string;
      try {
        ({ MessageId: messageId } = await options.backend.publish(input));
      } catch (err) {
        if (isCloudError(err))
          throw new StatesError(`SNS.${err.code}Exception`, err.message, { source: err });
        throw new StatesError(STATES_ERRORS.TaskFailed, (err as Error)?.message ?? String(err), {
          source: err,
        });
      }
      if (options.notifier) {
        const target = input.TopicArn ?? input.TargetArn ?? input.PhoneNumber ?? '';
        try {
          await options.notifier.notify({
            event: 'workflow.sns-publish',
            audience: options.audienceFor?.(target) ?? ['admins'],
            severity: 'info',
            subject: subjectOf(input),
            text: input.Message,
            data: {
              executionArn: invocation.executionArn,
              stateName: invocation.stateName,
              target,
              messageId,
            },
          });
        } catch (err) {
          options.onNotifierError?.(err, invocation);
        }
      }
      return { MessageId: messageId };
    },
  };
}
