// The durable interpreter. An execution advances in steps; each step ends in one atomic commit of
// its history events, snapshot, waits and recorded values, and a step's effect (a task call)
// happens only after the commit that announces it (TaskScheduled). After a crash, the history
// since the current state was entered says what is left to do (cursor.ts): a task whose
// completion was not recorded runs again (at-least-once; connectors make their effects
// idempotent), a wait resumes at its stored absolute time.
//
// Ownership: one driver at a time per execution. A driver claims an execution by bumping its
// version (a commit), keeps it alive with heartbeats on updated_at, and lets go when the
// execution rests in a wait. Another process takes over only a due wait, or an execution nobody
// touched for `leaseMs`; a driver whose commit finds the version changed stops.
import { createHash, randomUUID } from 'node:crypto';
import { parseDefinition, DefinitionError } from './definition.ts';
import type {
  ChoiceState,
  DefinitionProblem,
  FailState,
  State,
  StateMachine,
  TaskState,
  Template,
  WaitState,
} from './definition.ts';
import { readCursor, taskEventType, taskStep, waitingAt } from './cursor.ts';
import type { Cursor, TaskStep } from './cursor.ts';
import { STATES_ERRORS, StatesError, errorMatches, isTerminalError, toStatesError } from './errors.ts';
import {
  DEFAULT_EVALUATION_LIMITS,
  evaluateExpression,
  evaluateTemplate,
  expressionText,
} from './expressions.ts';
import type { ContextObject, EvaluationLimits, EvaluationScope } from './expressions.ts';
import { checkPayloadSize, isJsonObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';
import { Recorder, defaultSources } from './recorder.ts';
import type { RandomSources } from './recorder.ts';
import { decideRetry, jitteredDelay } from './retry.ts';
import { ExecutionConflictError } from './store.ts';
import type {
  Commit,
  ExecutionRow,
  ExecutionStatus,
  ExecutionStore,
  ExecutionTail,
  HistoryEvent,
  WaitRecord,
} from './store.ts';
import { isLambdaFunctionArn } from './connectors/lambda.ts';
import { describeResource, splitResource } from './connectors/types.ts';
import type { ConnectorMap } from './connectors/types.ts';

export interface EngineOptions {
  readonly store: ExecutionStore;
  readonly connectors: ConnectorMap;
  readonly clock?: () => Date;
  /** Where $uuid(), $random(), jitter and task tokens come from; $now() uses `clock`. */
  readonly sources?: Partial<RandomSources>;
  readonly limits?: EvaluationLimits;
  /** Multiplies every Wait and Retry delay (e.g. 0.001 for demos and tests); default 1. */
  readonly waitScale?: number;
  /** For ARNs and the context object. */
  readonly region?: string;
  readonly accountId?: string;
  readonly roleArn?: string;
  /** How long a silent driver keeps an execution before another process may take it (default 60 s). */
  readonly leaseMs?: number;
  /** Called after every commit with the events it added (progress display, notifications). */
  readonly onEvents?: (executionId: string, events: readonly HistoryEvent[]) => void;
}

export interface StartExecutionInput {
  /** A parsed definition, or its JSON (text or object). */
  readonly definition: StateMachine | string | object;
  /** The state machine's name, for ARNs (default `grantflow`). */
  readonly definitionName?: string;
  readonly input?: Json;
  /** The execution's name, unique in the store (default a UUID). */
  readonly name?: string;
  /** The access request it carries out, if any. */
  readonly requestId?: string;
}

export interface ExecutionDescription {
  readonly executionId: string;
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly definitionName: string;
  readonly requestId?: string;
  readonly status: ExecutionStatus;
  readonly input: Json;
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  readonly currentState?: string;
  readonly startDate: string;
  readonly stopDate?: string;
}

export type DriveResult =
  /** The execution ended (or had ended). */
  | { readonly kind: 'ended'; readonly status: ExecutionStatus }
  /** It rests in a wait: until `wakeAt`, or until a task token is answered when absent. */
  | { readonly kind: 'parked'; readonly wakeAt?: string }
  /** Another driver has it. */
  | { readonly kind: 'busy' };

export class ExecutionNotFoundError extends Error {
  readonly code = 'EXECUTION_NOT_FOUND';
}

/**
 * SendTaskSuccess/SendTaskFailure with a token that is not waiting: `TaskDoesNotExist` for a token
 * never issued, `TaskTimedOut` for one whose task is over (answered, timed out or stopped), as
 * Step Functions' API names them.
 */
export class InvalidTaskTokenError extends Error {
  readonly code: 'TaskDoesNotExist' | 'TaskTimedOut';
  constructor(code: 'TaskDoesNotExist' | 'TaskTimedOut', message: string) {
    super(message);
    this.name = 'InvalidTaskTokenError';
    this.code = code;
  }
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const DEFAULT_LEASE_MS = 60_000;

interface Run {
  readonly id: string;
  readonly machine: StateMachine;
  tail: ExecutionTail;
  version: number;
}

interface PreparedTask {
  readonly recorder: Recorder;
  readonly args: Json;
  readonly timeoutSeconds?: number;
  readonly token?: string;
}

interface Outcome {
  readonly ok: boolean;
  readonly result?: Json;
  readonly error?: StatesError;
  readonly timedOut?: boolean;
}

/** Events for one commit, numbered after the execution's last event. */
class EventBatch {
  readonly events: HistoryEvent[] = [];
  #next: number;
  readonly #now: string;
  constructor(lastEventId: number, now: string) {
    this.#next = lastEventId + 1;
    this.#now = now;
  }
  add(type: string, stateName: string | undefined, details: JsonObject, timestamp = this.#now): HistoryEvent {
    const event: HistoryEvent = {
      id: this.#next++,
      type,
      ...(stateName ? { stateName } : {}),
      timestamp,
      details,
    };
    this.events.push(event);
    return event;
  }
  get lastId(): number {
    return this.#next - 1;
  }
}

export class WorkflowEngine {
  readonly store: ExecutionStore;
  readonly connectors: ConnectorMap;
  readonly #clock: () => Date;
  readonly #sources: RandomSources;
  readonly #limits: EvaluationLimits;
  readonly #waitScale: number;
  readonly region: string;
  readonly accountId: string;
  readonly #roleArn: string;
  readonly #leaseMs: number;
  readonly #onEvents?: (executionId: string, events: readonly HistoryEvent[]) => void;
  readonly #definitions = new Map<string, StateMachine>();
  /** Executions this engine holds, with the version it last wrote. */
  readonly #owned = new Map<string, number>();
  readonly #active = new Map<string, Promise<DriveResult>>();
  readonly #listeners = new Set<(executionId: string) => void>();

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.connectors = options.connectors;
    this.#clock = options.clock ?? (() => new Date());
    this.#sources = { ...defaultSources(this.#clock), ...options.sources };
    this.#limits = options.limits ?? DEFAULT_EVALUATION_LIMITS;
    const scale = options.waitScale ?? 1;
    if (!(Number.isFinite(scale) && scale >= 0))
      throw new RangeError('waitScale must be a non-negative number');
    this.#waitScale = scale;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.#roleArn = options.roleArn ?? `arn:aws:iam::${this.accountId}:role/grantflow-workflow`;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#onEvents = options.onEvents;
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  stateMachineArn(definitionName: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${definitionName}`;
  }

  executionArn(definitionName: string, executionId: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:execution:${definitionName}:${executionId}`;
  }

  /** Parses a definition and checks that every Task resource has a connector. */
  prepare(definition: StateMachine | string | object): StateMachine {
    const machine = isStateMachine(definition) ? definition : parseDefinition(definition);
    const problems: DefinitionProblem[] = [];
    for (const state of machine.states.values()) {
      if (state.type !== 'Task') continue;
      const { base, pattern } = splitResource(state.resource);
      if (pattern !== 'request-response' && pattern !== 'waitForTaskToken') {
        problems.push({
          path: `/States/${state.name}/Resource`,
          message: `the .${pattern} integration pattern is not supported; use request-response or .waitForTaskToken`,
        });
      } else if (!Object.hasOwn(this.connectors, base)) {
        problems.push({ path: `/States/${state.name}/Resource`, message: `no connector for ${base}` });
      }
    }
    if (problems.length > 0) throw new DefinitionError(problems);
    return machine;
  }

  /** Creates an execution (ExecutionStarted and the first state's entry); `drive` runs it. */
  async startExecution(request: StartExecutionInput): Promise<ExecutionDescription> {
    const machine = this.prepare(request.definition);
    const definitionName = request.definitionName ?? 'grantflow';
    if (!NAME.test(definitionName))
      throw new RangeError(`definition name "${definitionName}": use 1 to 80 letters, digits, - and _`);
    const id = request.name ?? randomUUID();
    if (!NAME.test(id)) throw new RangeError(`execution name "${id}": use 1 to 80 letters, digits, - and _`);
    const input = request.input ?? {};
    checkPayloadSize(input, 'execution input');
    const document = JSON.stringify(machine.source);
    const hash = createHash('sha256').update(document).digest('hex');
    const now = this.#now();
    await this.store.putDefinition({ hash, name: definitionName, document, createdAt: now });
    this.#definitions.set(hash, machine);
    const batch = new EventBatch(0, now);
    batch.add('ExecutionStarted', undefined, {
      input,
      roleArn: this.#roleArn,
      stateMachineArn: this.stateMachineArn(definitionName),
    });
    const first = machine.states.get(machine.startAt)!;
    batch.add(`${first.type}StateEntered`, first.name, { name: first.name, input });
    const row: ExecutionRow = {
      id,
      ...(request.requestId ? { requestId: request.requestId } : {}),
      definitionName,
      definitionHash: hash,
      status: 'RUNNING',
      input,
      currentState: first.name,
      stateInput: input,
      variables: {},
      startedAt: now,
      updatedAt: now,
      version: 1,
    };
    await this.store.createExecution(row, batch.events);
    this.#owned.set(id, 1);
    this.#onEvents?.(id, batch.events);
    return this.#describe(row);
  }

  async describeExecution(id: string): Promise<ExecutionDescription> {
    const row = await this.store.getExecution(id);
    if (!row) throw new ExecutionNotFoundError(`no execution ${id}`);
    return this.#describe(row);
  }

  #describe(row: ExecutionRow): ExecutionDescription {
    return {
      executionId: row.id,
      executionArn: this.executionArn(row.definitionName, row.id),
      stateMachineArn: this.stateMachineArn(row.definitionName),
      definitionName: row.definitionName,
      ...(row.requestId ? { requestId: row.requestId } : {}),
      status: row.status,
      input: row.input,
      ...(row.output !== undefined ? { output: row.output } : {}),
      ...(row.error !== undefined ? { error: row.error } : {}),
      ...(row.cause !== undefined ? { cause: row.cause } : {}),
      ...(row.currentState !== undefined ? { currentState: row.currentState } : {}),
      startDate: row.startedAt,
      ...(row.stoppedAt !== undefined ? { stopDate: row.stoppedAt } : {}),
    };
  }

  async getExecutionHistory(id: string): Promise<HistoryEvent[]> {
    if (!(await this.store.getExecution(id))) throw new ExecutionNotFoundError(`no execution ${id}`);
    return this.store.history(id);
  }

  /** Called with an execution id when something may let it move (a task token was answered). */
  onWake(listener: (executionId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async sendTaskSuccess(taskToken: string, output: Json): Promise<void> {
    checkPayloadSize(output, 'task output');
    await this.#answer(taskToken, { ok: true, output });
  }

  async sendTaskFailure(taskToken: string, error = 'States.TaskFailed', cause = ''): Promise<void> {
    await this.#answer(taskToken, { ok: false, error, cause });
  }

  async #answer(taskToken: string, answer: JsonObject): Promise<void> {
    let executionId = '';
    const result = await this.store.resolveTaskToken(
      taskToken,
      (wait) => {
        executionId = wait.executionId;
        return { key: answerKey(wait.sequence, wait.stateName), value: answer };
      },
      this.#now(),
    );
    if (result === 'unknown')
      throw new InvalidTaskTokenError('TaskDoesNotExist', 'No task is waiting for this task token.');
    if (result !== 'resolved') {
      throw new InvalidTaskTokenError(
        'TaskTimedOut',
        result === 'already-answered'
          ? 'The task token was already answered.'
          : 'The task of this token is over: it timed out, was answered, or its execution ended.',
      );
    }
    for (const listener of this.#listeners) listener(executionId);
  }

  /** Stops a running execution (ABORTED). A task in flight finishes, but nothing after it runs. */
  async stopExecution(
    id: string,
    options: { error?: string; cause?: string } = {},
  ): Promise<ExecutionDescription> {
    for (let tries = 0; ; tries++) {
      const tail = await this.store.loadTail(id);
      if (!tail) throw new ExecutionNotFoundError(`no execution ${id}`);
      if (tail.execution.status !== 'RUNNING') return this.#describe(tail.execution);
      const now = this.#now();
      const batch = new EventBatch(lastEventId(tail), now);
      batch.add('ExecutionAborted', undefined, {
        ...(options.error !== undefined ? { error: options.error } : {}),
        ...(options.cause !== undefined ? { cause: options.cause } : {}),
      });
      try {
        await this.store.commit({
          id,
          expectedVersion: tail.execution.version,
          now,
          events: batch.events,
          update: {
            status: 'ABORTED',
            stoppedAt: now,
            ...(options.error !== undefined ? { error: options.error } : {}),
            ...(options.cause !== undefined ? { cause: options.cause } : {}),
            clear: ['currentState', 'stateInput'],
          },
          completeAllWaits: true,
        });
        this.#owned.delete(id);
        this.#onEvents?.(id, batch.events);
        return this.describeExecution(id);
      } catch (err) {
        if (!(err instanceof ExecutionConflictError) || tries >= 20) throw err;
      }
    }
  }

  /**
   * Advances an execution as far as it can go now: to its end, or to a wait. Concurrent calls for
   * the same execution in this engine share one drive.
   */
  drive(id: string): Promise<DriveResult> {
    const running = this.#active.get(id);
    if (running) return running;
    const drive = this.#drive(id).finally(() => this.#active.delete(id));
    this.#active.set(id, drive);
    return drive;
  }

  /** Whether this engine is driving the execution right now. */
  isDriving(id: string): boolean {
    return this.#active.has(id);
  }

  async #machine(hash: string): Promise<StateMachine> {
    let machine = this.#definitions.get(hash);
    if (!machine) {
      const document = await this.store.getDefinition(hash);
      if (document === undefined) throw new Error(`the definition ${hash} is missing from the store`);
      machine = parseDefinition(document);
      this.#definitions.set(hash, machine);
    }
    return machine;
  }

  async #drive(id: string): Promise<DriveResult> {
    const tail = await this.store.loadTail(id);
    if (!tail) throw new ExecutionNotFoundError(`no execution ${id}`);
    if (tail.execution.status !== 'RUNNING') {
      this.#owned.delete(id);
      return { kind: 'ended', status: tail.execution.status };
    }
    const run: Run = {
      id,
      machine: await this.#machine(tail.execution.definitionHash),
      tail,
      version: tail.execution.version,
    };
    const claimed = await this.#claim(run);
    if (claimed) return claimed;

    // Heartbeats tell other processes this driver is alive, during long task calls too.
    const heartbeat = setInterval(
      () => {
        void this.store.heartbeat(id, run.version, this.#now()).catch(() => undefined);
      },
      Math.max(50, Math.floor(this.#leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      for (;;) {
        if (run.tail.execution.status !== 'RUNNING') {
          this.#owned.delete(id);
          return { kind: 'ended', status: run.tail.execution.status };
        }
        if (this.#timedOut(run)) {
          await this.#endExecution(run, new EventBatch(lastEventId(run.tail), this.#now()), 'TIMED_OUT', {
            error: STATES_ERRORS.Timeout,
            cause: `The execution ran longer than the state machine's TimeoutSeconds (${run.machine.timeoutSeconds}).`,
          });
          continue;
        }
        const parked = await this.#step(run);
        if (parked) {
          this.#owned.delete(id);
          return parked;
        }
      }
    } catch (err) {
      this.#owned.delete(id);
      if (!(err instanceof ExecutionConflictError)) throw err;
      const now = await this.store.getExecution(id);
      return now && now.status !== 'RUNNING' ? { kind: 'ended', status: now.status } : { kind: 'busy' };
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Takes the execution for this engine, or says why not (it rests in a wait, or another driver
   * has it). Returns undefined once claimed.
   */
  async #claim(run: Run): Promise<DriveResult | undefined> {
    const now = this.#now();
    const execution = run.tail.execution;
    if (this.#timedOut(run)) return this.#take(run, {});
    const state = this.#state(run);
    const cursor = readCursor(run.tail, state, now);
    const position = cursor.position;
    const owned = this.#owned.get(run.id) === run.version;
    const stale = Date.parse(execution.updatedAt) < this.#clock().getTime() - this.#leaseMs;

    switch (position.kind) {
      case 'wait-pending':
      case 'retry-waiting':
        return { kind: 'parked', wakeAt: position.wait.wakeAt! };
      case 'wait-done':
        // A pending wait that is due may be taken by anyone; once taken, only by its driver.
        if (position.wait.completedAt === undefined)
          return this.#take(run, { completeWaits: [position.wait.sequence] });
        return owned || stale ? this.#take(run, {}) : { kind: 'busy' };
      case 'task-ready': {
        const retry = run.tail.waits.find((w) => w.kind === 'retry' && w.completedAt === undefined);
        return retry
          ? this.#take(run, { completeWaits: [retry.sequence] })
          : owned || stale
            ? this.#take(run, {})
            : { kind: 'busy' };
      }
      case 'task-running': {
        const wait = position.tokenWait;
        if (!wait || wait.completedAt !== undefined)
          return owned || stale ? this.#take(run, {}) : { kind: 'busy' };
        const answered = await this.#readAnswer(run, position.scheduled);
        const deadline = taskDeadline(position.scheduled);
        if (answered || (deadline !== undefined && deadline <= now))
          return this.#take(run, { completeWaits: [wait.sequence] });
        if (position.submitted) return { kind: 'parked', ...(wait.wakeAt ? { wakeAt: wait.wakeAt } : {}) };
        // Scheduled but not confirmed sent: the in-flight guard expired (the driver died) or we own it.
        if (!owned && waitingAt(wait, now)) return { kind: 'busy' };
        return this.#take(run, { updateWaits: [{ sequence: wait.sequence, wakeAt: this.#guard(deadline) }] });
      }
      case 'start':
        return owned || stale ? this.#take(run, {}) : { kind: 'busy' };
    }
  }

  async #take(run: Run, change: Partial<Commit>): Promise<DriveResult | undefined> {
    const owned = this.#owned.get(run.id) === run.version;
    if (owned && !change.completeWaits && !change.updateWaits) return undefined;
    try {
      await this.#commit(run, change);
    } catch (err) {
      if (err instanceof ExecutionConflictError) return { kind: 'busy' };
      throw err;
    }
    this.#owned.set(run.id, run.version);
    return undefined;
  }

  /** The in-flight guard of a callback task: when another driver may assume this one died. */
  #guard(deadline: string | undefined): string {
    const guard = new Date(this.#clock().getTime() + this.#leaseMs).toISOString();
    return deadline !== undefined && deadline < guard ? deadline : guard;
  }

  #timedOut(run: Run): boolean {
    const limit = run.machine.timeoutSeconds;
    if (limit === undefined) return false;
    return this.#clock().getTime() >= Date.parse(run.tail.execution.startedAt) + limit * 1000;
  }

  #executionDeadline(run: Run): string | undefined {
    const limit = run.machine.timeoutSeconds;
    return limit === undefined
      ? undefined
      : new Date(Date.parse(run.tail.execution.startedAt) + limit * 1000).toISOString();
  }

  /** A wake time, never later than the execution's own deadline. */
  #wake(run: Run, at: string | undefined): string | undefined {
    const deadline = this.#executionDeadline(run);
    if (deadline === undefined) return at;
    return at === undefined || deadline < at ? deadline : at;
  }

  #state(run: Run): State {
    const name = run.tail.execution.currentState;
    const state = name === undefined ? undefined : run.machine.states.get(name);
    if (!state) throw new Error(`execution ${run.id} is at an unknown state ${JSON.stringify(name)}`);
    return state;
  }

  async #commit(run: Run, change: Partial<Commit>): Promise<void> {
    const commit: Commit = { id: run.id, expectedVersion: run.version, now: this.#now(), ...change };
    const version = await this.store.commit(commit);
    run.version = version;
    run.tail = applyCommit(run.tail, commit, version);
    this.#owned.set(run.id, version);
    if (commit.events && commit.events.length > 0) this.#onEvents?.(run.id, commit.events);
  }

  // ── Steps ────────────────────────────────────────────────────────────────────────────────

  /** Runs one step; returns a DriveResult when the execution rests in a wait. */
  async #step(run: Run): Promise<DriveResult | undefined> {
    const now = this.#now();
    const state = this.#state(run);
    const cursor = readCursor(run.tail, state, now);
    const position = cursor.position;
    switch (position.kind) {
      case 'wait-pending':
      case 'retry-waiting':
        return { kind: 'parked', wakeAt: position.wait.wakeAt! };
      case 'wait-done':
        return this.#exitWait(run, cursor, state as WaitState, position.wait);
      case 'task-ready':
        return this.#schedule(run, cursor, state as TaskState);
      case 'task-running':
        return this.#resumeTask(run, cursor, state as TaskState, position);
      case 'start':
        switch (state.type) {
          case 'Pass':
            return this.#exit(run, cursor, [state.assign], state.output, {}, this.#input(run));
          case 'Task':
            return this.#schedule(run, cursor, state);
          case 'Choice':
            return this.#choose(run, cursor, state);
          case 'Wait':
            return this.#startWait(run, cursor, state);
          case 'Succeed':
            return this.#exit(run, cursor, [], state.output, {}, this.#input(run));
          case 'Fail':
            return this.#fail(run, cursor, state);
        }
    }
  }

  #input(run: Run): Json {
    return run.tail.execution.stateInput ?? null;
  }

  #scope(
    run: Run,
    cursor: Cursor,
    recorder: Recorder,
    extra: Partial<EvaluationScope> = {},
    token?: string,
  ): EvaluationScope {
    return this.#scopeAt(
      run,
      {
        state: cursor.state,
        entered: cursor.entered,
        retryCount: cursor.retryCount,
        input: this.#input(run),
        variables: run.tail.execution.variables,
      },
      recorder,
      extra,
      token,
    );
  }

  /** What expressions of a state see, at a given entry of it. */
  #scopeAt(
    run: Run,
    at: {
      state: State;
      entered: HistoryEvent;
      retryCount: number;
      input: Json;
      variables: Readonly<Record<string, Json>>;
    },
    recorder: Recorder,
    extra: Partial<EvaluationScope> = {},
    token?: string,
  ): EvaluationScope {
    const execution = run.tail.execution;
    const context: ContextObject = {
      Execution: {
        Id: this.executionArn(execution.definitionName, execution.id),
        Input: execution.input,
        Name: execution.id,
        RoleArn: this.#roleArn,
        StartTime: execution.startedAt,
        RedriveCount: 0,
      },
      State: { EnteredTime: at.entered.timestamp, Name: at.state.name, RetryCount: at.retryCount },
      StateMachine: { Id: this.stateMachineArn(execution.definitionName), Name: execution.definitionName },
      ...(token !== undefined ? { Task: { Token: token } } : {}),
    };
    return {
      stateName: at.state.name,
      enteredEventId: at.entered.id,
      input: at.input,
      context,
      variables: at.variables,
      nondeterminism: recorder,
      limits: this.#limits,
      ...extra,
    };
  }

  #recorder(cursor: Cursor, phase: string, replay?: Readonly<Record<string, Json>>): Recorder {
    return new Recorder(`${cursor.entered.id}/${cursor.state.name}/${phase}/`, this.#sources, replay);
  }

  /** Evaluates Assign blocks (later blocks win) and Output; nothing is assigned until all are evaluated. */
  async #evaluateExit(
    scope: EvaluationScope,
    assigns: readonly (JsonObject | undefined)[],
    output: Template | undefined,
    defaultOutput: Json,
    field = '',
  ): Promise<{ output: Json; assigned: Record<string, Json> }> {
    const assigned: Record<string, Json> = {};
    for (const block of assigns) {
      if (!block) continue;
      for (const [name, template] of Object.entries(block)) {
        assigned[name] = await evaluateTemplate(template, scope, `${field}Assign/${name}`);
      }
    }
    const result =
      output === undefined ? defaultOutput : await evaluateTemplate(output, scope, `${field}Output`);
    for (const [name, value] of Object.entries(assigned))
      checkPayloadSize(value, `value assigned to $${name}`);
    checkPayloadSize(result, `output of state ${scope.stateName}`);
    return { output: result, assigned };
  }

  /** Leaves a state: evaluates its Assign and Output, then commits the exit and the next entry. */
  async #exit(
    run: Run,
    cursor: Cursor,
    assigns: readonly (JsonObject | undefined)[],
    output: Template | undefined,
    extra: Partial<EvaluationScope>,
    defaultOutput: Json,
    options: {
      batch?: EventBatch;
      next?: string;
      recorder?: Recorder;
      change?: Partial<Commit>;
      field?: string;
    } = {},
  ): Promise<DriveResult | undefined> {
    const state = cursor.state;
    const recorder = options.recorder ?? this.#recorder(cursor, 'exit');
    const batch = options.batch ?? new EventBatch(cursor.lastEventId, this.#now());
    let evaluated: { output: Json; assigned: Record<string, Json> };
    try {
      evaluated = await this.#evaluateExit(
        this.#scope(run, cursor, recorder, extra),
        assigns,
        output,
        defaultOutput,
        options.field,
      );
    } catch (err) {
      return this.#failState(
        run,
        cursor,
        toStatesError(err, STATES_ERRORS.QueryEvaluationError),
        batch,
        options.change,
      );
    }
    return this.#transition(
      run,
      cursor,
      evaluated,
      options.next ?? state.next,
      batch,
      recorder.recorded,
      options.change,
    );
  }

  async #transition(
    run: Run,
    cursor: Cursor,
    evaluated: { output: Json; assigned: Record<string, Json> },
    next: string | undefined,
    batch: EventBatch,
    recorded: Record<string, Json>,
    change: Partial<Commit> = {},
  ): Promise<DriveResult | undefined> {
    const state = cursor.state;
    const hasAssign = Object.keys(evaluated.assigned).length > 0;
    batch.add(`${state.type}StateExited`, state.name, {
      name: state.name,
      output: evaluated.output,
      ...(hasAssign ? { assignedVariables: evaluated.assigned } : {}),
    });
    const variables = hasAssign ? { ...run.tail.execution.variables, ...evaluated.assigned } : undefined;
    if (next === undefined) {
      batch.add('ExecutionSucceeded', undefined, { output: evaluated.output });
      await this.#commit(run, {
        ...change,
        events: batch.events,
        recorded,
        completeAllWaits: true,
        update: {
          status: 'SUCCEEDED',
          output: evaluated.output,
          stoppedAt: this.#now(),
          ...(variables ? { variables } : {}),
          clear: ['currentState', 'stateInput'],
        },
      });
      return undefined;
    }
    const target = run.machine.states.get(next)!;
    const entered = batch.add(`${target.type}StateEntered`, target.name, {
      name: target.name,
      input: evaluated.output,
    });
    // A Wait's end is stored with its entry, so no crash can fall between entering and waiting.
    const insertWaits: WaitRecord[] = [];
    if (target.type === 'Wait') {
      const recorder = new Recorder(`${entered.id}/${target.name}/wait/`, this.#sources);
      const at = {
        state: target,
        entered,
        retryCount: 0,
        input: evaluated.output,
        variables: variables ?? run.tail.execution.variables,
      };
      try {
        const wakeAt = await this.#waitUntil(run, target, this.#scopeAt(run, at, recorder));
        insertWaits.push({
          sequence: entered.id,
          stateName: target.name,
          kind: 'wait',
          wakeAt,
          createdAt: this.#now(),
        });
        recorded = { ...recorded, ...recorder.recorded };
      } catch {
        // The state evaluates it again when it runs, and fails there with the error.
      }
    }
    await this.#commit(run, {
      ...change,
      events: batch.events,
      recorded,
      ...(insertWaits.length > 0 ? { insertWaits } : {}),
      update: {
        currentState: target.name,
        stateInput: evaluated.output,
        ...(variables ? { variables } : {}),
      },
    });
    return undefined;
  }

  async #endExecution(
    run: Run,
    batch: EventBatch,
    status: 'FAILED' | 'TIMED_OUT',
    // A Fail state may name neither.
    error: { error?: string; cause?: string },
    change: Partial<Commit> = {},
  ): Promise<undefined> {
    const named = {
      ...(error.error !== undefined ? { error: error.error } : {}),
      ...(error.cause !== undefined ? { cause: error.cause } : {}),
    };
    batch.add(status === 'FAILED' ? 'ExecutionFailed' : 'ExecutionTimedOut', undefined, named);
    await this.#commit(run, {
      ...change,
      events: batch.events,
      completeAllWaits: true,
      update: {
        status,
        ...named,
        stoppedAt: this.#now(),
        clear: ['currentState', 'stateInput'],
      },
    });
    return undefined;
  }

  /** A state other than a Task failed: Pass, Choice, Wait and Succeed have no Retry or Catch. */
  async #failState(
    run: Run,
    cursor: Cursor,
    error: StatesError,
    batch: EventBatch,
    change: Partial<Commit> = {},
  ): Promise<undefined> {
    if (cursor.state.type === 'Task')
      return this.#handleTaskError(run, cursor, cursor.state, error, batch, {}, change);
    if (error.error === STATES_ERRORS.QueryEvaluationError) {
      batch.add('EvaluationFailed', cursor.state.name, {
        state: cursor.state.name,
        error: error.error,
        cause: error.cause,
      });
    }
    return this.#endExecution(run, batch, 'FAILED', { error: error.error, cause: error.cause }, change);
  }

  async #choose(run: Run, cursor: Cursor, state: ChoiceState): Promise<DriveResult | undefined> {
    const recorder = this.#recorder(cursor, 'choice');
    const scope = this.#scope(run, cursor, recorder);
    const batch = new EventBatch(cursor.lastEventId, this.#now());
    try {
      for (let i = 0; i < state.choices.length; i++) {
        const rule = state.choices[i]!;
        let matched: Json = rule.condition;
        if (typeof rule.condition === 'string') {
          matched = await evaluateExpression(rule.condition, scope, `Choices[${i}]/Condition`);
          if (typeof matched !== 'boolean') {
            throw new StatesError(
              STATES_ERRORS.QueryEvaluationError,
              `An error occurred while executing the state '${state.name}' (entered at the event id #${cursor.entered.id}). ` +
                `The JSONata expression '${rule.condition}' specified for the field 'Choices[${i}]/Condition' returned ${JSON.stringify(matched)}, not a boolean.`,
            );
          }
        }
        if (matched) {
          return this.#exit(
            run,
            cursor,
            [state.assign, rule.assign],
            rule.output ?? state.output,
            {},
            this.#input(run),
            {
              batch,
              next: rule.next,
              recorder,
              field: rule.output !== undefined || rule.assign !== undefined ? `Choices[${i}]/` : '',
            },
          );
        }
      }
    } catch (err) {
      return this.#failState(run, cursor, toStatesError(err, STATES_ERRORS.QueryEvaluationError), batch);
    }
    if (state.default === undefined) {
      return this.#failState(
        run,
        cursor,
        new StatesError(
          STATES_ERRORS.NoChoiceMatched,
          `No Choice rule of state '${state.name}' matched, and it has no Default.`,
        ),
        batch,
      );
    }
    return this.#exit(run, cursor, [state.assign], state.output, {}, this.#input(run), {
      batch,
      next: state.default,
      recorder,
    });
  }

  async #startWait(run: Run, cursor: Cursor, state: WaitState): Promise<DriveResult | undefined> {
    const recorder = this.#recorder(cursor, 'wait');
    let wakeAt: string;
    try {
      wakeAt = await this.#waitUntil(run, state, this.#scope(run, cursor, recorder));
    } catch (err) {
      return this.#failState(
        run,
        cursor,
        toStatesError(err, STATES_ERRORS.QueryEvaluationError),
        new EventBatch(cursor.lastEventId, this.#now()),
      );
    }
    await this.#commit(run, {
      recorded: recorder.recorded,
      insertWaits: [
        { sequence: cursor.entered.id, stateName: state.name, kind: 'wait', wakeAt, createdAt: this.#now() },
      ],
    });
    return wakeAt > this.#now() ? { kind: 'parked', wakeAt } : undefined;
  }

  /** When a Wait state ends: its Seconds or Timestamp (scaled), never after the execution's deadline. */
  async #waitUntil(run: Run, state: WaitState, scope: EvaluationScope): Promise<string> {
    const nowMs = this.#clock().getTime();
    let wakeMs: number;
    if (state.seconds !== undefined) {
      const text = expressionText(state.seconds);
      const seconds = text === undefined ? state.seconds : await evaluateExpression(text, scope, 'Seconds');
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 99_999_999) {
        throw queryValueError(
          state.name,
          scope.enteredEventId,
          'Seconds',
          `returned ${JSON.stringify(seconds)}, not a whole number of seconds from 0 to 99999999`,
        );
      }
      wakeMs = nowMs + seconds * 1000 * this.#waitScale;
    } else {
      const text = expressionText(state.timestamp);
      const value =
        text === undefined ? state.timestamp! : await evaluateExpression(text, scope, 'Timestamp');
      const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (typeof value !== 'string' || Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
        throw queryValueError(
          state.name,
          scope.enteredEventId,
          'Timestamp',
          `returned ${JSON.stringify(value)}, not an RFC 3339 timestamp`,
        );
      }
      wakeMs = at <= nowMs ? nowMs : nowMs + (at - nowMs) * this.#waitScale;
    }
    return this.#wake(run, new Date(Math.ceil(wakeMs)).toISOString())!;
  }

  async #exitWait(
    run: Run,
    cursor: Cursor,
    state: WaitState,
    wait: WaitRecord,
  ): Promise<DriveResult | undefined> {
    return this.#exit(run, cursor, [state.assign], state.output, {}, this.#input(run), {
      change: wait.completedAt === undefined ? { completeWaits: [wait.sequence] } : {},
    });
  }

  async #fail(run: Run, cursor: Cursor, state: FailState): Promise<DriveResult | undefined> {
    const recorder = this.#recorder(cursor, 'fail');
    const scope = this.#scope(run, cursor, recorder);
    const batch = new EventBatch(cursor.lastEventId, this.#now());
    const read = async (field: 'Error' | 'Cause', value: string | undefined): Promise<string | undefined> => {
      const text = expressionText(value);
      if (text === undefined) return value;
      const result = await evaluateExpression(text, scope, field);
      if (typeof result !== 'string')
        throw queryValueError(
          state.name,
          cursor.entered.id,
          field,
          `returned ${JSON.stringify(result)}, not a string`,
        );
      return result;
    };
    let error: string | undefined;
    let cause: string | undefined;
    try {
      error = await read('Error', state.error);
      cause = await read('Cause', state.cause);
    } catch (err) {
      return this.#failState(run, cursor, toStatesError(err, STATES_ERRORS.QueryEvaluationError), batch);
    }
    return this.#endExecution(
      run,
      batch,
      'FAILED',
      { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) },
      { recorded: recorder.recorded },
    );
  }

  // ── Tasks ────────────────────────────────────────────────────────────────────────────────

  /** Evaluates a Task's TimeoutSeconds and Arguments (and draws its token) for an attempt. */
  async #prepareTask(
    run: Run,
    cursor: Cursor,
    state: TaskState,
    replay?: Readonly<Record<string, Json>>,
  ): Promise<PreparedTask> {
    const recorder = this.#recorder(cursor, `arguments#${cursor.retryCount}`, replay);
    const callback = splitResource(state.resource).pattern === 'waitForTaskToken';
    const token = callback ? recorder.token() : undefined;
    const scope = this.#scope(run, cursor, recorder, {}, token);
    let timeoutSeconds: number | undefined;
    if (state.timeoutSeconds !== undefined) {
      const text = expressionText(state.timeoutSeconds);
      const value =
        text === undefined ? state.timeoutSeconds : await evaluateExpression(text, scope, 'TimeoutSeconds');
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 99_999_999) {
        throw queryValueError(
          state.name,
          cursor.entered.id,
          'TimeoutSeconds',
          `returned ${JSON.stringify(value)}, not a whole number of seconds from 1 to 99999999`,
        );
      }
      timeoutSeconds = value;
    }
    const args =
      state.arguments === undefined
        ? this.#input(run)
        : await evaluateTemplate(state.arguments, scope, 'Arguments');
    checkPayloadSize(args, `arguments of state ${state.name}`);
    return {
      recorder,
      args,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(token !== undefined ? { token } : {}),
    };
  }

  /** Schedules the next attempt of a Task: records TaskScheduled (and its token), then runs it. */
  async #schedule(run: Run, cursor: Cursor, state: TaskState): Promise<DriveResult | undefined> {
    const batch = new EventBatch(cursor.lastEventId, this.#now());
    const retryWait = run.tail.waits.find((w) => w.kind === 'retry' && w.completedAt === undefined);
    const change: Partial<Commit> = retryWait ? { completeWaits: [retryWait.sequence] } : {};
    let prepared: PreparedTask;
    try {
      prepared = await this.#prepareTask(run, cursor, state);
    } catch (err) {
      return this.#handleTaskError(
        run,
        cursor,
        state,
        toStatesError(err, STATES_ERRORS.QueryEvaluationError),
        batch,
        {},
        change,
      );
    }
    const scheduled = addTaskEvent(batch, state, 'Scheduled', {
      region: this.region,
      parameters: prepared.args,
      ...(prepared.timeoutSeconds !== undefined ? { timeoutInSeconds: prepared.timeoutSeconds } : {}),
    });
    const deadline = taskDeadline(scheduled);
    await this.#commit(run, {
      ...change,
      events: batch.events,
      recorded: prepared.recorder.recorded,
      insertWaits: prepared.token
        ? [
            {
              sequence: scheduled.id,
              stateName: state.name,
              kind: 'task_token',
              taskToken: prepared.token,
              wakeAt: this.#wake(run, this.#guard(deadline))!,
              createdAt: this.#now(),
            },
          ]
        : [],
    });
    return this.#runTask(
      run,
      readCursor(run.tail, state, this.#now()),
      state,
      scheduled,
      prepared.args,
      prepared.token,
      false,
    );
  }

  /** A scheduled attempt whose completion was not recorded: answered, waiting, or to run again. */
  async #resumeTask(
    run: Run,
    cursor: Cursor,
    state: TaskState,
    position: { scheduled: HistoryEvent; submitted: boolean; tokenWait?: WaitRecord },
  ): Promise<DriveResult | undefined> {
    if (position.tokenWait) {
      const answer = await this.#readAnswer(run, position.scheduled);
      if (answer) return this.#applyAnswer(run, cursor, state, position.scheduled, answer);
      const deadline = taskDeadline(position.scheduled);
      // A token whose wait is over without an answer can no longer be answered: that is a timeout.
      const expired = position.submitted && position.tokenWait.completedAt !== undefined;
      if (expired || (deadline !== undefined && deadline <= this.#now())) {
        return this.#taskOutcome(
          run,
          cursor,
          state,
          position.scheduled,
          { ok: false, timedOut: true, error: timeoutError(state, deadline ?? this.#now()) },
          this.#now(),
        );
      }
      if (position.submitted) {
        const wakeAt = this.#wake(run, deadline);
        return { kind: 'parked', ...(wakeAt ? { wakeAt } : {}) };
      }
    }
    // Run the attempt again with the same arguments: re-evaluated with the values recorded the
    // first time, so $millis()-based names and the task token are the same.
    const replay = await this.store.recordedValues(
      run.id,
      `${cursor.entered.id}/${state.name}/arguments#${cursor.retryCount}/`,
    );
    let prepared: PreparedTask;
    try {
      prepared = await this.#prepareTask(run, cursor, state, replay);
    } catch (err) {
      return this.#handleTaskError(
        run,
        cursor,
        state,
        toStatesError(err, STATES_ERRORS.QueryEvaluationError),
        new EventBatch(cursor.lastEventId, this.#now()),
        {},
      );
    }
    return this.#runTask(run, cursor, state, position.scheduled, prepared.args, prepared.token, true);
  }

  async #readAnswer(run: Run, scheduled: HistoryEvent): Promise<JsonObject | undefined> {
    const key = answerKey(scheduled.id, scheduled.stateName ?? '');
    const values = await this.store.recordedValues(run.id, key);
    const answer = values[key];
    return isJsonObject(answer) ? answer : undefined;
  }

  async #applyAnswer(
    run: Run,
    cursor: Cursor,
    state: TaskState,
    scheduled: HistoryEvent,
    answer: JsonObject,
  ): Promise<DriveResult | undefined> {
    const outcome: Outcome =
      answer.ok === true
        ? { ok: true, result: answer.output ?? null }
        : {
            ok: false,
            error: new StatesError(
              String(answer.error ?? STATES_ERRORS.TaskFailed),
              String(answer.cause ?? ''),
            ),
          };
    const wait = cursor.position.kind === 'task-running' ? cursor.position.tokenWait : undefined;
    return this.#taskOutcome(
      run,
      cursor,
      state,
      scheduled,
      outcome,
      undefined,
      wait && wait.completedAt === undefined ? { completeWaits: [wait.sequence] } : {},
    );
  }

  /** Calls the connector (after TaskScheduled was committed) and records what came of it. */
  async #runTask(
    run: Run,
    cursor: Cursor,
    state: TaskState,
    scheduled: HistoryEvent,
    args: Json,
    token: string | undefined,
    recovery: boolean,
  ): Promise<DriveResult | undefined> {
    const { base } = splitResource(state.resource);
    const connector = this.connectors[base]!;
    const deadline = taskDeadline(scheduled);
    const startedAt = this.#now();
    if (deadline !== undefined && deadline <= startedAt) {
      return this.#taskOutcome(
        run,
        cursor,
        state,
        scheduled,
        { ok: false, timedOut: true, error: timeoutError(state, deadline) },
        startedAt,
      );
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome>((resolve) => {
      if (deadline === undefined) return;
      timer = setTimeout(
        () => {
          const error = timeoutError(state, deadline);
          controller.abort(error);
          resolve({ ok: false, timedOut: true, error });
        },
        Math.max(0, Date.parse(deadline) - this.#clock().getTime()),
      );
    });
    const call = (async (): Promise<Outcome> => {
      try {
        const result = await connector({
          executionId: run.id,
          executionArn: this.executionArn(run.tail.execution.definitionName, run.id),
          stateName: state.name,
          resource: base,
          arguments: args,
          ...(token !== undefined ? { taskToken: token } : {}),
          recovery,
          attempt: cursor.retryCount,
          signal: controller.signal,
        });
        return { ok: true, result };
      } catch (err) {
        return { ok: false, error: toStatesError(err) };
      }
    })();
    const outcome = await Promise.race([call, timeout]);
    clearTimeout(timer);
    if (token !== undefined && outcome.ok) {
      // The callback's request went out: the task now waits for its token's answer.
      const batch = new EventBatch(cursor.lastEventId, this.#now());
      addTaskEvent(batch, state, 'Started', {}, startedAt);
      addTaskEvent(batch, state, 'Submitted', { output: toPayload(outcome.result) });
      const wait = run.tail.waits.find((w) => w.sequence === scheduled.id);
      await this.#commit(run, {
        events: batch.events,
        ...(wait && wait.completedAt === undefined
          ? { updateWaits: [{ sequence: wait.sequence, wakeAt: this.#wake(run, deadline) ?? null }] }
          : {}),
      });
      const answer = await this.#readAnswer(run, scheduled);
      if (answer)
        return this.#applyAnswer(run, readCursor(run.tail, state, this.#now()), state, scheduled, answer);
      const wakeAt = this.#wake(run, deadline);
      return { kind: 'parked', ...(wakeAt ? { wakeAt } : {}) };
    }
    return this.#taskOutcome(run, cursor, state, scheduled, outcome, startedAt);
  }

  /** Records a Task attempt's outcome and moves on: exit, retry, catch or fail. */
  async #taskOutcome(
    run: Run,
    cursor: Cursor,
    state: TaskState,
    scheduled: HistoryEvent,
    outcome: Outcome,
    startedAt: string | undefined,
    change: Partial<Commit> = {},
  ): Promise<DriveResult | undefined> {
    const batch = new EventBatch(cursor.lastEventId, this.#now());
    if (
      startedAt !== undefined &&
      !run.tail.events.some((e) => taskStep(e.type) === 'Started' && e.id > scheduled.id)
    ) {
      addTaskEvent(batch, state, 'Started', {}, startedAt);
    }
    if (outcome.ok) {
      let result: Json;
      try {
        result = toPayload(outcome.result);
        checkPayloadSize(result, `result of state ${state.name}`);
      } catch (err) {
        return this.#handleTaskError(
          run,
          cursor,
          state,
          toStatesError(err, STATES_ERRORS.DataLimitExceeded),
          batch,
          {},
          change,
        );
      }
      addTaskEvent(batch, state, 'Succeeded', { output: result });
      return this.#exit(run, cursor, [state.assign], state.output, { result }, result, { batch, change });
    }
    const error = outcome.error!;
    return this.#handleTaskError(
      run,
      cursor,
      state,
      error,
      batch,
      { timedOut: outcome.timedOut === true, fromTask: true },
      change,
    );
  }

  /** Retry, Catch, or fail the execution, as the Task's fields say. */
  async #handleTaskError(
    run: Run,
    cursor: Cursor,
    state: TaskState,
    error: StatesError,
    batch: EventBatch,
    how: { timedOut?: boolean; fromTask?: boolean },
    change: Partial<Commit> = {},
  ): Promise<undefined> {
    const details = { error: error.error, cause: error.cause };
    const failure = how.timedOut
      ? addTaskEvent(batch, state, 'TimedOut', details)
      : how.fromTask
        ? addTaskEvent(batch, state, 'Failed', details)
        : batch.add('EvaluationFailed', state.name, { state: state.name, ...details });
    if (isTerminalError(error.error)) return this.#endExecution(run, batch, 'FAILED', details, change);

    const decision = decideRetry(state.retry, cursor.retrierAttempts, error.error);
    if (decision) {
      const recorder = this.#recorder(cursor, `retry#${cursor.retryCount}`);
      const retrier = state.retry[decision.retrier]!;
      const delay = jitteredDelay(retrier, decision.delaySeconds, () => recorder.jitter()) * this.#waitScale;
      const wakeAt = this.#wake(
        run,
        new Date(this.#clock().getTime() + Math.ceil(delay * 1000)).toISOString(),
      )!;
      await this.#commit(run, {
        ...change,
        events: batch.events,
        recorded: recorder.recorded,
        insertWaits: [
          { sequence: failure.id, stateName: state.name, kind: 'retry', wakeAt, createdAt: this.#now() },
        ],
      });
      return undefined;
    }
    const catcher = state.catch.find((c) => errorMatches(c.errorEquals, error.error));
    if (catcher) {
      const index = state.catch.indexOf(catcher);
      const errorOutput: JsonObject = { Error: error.error, Cause: error.cause };
      const recorder = this.#recorder(cursor, `catch#${cursor.retryCount}`);
      const scope = this.#scope(run, cursor, recorder, { errorOutput });
      let evaluated: { output: Json; assigned: Record<string, Json> };
      try {
        evaluated = await this.#evaluateExit(
          scope,
          [catcher.assign],
          catcher.output,
          errorOutput,
          `Catch[${index}]/`,
        );
      } catch (err) {
        const e = toStatesError(err, STATES_ERRORS.QueryEvaluationError);
        if (e.error === STATES_ERRORS.QueryEvaluationError)
          batch.add('EvaluationFailed', state.name, { state: state.name, error: e.error, cause: e.cause });
        return this.#endExecution(run, batch, 'FAILED', { error: e.error, cause: e.cause }, change);
      }
      await this.#transition(run, cursor, evaluated, catcher.next, batch, recorder.recorded, change);
      return undefined;
    }
    return this.#endExecution(run, batch, 'FAILED', details, change);
  }
}

/**
 * Adds a Task attempt's event. Step Functions names the events of a Task whose Resource is a Lambda
 * function ARN `LambdaFunction*`, with the function ARN and the event as `input`; other Tasks' are
 * `Task*`, with resourceType, resource, region and parameters.
 */
function addTaskEvent(
  batch: EventBatch,
  state: TaskState,
  step: TaskStep,
  details: JsonObject,
  timestamp?: string,
): HistoryEvent {
  if (!isLambdaFunctionArn(state.resource))
    return batch.add(
      taskEventType(step, false),
      state.name,
      { ...describeResource(state.resource), ...details },
      timestamp,
    );
  if (step !== 'Scheduled') return batch.add(taskEventType(step, true), state.name, details, timestamp);
  const { region: _region, parameters, ...rest } = details;
  const scheduled = { resource: state.resource, input: parameters ?? null, ...rest };
  return batch.add(taskEventType('Scheduled', true), state.name, scheduled, timestamp);
}

function isStateMachine(value: unknown): value is StateMachine {
  return typeof value === 'object' && value !== null && (value as StateMachine).states instanceof Map;
}

function lastEventId(tail: ExecutionTail): number {
  return tail.events.at(-1)?.id ?? 0;
}

/** The recorded-value key of a task token's answer. */
export function answerKey(scheduledEventId: number, stateName: string): string {
  return `${scheduledEventId}/${stateName}/answer`;
}

/** When a scheduled task times out, from its TaskScheduled event. */
function taskDeadline(scheduled: HistoryEvent): string | undefined {
  const seconds = scheduled.details.timeoutInSeconds;
  return typeof seconds === 'number'
    ? new Date(Date.parse(scheduled.timestamp) + seconds * 1000).toISOString()
    : undefined;
}

function timeoutError(state: TaskState, deadline: string): StatesError {
  return new StatesError(
    STATES_ERRORS.Timeout,
    `The task of state '${state.name}' did not finish by its timeout at ${deadline}.`,
  );
}

function queryValueError(
  stateName: string,
  enteredEventId: number,
  field: string,
  what: string,
): StatesError {
  return new StatesError(
    STATES_ERRORS.QueryEvaluationError,
    `An error occurred while executing the state '${stateName}' (entered at the event id #${enteredEventId}). The value of the field '${field}' ${what}.`,
  );
}

/** A connector's result as a JSON payload ({} for operations that return nothing). */
function toPayload(result: Json | undefined): Json {
  return result === undefined ? {} : result;
}

/** The tail after a commit, without reading it back. */
export function applyCommit(tail: ExecutionTail, commit: Commit, version: number): ExecutionTail {
  const { clear = [], ...fields } = commit.update ?? {};
  const execution: Record<string, unknown> = { ...tail.execution, ...fields, updatedAt: commit.now, version };
  for (const key of clear) delete execution[key];
  const moved = new Map((commit.updateWaits ?? []).map((u) => [u.sequence, u.wakeAt]));
  const complete = new Set(commit.completeWaits ?? []);
  let waits: WaitRecord[] = tail.waits.map((w) => {
    if (w.completedAt !== undefined) return w;
    let next: WaitRecord = w;
    if (moved.has(w.sequence)) {
      const { wakeAt: _old, ...rest } = w;
      const wakeAt = moved.get(w.sequence);
      next = wakeAt === null || wakeAt === undefined ? rest : { ...rest, wakeAt };
    }
    if (commit.completeAllWaits || complete.has(w.sequence)) next = { ...next, completedAt: commit.now };
    return next;
  });
  waits.push(...(commit.insertWaits ?? []));
  let events = [...tail.events, ...(commit.events ?? [])];
  const entered = events.findLastIndex((e) => e.type.endsWith('StateEntered'));
  if (entered > 0) {
    events = events.slice(entered);
    waits = waits.filter((w) => w.sequence >= events[0]!.id);
  }
  return { execution: execution as unknown as ExecutionRow, events, waits };
}
