import { describe, expect, it } from 'vitest';
import { StatesError } from '../errors.ts';
import type { ConnectorMap, TaskInvocation } from '../connectors/types.ts';
import { TaskFunctionError, tasksFunction } from './tasks-function.ts';

const EXECUTION = {
  Id: 'arn:aws:states:us-east-1:123456789012:execution:grantflow-lifecycle:req-1',
  Name: 'req-1',
};

function recording(result: unknown = { ok: true }) {
  const calls: TaskInvocation[] = [];
  const connectors: ConnectorMap = Object.fromEntries(
    ['generate', 'harden', 'record', 'approval', 'hold'].map((task) => [
      `arn:aws:states:::grantflow:${task}`,
      async (invocation: TaskInvocation) => {
        calls.push(invocation);
        return result as never;
      },
    ]),
  );
  return { calls, run: tasksFunction(connectors) };
}

describe('tasksFunction', () => {
  it('runs the named connector with what the embedded engine would give it', async () => {
    const { calls, run } = recording({ RequestId: 'req-1', Status: 'drafted' });
    const out = await run({
      Task: 'record',
      Arguments: { RequestId: 'req-1', Status: 'drafted' },
      Execution: EXECUTION,
      State: { Name: 'RecordDraft', RetryCount: 0 },
    });
    expect(out).toEqual({ RequestId: 'req-1', Status: 'drafted' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      executionId: 'req-1',
      executionArn: EXECUTION.Id,
      stateName: 'RecordDraft',
      resource: 'arn:aws:states:::grantflow:record',
      arguments: { RequestId: 'req-1', Status: 'drafted' },
      recovery: false,
      attempt: 0,
    });
    expect(calls[0]!.taskToken).toBeUndefined();
    expect(calls[0]!.signal.aborted).toBe(false);
  });

  it('treats a retried step as a recovery, and hands token steps their token', async () => {
    const { calls, run } = recording();
    await run({
      Task: 'hold',
      Arguments: { RequestId: 'req-1' },
      Execution: EXECUTION,
      State: { Name: 'HoldUntilExpiry', RetryCount: 2 },
      TaskToken: 'tok-1',
    });
    expect(calls[0]).toMatchObject({ recovery: true, attempt: 2, taskToken: 'tok-1' });
  });

  it('refuses malformed events with the field named, as Grantflow.InvalidArguments', async () => {
    const { calls, run } = recording();
    const base = { Task: 'record', Arguments: {}, Execution: EXECUTION, State: { Name: 'S', RetryCount: 0 } };
    const cases: [unknown, RegExp][] = [
      [[], /must be a JSON object/],
      [{ ...base, Task: 'teleport' }, /Task must be one of generate, harden, record, approval, hold/],
      [{ ...base, Execution: { Id: 'x' } }, /Execution must have/],
      [{ ...base, State: { Name: 'S', RetryCount: 0.5 } }, /State must have/],
      [{ ...base, Task: 'approval' }, /approval needs the TaskToken/],
      [{ ...base, TaskToken: 'tok' }, /record takes no TaskToken/],
      [{ ...base, Task: 'hold', TaskToken: '' }, /TaskToken must be a non-empty string/],
    ];
    for (const [event, message] of cases) {
      const err = await run(event).catch((e: unknown) => e);
      expect(err, String(message)).toBeInstanceOf(TaskFunctionError);
      expect((err as Error).name).toBe('Grantflow.InvalidArguments');
      expect((err as Error).message).toMatch(message);
    }
    expect(calls).toHaveLength(0);
  });

  it("reports a connector's StatesError under its own name, so Retry and Catch match as on the embedded engine", async () => {
    const run = tasksFunction({
      'arn:aws:states:::grantflow:record': async () => {
        throw new StatesError('Grantflow.NoSuchRequest', 'no access request req-9');
      },
    });
    const err = (await run({
      Task: 'record',
      Arguments: {},
      Execution: EXECUTION,
      State: { Name: 'S', RetryCount: 0 },
    }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('Grantflow.NoSuchRequest');
    expect(err.message).toBe('no access request req-9');
    // A step grantflow's connectors do not have.
    const none = (await run({
      Task: 'generate',
      Arguments: {},
      Execution: EXECUTION,
      State: { Name: 'S', RetryCount: 0 },
    }).catch((e: unknown) => e)) as Error;
    expect(none.name).toBe('Grantflow.UnknownTask');
  });

  it("aborts the connector before Lambda's time runs out", async () => {
    const run = tasksFunction({
      'arn:aws:states:::grantflow:generate': (invocation) =>
        new Promise((_resolve, reject) =>
          invocation.signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    });
    const err = (await run(
      { Task: 'generate', Arguments: {}, Execution: EXECUTION, State: { Name: 'Generate', RetryCount: 0 } },
      { getRemainingTimeInMillis: () => 2_050 },
    ).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('Grantflow.TaskTimedOut');
  });
});
