// A local endpoint that speaks AWS Step Functions' API over the embedded engine: AWS JSON 1.0
// (POST /, `X-Amz-Target: AWSStepFunctions.<Operation>`), SigV4-signed for the service "states",
// with the API's request and response shapes and error types. So `@aws-sdk/client-sfn`, the AWS
// CLI or anything else that talks to Step Functions runs against it with an endpoint URL.
//
// State machines are held in memory: they are gone when the endpoint closes (create them again;
// CreateStateMachine is idempotent). Executions live in the engine's store, so they outlive it,
// and a WorkflowRunner drives them while the endpoint runs.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../cloud/emulator/body.ts';
import { isCloudError } from '../../cloud/errors.ts';
import { parseAuthorization, verifySignature } from '../../cloud/emulator/sigv4.ts';
import { DefinitionError } from '../definition.ts';
import type { StateMachine } from '../definition.ts';
import { ExecutionNotFoundError, InvalidTaskTokenError } from '../engine.ts';
import type { ExecutionDescription, WorkflowEngine } from '../engine.ts';
import { StatesError, isStatesError } from '../errors.ts';
import { isJsonObject } from '../json.ts';
import type { Json, JsonObject } from '../json.ts';
import { WorkflowRunner } from '../runner.ts';
import { ExecutionExistsError } from '../store.ts';
import type { ExecutionRow, ExecutionStatus, HistoryEvent } from '../store.ts';
import { historyDetailsKey } from './history-details.ts';

export interface LocalStepFunctionsOptions {
  /** The endpoint runs executions on it. */
  readonly engine: WorkflowEngine;
  /** Requests must be SigV4-signed (service "states") with this key. */
  readonly credentials: { readonly AccessKeyId: string; readonly SecretAccessKey: string };
  /** Default 127.0.0.1: the endpoint is for this machine. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** How often the WorkflowRunner looks for due executions (default its own, 1 s). */
  readonly pollIntervalMs?: number;
}

export interface RunningStepFunctions {
  readonly url: string;
  /** Stops the runner (waiting for the drives in progress) and the server. */
  close(): Promise<void>;
}

/** An answer with the API's error type (`__type`) and HTTP status. */
class ApiError extends Error {
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

interface StateMachineRecord {
  readonly arn: string;
  readonly name: string;
  readonly definition: string;
  readonly machine: StateMachine;
  readonly roleArn: string;
  readonly creationDate: string;
}

type Operation = (input: JsonObject) => Promise<object>;

/** A definition may be 1 MB; anything else the API takes is smaller. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** The names the engine takes for state machines and executions (AWS allows more characters). */
const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:([^:]+)$/;
const EXECUTION_ARN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:execution:([^:]+):([^:]+)$/;
const ROLE_ARN = /^arn:[a-z-]+:iam::\d{12}:role\/\S+$/;
const STATUSES = new Set<string>([
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
]);
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<RunningStepFunctions> {
  const { engine, credentials } = options;
  const runner = new WorkflowRunner(
    engine,
    options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {},
  );
  const operations = stepFunctionsApi(engine, runner);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    try {
      const body = await readBody(
        req,
        MAX_BODY_BYTES,
        () => new ApiError('ValidationException', `The request body is larger than ${MAX_BODY_BYTES} bytes.`),
      );
      const url = new URL(req.url ?? '/', 'http://localhost');
      const auth = parseAuthorization(req.headers.authorization);
      if (auth.service !== 'states')
        throw new ApiError(
          'InvalidSignatureException',
          "Credential should be scoped to correct service: 'states'.",
        );
      if (auth.region !== engine.region)
        throw new ApiError(
          'InvalidSignatureException',
          `Credential should be scoped to a valid region: '${engine.region}'.`,
        );
      await verifySignature(
        {
          method: req.method ?? 'POST',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
        },
        auth,
        async (id) => (id === credentials.AccessKeyId ? credentials.SecretAccessKey : undefined),
      );
      const target = String(req.headers['x-amz-target'] ?? '');
      const name = /^AWSStepFunctions\.([A-Za-z]+)$/.exec(target)?.[1];
      if (req.method !== 'POST' || url.pathname !== '/' || !name || !Object.hasOwn(operations, name))
        throw new ApiError(
          'UnknownOperationException',
          `Unknown operation ${target || '(no X-Amz-Target)'}.`,
        );
      let input: unknown;
      try {
        input = body === '' ? {} : JSON.parse(body);
      } catch {
        throw new ApiError('SerializationException', 'The request body is not valid JSON.');
      }
      if (!isJsonObject(input))
        throw new ApiError('SerializationException', 'The request body must be a JSON object.');
      send(res, 200, await operations[name]!(input), requestId);
    } catch (err) {
      const error = toApiError(err);
      send(res, error.status, { __type: error.type, message: error.message }, requestId);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  runner.start();
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close() {
      await runner.stop();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** The operations, by name, over the engine (executions) and a map of state machines (in memory). */
function stepFunctionsApi(engine: WorkflowEngine, runner: WorkflowRunner): Record<string, Operation> {
  const machines = new Map<string, StateMachineRecord>();

  const machineOf = (arn: string): StateMachineRecord => {
    const name = STATE_MACHINE_ARN.exec(arn)?.[1];
    if (name === undefined) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const record = machines.get(name);
    if (!record || record.arn !== arn)
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return record;
  };

  const executionOf = async (arn: string): Promise<ExecutionDescription> => {
    const match = EXECUTION_ARN.exec(arn);
    if (!match) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const missing = new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    // The store knows executions by name; the ARN must be the one the engine gives that execution.
    if (engine.executionArn(match[1]!, match[2]!) !== arn) throw missing;
    const execution = await engine.describeExecution(match[2]!).catch((err: unknown) => {
      throw err instanceof ExecutionNotFoundError ? missing : err;
    });
    if (execution.executionArn !== arn) throw missing;
    return execution;
  };

  const started = (definitionName: string, id: string, startedAt: string) => ({
    executionArn: engine.executionArn(definitionName, id),
    startDate: seconds(startedAt),
  });

  return {
    async CreateStateMachine(input) {
      const name = required(input, 'name');
      const definition = required(input, 'definition');
      const roleArn = required(input, 'roleArn');
      const type = optional(input, 'type') ?? 'STANDARD';
      if (type === 'EXPRESS')
        throw new ApiError(
          'StateMachineTypeNotSupported',
          'Only STANDARD state machines run on the embedded engine.',
        );
      if (type !== 'STANDARD')
        throw invalidValue('type', type, 'Member must satisfy enum value set: [STANDARD, EXPRESS]');
      if (!NAME.test(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
      if (!ROLE_ARN.test(roleArn)) throw new ApiError('InvalidArn', `Invalid Arn: '${roleArn}'`);
      const machine = engine.prepare(definition);
      const existing = machines.get(name);
      if (existing) {
        // Idempotent on the name and definition, as AWS is (a different roleArn is ignored).
        if (existing.definition !== definition)
          throw new ApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${existing.arn}'`);
        return { stateMachineArn: existing.arn, creationDate: seconds(existing.creationDate) };
      }
      const record = {
        arn: engine.stateMachineArn(name),
        name,
        definition,
        machine,
        roleArn,
        creationDate: new Date().toISOString(),
      };
      machines.set(name, record);
      return { stateMachineArn: record.arn, creationDate: seconds(record.creationDate) };
    },

    async DescribeStateMachine(input) {
      const record = machineOf(required(input, 'stateMachineArn'));
      return {
        stateMachineArn: record.arn,
        name: record.name,
        status: 'ACTIVE',
        definition: record.definition,
        roleArn: record.roleArn,
        type: 'STANDARD',
        creationDate: seconds(record.creationDate),
      };
    },

    async ListStateMachines(input) {
      const { items, nextToken } = page([...machines.values()], input, 'state machines');
      return {
        stateMachines: items.map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: 'STANDARD',
          creationDate: seconds(m.creationDate),
        })),
        ...(nextToken !== undefined ? { nextToken } : {}),
      };
    },

    async DeleteStateMachine(input) {
      const arn = required(input, 'stateMachineArn');
      const name = STATE_MACHINE_ARN.exec(arn)?.[1];
      if (name === undefined) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
      // Its executions go on, as on AWS; deleting what is not there is not an error.
      if (machines.get(name)?.arn === arn) machines.delete(name);
      return {};
    },

    async StartExecution(input) {
      const record = machineOf(required(input, 'stateMachineArn'));
      const name = optional(input, 'name') ?? randomUUID();
      if (!NAME.test(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
      const text = optional(input, 'input') ?? '{}';
      const executionInput = parseJson(
        text,
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input',
      );
      // Same name and input as a running execution of this state machine: that execution, as AWS
      // answers; otherwise the name is taken (AWS keeps names for 90 days, the store for good).
      const again = (row: ExecutionRow) => {
        if (
          row.status === 'RUNNING' &&
          row.definitionName === record.name &&
          JSON.stringify(row.input) === JSON.stringify(executionInput)
        )
          return started(row.definitionName, row.id, row.startedAt);
        throw new ApiError(
          'ExecutionAlreadyExists',
          `Execution Already Exists: '${engine.executionArn(row.definitionName, row.id)}'`,
        );
      };
      const existing = await engine.store.getExecution(name);
      if (existing) return again(existing);
      try {
        const execution = await engine.startExecution({
          definition: record.machine,
          definitionName: record.name,
          input: executionInput,
          name,
        });
        runner.wake(execution.executionId);
        return started(record.name, execution.executionId, execution.startDate);
      } catch (err) {
        if (err instanceof ExecutionExistsError) {
          const row = await engine.store.getExecution(name);
          if (row) return again(row);
        }
        if (isStatesError(err))
          throw new ApiError(
            'InvalidExecutionInput',
            `Invalid State Machine Execution Input: '${err.cause}'`,
          );
        throw err;
      }
    },

    async DescribeExecution(input) {
      const execution = await executionOf(required(input, 'executionArn'));
      const output = execution.status === 'SUCCEEDED' ? execution.output : undefined;
      return {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.executionId,
        status: execution.status,
        startDate: seconds(execution.startDate),
        ...(execution.stopDate !== undefined ? { stopDate: seconds(execution.stopDate) } : {}),
        input: JSON.stringify(execution.input),
        inputDetails: { included: true },
        ...(output !== undefined
          ? { output: JSON.stringify(output), outputDetails: { included: true } }
          : {}),
        ...(execution.error !== undefined ? { error: execution.error } : {}),
        ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      };
    },

    async ListExecutions(input) {
      const arn = required(input, 'stateMachineArn');
      const record = machineOf(arn);
      const status = optional(input, 'statusFilter');
      if (status !== undefined && !STATUSES.has(status))
        throw invalidValue(
          'statusFilter',
          status,
          `Member must satisfy enum value set: [${[...STATUSES].join(', ')}]`,
        );
      const rows =
        status === 'PENDING_REDRIVE'
          ? []
          : await engine.store.listExecutions(status ? { status: status as ExecutionStatus } : {});
      const mine = rows.filter((row) => row.definitionName === record.name);
      const { items, nextToken } = page(mine, input, `${arn} ${status}`);
      return {
        executions: items.map((row) => ({
          ...started(row.definitionName, row.id, row.startedAt),
          stateMachineArn: record.arn,
          name: row.id,
          status: row.status,
          ...(row.stoppedAt !== undefined ? { stopDate: seconds(row.stoppedAt) } : {}),
        })),
        ...(nextToken !== undefined ? { nextToken } : {}),
      };
    },

    async StopExecution(input) {
      const execution = await executionOf(required(input, 'executionArn'));
      const error = optional(input, 'error');
      const cause = optional(input, 'cause');
      const stopped = await engine.stopExecution(execution.executionId, {
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
      });
      return { stopDate: seconds(stopped.stopDate ?? new Date().toISOString()) };
    },

    async GetExecutionHistory(input) {
      const arn = required(input, 'executionArn');
      const execution = await executionOf(arn);
      const reverse = flag(input, 'reverseOrder') ?? false;
      const includeData = flag(input, 'includeExecutionData') ?? true;
      const events = (await engine.getExecutionHistory(execution.executionId)).map((e) =>
        apiEvent(e, includeData),
      );
      if (reverse) events.reverse();
      const { items, nextToken } = page(events, input, `${arn} ${reverse}`);
      return { events: items, ...(nextToken !== undefined ? { nextToken } : {}) };
    },

    async SendTaskSuccess(input) {
      const token = taskToken(input);
      const output = parseJson(required(input, 'output'), 'InvalidOutput', 'Invalid Output');
      await engine.sendTaskSuccess(token, output);
      return {};
    },

    async SendTaskFailure(input) {
      const token = taskToken(input);
      await engine.sendTaskFailure(token, optional(input, 'error'), optional(input, 'cause'));
      return {};
    },

    async SendTaskHeartbeat(input) {
      // The store finds a token only to answer it, and the engine has no HeartbeatSeconds to
      // extend: a well-formed token is acknowledged.
      taskToken(input);
      return {};
    },
  };
}

// ── Requests ─────────────────────────────────────────────────────────────────────────────────

function invalidValue(field: string, value: unknown, constraint: string): ApiError {
  return new ApiError(
    'ValidationException',
    `1 validation error detected: Value ${JSON.stringify(value)} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function optional(input: JsonObject, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiError('SerializationException', `${field} must be a string.`);
  return value;
}

function required(input: JsonObject, field: string): string {
  const value = optional(input, field);
  if (value === undefined) throw invalidValue(field, null, 'Member must not be null');
  return value;
}

function flag(input: JsonObject, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ApiError('SerializationException', `${field} must be a boolean.`);
  return value;
}

function parseJson(text: string, type: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new ApiError(type, `${what}: '${(err as Error).message}'`);
  }
}

/** A task token as the API takes it (1 to 2048 characters, no whitespace); the engine knows the rest. */
function taskToken(input: JsonObject): string {
  const token = required(input, 'taskToken');
  if (token.length > 2048 || !/^\S+$/.test(token))
    throw new ApiError('InvalidToken', 'Invalid Token: malformed task token');
  return token;
}

/**
 * One page of a listing. The token is opaque to the caller: the offset of the next item, bound to
 * the listing it came from (another listing's token is an InvalidToken, as on AWS).
 */
function page<T>(
  items: readonly T[],
  input: JsonObject,
  listing: string,
): { items: T[]; nextToken?: string } {
  const max = input.maxResults;
  if (
    max !== undefined &&
    max !== null &&
    (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > MAX_PAGE)
  )
    throw invalidValue('maxResults', max, `Member must have value between 0 and ${MAX_PAGE}`);
  const size = typeof max === 'number' && max > 0 ? max : DEFAULT_PAGE;
  const scope = createHash('sha256').update(listing).digest('base64url').slice(0, 16);
  let offset = 0;
  const token = optional(input, 'nextToken');
  if (token !== undefined) {
    offset = readPageToken(token, scope);
  }
  const next = offset + size;
  return {
    items: items.slice(offset, next),
    ...(next < items.length
      ? { nextToken: Buffer.from(JSON.stringify({ offset: next, scope })).toString('base64url') }
      : {}),
  };
}

function readPageToken(token: string, scope: string): number {
  let read: unknown;
  try {
    read = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    read = undefined;
  }
  if (isJsonObject(read) && read.scope === scope && typeof read.offset === 'number' && read.offset >= 0)
    return Math.floor(read.offset);
  throw new ApiError('InvalidToken', `Invalid Token: '${token}'`);
}

// ── Responses ────────────────────────────────────────────────────────────────────────────────

/** Timestamps in AWS JSON 1.0 are epoch seconds. */
function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

const DATA_FIELDS = new Set(['input', 'output', 'parameters']);

/**
 * A history event as GetExecutionHistory has it: the details under `<lowerCamelType>EventDetails`
 * (every *StateEntered and *StateExited under stateEnteredEventDetails and stateExitedEventDetails),
 * with input, output, parameters and assigned values as JSON text.
 */
function apiEvent(event: HistoryEvent, includeData: boolean): JsonObject {
  const base: JsonObject = {
    id: event.id,
    previousEventId: event.id - 1,
    timestamp: seconds(event.timestamp),
    type: event.type,
  };
  // The API has no details for these.
  if (event.type === 'LambdaFunctionStarted') return base;
  const key = historyDetailsKey(event.type);
  const details: JsonObject = {};
  for (const [field, value] of Object.entries(event.details)) {
    // The engine notes the state machine on ExecutionStarted; the API's event has no such field.
    if (event.type === 'ExecutionStarted' && field === 'stateMachineArn') continue;
    if (DATA_FIELDS.has(field)) {
      if (!includeData) continue;
      details[field] = JSON.stringify(value);
      if (field !== 'parameters') details[`${field}Details`] = { truncated: false };
    } else if (field === 'assignedVariables' && isJsonObject(value)) {
      if (!includeData) continue;
      details.assignedVariables = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, JSON.stringify(v)]),
      );
      details.assignedVariablesDetails = { truncated: false };
    } else {
      details[field] = value;
    }
  }
  return { ...base, [key]: details };
}

/** The API's error for whatever an operation threw. */
function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ExecutionNotFoundError) return new ApiError('ExecutionDoesNotExist', err.message);
  if (err instanceof InvalidTaskTokenError) return new ApiError(err.code, err.message);
  if (err instanceof ExecutionExistsError) return new ApiError('ExecutionAlreadyExists', err.message);
  if (err instanceof DefinitionError) {
    const problems = err.problems.map((p) => `${p.message} at ${p.path}`).join(', ');
    return new ApiError('InvalidDefinition', `Invalid State Machine Definition: '${problems}'`);
  }
  // SigV4 failures, with the names JSON-protocol services give them.
  if (isCloudError(err)) {
    const type =
      {
        MissingAuthenticationToken: 'MissingAuthenticationTokenException',
        IncompleteSignature: 'IncompleteSignatureException',
        InvalidClientTokenId: 'UnrecognizedClientException',
        SignatureDoesNotMatch: 'InvalidSignatureException',
      }[err.code as string] ?? err.code;
    return new ApiError(type, err.message);
  }
  // The engine checks the 256 KiB limit the API puts on what a request carries.
  if (err instanceof StatesError) return new ApiError('ValidationException', err.cause);
  return new ApiError(
    'InternalFailure',
    `The endpoint failed: ${(err as Error)?.message ?? String(err)}`,
    500,
  );
}

function send(res: ServerResponse, status: number, body: object, requestId: string): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}
