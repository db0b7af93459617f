import { describe, expect, it } from 'vitest';
import type { ConnectorMap, TaskInvocation } from './connectors/types.ts';
import { DefinitionError } from './definition.ts';
import { InvalidTaskTokenError, WorkflowEngine } from './engine.ts';
import type { EngineOptions } from './engine.ts';
import { StatesError } from './errors.ts';
import type { Json } from './json.ts';
import { MemoryExecutionStore } from './memory-store.ts';
import { ExecutionExistsError } from './store.ts';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const ECHO = 'arn:aws:states:::test:echo';
const CALLBACK = 'arn:aws:states:::test:echo.waitForTaskToken';

interface Harness {
  engine: WorkflowEngine;
  store: MemoryExecutionStore;
  calls: TaskInvocation[];
  now(): number;
  advance(ms: number): void;
  /** Starts an execution and drives it, moving the clock to every wake time, until it ends or waits on a token. */
  run(definition: object, input?: Json): Promise<Awaited<ReturnType<WorkflowEngine['describeExecution']>>>;
  settle(id: string): Promise<Awaited<ReturnType<WorkflowEngine['describeExecution']>>>;
  types(id: string): Promise<string[]>;
}

function harness(
  handler: (inv: TaskInvocation) => Promise<Json> | Json,
  options: Partial<EngineOptions> = {},
): Harness {
  let now = T0;
  let n = 0;
  const calls: TaskInvocation[] = [];
  const store = (options.store as MemoryExecutionStore | undefined) ?? new MemoryExecutionStore();
  const connectors: ConnectorMap = {
    [ECHO.replace('.waitForTaskToken', '')]: async (inv) => {
      calls.push(inv);
      return handler(inv);
    },
  };
  const engine = new WorkflowEngine({
    store,
    connectors,
    clock: () => new Date(now),
    sources: { uuid: () => `uuid-${++n}`, random: () => 0.5, token: () => `token-${++n}` },
    ...options,
  });
  const h: Harness = {
    engine,
    store,
    calls,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    async settle(id) {
      for (let i = 0; i < 200; i++) {
        const r = await engine.drive(id);
        if (r.kind === 'parked' && r.wakeAt !== undefined) {
          now = Math.max(now, Date.parse(r.wakeAt));
          continue;
        }
        break;
      }
      return engine.describeExecution(id);
    },
    async run(definition, input = {}) {
      const { executionId } = await engine.startExecution({ definition, input });
      return h.settle(executionId);
    },
    async types(id) {
      return (await engine.getExecutionHistory(id)).map((e) => e.type);
    },
  };
  return h;
}

const machine = (states: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  QueryLanguage: 'JSONata',
  StartAt: Object.keys(states)[0],
  States: states,
  ...extra,
});

const echo = async (inv: TaskInvocation): Promise<Json> => ({ echoed: inv.arguments });

describe('Pass, Assign and Output', () => {
  it('evaluates every Assign with the variables as they were, and Output before the assignments', async () => {
    const h = harness(echo);
    const done = await h.run(
      machine({
        A: { Type: 'Pass', Assign: { x: 1, y: 2 }, Next: 'B' },
        B: {
          Type: 'Pass',
          Assign: { x: '{% $y %}', y: '{% $x %}', seen: '{% $states.input.v %}' },
          Output: { x: '{% $x %}', y: '{% $y %}' },
          Next: 'C',
        },
        C: { Type: 'Pass', Output: { x: '{% $x %}', y: '{% $y %}', seen: '{% $seen %}' }, End: true },
      }),
      { v: 'in' },
    );
    expect(done.status).toBe('SUCCEEDED');
    // B's Output saw x=1, y=2; after B the values are swapped.
    expect(done.output).toEqual({ x: 2, y: 1, seen: 'in' });
    const history = await h.engine.getExecutionHistory(done.executionId);
    expect(history.find((e) => e.type === 'PassStateExited' && e.stateName === 'B')?.details).toEqual({
      name: 'B',
      output: { x: 1, y: 2 },
      assignedVariables: { x: 2, y: 1, seen: 'in' },
    });
  });

  it('passes the input through when there is no Output', async () => {
    const h = harness(echo);
    expect((await h.run(machine({ A: { Type: 'Pass', End: true } }), { k: [1] })).output).toEqual({ k: [1] });
  });

  it('records history events with ids, timestamps and state names', async () => {
    const h = harness(echo);
    const done = await h.run(machine({ A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } }));
    const history = await h.engine.getExecutionHistory(done.executionId);
    expect(history.map((e) => [e.id, e.type, e.stateName ?? null])).toEqual([
      [1, 'ExecutionStarted', null],
      [2, 'PassStateEntered', 'A'],
      [3, 'PassStateExited', 'A'],
      [4, 'SucceedStateEntered', 'B'],
      [5, 'SucceedStateExited', 'B'],
      [6, 'ExecutionSucceeded', null],
    ]);
    expect(history.every((e) => e.timestamp === '2030-01-01T00:00:00.000Z')).toBe(true);
  });

  it('fails the execution when a payload is over 256 KiB, whatever Catch says', async () => {
    const h = harness(async () => ({ big: 'x'.repeat(300_000) }));
    const big = await h.run(
      machine({ A: { Type: 'Pass', Output: "{% $pad('', 300000, 'x') %}", End: true } }),
    );
    expect([big.status, big.error]).toEqual(['FAILED', 'States.DataLimitExceeded']);
    const task = await h.run(
      machine({
        T: { Type: 'Task', Resource: ECHO, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'F' }], End: true },
        F: { Type: 'Succeed' },
      }),
    );
    expect([task.status, task.error]).toEqual(['FAILED', 'States.DataLimitExceeded']);
  });
});

describe('Task', () => {
  it('passes Arguments (default: the input) and takes $states.result as Output and for Assign', async () => {
    const h = harness(echo);
    const done = await h.run(
      machine({
        T: {
          Type: 'Task',
          Resource: ECHO,
          Arguments: { n: '{% $states.input.n * 2 %}', literal: 'x' },
          Assign: { fromResult: '{% $states.result.echoed.n %}', fromInput: '{% $states.input.n %}' },
          Next: 'U',
        },
        U: { Type: 'Task', Resource: ECHO, Next: 'V' },
        V: {
          Type: 'Pass',
          Output: { r: '{% $fromResult %}', i: '{% $fromInput %}', last: '{% $states.input %}' },
          End: true,
        },
      }),
      { n: 21 },
    );
    expect(h.calls.map((c) => c.arguments)).toEqual([
      { n: 42, literal: 'x' },
      { echoed: { n: 42, literal: 'x' } },
    ]);
    expect(done.output).toEqual({ r: 42, i: 21, last: { echoed: { echoed: { n: 42, literal: 'x' } } } });
    expect(await h.types(done.executionId)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('gives tasks the context object', async () => {
    const h = harness(echo);
    const done = await h.run(
      machine({ T: { Type: 'Task', Resource: ECHO, Arguments: '{% $states.context %}', End: true } }),
    );
    const ctx = (done.output as { echoed: Record<string, Record<string, Json>> }).echoed;
    expect(ctx.Execution).toMatchObject({
      Id: `arn:aws:states:us-east-1:123456789012:execution:grantflow:${done.executionId}`,
      Name: done.executionId,
      StartTime: '2030-01-01T00:00:00.000Z',
      Input: {},
    });
    expect(ctx.State).toEqual({ Name: 'T', EnteredTime: '2030-01-01T00:00:00.000Z', RetryCount: 0 });
    expect(ctx.StateMachine).toEqual({
      Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:grantflow',
      Name: 'grantflow',
    });
  });

  it('fails the execution with the task error and cause when nothing catches it', async () => {
    const h = harness(async () => {
      throw new StatesError('Iam.NoSuchEntityException', 'The user with name x cannot be found.');
    });
    const done = await h.run(machine({ T: { Type: 'Task', Resource: ECHO, End: true } }));
    expect([done.status, done.error, done.cause]).toEqual([
      'FAILED',
      'Iam.NoSuchEntityException',
      'The user with name x cannot be found.',
    ]);
    const failed = (await h.engine.getExecutionHistory(done.executionId)).find(
      (e) => e.type === 'TaskFailed',
    );
    expect(failed?.details).toEqual({
      resourceType: 'test',
      resource: 'echo',
      error: 'Iam.NoSuchEntityException',
      cause: 'The user with name x cannot be found.',
    });
  });
});

describe('Retry', () => {
  it('retries with IntervalSeconds, BackoffRate and the retry count in the context', async () => {
    let failures = 2;
    const h = harness(async (inv) => {
      if (failures-- > 0) throw new StatesError('Test.Flaky', `attempt ${inv.attempt}`);
      return inv.arguments;
    });
    const { executionId } = await h.engine.startExecution({
      definition: machine({
        T: {
          Type: 'Task',
          Resource: ECHO,
          Arguments: { retry: '{% $states.context.State.RetryCount %}' },
          Retry: [
            { ErrorEquals: ['Other'] },
            { ErrorEquals: ['States.ALL'], IntervalSeconds: 2, BackoffRate: 3 },
          ],
          End: true,
        },
      }),
    });
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T00:00:02.000Z' });
    // Not due yet: nothing happens.
    h.advance(1000);
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T00:00:02.000Z' });
    h.advance(1000);
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T00:00:08.000Z' });
    h.advance(6000);
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    expect(h.calls.map((c) => [c.attempt, c.arguments])).toEqual([
      [0, { retry: 0 }],
      [1, { retry: 1 }],
      [2, { retry: 2 }],
    ]);
    expect((await h.engine.describeExecution(executionId)).output).toEqual({ retry: 2 });
  });

  it('caps delays at MaxDelaySeconds, applies FULL jitter and the wait scale', async () => {
    const h = harness(
      async () => {
        throw new StatesError('X', 'x');
      },
      { waitScale: 0.5 },
    );
    const { executionId } = await h.engine.startExecution({
      definition: machine({
        T: {
          Type: 'Task',
          Resource: ECHO,
          Retry: [
            {
              ErrorEquals: ['X'],
              IntervalSeconds: 10,
              BackoffRate: 10,
              MaxDelaySeconds: 40,
              MaxAttempts: 2,
              JitterStrategy: 'FULL',
            },
          ],
          End: true,
        },
      }),
    });
    // 10 s × jitter 0.5 × scale 0.5, then min(100, 40) s × 0.5 × 0.5.
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T00:00:02.500Z' });
    h.advance(2500);
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T00:00:12.500Z' });
    h.advance(10_000);
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'ended', status: 'FAILED' });
    expect(h.calls).toHaveLength(3);
  });

  it('does not retry States.Timeout for States.TaskFailed, and never retries States.Runtime', async () => {
    const h = harness(async () => {
      throw new StatesError('States.Runtime', 'broken');
    });
    const done = await h.run(
      machine({ T: { Type: 'Task', Resource: ECHO, Retry: [{ ErrorEquals: ['States.ALL'] }], End: true } }),
    );
    expect([done.status, done.error]).toEqual(['FAILED', 'States.Runtime']);
    expect(h.calls).toHaveLength(1);
  });
});

describe('Catch', () => {
  it('moves to the catcher with $states.errorOutput, its Assign and Output, and not the state’s own Assign', async () => {
    const h = harness(async () => {
      throw new StatesError('Iam.DeleteConflictException', 'attached');
    });
    const done = await h.run(
      machine({
        T: {
          Type: 'Task',
          Resource: ECHO,
          Assign: { mine: 'not assigned on error' },
          Retry: [{ ErrorEquals: ['Iam.DeleteConflictException'], MaxAttempts: 1 }],
          Catch: [
            { ErrorEquals: ['Other'], Next: 'Wrong' },
            {
              ErrorEquals: ['States.TaskFailed'],
              Assign: { why: '{% $states.errorOutput.Cause %}', input: '{% $states.input.k %}' },
              Next: 'Handled',
            },
          ],
          End: true,
        },
        Wrong: { Type: 'Fail' },
        Handled: {
          Type: 'Pass',
          Output: {
            in: '{% $states.input %}',
            why: '{% $why %}',
            k: '{% $input %}',
            mine: '{% $exists($mine) %}',
          },
          End: true,
        },
      }),
      { k: 'v' },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toEqual({
      in: { Error: 'Iam.DeleteConflictException', Cause: 'attached' },
      why: 'attached',
      k: 'v',
      mine: false,
    });
    expect(h.calls).toHaveLength(2);
    expect(await h.types(done.executionId)).toContain('TaskStateExited');
  });

  it('catches expression errors in Arguments as States.QueryEvaluationError, before scheduling', async () => {
    const h = harness(echo);
    const done = await h.run(
      machine({
        T: {
          Type: 'Task',
          Resource: ECHO,
          Arguments: { v: '{% $states.input.missing %}' },
          Catch: [
            {
              ErrorEquals: ['States.QueryEvaluationError'],
              Output: '{% $states.errorOutput.Error %}',
              Next: 'C',
            },
          ],
          End: true,
        },
        C: { Type: 'Succeed' },
      }),
    );
    expect([done.status, done.output]).toEqual(['SUCCEEDED', 'States.QueryEvaluationError']);
    expect(h.calls).toHaveLength(0);
    const types = await h.types(done.executionId);
    expect(types).toContain('EvaluationFailed');
    expect(types).not.toContain('TaskScheduled');
  });
});

describe('TimeoutSeconds', () => {
  it('times a task out with States.Timeout, which States.TaskFailed does not match', async () => {
    let aborted = false;
    const h = harness(
      (inv) =>
        new Promise<Json>(() => {
          inv.signal.addEventListener('abort', () => (aborted = true));
        }),
      { clock: () => new Date() },
    );
    const done = await h.run(
      machine({
        T: {
          Type: 'Task',
          Resource: ECHO,
          TimeoutSeconds: '{% 1 %}',
          Retry: [{ ErrorEquals: ['States.TaskFailed'] }],
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Late' }],
          End: true,
        },
        Late: { Type: 'Pass', End: true },
      }),
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toMatchObject({ Error: 'States.Timeout' });
    expect(aborted).toBe(true);
    expect(h.calls).toHaveLength(1);
    expect(await h.types(done.executionId)).toContain('TaskTimedOut');
  });

  it('times the whole execution out after the state machine’s TimeoutSeconds', async () => {
    const h = harness(echo);
    const done = await h.run(
      machine(
        { W: { Type: 'Wait', Seconds: 100, Next: 'S' }, S: { Type: 'Succeed' } },
        { TimeoutSeconds: 10 },
      ),
    );
    expect([done.status, done.error]).toEqual(['TIMED_OUT', 'States.Timeout']);
    expect(h.now()).toBe(T0 + 10_000);
    expect((await h.types(done.executionId)).at(-1)).toBe('ExecutionTimedOut');
  });
});

describe('Choice', () => {
  const choice = machine({
    C: {
      Type: 'Choice',
      Assign: { always: '{% $states.input.n %}' },
      Choices: [
        { Condition: false, Next: 'Never' },
        {
          Condition: '{% $states.input.n > 10 %}',
          Assign: { big: true },
          Output: { size: 'big' },
          Next: 'Out',
        },
      ],
      Default: 'Out',
      Output: { size: 'small' },
    },
    Never: { Type: 'Fail' },
    Out: {
      Type: 'Pass',
      Output: { size: '{% $states.input.size %}', always: '{% $always %}', big: '{% $exists($big) %}' },
      End: true,
    },
  });

  it('takes the first true rule with its Assign and Output, the state’s Assign too', async () => {
    expect((await harness(echo).run(choice, { n: 11 })).output).toEqual({
      size: 'big',
      always: 11,
      big: true,
    });
  });

  it('takes Default with the state’s Assign and Output', async () => {
    expect((await harness(echo).run(choice, { n: 1 })).output).toEqual({
      size: 'small',
      always: 1,
      big: false,
    });
  });

  it('fails on a Condition that is not a boolean, and when nothing matches without Default', async () => {
    const h = harness(echo);
    const bad = await h.run(
      machine({
        C: { Type: 'Choice', Choices: [{ Condition: '{% 1 %}', Next: 'S' }] },
        S: { Type: 'Succeed' },
      }),
    );
    expect([bad.status, bad.error]).toEqual(['FAILED', 'States.QueryEvaluationError']);
    expect(bad.cause).toContain("'Choices[0]/Condition' returned 1, not a boolean");
    expect(await h.types(bad.executionId)).toContain('EvaluationFailed');
    const none = await h.run(
      machine({ C: { Type: 'Choice', Choices: [{ Condition: false, Next: 'S' }] }, S: { Type: 'Succeed' } }),
    );
    expect([none.status, none.error]).toEqual(['FAILED', 'States.NoChoiceMatched']);
  });
});

describe('Wait', () => {
  it('stores the wake time and resumes at it (Seconds as an expression)', async () => {
    const h = harness(echo);
    const { executionId } = await h.engine.startExecution({
      definition: machine({
        W: { Type: 'Wait', Seconds: '{% $states.input.s %}', Output: { waited: true }, Next: 'S' },
        S: { Type: 'Succeed' },
      }),
      input: { s: 30 },
    });
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T00:00:30.000Z' });
    const tail = await h.store.loadTail(executionId);
    expect(tail?.waits).toEqual([
      {
        sequence: 2,
        stateName: 'W',
        kind: 'wait',
        wakeAt: '2030-01-01T00:00:30.000Z',
        createdAt: '2030-01-01T00:00:00.000Z',
      },
    ]);
    h.advance(29_999);
    expect((await h.engine.drive(executionId)).kind).toBe('parked');
    h.advance(1);
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    expect((await h.engine.describeExecution(executionId)).output).toEqual({ waited: true });
    expect(await h.types(executionId)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('waits until a Timestamp, scaled, and not at all for one in the past', async () => {
    const h = harness(echo, { waitScale: 0.1 });
    const def = machine({ W: { Type: 'Wait', Timestamp: '{% $states.input.at %}', End: true } });
    const { executionId } = await h.engine.startExecution({
      definition: def,
      input: { at: '2030-01-01T01:00:00Z' },
    });
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T00:06:00.000Z' });
    const past = await h.engine.startExecution({ definition: def, input: { at: '2029-01-01T00:00:00Z' } });
    expect(await h.engine.drive(past.executionId)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
  });

  it('fails on Seconds or Timestamp values of the wrong kind', async () => {
    const h = harness(echo);
    const neg = await h.run(machine({ W: { Type: 'Wait', Seconds: '{% -5 %}', End: true } }));
    expect([neg.status, neg.error]).toEqual(['FAILED', 'States.QueryEvaluationError']);
    expect(neg.cause).toContain("'Seconds' returned -5");
    const ts = await h.run(machine({ W: { Type: 'Wait', Timestamp: "{% 'soon' %}", End: true } }));
    expect(ts.cause).toContain('\'Timestamp\' returned "soon"');
  });
});

describe('Succeed and Fail', () => {
  it('ends with Fail’s Error and Cause, which may be expressions', async () => {
    const h = harness(echo);
    const done = await h.run(
      machine({ F: { Type: 'Fail', Error: "{% 'Grant.' & $states.input.why %}", Cause: 'because' } }),
      { why: 'Denied' },
    );
    expect([done.status, done.error, done.cause]).toEqual(['FAILED', 'Grant.Denied', 'because']);
    expect(await h.types(done.executionId)).toEqual([
      'ExecutionStarted',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    const plain = await h.run(machine({ F: { Type: 'Fail' } }));
    expect([plain.status, plain.error, plain.cause]).toEqual(['FAILED', undefined, undefined]);
  });
});

describe('.waitForTaskToken', () => {
  const def = machine({
    T: {
      Type: 'Task',
      Resource: CALLBACK,
      Arguments: { token: '{% $states.context.Task.Token %}' },
      TimeoutSeconds: 3600,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
    Caught: { Type: 'Pass', End: true },
  });

  it('waits for SendTaskSuccess, whose output is the result', async () => {
    const h = harness(echo);
    const { executionId } = await h.engine.startExecution({ definition: def });
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T01:00:00.000Z' });
    expect(h.calls[0]?.taskToken).toBe('token-1');
    expect(h.calls[0]?.arguments).toEqual({ token: 'token-1' });
    await expect(h.engine.sendTaskSuccess('token-0', {})).rejects.toMatchObject({ code: 'TaskDoesNotExist' });
    await h.engine.sendTaskSuccess('token-1', { approved: true });
    await expect(h.engine.sendTaskSuccess('token-1', {})).rejects.toMatchObject({
      code: 'TaskTimedOut',
      message: 'The task token was already answered.',
    });
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    expect((await h.engine.describeExecution(executionId)).output).toEqual({ approved: true });
    expect(await h.types(executionId)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    await expect(h.engine.sendTaskSuccess('token-1', {})).rejects.toThrow(/The task of this token is over/);
  });

  it('takes SendTaskFailure as the task’s error', async () => {
    const h = harness(echo);
    const { executionId } = await h.engine.startExecution({ definition: def });
    await h.engine.drive(executionId);
    await h.engine.sendTaskFailure('token-1', 'Approval.Denied', 'no');
    await h.engine.drive(executionId);
    expect((await h.engine.describeExecution(executionId)).output).toEqual({
      Error: 'Approval.Denied',
      Cause: 'no',
    });
  });

  it('times out with States.Timeout when nobody answers', async () => {
    const h = harness(echo);
    const done = await h.run(def);
    expect(done.output).toEqual(expect.objectContaining({ Error: 'States.Timeout' }));
    expect(h.now()).toBe(T0 + 3_600_000);
    await expect(h.engine.sendTaskSuccess('token-1', {})).rejects.toThrow(InvalidTaskTokenError);
  });

  it('takes an answer that arrives before the request is confirmed sent', async () => {
    const ref: { engine?: WorkflowEngine } = {};
    const h = harness(async (inv) => {
      await ref.engine!.sendTaskSuccess(inv.taskToken!, { quick: true });
      return {};
    });
    ref.engine = h.engine;
    const done = await h.run(def);
    expect(done.output).toEqual({ quick: true });
  });
});

describe('starting', () => {
  it('refuses definitions whose resources have no connector or an unsupported pattern', async () => {
    const h = harness(echo);
    const err = await h.engine
      .startExecution({
        definition: machine({
          A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: 'B' },
          B: { Type: 'Task', Resource: `${ECHO}.sync`, End: true },
        }),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DefinitionError);
    expect((err as DefinitionError).problems.map((p) => p.message)).toEqual([
      'no connector for arn:aws:states:::lambda:invoke',
      'the .sync integration pattern is not supported; use request-response or .waitForTaskToken',
    ]);
  });

  it('refuses duplicate and malformed names and oversized input', async () => {
    const h = harness(echo);
    const def = machine({ A: { Type: 'Succeed' } });
    await h.engine.startExecution({ definition: def, name: 'one' });
    await expect(h.engine.startExecution({ definition: def, name: 'one' })).rejects.toThrow(
      ExecutionExistsError,
    );
    await expect(h.engine.startExecution({ definition: def, name: 'has space' })).rejects.toThrow(
      /execution name/,
    );
    await expect(
      h.engine.startExecution({ definition: def, input: { s: 'x'.repeat(300_000) } }),
    ).rejects.toThrow(/States.DataLimitExceeded/);
  });
});

describe('stopping', () => {
  it('aborts a waiting execution; its token can no longer be answered', async () => {
    const h = harness(echo);
    const { executionId } = await h.engine.startExecution({
      definition: machine({ T: { Type: 'Task', Resource: CALLBACK, Arguments: {}, End: true } }),
    });
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'parked' });
    const stopped = await h.engine.stopExecution(executionId, { error: 'Revoked', cause: 'by admin' });
    expect([stopped.status, stopped.error, stopped.cause]).toEqual(['ABORTED', 'Revoked', 'by admin']);
    expect(await h.engine.drive(executionId)).toEqual({ kind: 'ended', status: 'ABORTED' });
    await expect(h.engine.sendTaskSuccess('token-1', {})).rejects.toThrow(InvalidTaskTokenError);
    expect((await h.store.loadTail(executionId))?.waits.every((w) => w.completedAt !== undefined)).toBe(true);
  });
});

describe('durability', () => {
  const def = machine({
    Create: {
      Type: 'Task',
      Resource: ECHO,
      Arguments: { name: "{% 'grant-' & $millis() & '-' & $uuid() %}" },
      Assign: { name: '{% $states.result.name %}' },
      Next: 'Wait',
    },
    Wait: { Type: 'Wait', Seconds: 60, Next: 'Done' },
    Done: { Type: 'Pass', Output: { name: '{% $name %}' }, End: true },
  });

  it('re-runs a task whose completion was not recorded, with the same recorded values, once', async () => {
    const store = new MemoryExecutionStore();
    let release: ((v: Json) => void) | undefined;
    // Process A: its task call never returns (the process died during it).
    const a = harness(
      async (inv) =>
        new Promise<Json>(
          (resolve) => (release = () => resolve({ name: (inv.arguments as { name: string }).name })),
        ),
      {
        store,
        leaseMs: 30_000,
      },
    );
    const { executionId } = await a.engine.startExecution({ definition: def });
    const driveA = a.engine.drive(executionId);
    await new Promise((r) => setTimeout(r, 20));
    expect(a.calls).toHaveLength(1);

    // Process B, later: another process may take over only once A's lease ran out.
    const b = harness(async (inv) => ({ name: (inv.arguments as { name: string }).name }), {
      store,
      leaseMs: 30_000,
    });
    b.advance(10_000);
    expect(await b.engine.drive(executionId)).toEqual({ kind: 'busy' });
    b.advance(30_000);
    const result = await b.settle(executionId);
    expect(result.status).toBe('SUCCEEDED');
    expect(b.calls).toHaveLength(1);
    expect(b.calls[0]?.recovery).toBe(true);
    expect(b.calls[0]?.arguments).toEqual(a.calls[0]?.arguments);
    expect(result.output).toEqual({ name: `grant-${T0}-uuid-1` });
    expect(await store.recordedValues(executionId, '2/Create/arguments#0/')).toEqual({
      '2/Create/arguments#0/$millis#1': T0,
      '2/Create/arguments#0/$uuid#1': 'uuid-1',
    });

    // A's call finally returns: its commit is refused, nothing is recorded twice.
    release!(null);
    expect((await driveA).kind).toBe('ended');
    const types = await b.types(executionId);
    expect(types.filter((t) => t === 'TaskSucceeded')).toHaveLength(1);
    expect(types.filter((t) => t === 'TaskScheduled')).toHaveLength(1);
  });

  it('sends a callback request again, with the same token, when the process died while sending it', async () => {
    const store = new MemoryExecutionStore();
    const callback = machine({
      T: {
        Type: 'Task',
        Resource: CALLBACK,
        Arguments: { t: '{% $states.context.Task.Token %}' },
        End: true,
      },
    });
    const a = harness(async () => new Promise<Json>(() => undefined), { store, leaseMs: 30_000 });
    const { executionId } = await a.engine.startExecution({ definition: callback });
    void a.engine.drive(executionId);
    await new Promise((r) => setTimeout(r, 20));
    const b = harness(async () => ({}), { store, leaseMs: 30_000 });
    b.advance(10_000);
    expect(await b.engine.drive(executionId)).toEqual({ kind: 'busy' });
    b.advance(20_000);
    expect(await b.engine.drive(executionId)).toEqual({ kind: 'parked' });
    expect(b.calls.map((c) => [c.recovery, c.taskToken, c.arguments])).toEqual([
      [true, 'token-1', { t: 'token-1' }],
    ]);
    await b.engine.sendTaskSuccess('token-1', { late: true });
    expect(await b.engine.drive(executionId)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    expect((await b.engine.describeExecution(executionId)).output).toEqual({ late: true });
  });

  it('takes an answer that came while the process that sent the request was dead, without sending again', async () => {
    const store = new MemoryExecutionStore();
    const callback = machine({ T: { Type: 'Task', Resource: CALLBACK, Arguments: {}, End: true } });
    const a = harness(async () => new Promise<Json>(() => undefined), { store });
    const { executionId } = await a.engine.startExecution({ definition: callback });
    void a.engine.drive(executionId);
    await new Promise((r) => setTimeout(r, 20));
    const b = harness(async () => ({}), { store });
    await b.engine.sendTaskSuccess('token-1', { approved: true });
    expect(await b.engine.drive(executionId)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
    expect(b.calls).toEqual([]);
    expect((await b.engine.describeExecution(executionId)).output).toEqual({ approved: true });
  });

  it('leaves a resting wait alone until it is due, then one of two drivers takes it', async () => {
    const store = new MemoryExecutionStore();
    const a = harness(async (inv) => inv.arguments, { store });
    const b = harness(async (inv) => inv.arguments, { store });
    const { executionId } = await a.engine.startExecution({ definition: def });
    expect((await a.engine.drive(executionId)).kind).toBe('parked');
    expect(await b.engine.drive(executionId)).toEqual({ kind: 'parked', wakeAt: '2030-01-01T00:01:00.000Z' });
    a.advance(60_000);
    b.advance(60_000);
    const [ra, rb] = await Promise.all([a.engine.drive(executionId), b.engine.drive(executionId)]);
    expect([ra.kind, rb.kind].sort()).toEqual(['busy', 'ended']);
    expect((await a.types(executionId)).filter((t) => t === 'WaitStateExited')).toHaveLength(1);
  });
});
