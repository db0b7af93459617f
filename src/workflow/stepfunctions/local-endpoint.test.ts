// The local Step Functions endpoint, driven only through @aws-sdk/client-sfn.
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { DescribeExecutionCommandOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaConnectors } from '../connectors/lambda.ts';
import { WorkflowEngine } from '../engine.ts';
import type { Json } from '../json.ts';
import { MemoryExecutionStore } from '../memory-store.ts';
import { startLocalStepFunctions } from './local-endpoint.ts';
import type { RunningStepFunctions } from './local-endpoint.ts';

const REGION = 'eu-central-1';
const ACCOUNT = '210987654321';
const CREDENTIALS = { AccessKeyId: 'AKIALOCALSFN00000001', SecretAccessKey: 'local-sfn-secret' };
const ROLE = `arn:aws:iam::${ACCOUNT}:role/grantflow-workflow`;
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

class QuotaError extends Error {
  override name = 'QuotaError';
}

/** Task tokens the `ask` function received, handed to the test as they come. */
const asked: string[] = [];
const askWaiters: ((token: string) => void)[] = [];
const nextAsk = () =>
  new Promise<string>((resolve) => {
    const token = asked.shift();
    if (token !== undefined) resolve(token);
    else askWaiters.push(resolve);
  });

let engine: WorkflowEngine;
let endpoint: RunningStepFunctions;
let client: SFNClient;

beforeAll(async () => {
  engine = new WorkflowEngine({
    store: new MemoryExecutionStore(),
    region: REGION,
    accountId: ACCOUNT,
    connectors: lambdaConnectors({
      region: REGION,
      accountId: ACCOUNT,
      functions: {
        greet: async (event) => ({ greeting: `hello ${(event as { who: string }).who}` }),
        shout: async (event) => ({ text: (event as { text: string }).text.toUpperCase() }),
        ask: async (event) => {
          const token = (event as { token: string }).token;
          const waiter = askWaiters.shift();
          if (waiter) waiter(token);
          else asked.push(token);
          return { asked: true };
        },
        quota: async () => {
          throw new QuotaError('no more grants today');
        },
      },
    }),
  });
  endpoint = await startLocalStepFunctions({ engine, credentials: CREDENTIALS, pollIntervalMs: 50 });
  client = clientWith(CREDENTIALS);
});

afterAll(async () => {
  client?.destroy();
  await endpoint?.close();
});

function clientWith(credentials: { AccessKeyId: string; SecretAccessKey: string }): SFNClient {
  return new SFNClient({
    endpoint: endpoint.url,
    region: REGION,
    credentials: { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey },
    maxAttempts: 1,
  });
}

const machine = (states: Record<string, unknown>) =>
  JSON.stringify({ QueryLanguage: 'JSONata', StartAt: Object.keys(states)[0], States: states });

/** One state that waits for a task token, which the `ask` function receives. */
const HOLD_FOR_ASK = machine({
  Hold: {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Arguments: { FunctionName: 'ask', Payload: { token: '{% $states.context.Task.Token %}' } },
    End: true,
  },
});

async function createMachine(name: string, definition: string): Promise<string> {
  const created = await client.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE }));
  return created.stateMachineArn!;
}

/** Reads the execution until it is no longer RUNNING (bounded: the test fails rather than hangs). */
async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (let i = 0; i < 1000; i++) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${executionArn} is still running`);
}

async function allHistory(
  executionArn: string,
  maxResults: number,
  reverseOrder = false,
): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults, reverseOrder, nextToken }),
    );
    expect(page.events!.length).toBeLessThanOrEqual(maxResults);
    events.push(...page.events!);
    nextToken = page.nextToken;
    if (nextToken === undefined) return events;
  }
  throw new Error('the history never ended');
}

const GRANTS = machine({
  Greet: {
    Type: 'Task',
    Resource: fnArn('greet'),
    Arguments: { who: '{% $states.input.who %}' },
    Assign: { greeting: '{% $states.result.greeting %}' },
    Next: 'Shout',
  },
  Shout: {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Arguments: { FunctionName: 'shout', Payload: { text: '{% $greeting %}' } },
    Output: '{% $states.result.Payload %}',
    Next: 'Approve',
  },
  Approve: {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Arguments: {
      FunctionName: fnArn('ask'),
      Payload: { token: '{% $states.context.Task.Token %}', text: '{% $states.input.text %}' },
    },
    Output: { text: '{% $states.input.text %}', decision: '{% $states.result %}' },
    End: true,
  },
});

describe('the local Step Functions endpoint', () => {
  it('runs Lambda tasks and a task token to the end, and shows the history as the API does', async () => {
    const stateMachineArn = await createMachine('grants', GRANTS);
    expect(stateMachineArn).toBe(engine.stateMachineArn('grants'));
    // CreateStateMachine is idempotent for the same name and definition.
    expect(await createMachine('grants', GRANTS)).toBe(stateMachineArn);
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(described).toMatchObject({
      name: 'grants',
      definition: GRANTS,
      roleArn: ROLE,
      status: 'ACTIVE',
      type: 'STANDARD',
    });
    expect(described.creationDate).toBeInstanceOf(Date);
    const listed = await client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines!.map((m) => m.stateMachineArn)).toContain(stateMachineArn);

    const { executionArn, startDate } = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'run-1', input: JSON.stringify({ who: 'kim' }) }),
    );
    expect(executionArn).toBe(engine.executionArn('grants', 'run-1'));
    expect(startDate).toBeInstanceOf(Date);

    const token = await nextAsk();
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await client.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }),
    );
    const done = await finished(executionArn!);
    expect(done).toMatchObject({
      executionArn,
      stateMachineArn,
      name: 'run-1',
      status: 'SUCCEEDED',
      input: '{"who":"kim"}',
    });
    expect(JSON.parse(done.output!)).toEqual({ text: 'HELLO KIM', decision: { approved: true } });
    expect(done.stopDate).toBeInstanceOf(Date);
    // The token's task is over.
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);

    const history = (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events!;
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(history.map((e) => [e.id, e.previousEventId])).toEqual(history.map((_, i) => [i + 1, i]));
    expect(history.every((e) => e.timestamp instanceof Date)).toBe(true);
    const [started, entered, scheduled, lambdaStarted, succeeded] = history;
    expect(started!.executionStartedEventDetails).toEqual({
      input: '{"who":"kim"}',
      inputDetails: { truncated: false },
      roleArn: expect.stringMatching(/^arn:aws:iam::/),
    });
    expect(entered!.stateEnteredEventDetails).toEqual({
      name: 'Greet',
      input: '{"who":"kim"}',
      inputDetails: { truncated: false },
    });
    expect(scheduled!.lambdaFunctionScheduledEventDetails).toEqual({
      resource: fnArn('greet'),
      input: '{"who":"kim"}',
      inputDetails: { truncated: false },
    });
    expect(Object.keys(lambdaStarted!)).toEqual(['timestamp', 'type', 'id', 'previousEventId']);
    expect(succeeded!.lambdaFunctionSucceededEventDetails).toEqual({
      output: '{"greeting":"hello kim"}',
      outputDetails: { truncated: false },
    });
    expect(history[5]!.stateExitedEventDetails).toEqual({
      name: 'Greet',
      output: '{"greeting":"hello kim"}',
      outputDetails: { truncated: false },
      assignedVariables: { greeting: '"hello kim"' },
      assignedVariablesDetails: { truncated: false },
    });
    expect(history[7]!.taskScheduledEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke',
      region: REGION,
      parameters: JSON.stringify({ FunctionName: 'shout', Payload: { text: 'hello kim' } }),
    });
    const invoked = JSON.parse(history[9]!.taskSucceededEventDetails!.output!);
    expect(invoked).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { text: 'HELLO KIM' },
      StatusCode: 200,
    });
    expect(history[12]!.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
    });
    expect(JSON.parse(history[12]!.taskScheduledEventDetails!.parameters!).Payload.token).toBe(token);
    expect(history[14]!.taskSubmittedEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
    });
    expect(JSON.parse(history[15]!.taskSucceededEventDetails!.output!)).toEqual({ approved: true });
    expect(history[17]!.executionSucceededEventDetails!.output).toBe(done.output);

    // The same events, newest first; in pages; and without the execution data.
    const reversed = (await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true })))
      .events!;
    expect(reversed).toEqual([...history].reverse());
    expect(await allHistory(executionArn!, 4)).toEqual(history);
    expect(await allHistory(executionArn!, 5, true)).toEqual(reversed);
    const bare = (
      await client.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }))
    ).events!;
    expect(bare[1]!.stateEnteredEventDetails).toEqual({ name: 'Greet' });
    expect(bare[7]!.taskScheduledEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke',
      region: REGION,
    });
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));
    await expect(
      client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 2,
          reverseOrder: true,
          nextToken: page.nextToken,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidToken);

    const executions = await client.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(executions.executions).toContainEqual(
      expect.objectContaining({ executionArn, name: 'run-1', status: 'SUCCEEDED', stateMachineArn }),
    );
  });

  it("catches a function's error by its name, with Lambda's error document as the cause", async () => {
    const stateMachineArn = await createMachine(
      'quota',
      machine({
        Grant: {
          Type: 'Task',
          Resource: fnArn('quota'),
          Catch: [{ ErrorEquals: ['QuotaError'], Output: '{% $states.errorOutput %}', Next: 'Refused' }],
          End: true,
        },
        Refused: { Type: 'Pass', End: true },
      }),
    );
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn }));
    const done = await finished(executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output!) as { Error: string; Cause: string };
    expect(output.Error).toBe('QuotaError');
    expect(JSON.parse(output.Cause)).toMatchObject({
      errorType: 'QuotaError',
      errorMessage: 'no more grants today',
    });
    const failed = (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events!.find(
      (e) => e.type === 'LambdaFunctionFailed',
    );
    expect(failed!.lambdaFunctionFailedEventDetails).toEqual({ error: 'QuotaError', cause: output.Cause });
  });

  it('starts an execution once for the same name and input while it runs, as StartExecution is idempotent', async () => {
    const stateMachineArn = await createMachine('hold', HOLD_FOR_ASK);
    const start = (input: Json) =>
      client.send(new StartExecutionCommand({ stateMachineArn, name: 'once', input: JSON.stringify(input) }));
    const first = await start({ a: 1 });
    const token = await nextAsk();
    const again = await start({ a: 1 });
    expect([again.executionArn, again.startDate]).toEqual([first.executionArn, first.startDate]);
    await expect(start({ a: 2 })).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    await client.send(new SendTaskFailureCommand({ taskToken: token, error: 'Review.Denied', cause: 'no' }));
    const done = await finished(first.executionArn!);
    expect([done.status, done.error, done.cause]).toEqual(['FAILED', 'Review.Denied', 'no']);
    // Once it ended, the name is taken whatever the input.
    await expect(start({ a: 1 })).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('stops an execution', async () => {
    const stateMachineArn = await createMachine('stoppable', HOLD_FOR_ASK);
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'stop-me' }),
    );
    const token = await nextAsk();
    const stopped = await client.send(
      new StopExecutionCommand({ executionArn, error: 'Ops.Stop', cause: 'enough' }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(await finished(executionArn!)).toMatchObject({
      status: 'ABORTED',
      error: 'Ops.Stop',
      cause: 'enough',
    });
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('answers mistakes with the API’s error types', async () => {
    const missing = engine.executionArn('grants', 'no-such-run');
    await expect(client.send(new DescribeExecutionCommand({ executionArn: missing }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    await expect(
      client.send(new GetExecutionHistoryCommand({ executionArn: missing })),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      client.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' })),
    ).rejects.toBeInstanceOf(InvalidArn);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn('never-created') })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      client.send(
        new CreateStateMachineCommand({
          name: 'broken',
          definition: '{"StartAt": "Nowhere"}',
          roleArn: ROLE,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidDefinition);
    // A function ARN the endpoint has no function for is refused with the definition.
    await expect(
      createMachine('unknown-fn', machine({ T: { Type: 'Task', Resource: fnArn('nope'), End: true } })),
    ).rejects.toBeInstanceOf(InvalidDefinition);

    const taken = await createMachine('taken', machine({ P: { Type: 'Pass', End: true } }));
    await expect(
      createMachine('taken', machine({ Other: { Type: 'Pass', End: true } })),
    ).rejects.toBeInstanceOf(StateMachineAlreadyExists);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: taken, input: '{not json' })),
    ).rejects.toBeInstanceOf(InvalidExecutionInput);

    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' })),
    ).rejects.toBeInstanceOf(InvalidToken);
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'AAAAwellFormedButNeverIssued', output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(
      client.send(new SendTaskFailureCommand({ taskToken: 'AAAAwellFormedButNeverIssued' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'AAAAwellFormedButNeverIssued', output: '{oops' })),
    ).rejects.toBeInstanceOf(InvalidOutput);
  });

  it('refuses requests not signed with its key', async () => {
    const wrongSecret = clientWith({ ...CREDENTIALS, SecretAccessKey: 'not-the-secret' });
    const unknownKey = clientWith({ AccessKeyId: 'AKIAUNKNOWN000000000', SecretAccessKey: 'x' });
    try {
      await expect(wrongSecret.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
        name: 'InvalidSignatureException',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(unknownKey.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
    } finally {
      wrongSecret.destroy();
      unknownKey.destroy();
    }
    const unsigned = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});
