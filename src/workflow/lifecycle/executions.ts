// Where a request's execution runs: on the embedded interpreter in this process (the default), or
// on AWS Step Functions (../stepfunctions/executions.ts). The lifecycle service asks the same few
// things of either: start, describe, history, the task token a state waits on, answer it.
import type { WorkflowEngine } from '../engine.ts';
import type { Json, JsonObject } from '../json.ts';
import type { WorkflowRunner } from '../runner.ts';
import type { ExecutionStatus } from '../store.ts';

export interface ExecutionSummary {
  /** The execution's name: the request id. */
  readonly id: string;
  readonly arn: string;
  readonly status: ExecutionStatus;
  readonly currentState?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface HistoryEntry {
  readonly type: string;
  readonly stateName?: string;
  readonly timestamp: string;
}

export interface LifecycleExecutions {
  readonly engineKind: 'embedded' | 'stepfunctions';
  /** Starts the execution `name` of grantflow's lifecycle definition. */
  start(name: string, input: JsonObject): Promise<void>;
  /**
   * `currentState`: also say which state a running execution is in, where that costs a call of its
   * own (Step Functions: its history); a single request's view asks for it, a listing does not.
   */
  describe(
    name: string,
    options?: { readonly currentState?: boolean },
  ): Promise<ExecutionSummary | undefined>;
  history(name: string): Promise<HistoryEntry[]>;
  /** The token the execution waits on in `stateName`, when it waits there now. */
  waitingToken(name: string, stateName: string): Promise<string | undefined>;
  sendTaskSuccess(token: string, output: Json): Promise<void>;
  /**
   * Carries the execution on (or watches it go on) until it ends or rests: on a task token, or in
   * a wait longer than a few seconds. Returns its status then.
   */
  drive(name: string): Promise<ExecutionStatus>;
  /** Resolves once the execution ended. */
  settled(name: string): Promise<void>;
  /** Drives what is due now (after a stop); the names it drove. */
  resumeDue(isLifecycle: (name: string) => Promise<boolean>): Promise<string[]>;
  /** Starts and stops working on executions in the background (where this process does that). */
  startWorker(): void;
  stopWorker(): Promise<void>;
}

/** A wait shorter than this is part of getting somewhere (a Retry backoff): `drive` sleeps through it. */
const SHORT_WAIT_MS = 5_000;

export class EmbeddedExecutions implements LifecycleExecutions {
  readonly engineKind = 'embedded';
  readonly engine: WorkflowEngine;
  readonly runner: WorkflowRunner;
  readonly #definition: object;
  readonly #definitionName: string;
  readonly #clock: () => Date;
  readonly #leaseMs: number;

  constructor(options: {
    engine: WorkflowEngine;
    runner: WorkflowRunner;
    definition: object;
    definitionName: string;
    clock: () => Date;
    leaseMs?: number;
  }) {
    this.engine = options.engine;
    this.runner = options.runner;
    this.#definition = options.definition;
    this.#definitionName = options.definitionName;
    this.#clock = options.clock;
    this.#leaseMs = options.leaseMs ?? 60_000;
  }

  async start(name: string, input: JsonObject): Promise<void> {
    await this.engine.startExecution({
      definition: this.#definition,
      definitionName: this.#definitionName,
      name,
      requestId: name,
      input,
    });
    this.runner.wake(name);
  }

  async describe(name: string): Promise<ExecutionSummary | undefined> {
    const d = await this.engine.describeExecution(name).catch(() => undefined);
    if (!d) return undefined;
    return {
      id: d.executionId,
      arn: d.executionArn,
      status: d.status,
      ...(d.currentState ? { currentState: d.currentState } : {}),
      ...(d.error ? { error: d.error } : {}),
      ...(d.cause ? { cause: d.cause } : {}),
    };
  }

  async history(name: string): Promise<HistoryEntry[]> {
    return (await this.engine.getExecutionHistory(name)).map((e) => ({
      type: e.type,
      ...(e.stateName !== undefined ? { stateName: e.stateName } : {}),
      timestamp: e.timestamp,
    }));
  }

  async waitingToken(name: string, stateName: string): Promise<string | undefined> {
    const tail = await this.engine.store.loadTail(name);
    if (!tail || tail.execution.status !== 'RUNNING' || tail.execution.currentState !== stateName)
      return undefined;
    return tail.waits.find(
      (w) =>
        w.kind === 'task_token' && w.completedAt === undefined && w.stateName === stateName && w.taskToken,
    )?.taskToken;
  }

  sendTaskSuccess(token: string, output: Json): Promise<void> {
    return this.engine.sendTaskSuccess(token, output);
  }

  async drive(name: string): Promise<ExecutionStatus> {
    for (let i = 0; ; i++) {
      const result = await this.engine.drive(name);
      if (result.kind === 'ended') return result.status;
      if (result.kind === 'parked') {
        const delay = result.wakeAt ? Date.parse(result.wakeAt) - this.#clock().getTime() : Infinity;
        const tail = await this.engine.store.loadTail(name);
        const onToken = tail?.waits.some((w) => w.completedAt === undefined && w.kind === 'task_token');
        if (onToken || delay > SHORT_WAIT_MS) return 'RUNNING';
        await new Promise((r) => setTimeout(r, Math.max(0, delay)));
        continue;
      }
      // Another driver has it (the runner): look again shortly.
      await new Promise((r) => setTimeout(r, 100 * Math.min(10, i + 1)));
    }
  }

  settled(name: string): Promise<void> {
    return this.runner.settled(name).then(() => undefined);
  }

  async resumeDue(isLifecycle: (name: string) => Promise<boolean>): Promise<string[]> {
    const now = this.#clock();
    const staleBefore = new Date(now.getTime() - this.#leaseMs).toISOString();
    const due = await this.engine.store.dueExecutions(now.toISOString(), staleBefore, 10_000);
    const driven: string[] = [];
    for (const { id } of due) {
      if (!(await isLifecycle(id))) continue; // e.g. a `grantflow workflow run` execution
      await this.drive(id);
      driven.push(id);
    }
    return driven;
  }

  startWorker(): void {
    this.runner.start();
  }

  stopWorker(): Promise<void> {
    return this.runner.stop();
  }
}
