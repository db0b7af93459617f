// What the interpreter needs from persistence, on the lifecycle tables (store/migrations/
// lifecycle.ts): definitions by hash, executions with an optimistic-concurrency version, the
// history, waits (absolute wake_at times and task tokens) and recorded nondeterministic values.
//
// The history is the source of truth for where an execution stands inside its current state (see
// cursor.ts); the execution row holds the snapshot (current state, its input, the variables).
// Every change is one `commit`, atomic, checked against the version the caller read.
import type { Json, JsonObject } from './json.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export interface ExecutionRow {
  /** The execution's name, unique in the store. */
  readonly id: string;
  readonly requestId?: string;
  readonly definitionName: string;
  readonly definitionHash: string;
  readonly status: ExecutionStatus;
  readonly input: Json;
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** The state being run and its input; absent once the execution ended. */
  readonly currentState?: string;
  readonly stateInput?: Json;
  readonly variables: Readonly<Record<string, Json>>;
  readonly startedAt: string;
  /** Last change or heartbeat of the process driving it. */
  readonly updatedAt: string;
  readonly stoppedAt?: string;
  readonly version: number;
}

/** One event, as Step Functions' GetExecutionHistory has it (`id` is the event id, from 1). */
export interface HistoryEvent {
  readonly id: number;
  readonly type: string;
  readonly stateName?: string;
  readonly timestamp: string;
  readonly details: JsonObject;
}

export type WaitKind = 'wait' | 'retry' | 'task_token';

export interface WaitRecord {
  /** The history event that started the wait (StateEntered, the failure, TaskScheduled). */
  readonly sequence: number;
  readonly stateName: string;
  readonly kind: WaitKind;
  /** When it ends; for a task token, its timeout (absent: none). */
  readonly wakeAt?: string;
  readonly taskToken?: string;
  readonly createdAt: string;
  /** Set when the wait ended (fired and claimed, answered, cancelled). */
  readonly completedAt?: string;
}

/** An execution with the part of its history that says where it stands in its current state. */
export interface ExecutionTail {
  readonly execution: ExecutionRow;
  /** The events from the current state's *StateEntered event on (all events once it ended). */
  readonly events: readonly HistoryEvent[];
  /** Waits started at or after that event. */
  readonly waits: readonly WaitRecord[];
}

export type ExecutionUpdate = Partial<
  Pick<
    ExecutionRow,
    'status' | 'output' | 'error' | 'cause' | 'currentState' | 'stateInput' | 'variables' | 'stoppedAt'
  >
> & {
  /** Clear these optional columns. */
  readonly clear?: readonly ('currentState' | 'stateInput' | 'output' | 'error' | 'cause')[];
};

export interface Commit {
  readonly id: string;
  /** The version read; the commit fails with ExecutionConflictError if it changed. */
  readonly expectedVersion: number;
  readonly now: string;
  readonly update?: ExecutionUpdate;
  readonly events?: readonly HistoryEvent[];
  readonly insertWaits?: readonly WaitRecord[];
  /** Move the wake time of pending waits (by sequence); null: no wake time. */
  readonly updateWaits?: readonly { readonly sequence: number; readonly wakeAt: string | null }[];
  /** Mark these waits (by sequence) completed. */
  readonly completeWaits?: readonly number[];
  /** Complete every pending wait (the execution ended). */
  readonly completeAllWaits?: boolean;
  /** Values to record; keys already recorded are kept as they are. */
  readonly recorded?: Readonly<Record<string, Json>>;
}

export interface DueExecution {
  readonly id: string;
  readonly version: number;
}

/** `finished`: the token's wait is over (timed out, answered and taken, or the execution ended). */
export type TokenResolution = 'resolved' | 'unknown' | 'already-answered' | 'finished';

export class ExecutionConflictError extends Error {
  readonly code = 'EXECUTION_CONFLICT';
}

export class ExecutionExistsError extends Error {
  readonly code = 'EXECUTION_ALREADY_EXISTS';
}

export interface ExecutionStore {
  /** Stores a definition under its hash; does nothing if it is there. */
  putDefinition(definition: {
    hash: string;
    name: string;
    document: string;
    createdAt: string;
  }): Promise<void>;
  getDefinition(hash: string): Promise<string | undefined>;
  /** Creates an execution with its first events; ExecutionExistsError if the id is taken. */
  createExecution(execution: ExecutionRow, events: readonly HistoryEvent[]): Promise<void>;
  getExecution(id: string): Promise<ExecutionRow | undefined>;
  loadTail(id: string): Promise<ExecutionTail | undefined>;
  /** Applies a commit atomically and returns the new version. */
  commit(commit: Commit): Promise<number>;
  /** Refreshes updated_at (the driver is alive) if the version is still `version`. */
  heartbeat(id: string, version: number, now: string): Promise<boolean>;
  history(id: string): Promise<HistoryEvent[]>;
  /** Recorded values whose key starts with `prefix`. */
  recordedValues(id: string, prefix: string): Promise<Record<string, Json>>;
  /**
   * Records the answer to a pending task token (as the value `answer(wait)` returns) and makes its
   * wait due now. 'unknown' for a token never issued, 'finished' when its wait is over,
   * 'already-answered' on a second answer.
   */
  resolveTaskToken(
    token: string,
    answer: (wait: WaitRecord & { executionId: string }) => { key: string; value: Json },
    now: string,
  ): Promise<TokenResolution>;
  /**
   * Running executions a driver may pick up: a pending wait is due, or nothing is pending and
   * nobody touched them since `staleBefore` (the process driving them died).
   */
  dueExecutions(now: string, staleBefore: string, limit: number): Promise<DueExecution[]>;
  /** The earliest wake_at of a pending wait, if any. */
  nextWakeAt(): Promise<string | undefined>;
  /**
   * Deletes up to `limit` ended executions that stopped before `stoppedBefore`, oldest first, with
   * their history, waits and recorded values, as Step Functions forgets closed executions after its
   * retention period. Running executions are never deleted. Returns the ids deleted.
   */
  deleteEndedExecutions(stoppedBefore: string, limit: number): Promise<string[]>;
  listExecutions(filter?: {
    status?: ExecutionStatus;
    requestId?: string;
    limit?: number;
  }): Promise<ExecutionRow[]>;
}

/** The key prefix of values recorded in one state entry. */
export function entryPrefix(enteredEventId: number): string {
  return `${enteredEventId}/`;
}
