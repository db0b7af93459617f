// The ExecutionStore contract, on the in-memory store and on the lifecycle tables of every
// database the store supports (PostgreSQL and MySQL when their test URLs are set).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import {
  ExecutionConflictError,
  ExecutionExistsError,
  KyselyExecutionStore,
  MemoryExecutionStore,
  WorkflowEngine,
} from '../src/workflow/index.ts';
import type { ExecutionRow, ExecutionStore, HistoryEvent } from '../src/workflow/index.ts';
import { ENGINES, createTestDatabase } from './helpers/store-databases.ts';
import type { TestDatabase } from './helpers/store-databases.ts';

const T = (s: number) => new Date(Date.parse('2030-01-01T00:00:00.000Z') + s * 1000).toISOString();

const row = (id: string, fields: Partial<ExecutionRow> = {}): ExecutionRow => ({
  id,
  definitionName: 'm',
  definitionHash: 'h'.repeat(64),
  status: 'RUNNING',
  input: { a: 1 },
  currentState: 'A',
  stateInput: { a: 1 },
  variables: {},
  startedAt: T(0),
  updatedAt: T(0),
  version: 1,
  ...fields,
});

const event = (id: number, type: string, stateName?: string): HistoryEvent => ({
  id,
  type,
  ...(stateName ? { stateName } : {}),
  timestamp: T(id),
  details: { n: id },
});

function contract(name: string, open: () => Promise<{ store: ExecutionStore; close(): Promise<void> }>) {
  describe(name, () => {
    let store: ExecutionStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
      await store.putDefinition({ hash: 'h'.repeat(64), name: 'm', document: '{"x":1}', createdAt: T(0) });
      await store.putDefinition({ hash: 'h'.repeat(64), name: 'm', document: '{"x":1}', createdAt: T(0) });
    });
    afterAll(() => close());

    it('stores definitions by hash, once', async () => {
      expect(await store.getDefinition('h'.repeat(64))).toBe('{"x":1}');
      expect(await store.getDefinition('0'.repeat(64))).toBeUndefined();
    });

    it('creates executions and refuses a taken id', async () => {
      await store.createExecution(row('e1', { requestId: 'r1' }), [
        event(1, 'ExecutionStarted'),
        event(2, 'PassStateEntered', 'A'),
      ]);
      await expect(store.createExecution(row('e1'), [])).rejects.toThrow(ExecutionExistsError);
      expect(await store.getExecution('e1')).toEqual(row('e1', { requestId: 'r1' }));
      expect(await store.getExecution('nope')).toBeUndefined();
    });

    it('commits atomically against the version read', async () => {
      await store.createExecution(row('e2'), [
        event(1, 'ExecutionStarted'),
        event(2, 'TaskStateEntered', 'A'),
      ]);
      const version = await store.commit({
        id: 'e2',
        expectedVersion: 1,
        now: T(5),
        events: [event(3, 'TaskScheduled', 'A')],
        update: { variables: { v: [1] } },
        insertWaits: [
          {
            sequence: 3,
            stateName: 'A',
            kind: 'task_token',
            taskToken: 'tok-e2',
            wakeAt: T(100),
            createdAt: T(5),
          },
        ],
        recorded: { '2/A/arguments#0/$uuid#1': 'u1' },
      });
      expect(version).toBe(2);
      await expect(
        store.commit({ id: 'e2', expectedVersion: 1, now: T(6), events: [event(4, 'X')] }),
      ).rejects.toThrow(ExecutionConflictError);
      const tail = await store.loadTail('e2');
      expect(tail?.execution).toMatchObject({ version: 2, updatedAt: T(5), variables: { v: [1] } });
      expect(tail?.events.map((e) => e.id)).toEqual([2, 3]);
      expect(tail?.waits).toEqual([
        {
          sequence: 3,
          stateName: 'A',
          kind: 'task_token',
          taskToken: 'tok-e2',
          wakeAt: T(100),
          createdAt: T(5),
        },
      ]);
      expect((await store.history('e2')).map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
      ]);
    });

    it('commits made at once each succeed or fail alone, none half-written', async () => {
      const ids = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
      for (const id of ids) await store.createExecution(row(id), [event(1, 'ExecutionStarted')]);
      // All issued before any is awaited, so a grouping store writes them in shared transactions.
      const results = await Promise.allSettled(
        ids.map((id, i) =>
          store.commit({
            id,
            // burst-3 was read at a stale version; burst-7 repeats its own event 1 after the update.
            expectedVersion: i === 3 ? 0 : 1,
            now: T(7),
            update: { currentState: `S${i}` },
            events: [event(i === 7 ? 1 : 2, 'PassStateEntered', `S${i}`)],
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(
        ids.map((_, i) => (i === 3 || i === 7 ? 'rejected' : 'fulfilled')),
      );
      expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(ExecutionConflictError);
      for (const [i, id] of ids.entries()) {
        const stored = await store.getExecution(id);
        const failed = i === 3 || i === 7;
        expect(stored?.version).toBe(failed ? 1 : 2);
        expect(stored?.currentState).toBe(failed ? 'A' : `S${i}`);
        expect((await store.history(id)).length).toBe(failed ? 1 : 2);
        // End it, so that the tests below see only their own executions due.
        await store.commit({
          id,
          expectedVersion: stored!.version,
          now: T(8),
          update: { status: 'SUCCEEDED', stoppedAt: T(8), clear: ['currentState', 'stateInput'] },
          completeAllWaits: true,
        });
      }
    });

    it('moves and completes waits, and keeps the first recorded value of a key', async () => {
      await store.commit({
        id: 'e2',
        expectedVersion: 2,
        now: T(7),
        updateWaits: [{ sequence: 3, wakeAt: null }],
        recorded: { '2/A/arguments#0/$uuid#1': 'changed', '2/A/exit/$millis#1': 5 },
      });
      expect((await store.loadTail('e2'))?.waits[0]).toEqual({
        sequence: 3,
        stateName: 'A',
        kind: 'task_token',
        taskToken: 'tok-e2',
        createdAt: T(5),
      });
      expect(await store.recordedValues('e2', '2/A/')).toEqual({
        '2/A/arguments#0/$uuid#1': 'u1',
        '2/A/exit/$millis#1': 5,
      });
      expect(await store.recordedValues('e2', '2/A/arguments#0/')).toEqual({
        '2/A/arguments#0/$uuid#1': 'u1',
      });
    });

    it('answers a task token once, and makes its wait due', async () => {
      const key = (w: { sequence: number; stateName: string }) => ({
        key: `${w.sequence}/${w.stateName}/answer`,
        value: { ok: true },
      });
      expect(await store.resolveTaskToken('tok-none', key, T(8))).toBe('unknown');
      expect(await store.resolveTaskToken('tok-e2', key, T(8))).toBe('resolved');
      expect(await store.resolveTaskToken('tok-e2', key, T(9))).toBe('already-answered');
      expect(await store.recordedValues('e2', '3/A/answer')).toEqual({ '3/A/answer': { ok: true } });
      expect((await store.loadTail('e2'))?.waits[0]?.wakeAt).toBe(T(8));
      expect(await store.dueExecutions(T(8), T(0), 10)).toEqual([{ id: 'e2', version: 3 }]);
      await store.commit({ id: 'e2', expectedVersion: 3, now: T(9), completeWaits: [3] });
      expect((await store.loadTail('e2'))?.waits[0]?.completedAt).toBe(T(9));
      expect(await store.resolveTaskToken('tok-e2', key, T(10))).toBe('finished');
    });

    it('finds due waits and stale executions, not resting or finished ones', async () => {
      await store.createExecution(row('e3', { updatedAt: T(0) }), [
        event(1, 'ExecutionStarted'),
        event(2, 'WaitStateEntered', 'W'),
      ]);
      await store.commit({
        id: 'e3',
        expectedVersion: 1,
        now: T(1),
        insertWaits: [{ sequence: 2, stateName: 'W', kind: 'wait', wakeAt: T(60), createdAt: T(1) }],
      });
      await store.createExecution(row('e4', { status: 'SUCCEEDED', updatedAt: T(0) }), []);
      const ids = async (now: number, staleBefore: number) =>
        (await store.dueExecutions(T(now), T(staleBefore), 10)).map((d) => d.id).sort();
      // e1 has no wait and was last touched at 0; e2 has no pending wait (touched at 9).
      expect(await ids(30, 5)).toEqual(['e1']);
      expect(await ids(60, 5)).toEqual(['e1', 'e3']);
      expect(await ids(60, 20)).toEqual(['e1', 'e2', 'e3']);
      expect(await store.nextWakeAt()).toBe(T(60));
      expect((await store.dueExecutions(T(60), T(20), 1)).length).toBe(1);
    });

    it('loads the tail from the last state entry, and heartbeats only its own version', async () => {
      await store.commit({
        id: 'e3',
        expectedVersion: 2,
        now: T(61),
        completeWaits: [2],
        events: [event(3, 'WaitStateExited', 'W'), event(4, 'PassStateEntered', 'P')],
        update: { currentState: 'P', stateInput: null },
      });
      const tail = await store.loadTail('e3');
      expect(tail?.events.map((e) => e.type)).toEqual(['PassStateEntered']);
      expect(tail?.waits).toEqual([]);
      expect(tail?.execution.stateInput).toBeNull();
      expect(await store.heartbeat('e3', 2, T(70))).toBe(false);
      expect(await store.heartbeat('e3', 3, T(70))).toBe(true);
      expect((await store.getExecution('e3'))?.updatedAt).toBe(T(70));
    });

    it('ends executions, clearing columns and completing every wait', async () => {
      await store.commit({
        id: 'e3',
        expectedVersion: 3,
        now: T(80),
        completeAllWaits: true,
        update: {
          status: 'FAILED',
          error: 'E',
          cause: 'C',
          stoppedAt: T(80),
          clear: ['currentState', 'stateInput'],
        },
      });
      const e3 = await store.getExecution('e3');
      expect(e3).toMatchObject({ status: 'FAILED', error: 'E', cause: 'C', stoppedAt: T(80) });
      expect(e3?.currentState).toBeUndefined();
      expect(await store.nextWakeAt()).toBeUndefined();
    });

    it('matches recorded-value prefixes literally, even with % and _ in state names', async () => {
      await store.createExecution(row('e5'), [event(1, 'ExecutionStarted')]);
      await store.commit({
        id: 'e5',
        expectedVersion: 1,
        now: T(1),
        recorded: { '2/a%b_c/x': 1, '2/aXbYc/x': 2 },
      });
      expect(await store.recordedValues('e5', '2/a%b_c/')).toEqual({ '2/a%b_c/x': 1 });
    });

    it('lists executions by status and request, newest first', async () => {
      expect((await store.listExecutions({ requestId: 'r1' })).map((e) => e.id)).toEqual(['e1']);
      expect((await store.listExecutions({ status: 'FAILED' })).map((e) => e.id)).toEqual(['e3']);
      expect((await store.listExecutions({ limit: 2 })).length).toBe(2);
    });

    it('deletes ended executions stopped before a time, oldest first, with all they hold', async () => {
      // Stopped before every other execution of this suite: T(-300), T(-200), T(-100); one running.
      const ended = async (id: string, stoppedAt: string, status: 'SUCCEEDED' | 'ABORTED' | 'TIMED_OUT') => {
        await store.createExecution(row(id, { startedAt: T(-500), updatedAt: T(-500) }), [
          event(1, 'ExecutionStarted'),
          event(2, 'TaskStateEntered', 'A'),
        ]);
        await store.commit({
          id,
          expectedVersion: 1,
          now: T(-450),
          events: [event(3, 'TaskScheduled', 'A')],
          insertWaits: [
            { sequence: 3, stateName: 'A', kind: 'task_token', taskToken: `tok-${id}`, createdAt: T(-450) },
          ],
          recorded: { '2/A/x': 1 },
        });
        await store.commit({
          id,
          expectedVersion: 2,
          now: stoppedAt,
          completeAllWaits: true,
          update: { status, stoppedAt, clear: ['currentState', 'stateInput'] },
        });
      };
      await ended('old-b', T(-200), 'ABORTED');
      await ended('old-a', T(-300), 'SUCCEEDED');
      await ended('old-c', T(-100), 'TIMED_OUT');
      await store.createExecution(row('old-running', { startedAt: T(-500), updatedAt: T(-500) }), [
        event(1, 'ExecutionStarted'),
      ]);

      expect(await store.deleteEndedExecutions(T(-150), 1)).toEqual(['old-a']);
      expect(await store.deleteEndedExecutions(T(-150), 10)).toEqual(['old-b']);
      expect(await store.deleteEndedExecutions(T(-150), 10)).toEqual([]);
      for (const id of ['old-a', 'old-b']) {
        expect(await store.getExecution(id)).toBeUndefined();
        expect(await store.history(id)).toEqual([]);
        expect(await store.recordedValues(id, '2/')).toEqual({});
        // Its task token is gone with its wait: an answer now finds nothing.
        expect(await store.resolveTaskToken(`tok-${id}`, () => ({ key: 'k', value: 1 }), T(0))).toBe(
          'unknown',
        );
      }
      expect(await store.getExecution('old-c')).toMatchObject({ status: 'TIMED_OUT' });
      expect((await store.history('old-c')).length).toBe(3);
      expect(await store.recordedValues('old-c', '2/')).toEqual({ '2/A/x': 1 });
      expect(await store.getExecution('old-running')).toMatchObject({ status: 'RUNNING' });
      // Running executions stay whatever the time given.
      expect(await store.deleteEndedExecutions(T(-50), 10)).toEqual(['old-c']);
      expect(await store.getExecution('old-running')).toMatchObject({ status: 'RUNNING' });
    });
  });
}

contract('MemoryExecutionStore', async () => ({
  store: new MemoryExecutionStore(),
  close: async () => undefined,
}));

for (const engine of ENGINES) {
  const run = engine.skip ? describe.skip : describe;
  run(`KyselyExecutionStore on ${engine.title}`, () => {
    let db: TestDatabase | undefined;
    let opened: Store | undefined;
    contract('contract', async () => {
      db = await createTestDatabase(engine.engine);
      opened = await openStore(db.config);
      return {
        store: new KyselyExecutionStore(opened.db),
        close: async () => {
          await opened?.close();
          await db?.drop();
        },
      };
    });

    it('runs an execution end to end with a callback task and a wait', async () => {
      const database = await createTestDatabase(engine.engine);
      const store = await openStore(database.config);
      try {
        let now = Date.parse('2030-01-01T00:00:00.000Z');
        const workflow = new WorkflowEngine({
          store: new KyselyExecutionStore(store.db),
          clock: () => new Date(now),
          connectors: { 'arn:aws:states:::test:call': async (inv) => ({ token: inv.taskToken ?? null }) },
        });
        const { executionId } = await workflow.startExecution({
          definition: {
            QueryLanguage: 'JSONata',
            StartAt: 'Ask',
            States: {
              Ask: {
                Type: 'Task',
                Resource: 'arn:aws:states:::test:call.waitForTaskToken',
                Arguments: {},
                Next: 'Wait',
              },
              Wait: { Type: 'Wait', Seconds: 5, Next: 'Done' },
              Done: {
                Type: 'Pass',
                Output: { approved: '{% $states.input.ok %}', at: '{% $now() %}' },
                End: true,
              },
            },
          },
        });
        expect(await workflow.drive(executionId)).toEqual({ kind: 'parked' });
        const submitted = (await workflow.getExecutionHistory(executionId)).find(
          (e) => e.type === 'TaskSubmitted',
        );
        const token = (submitted?.details.output as { token: string }).token;
        await workflow.sendTaskSuccess(token, { ok: true });
        expect(await workflow.drive(executionId)).toEqual({
          kind: 'parked',
          wakeAt: '2030-01-01T00:00:05.000Z',
        });
        now += 5000;
        expect(await workflow.drive(executionId)).toEqual({ kind: 'ended', status: 'SUCCEEDED' });
        expect((await workflow.describeExecution(executionId)).output).toEqual({
          approved: true,
          at: '2030-01-01T00:00:05.000Z',
        });
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}
