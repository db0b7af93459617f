// The lifecycle's executions on AWS Step Functions: the state machine `grantflow workflow export`
// deployed runs them, its grantflow steps call the tasks function, and this process only starts
// them, reads them and answers their task tokens (approve, deny, revoke), over the Step Functions
// API. Step Functions keeps them going across restarts, so there is nothing to resume here.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent as SfnHistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import type { Json, JsonObject } from '../json.ts';
import type { ExecutionSummary, HistoryEntry, LifecycleExecutions } from '../lifecycle/executions.ts';
import type { ExecutionStatus } from '../store.ts';
import { historyDetailsKey } from './history-details.ts';

export interface StepFunctionsTarget {
  readonly client: SFNClient;
  /** The deployed lifecycle state machine (the stack's StateMachineArn output). */
  readonly stateMachineArn: string;
  /** Between looks at an execution while `drive` or `settled` wait on it (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** How long `drive` watches an execution that neither ends nor rests (default 60 s). */
  readonly driveTimeoutMs?: number;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

/** The region of a state machine ARN, or undefined when the text is not one. */
export function stateMachineRegion(arn: string): string | undefined {
  return STATE_MACHINE_ARN.exec(arn)?.[1];
}

/** Task events after which a Task state no longer waits on what it scheduled. */
const TASK_ENDED = new Set([
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
]);

/** The execution history's details member of an event, whatever its type. */
function detailsOf(event: SfnHistoryEvent): Record<string, unknown> | undefined {
  return (event as unknown as Record<string, Record<string, unknown> | undefined>)[
    historyDetailsKey(event.type!)
  ];
}

export class StepFunctionsExecutions implements LifecycleExecutions {
  readonly engineKind = 'stepfunctions';
  readonly #client: SFNClient;
  readonly #stateMachineArn: string;
  readonly #pollMs: number;
  readonly #driveTimeoutMs: number;

  constructor(target: StepFunctionsTarget) {
    if (stateMachineRegion(target.stateMachineArn) === undefined)
      throw new RangeError(`"${target.stateMachineArn}" is not a Step Functions state machine ARN`);
    this.#client = target.client;
    this.#stateMachineArn = target.stateMachineArn;
    this.#pollMs = target.pollIntervalMs ?? 1000;
    this.#driveTimeoutMs = target.driveTimeoutMs ?? 60_000;
  }

  /** arn:…:stateMachine:NAME → arn:…:execution:NAME:EXECUTION */
  executionArn(name: string): string {
    return `${this.#stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  async start(name: string, input: JsonObject): Promise<void> {
    try {
      await this.#client.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
    } catch (err) {
      // Started before with other input: a request id is never reused, so this is a real conflict.
      if (err instanceof ExecutionAlreadyExists)
        throw new Error(`an execution named ${name} already exists with another input`, { cause: err });
      throw err;
    }
  }

  async describe(
    name: string,
    options: { readonly currentState?: boolean } = {},
  ): Promise<ExecutionSummary | undefined> {
    let d;
    try {
      d = await this.#client.send(new DescribeExecutionCommand({ executionArn: this.executionArn(name) }));
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return undefined;
      throw err;
    }
    // DescribeExecution does not say where a running execution is; its newest events do.
    const currentState =
      options.currentState && d.status === 'RUNNING' ? await this.#currentState(name) : undefined;
    return {
      id: name,
      arn: d.executionArn ?? this.executionArn(name),
      // PENDING_REDRIVE: it failed and may be redriven; for the request it has ended as failed.
      status: d.status === 'PENDING_REDRIVE' ? 'FAILED' : (d.status as ExecutionStatus),
      ...(currentState !== undefined ? { currentState } : {}),
      ...(d.error ? { error: d.error } : {}),
      ...(d.cause ? { cause: d.cause } : {}),
    };
  }

  /**
   * The state the newest *StateEntered event names, unless a *StateExited came after it (the
   * execution is between two states). grantflow's definition has no Map or Parallel state, so
   * every state entered is a top-level one.
   */
  async #currentState(name: string): Promise<string | undefined> {
    for await (const e of this.#events(name, { reverseOrder: true, maxResults: 100 })) {
      if (e.type!.endsWith('StateExited')) return undefined;
      if (e.type!.endsWith('StateEntered')) {
        const state = detailsOf(e)?.name;
        return typeof state === 'string' ? state : undefined;
      }
    }
    return undefined;
  }

  /** The execution's events, without their data, page after page as they are read. */
  async *#events(
    name: string,
    options: { readonly reverseOrder?: boolean; readonly maxResults: number },
  ): AsyncGenerator<SfnHistoryEvent> {
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(
        new GetExecutionHistoryCommand({
          executionArn: this.executionArn(name),
          ...(options.reverseOrder ? { reverseOrder: true } : {}),
          maxResults: options.maxResults,
          includeExecutionData: false,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      yield* page.events ?? [];
      nextToken = page.nextToken;
    } while (nextToken);
  }

  async history(name: string): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    const stateOf = new Map<number, string>();
    for await (const e of this.#events(name, { maxResults: 1000 })) {
      // An event names its state only when it enters or leaves it; the others belong to the
      // state their previous event belongs to.
      const own = detailsOf(e)?.name;
      const stateName =
        typeof own === 'string' && /State(Entered|Exited)$/.test(e.type!)
          ? own
          : e.previousEventId !== undefined
            ? stateOf.get(e.previousEventId)
            : undefined;
      if (stateName !== undefined && !e.type!.endsWith('StateExited')) stateOf.set(e.id!, stateName);
      entries.push({
        type: e.type!,
        ...(stateName !== undefined ? { stateName } : {}),
        timestamp: (e.timestamp ?? new Date(0)).toISOString(),
      });
    }
    return entries;
  }

  async waitingToken(name: string, stateName: string): Promise<string | undefined> {
    let page;
    try {
      page = await this.#client.send(
        new GetExecutionHistoryCommand({
          executionArn: this.executionArn(name),
          reverseOrder: true,
          maxResults: 100,
        }),
      );
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return undefined;
      throw err;
    }
    // Newest first: the state's latest TaskScheduled, with nothing after it that ended the task,
    // then its TaskStateEntered. Anything else first (leaving a state, the end) means no wait.
    let scheduled: SfnHistoryEvent | undefined;
    for (const e of page.events ?? []) {
      const type = e.type!;
      if (type === 'TaskScheduled') {
        scheduled ??= e;
        continue;
      }
      if (TASK_ENDED.has(type)) {
        if (scheduled === undefined) return undefined;
        continue;
      }
      if (type === 'TaskStateEntered') {
        if (detailsOf(e)?.name !== stateName || scheduled === undefined) return undefined;
        return tokenIn(detailsOf(scheduled)?.parameters);
      }
      if (type.endsWith('StateExited') || type.startsWith('Execution')) return undefined;
    }
    return undefined;
  }

  async sendTaskSuccess(token: string, output: Json): Promise<void> {
    await this.#client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  }

  async drive(name: string): Promise<ExecutionStatus> {
    const deadline = Date.now() + this.#driveTimeoutMs;
    for (;;) {
      const d = await this.describe(name);
      if (d === undefined) throw new Error(`no execution ${this.executionArn(name)}`);
      if (d.status !== 'RUNNING') return d.status;
      if ((await this.#restsOnToken(name)) || Date.now() >= deadline) return 'RUNNING';
      await new Promise((r) => setTimeout(r, this.#pollMs));
    }
  }

  async settled(name: string): Promise<void> {
    for (;;) {
      const d = await this.describe(name);
      if (d !== undefined && d.status !== 'RUNNING') return;
      await new Promise((r) => setTimeout(r, this.#pollMs));
    }
  }

  /** Step Functions resumes its own executions. */
  async resumeDue(): Promise<string[]> {
    return [];
  }

  startWorker(): void {}

  async stopWorker(): Promise<void> {}

  /** Whether the execution's newest event is a token task's hand-over (it waits for an answer). */
  async #restsOnToken(name: string): Promise<boolean> {
    const page = await this.#client.send(
      new GetExecutionHistoryCommand({
        executionArn: this.executionArn(name),
        reverseOrder: true,
        maxResults: 5,
      }),
    );
    for (const e of page.events ?? []) {
      if (e.type === 'TaskSubmitted' || e.type === 'TaskStarted') continue;
      if (e.type === 'TaskScheduled') return tokenIn(detailsOf(e)?.parameters) !== undefined;
      return false;
    }
    return false;
  }
}

/** The task token in a TaskScheduled event's parameters (JSON text): Payload.TaskToken. */
function tokenIn(parameters: unknown): string | undefined {
  if (typeof parameters !== 'string') return undefined;
  try {
    const token = (JSON.parse(parameters) as { Payload?: { TaskToken?: unknown } }).Payload?.TaskToken;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
}
