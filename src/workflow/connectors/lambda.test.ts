import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../definition.ts';
import { WorkflowEngine } from '../engine.ts';
import type { ExecutionDescription } from '../engine.ts';
import { StatesError } from '../errors.ts';
import type { Json } from '../json.ts';
import { MemoryExecutionStore } from '../memory-store.ts';
import type { Commit } from '../store.ts';
import { MAX_LAMBDA_RESPONSE_BYTES, lambdaConnectors } from './lambda.ts';
import type { LambdaHandler } from './lambda.ts';
import type { TaskInvocation } from './types.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const INVOKE = 'arn:aws:states:::lambda:invoke';

class QuotaError extends Error {
  override name = 'QuotaError';
}

const invocation = (resource: string, args: Json): TaskInvocation => ({
  executionId: 'e1',
  executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:sm:e1`,
  stateName: 'T',
  resource,
  arguments: args,
  recovery: false,
  attempt: 0,
  signal: new AbortController().signal,
});

function setup(functions: Record<string, LambdaHandler>) {
  const connectors = lambdaConnectors({ functions, region: REGION, accountId: ACCOUNT });
  const call = (resource: string, args: Json) => connectors[resource]!(invocation(resource, args));
  return { connectors, call };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('expected the call to fail'),
    (err: unknown) => {
      expect(err).toBeInstanceOf(StatesError);
      return err as StatesError;
    },
  );

describe('lambdaConnectors: a function ARN as Resource', () => {
  it('passes the Arguments as the event and returns exactly what the function returned', async () => {
    const seen: { event: Json; context: object }[] = [];
    const { call } = setup({
      greet: async (event, context) => {
        seen.push({ event, context });
        (event as { name: string }).name = 'changed';
        return { greeting: `hello ${(seen[0]!.event as { name: string }).name}` };
      },
    });
    const args = { name: 'kim', nested: [1, { a: null }] };
    expect(await call(fnArn('greet'), args)).toEqual({ greeting: 'hello changed' });
    // The function got a copy: what it does to its event stays on its side of the JSON boundary.
    expect(args.name).toBe('kim');
    expect(seen[0]!.context).toEqual({
      functionName: 'greet',
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('sends the result through JSON, as Lambda does', async () => {
    const { call } = setup({
      dated: async () => ({ at: new Date('2030-01-01T00:00:00Z'), gone: undefined }) as unknown as Json,
      nothing: async () => undefined as unknown as Json,
    });
    expect(await call(fnArn('dated'), {})).toEqual({ at: '2030-01-01T00:00:00.000Z' });
    expect(await call(fnArn('nothing'), {})).toBeNull();
  });

  it('has entries for $LATEST and for the qualified functions it is given', async () => {
    const { connectors } = setup({ greet: async () => 'latest', 'greet:prod': async () => 'prod' });
    expect(Object.keys(connectors).sort()).toEqual([
      fnArn('greet'),
      `${fnArn('greet')}:$LATEST`,
      fnArn('greet:prod'),
      INVOKE,
    ]);
    expect(() =>
      lambdaConnectors({ functions: { 'no spaces': async () => null }, region: REGION, accountId: ACCOUNT }),
    ).toThrow(RangeError);
  });

  it("reports a thrown error with its name as the error and Lambda's error document as the cause", async () => {
    const { call } = setup({
      quota: async () => {
        throw new QuotaError('too many grants');
      },
      odd: async () => {
        throw 'plain text';
      },
    });
    const err = await failure(call(fnArn('quota'), {}));
    expect(err.error).toBe('QuotaError');
    const cause = JSON.parse(err.cause) as Record<string, unknown>;
    expect(cause).toMatchObject({ errorType: 'QuotaError', errorMessage: 'too many grants' });
    expect((cause.trace as string[])[0]).toBe('QuotaError: too many grants');
    const odd = await failure(call(fnArn('odd'), {}));
    expect([odd.error, JSON.parse(odd.cause)]).toEqual([
      'string',
      { errorType: 'string', errorMessage: 'plain text', trace: [] },
    ]);
  });

  it('fails a response over 6 MB as Lambda does', async () => {
    const { call } = setup({ big: async () => 'x'.repeat(MAX_LAMBDA_RESPONSE_BYTES) });
    const err = await failure(call(fnArn('big'), {}));
    expect([err.error, JSON.parse(err.cause)]).toEqual([
      'Function.ResponseSizeTooLarge',
      {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      },
    ]);
  });
});

describe('lambdaConnectors: arn:aws:states:::lambda:invoke', () => {
  it("returns the Invoke response with the function's result as Payload", async () => {
    let requestId = '';
    const { call } = setup({
      shout: async (event, context) => {
        requestId = context.awsRequestId;
        return { text: String((event as { text: string }).text).toUpperCase() };
      },
    });
    const result = (await call(INVOKE, { FunctionName: 'shout', Payload: { text: 'hi' } })) as Record<
      string,
      Json
    >;
    expect(result).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { text: 'HI' },
      SdkHttpMetadata: {
        AllHttpHeaders: expect.objectContaining({
          'x-amzn-RequestId': [requestId],
          'Content-Length': ['13'],
        }),
        HttpHeaders: {
          Connection: 'keep-alive',
          'Content-Length': '13',
          'Content-Type': 'application/json',
          Date: expect.stringMatching(/ GMT$/),
          'X-Amz-Executed-Version': '$LATEST',
          'x-amzn-Remapped-Content-Length': '0',
          'x-amzn-RequestId': requestId,
          'X-Amzn-Trace-Id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$/),
        },
        HttpStatusCode: 200,
      },
      SdkResponseMetadata: { RequestId: requestId },
      StatusCode: 200,
    });
  });

  it('finds the function by name, partial ARN or full ARN, with a qualifier', async () => {
    const { call } = setup({
      f: async (event) => ({ version: 'latest', event }),
      'f:prod': async () => ({ version: 'prod' }),
      'f:7': async () => ({ version: '7' }),
    });
    const payload = async (args: Json) => {
      const r = (await call(INVOKE, args)) as { Payload: { version: string }; ExecutedVersion: string };
      return [r.Payload.version, r.ExecutedVersion];
    };
    expect(await payload({ FunctionName: 'f' })).toEqual(['latest', '$LATEST']);
    expect(await payload({ FunctionName: `${ACCOUNT}:function:f` })).toEqual(['latest', '$LATEST']);
    expect(await payload({ FunctionName: fnArn('f:$LATEST') })).toEqual(['latest', '$LATEST']);
    expect(await payload({ FunctionName: 'f:prod' })).toEqual(['prod', '$LATEST']);
    expect(await payload({ FunctionName: fnArn('f'), Qualifier: 'prod' })).toEqual(['prod', '$LATEST']);
    expect(await payload({ FunctionName: fnArn('f:7') })).toEqual(['7', '7']);
    // Without a Payload, Lambda gives the function the event {}.
    expect(
      ((await call(INVOKE, { FunctionName: 'f' })) as { Payload: { event: Json } }).Payload.event,
    ).toEqual({});
  });

  it('fails with Lambda.ResourceNotFoundException for a function it does not have', async () => {
    const { call } = setup({ f: async () => null });
    for (const [name, arn] of [
      ['g', fnArn('g')],
      ['f:beta', fnArn('f:beta')],
      [
        `arn:aws:lambda:${REGION}:999999999999:function:f`,
        `arn:aws:lambda:${REGION}:999999999999:function:f`,
      ],
      [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`, `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`],
    ]) {
      const err = await failure(call(INVOKE, { FunctionName: name! }));
      expect(err.error).toBe('Lambda.ResourceNotFoundException');
      expect(err.cause).toMatch(
        new RegExp(
          `^Function not found: ${arn!.replace(/\$/g, '\\$')} \\(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: `,
        ),
      );
    }
  });

  it('fails a function error the way a function ARN does', async () => {
    const { call } = setup({
      quota: async () => {
        throw new QuotaError('too many grants');
      },
    });
    const err = await failure(call(INVOKE, { FunctionName: 'quota', Payload: {} }));
    expect([err.error, JSON.parse(err.cause).errorMessage]).toEqual(['QuotaError', 'too many grants']);
  });

  it('refuses Arguments the integration cannot start, with States.Runtime', async () => {
    const { call } = setup({ f: async () => null });
    for (const [args, problem] of [
      [{ Payload: {} }, 'The field "FunctionName" is required but was missing'],
      [{ FunctionName: 'f', Extra: 1 }, 'The field "Extra" is not supported by Step Functions'],
      [{ FunctionName: 'f', InvocationType: 'Event' }, 'InvocationType "Event" is not supported'],
      ['f', 'The Arguments must be an object'],
    ] as const) {
      const err = await failure(call(INVOKE, args));
      expect(err.error).toBe('States.Runtime');
      expect(err.cause).toContain(problem);
    }
  });
});

describe('Lambda tasks on the engine', () => {
  function engineWith(functions: Record<string, LambdaHandler>, store = new MemoryExecutionStore()) {
    return new WorkflowEngine({
      store,
      connectors: lambdaConnectors({ functions, region: REGION, accountId: ACCOUNT }),
      region: REGION,
      accountId: ACCOUNT,
      waitScale: 0,
    });
  }
  async function run(
    engine: WorkflowEngine,
    definition: object,
    input: Json = {},
  ): Promise<ExecutionDescription> {
    const { executionId } = await engine.startExecution({ definition, input });
    for (let i = 0; i < 100 && (await engine.drive(executionId)).kind !== 'ended'; i++);
    return engine.describeExecution(executionId);
  }
  const machine = (states: Record<string, unknown>) => ({
    QueryLanguage: 'JSONata',
    StartAt: Object.keys(states)[0],
    States: states,
  });

  it("records a function ARN's attempts as LambdaFunction* events, lambda:invoke's as Task*", async () => {
    const engine = engineWith({ greet: async (e) => ({ hi: (e as { who: string }).who }) });
    const done = await run(
      engine,
      machine({
        Direct: {
          Type: 'Task',
          Resource: fnArn('greet'),
          Arguments: { who: '{% $states.input.who %}' },
          TimeoutSeconds: 30,
          Next: 'Invoke',
        },
        Invoke: {
          Type: 'Task',
          Resource: INVOKE,
          Arguments: { FunctionName: 'greet', Payload: { who: '{% $states.input.hi %}' } },
          Output: '{% $states.result.Payload %}',
          End: true,
        },
      }),
      { who: 'kim' },
    );
    expect([done.status, done.output]).toEqual(['SUCCEEDED', { hi: 'kim' }]);
    const history = await engine.getExecutionHistory(done.executionId);
    expect(history.map((e) => [e.type, e.details])).toEqual([
      ['ExecutionStarted', expect.anything()],
      ['TaskStateEntered', expect.anything()],
      ['LambdaFunctionScheduled', { resource: fnArn('greet'), input: { who: 'kim' }, timeoutInSeconds: 30 }],
      ['LambdaFunctionStarted', {}],
      ['LambdaFunctionSucceeded', { output: { hi: 'kim' } }],
      ['TaskStateExited', expect.anything()],
      ['TaskStateEntered', expect.anything()],
      [
        'TaskScheduled',
        {
          resourceType: 'lambda',
          resource: 'invoke',
          region: REGION,
          parameters: { FunctionName: 'greet', Payload: { who: 'kim' } },
        },
      ],
      ['TaskStarted', { resourceType: 'lambda', resource: 'invoke' }],
      [
        'TaskSucceeded',
        { resourceType: 'lambda', resource: 'invoke', output: expect.objectContaining({ StatusCode: 200 }) },
      ],
      ['TaskStateExited', expect.anything()],
      ['ExecutionSucceeded', { output: { hi: 'kim' } }],
    ]);
  });

  it("retries and catches a function's errors by their names", async () => {
    let flaky = 2;
    const engine = engineWith({
      flaky: async () => {
        if (flaky-- > 0) throw new QuotaError('not yet');
        return 'ok';
      },
      broken: async () => {
        throw new TypeError('x is not a function');
      },
    });
    const done = await run(
      engine,
      machine({
        Flaky: {
          Type: 'Task',
          Resource: fnArn('flaky'),
          Retry: [{ ErrorEquals: ['QuotaError'], MaxAttempts: 3 }],
          Next: 'Broken',
        },
        Broken: {
          Type: 'Task',
          Resource: fnArn('broken'),
          Catch: [
            { ErrorEquals: ['QuotaError'], Next: 'Wrong' },
            { ErrorEquals: ['TypeError'], Next: 'Caught' },
          ],
          End: true,
        },
        Wrong: { Type: 'Fail' },
        Caught: { Type: 'Pass', End: true },
      }),
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toMatchObject({ Error: 'TypeError' });
    expect(JSON.parse((done.output as { Cause: string }).Cause)).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'x is not a function',
    });
    const history = await engine.getExecutionHistory(done.executionId);
    const failed = history.filter((e) => e.type === 'LambdaFunctionFailed');
    expect(failed.map((e) => e.details.error)).toEqual(['QuotaError', 'QuotaError', 'TypeError']);
    expect(Object.keys(failed[0]!.details)).toEqual(['error', 'cause']);
    expect(history.filter((e) => e.type === 'LambdaFunctionSucceeded')).toHaveLength(1);
  });

  it('times a function out as LambdaFunctionTimedOut with States.Timeout', async () => {
    const engine = engineWith({ slow: () => new Promise(() => undefined) });
    const done = await run(
      engine,
      machine({ Slow: { Type: 'Task', Resource: fnArn('slow'), TimeoutSeconds: 1, End: true } }),
    );
    expect([done.status, done.error]).toEqual(['FAILED', 'States.Timeout']);
    const types = (await engine.getExecutionHistory(done.executionId)).map((e) => e.type);
    expect(types.slice(2)).toEqual([
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionTimedOut',
      'ExecutionFailed',
    ]);
  });

  it('calls the function again when its completion was not recorded', async () => {
    class LosingStore extends MemoryExecutionStore {
      lost = false;
      override async commit(commit: Commit): Promise<number> {
        if (!this.lost && commit.events?.some((e) => e.type === 'LambdaFunctionSucceeded')) {
          this.lost = true;
          throw new Error('the process stopped');
        }
        return super.commit(commit);
      }
    }
    const store = new LosingStore();
    const calls: Json[] = [];
    const functions = { count: async (e: Json) => (calls.push(e), calls.length) };
    const first = engineWith(functions, store);
    const def = machine({
      Count: { Type: 'Task', Resource: fnArn('count'), Arguments: { n: 1 }, End: true },
    });
    const { executionId } = await first.startExecution({ definition: def });
    await expect(first.drive(executionId)).rejects.toThrow('the process stopped');
    const later = new Date(Date.now() + 120_000);
    // Another process, after the first one's lease ran out.
    const second = new WorkflowEngine({ store, connectors: first.connectors, clock: () => later });
    expect(await second.drive(executionId)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    expect(calls).toEqual([{ n: 1 }, { n: 1 }]);
    const types = (await second.getExecutionHistory(executionId)).map((e) => e.type);
    expect(types.filter((t) => t === 'LambdaFunctionScheduled')).toHaveLength(1);
    expect(types.filter((t) => t === 'LambdaFunctionSucceeded')).toHaveLength(1);
    expect((await second.describeExecution(executionId)).output).toBe(2);
  });

  it('accepts function ARNs in definitions, but not with .waitForTaskToken', () => {
    const engine = engineWith({ greet: async () => null });
    expect(() =>
      engine.prepare(machine({ T: { Type: 'Task', Resource: fnArn('greet'), End: true } })),
    ).not.toThrow();
    expect(() =>
      engine.prepare(
        machine({ T: { Type: 'Task', Resource: `${fnArn('greet')}.waitForTaskToken`, End: true } }),
      ),
    ).toThrow(DefinitionError);
    expect(() =>
      engine.prepare(machine({ T: { Type: 'Task', Resource: fnArn('other'), End: true } })),
    ).toThrow(/no connector for/);
  });
});
