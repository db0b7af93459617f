// workflow/: Amazon States Language (QueryLanguage JSONata) on a durable, embedded interpreter,
// with task connectors from Resource ARNs to grantflow's IAM backend, validator, LLM and SNS.
//
// Semantics others build on:
// - Every transition is committed (history events, snapshot, waits, recorded values) before its
//   effect: a task runs only after its TaskScheduled event is stored.
// - Waits (Wait states, Retry backoff, task-token timeouts) are stored as absolute wake_at times;
//   a WorkflowRunner resumes them when due, in whatever process runs it.
// - $now(), $millis(), $uuid(), unseeded $random(), jitter and task tokens are recorded per state
//   entry and phase; re-evaluating after a crash sees the same values.
// - Tasks are at-least-once: an attempt whose completion was not recorded runs again (marked
//   `recovery`), with the same arguments. The IAM connector treats "already created with the same
//   document" and "already detached/deleted" as done on such a re-run; an SNS publish may repeat.
// - One driver per execution (version checks, heartbeats, a lease of `leaseMs`); executions that
//   rest in a wait are not held by anyone.
export {
  WorkflowEngine,
  ExecutionNotFoundError,
  InvalidTaskTokenError,
  answerKey,
  applyCommit,
} from './engine.ts';
export type { EngineOptions, StartExecutionInput, ExecutionDescription, DriveResult } from './engine.ts';
export { WorkflowRunner } from './runner.ts';
export type { RunnerOptions } from './runner.ts';
export { parseDefinition, DefinitionError, MAX_SECONDS } from './definition.ts';
export type {
  StateMachine,
  State,
  StateType,
  PassState,
  TaskState,
  ChoiceState,
  WaitState,
  SucceedState,
  FailState,
  Retrier,
  Catcher,
  ChoiceRule,
  Template,
  DefinitionProblem,
} from './definition.ts';
export {
  evaluateExpression,
  evaluateTemplate,
  expressionText,
  expressionsIn,
  compileExpression,
  DEFAULT_EVALUATION_LIMITS,
} from './expressions.ts';
export type { EvaluationLimits, EvaluationScope, ContextObject, Nondeterminism } from './expressions.ts';
export {
  StatesError,
  STATES_ERRORS,
  errorMatches,
  isStatesError,
  isTerminalError,
  toStatesError,
} from './errors.ts';
export { decideRetry, jitteredDelay } from './retry.ts';
export type { RetryDecision } from './retry.ts';
export { Recorder, defaultSources } from './recorder.ts';
export type { RandomSources } from './recorder.ts';
export { readCursor } from './cursor.ts';
export type { Cursor, Position } from './cursor.ts';
export { MAX_PAYLOAD_BYTES, checkPayloadSize, toJson, isJsonObject } from './json.ts';
export type { Json, JsonObject } from './json.ts';
export { ExecutionConflictError, ExecutionExistsError, TERMINAL_STATUSES } from './store.ts';
export type {
  ExecutionStore,
  ExecutionRow,
  ExecutionStatus,
  ExecutionTail,
  ExecutionUpdate,
  HistoryEvent,
  WaitRecord,
  WaitKind,
  Commit,
  DueExecution,
  TokenResolution,
} from './store.ts';
export { MemoryExecutionStore } from './memory-store.ts';
export { KyselyExecutionStore } from './kysely-store.ts';
export { pruneEndedExecutions, startRetention, MIN_RETENTION_DAYS } from './retention.ts';
export type { PruneOutcome, RetentionJob } from './retention.ts';
export * from './connectors/index.ts';
export {
  reconcile,
  startReconciler,
  isRetryable,
  RevocationError,
  GRANTFLOW_POLICY_PATH,
  EXPIRES_AT_TAG,
  REQUEST_ID_TAG,
  RECONCILER_ACTOR,
  DEFAULT_GRACE_SECONDS,
} from './reconciler.ts';
export type {
  ReconcileOptions,
  ReconcileSummary,
  ReconcilerOptions,
  RunningReconciler,
  RevokedPolicy,
  InvalidPolicy,
  FailedPolicy,
  DetachedEntity,
  RetryOptions,
} from './reconciler.ts';
export {
  grantflowConnectors,
  REQUEST_STATUSES,
  TERMINAL_REQUEST_STATUSES,
  policyHash,
} from './connectors/grantflow.ts';
export type { GrantflowConnectorOptions, RequestStatus } from './connectors/grantflow.ts';
