// AWS Lambda as Step Functions calls it, with in-process functions standing in for Lambda's:
// - a function ARN as Resource (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`): the
//   Arguments are the event, and `$states.result` is exactly what the function returned;
// - `arn:aws:states:::lambda:invoke` (and `.waitForTaskToken`): Arguments `{FunctionName,
//   Payload, Qualifier?}`, and the result is the Invoke response the optimized integration
//   returns, its Payload parsed. With `.waitForTaskToken` the function gets the token in its
//   Payload, and the engine then waits for SendTaskSuccess or SendTaskFailure.
//
// Payloads cross a JSON boundary both ways, as they do on Lambda. A function that throws fails the
// task the way Lambda reports it to Step Functions: the error is the thrown error's name (Lambda's
// errorType), the cause Lambda's JSON error document.
import { randomBytes, randomUUID } from 'node:crypto';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { isJsonObject } from '../json.ts';
import type { Json, JsonObject } from '../json.ts';
import type { Connector, ConnectorMap, TaskInvocation } from './types.ts';

export type LambdaHandler = (
  event: Json,
  context: { functionName: string; awsRequestId: string },
) => Promise<Json>;

export interface LambdaConnectorOptions {
  /** Function name → handler. A key `name:alias` (or `name:7`) is that qualifier of the function. */
  readonly functions: Readonly<Record<string, LambdaHandler>>;
  readonly region: string;
  readonly accountId: string;
  /** Default 'aws'. */
  readonly partition?: string;
}

/** Lambda's limit on a synchronous invocation's response (6 MB, as its error message counts it). */
export const MAX_LAMBDA_RESPONSE_BYTES = 6_291_556;

const NAME = '[A-Za-z0-9_-]{1,64}';
const QUALIFIER = '\\$LATEST|[A-Za-z0-9_-]{1,128}';
const FUNCTION_ARN = new RegExp(
  `^arn:[a-z-]+:lambda:[a-z0-9-]+:\\d{12}:function:${NAME}(?::(?:${QUALIFIER}))?$`,
);
/** The FunctionName forms Invoke takes: name, partial ARN (ACCOUNT:function:name), full ARN; each with :qualifier. */
const FUNCTION_NAME = new RegExp(
  `^(?:arn:([a-z-]+):lambda:)?(?:([a-z]{2}(?:-gov)?-[a-z]+-\\d):)?(?:(\\d{12}):)?(?:function:)?(${NAME})(?::(${QUALIFIER}))?$`,
);
const FUNCTION_KEY = new RegExp(`^${NAME}(?::(?:${QUALIFIER}))?$`);
/** The Arguments the optimized integration takes (it refuses any other field). */
const INVOKE_FIELDS = new Set([
  'FunctionName',
  'Payload',
  'Qualifier',
  'InvocationType',
  'ClientContext',
  'LogType',
]);

/** Whether a Task Resource is a Lambda function ARN (Step Functions' history then says LambdaFunction*). */
export function isLambdaFunctionArn(resource: string): boolean {
  return FUNCTION_ARN.test(resource);
}

interface Target {
  readonly handler: LambdaHandler;
  /** The function's name, without qualifier (Lambda's context.functionName). */
  readonly name: string;
  readonly arn: string;
  /** What the Invoke response reports: the version asked for, else $LATEST (aliases resolve to it here). */
  readonly executedVersion: string;
}

export function lambdaConnectors(options: LambdaConnectorOptions): ConnectorMap {
  const partition = options.partition ?? 'aws';
  const prefix = `arn:${partition}:lambda:${options.region}:${options.accountId}:function:`;
  const target = (name: string, qualifier: string | undefined): Target | undefined => {
    const key = qualifier === undefined || qualifier === '$LATEST' ? name : `${name}:${qualifier}`;
    if (!Object.hasOwn(options.functions, key)) return undefined;
    return {
      handler: options.functions[key]!,
      name,
      arn: `${prefix}${name}${qualifier === undefined ? '' : `:${qualifier}`}`,
      executedVersion: qualifier !== undefined && /^\d+$/.test(qualifier) ? qualifier : '$LATEST',
    };
  };

  const connectors: Record<string, Connector> = {};
  for (const key of Object.keys(options.functions)) {
    if (!FUNCTION_KEY.test(key)) throw new RangeError(`"${key}" is not a Lambda function name`);
    const [name, qualifier] = key.split(':') as [string, string | undefined];
    const fn = target(name, qualifier)!;
    const direct: Connector = async (inv) => (await invoke(fn, inv.arguments)).payload;
    connectors[fn.arn] = direct;
    if (qualifier === undefined) connectors[`${fn.arn}:$LATEST`] = direct;
  }

  connectors[`arn:${partition}:states:::lambda:invoke`] = async (inv) => {
    const args = invokeArguments(inv);
    const named = FUNCTION_NAME.exec(args.functionName);
    if (!named) throw notFound(args.functionName);
    const [, arnPartition = partition, region = options.region, account = options.accountId, name] = named;
    const qualifier = named[5] ?? args.qualifier;
    const ours = arnPartition === partition && region === options.region && account === options.accountId;
    const fn = ours ? target(name!, qualifier) : undefined;
    if (!fn) {
      const suffix = qualifier === undefined ? '' : `:${qualifier}`;
      throw notFound(`arn:${arnPartition}:lambda:${region}:${account}:function:${name}${suffix}`);
    }
    const { payload, size, requestId } = await invoke(fn, args.payload);
    return invokeResponse(payload, size, requestId, fn.executedVersion);
  };
  return connectors;
}

function invokeArguments(inv: TaskInvocation): { functionName: string; payload: Json; qualifier?: string } {
  const refuse = (problem: string) =>
    new StatesError(
      STATES_ERRORS.Runtime,
      `The Arguments of state '${inv.stateName}' could not be used to start the Task: [${problem}]`,
    );
  const args = inv.arguments;
  if (!isJsonObject(args)) throw refuse('The Arguments must be an object');
  for (const field of Object.keys(args))
    if (!INVOKE_FIELDS.has(field)) throw refuse(`The field "${field}" is not supported by Step Functions`);
  if (args.FunctionName === undefined) throw refuse('The field "FunctionName" is required but was missing');
  if (typeof args.FunctionName !== 'string') throw refuse('The field "FunctionName" must be a string');
  if (args.Qualifier !== undefined && typeof args.Qualifier !== 'string')
    throw refuse('The field "Qualifier" must be a string');
  // Only synchronous invocation is offered: an Event (asynchronous) call has no result to wait for here.
  if (args.InvocationType !== undefined && args.InvocationType !== 'RequestResponse')
    throw refuse(
      `InvocationType ${JSON.stringify(args.InvocationType)} is not supported; use RequestResponse`,
    );
  return {
    functionName: args.FunctionName,
    // Lambda gives a function invoked without a payload the event {}.
    payload: args.Payload === undefined ? {} : args.Payload,
    ...(args.Qualifier !== undefined ? { qualifier: args.Qualifier } : {}),
  };
}

function notFound(arn: string): StatesError {
  return new StatesError(
    'Lambda.ResourceNotFoundException',
    `Function not found: ${arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

/** Calls a function as Lambda does: the event and the response go through JSON text. */
async function invoke(fn: Target, event: Json): Promise<{ payload: Json; size: number; requestId: string }> {
  const requestId = randomUUID();
  let text: string;
  try {
    const result = await fn.handler(JSON.parse(JSON.stringify(event)) as Json, {
      functionName: fn.name,
      awsRequestId: requestId,
    });
    // undefined (and anything else JSON has no text for) comes back as null, as from the Node.js runtime.
    text = JSON.stringify(result) ?? 'null';
  } catch (err) {
    throw functionError(errorDocument(err));
  }
  const size = Buffer.byteLength(text);
  if (size > MAX_LAMBDA_RESPONSE_BYTES) {
    throw functionError({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_LAMBDA_RESPONSE_BYTES} bytes).`,
    });
  }
  return { payload: JSON.parse(text) as Json, size, requestId };
}

/** Lambda's error document for what a function threw (the Node.js runtime's fields). */
function errorDocument(err: unknown): JsonObject {
  if (err instanceof Error) {
    return {
      errorType: err.name,
      errorMessage: err.message,
      ...(typeof err.stack === 'string' ? { trace: err.stack.split('\n') } : {}),
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

/** Step Functions names a function error by its errorType; the cause is the error document. */
function functionError(document: JsonObject): StatesError {
  const type = typeof document.errorType === 'string' && document.errorType !== '' ? document.errorType : '';
  return new StatesError(type || 'Lambda.Unknown', JSON.stringify(document));
}

/** The Invoke response as `lambda:invoke` returns it: Lambda's response and HTTP metadata, Payload parsed. */
function invokeResponse(payload: Json, size: number, requestId: string, executedVersion: string): JsonObject {
  const now = new Date();
  const traceId = `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Sampled=0`;
  const headers: Record<string, string> = {
    Connection: 'keep-alive',
    'Content-Length': String(size),
    'Content-Type': 'application/json',
    Date: now.toUTCString(),
    'X-Amz-Executed-Version': executedVersion,
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
    'X-Amzn-Trace-Id': traceId,
  };
  return {
    ExecutedVersion: executedVersion,
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
