// Errors as Step Functions names them. An error is a name and a cause; Retry and Catch match on the
// name. Connectors raise `StatesError`s named like the service integration they stand for
// (`Iam.NoSuchEntityException`), the interpreter raises the `States.*` ones.

export const STATES_ERRORS = {
  /** Wildcard in ErrorEquals. */
  ALL: 'States.ALL',
  /** A Task failed; in ErrorEquals, matches any error except States.Timeout. */
  TaskFailed: 'States.TaskFailed',
  Timeout: 'States.Timeout',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  /** A JSONata expression failed, returned nothing, or returned the wrong type. */
  QueryEvaluationError: 'States.QueryEvaluationError',
  NoChoiceMatched: 'States.NoChoiceMatched',
  /** Terminal: not matched by States.ALL, never retried or caught. */
  Runtime: 'States.Runtime',
  /** Terminal: a payload, variable or result over the size limit. */
  DataLimitExceeded: 'States.DataLimitExceeded',
  Permissions: 'States.Permissions',
} as const;

/** Errors that end the execution whatever the Retry and Catch fields say. */
const TERMINAL = new Set<string>([STATES_ERRORS.Runtime, STATES_ERRORS.DataLimitExceeded]);

export class StatesError extends Error {
  /** The error name Retry and Catch match, e.g. `States.Timeout` or `Iam.NoSuchEntityException`. */
  readonly error: string;
  /** Human-readable detail (the `Cause` of the error output). */
  override readonly cause: string;
  /** The exception this error was made from, if any. */
  readonly source?: unknown;

  constructor(error: string, cause: string, options?: { source?: unknown }) {
    super(`${error}: ${cause}`);
    this.name = 'StatesError';
    this.error = error;
    this.cause = cause;
    if (options?.source !== undefined) this.source = options.source;
  }
}

export function isStatesError(err: unknown): err is StatesError {
  return err instanceof StatesError;
}

export function isTerminalError(name: string): boolean {
  return TERMINAL.has(name);
}

/** Whether an ErrorEquals list matches an error name, with Step Functions' wildcard rules. */
export function errorMatches(errorEquals: readonly string[], name: string): boolean {
  if (isTerminalError(name)) return false;
  for (const candidate of errorEquals) {
    if (candidate === name) return true;
    if (candidate === STATES_ERRORS.ALL) return true;
    if (candidate === STATES_ERRORS.TaskFailed && name !== STATES_ERRORS.Timeout) return true;
  }
  return false;
}

/** Any thrown value as a StatesError; unexpected exceptions become States.TaskFailed. */
export function toStatesError(err: unknown, fallback: string = STATES_ERRORS.TaskFailed): StatesError {
  if (err instanceof StatesError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StatesError(fallback, message, { source: err });
}
