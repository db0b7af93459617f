import { describe, expect, it } from 'vitest';
import { WorkflowEngine } from './engine.ts';
import type { Json } from './json.ts';
import { MemoryExecutionStore } from './memory-store.ts';
import { WorkflowRunner } from './runner.ts';

const machine = (states: Record<string, unknown>) => ({
  QueryLanguage: 'JSONata',
  StartAt: Object.keys(states)[0],
  States: states,
});

function setup(leaseMs = 60_000) {
  const store = new MemoryExecutionStore();
  const tokens: string[] = [];
  const engine = new WorkflowEngine({
    store,
    leaseMs,
    connectors: {
      'arn:aws:states:::test:ask': async (inv) => {
        tokens.push(inv.taskToken!);
        return {};
      },
      'arn:aws:states:::test:echo': async (inv) => inv.arguments as Json,
    },
  });
  return { store, engine, tokens };
}

describe('WorkflowRunner', () => {
  it('resumes due work on start, wakes at wait times, and reports when executions end', async () => {
    const { store, engine } = setup();
    const def = machine({
      W: { Type: 'Wait', Seconds: 0, Next: 'T' },
      T: { Type: 'Task', Resource: 'arn:aws:states:::test:echo', Arguments: { ok: true }, End: true },
    });
    const slow = machine({ W: { Type: 'Wait', Timestamp: '{% $fromMillis($millis() + 300) %}', End: true } });
    const a = await engine.startExecution({ definition: def });
    const b = await engine.startExecution({ definition: slow });
    // Left by a "previous process": parked or never driven, the runner picks both up.
    await engine.drive(b.executionId);
    const other = new WorkflowEngine({ store, connectors: engine.connectors, leaseMs: 0 });
    const runner = new WorkflowRunner(other, { pollIntervalMs: 5000, leaseMs: 0 });
    const started = Date.now();
    runner.start();
    expect(await runner.settled(a.executionId)).toBe('SUCCEEDED');
    expect(await runner.settled(b.executionId)).toBe('SUCCEEDED');
    // b's wait ended by its own timer, long before the next poll.
    expect(Date.now() - started).toBeLessThan(2000);
    await runner.stop();
    expect((await engine.describeExecution(a.executionId)).output).toEqual({ ok: true });
  });

  it('continues at once when a task token is answered in the same process', async () => {
    const { engine, tokens } = setup();
    const runner = new WorkflowRunner(engine, { pollIntervalMs: 60_000 });
    runner.start();
    const { executionId } = await engine.startExecution({
      definition: machine({
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::test:ask.waitForTaskToken',
          Arguments: {},
          End: true,
        },
      }),
    });
    const done = runner.settled(executionId);
    for (let i = 0; i < 100 && tokens.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await engine.sendTaskSuccess(tokens[0]!, { yes: 1 });
    expect(await done).toBe('SUCCEEDED');
    expect((await engine.describeExecution(executionId)).output).toEqual({ yes: 1 });
    await runner.stop();
  });

  it('drives no more than its concurrency at once, and stops cleanly', async () => {
    const store = new MemoryExecutionStore();
    let active = 0;
    let peak = 0;
    const engine = new WorkflowEngine({
      store,
      connectors: {
        'arn:aws:states:::test:slow': async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, 20));
          active--;
          return {};
        },
      },
    });
    const runner = new WorkflowRunner(engine, { concurrency: 2 });
    const def = machine({ T: { Type: 'Task', Resource: 'arn:aws:states:::test:slow', End: true } });
    const ids = await Promise.all(
      [1, 2, 3, 4, 5].map(async () => (await engine.startExecution({ definition: def })).executionId),
    );
    runner.start();
    expect(await Promise.all(ids.map((id) => runner.settled(id)))).toEqual(ids.map(() => 'SUCCEEDED'));
    expect(peak).toBe(2);
    await runner.stop();
    runner.wake(ids[0]!);
    expect(peak).toBe(2);
  });
});
