// grantflow's tasks function: what the exported definition's grantflow steps call on Step Functions
// (see ../export/grantflow-tasks.ts). It runs the same connector the embedded interpreter runs
// for `arn:aws:states:::grantflow:<Task>`, so a step does the same thing on either engine.
//
// A connector's StatesError leaves the function as an error whose name is the StatesError's error
// (e.g. `Grantflow.NoSuchRequest`): Lambda reports that name as the errorType, and Step Functions
// matches Retry and Catch on it as the embedded engine matches the StatesError.
import { StatesError } from '../errors.ts';
import { GRANTFLOW_TASKS } from '../export/grantflow-tasks.ts';
import type { GrantflowTask, TaskEvent } from '../export/grantflow-tasks.ts';
import { isJsonObject } from '../json.ts';
import type { Json } from '../json.ts';
import type { ConnectorMap } from '../connectors/types.ts';

/** The parts of Lambda's context object the function reads. */
export interface TasksFunctionContext {
  readonly functionName?: string;
  readonly awsRequestId?: string;
  /** Lambda's: how long the invocation may still run; the connector is aborted shortly before. */
  getRemainingTimeInMillis?(): number;
}

export type TasksFunction = (event: unknown, context?: TasksFunctionContext) => Promise<Json>;

/** An error as Lambda reports it to Step Functions: its name is the errorType. */
export class TaskFunctionError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

function invalid(message: string): TaskFunctionError {
  return new TaskFunctionError('Grantflow.InvalidArguments', `tasks function event: ${message}`);
}

function readEvent(event: unknown): TaskEvent {
  if (!isJsonObject(event)) throw invalid('must be a JSON object');
  const e = event as Record<string, unknown>;
  if (!(GRANTFLOW_TASKS as readonly unknown[]).includes(e.Task))
    throw invalid(`Task must be one of ${GRANTFLOW_TASKS.join(', ')}`);
  const execution = e.Execution as Record<string, unknown> | undefined;
  if (typeof execution?.Id !== 'string' || typeof execution.Name !== 'string')
    throw invalid('Execution must have the execution Id (ARN) and Name');
  const state = e.State as Record<string, unknown> | undefined;
  if (typeof state?.Name !== 'string' || !Number.isInteger(state.RetryCount))
    throw invalid('State must have the state Name and RetryCount');
  if (e.TaskToken !== undefined && (typeof e.TaskToken !== 'string' || e.TaskToken === ''))
    throw invalid('TaskToken must be a non-empty string');
  return e as unknown as TaskEvent;
}

/** Lambda leaves this much of its time for reporting the connector's abort as an error. */
const ABORT_MARGIN_MS = 2_000;

/** The tasks function over grantflow's connectors (see grantflowConnectors). */
export function tasksFunction(connectors: ConnectorMap): TasksFunction {
  return async (raw, context) => {
    const event = readEvent(raw);
    const task: GrantflowTask = event.Task;
    const resource = `arn:aws:states:::grantflow:${task}`;
    const connector = connectors[resource];
    if (!connector) throw new TaskFunctionError('Grantflow.UnknownTask', `no connector for ${resource}`);
    const waitsForToken = task === 'approval' || task === 'hold';
    if (waitsForToken !== (event.TaskToken !== undefined))
      throw invalid(
        waitsForToken ? `${task} needs the TaskToken (.waitForTaskToken)` : `${task} takes no TaskToken`,
      );
    const remaining = context?.getRemainingTimeInMillis?.();
    const signal =
      remaining === undefined
        ? new AbortController().signal
        : AbortSignal.timeout(Math.max(1, remaining - ABORT_MARGIN_MS));
    try {
      return await connector({
        executionId: event.Execution.Name,
        executionArn: event.Execution.Id,
        stateName: event.State.Name,
        resource,
        arguments: (event.Arguments ?? {}) as Json,
        ...(event.TaskToken !== undefined ? { taskToken: event.TaskToken } : {}),
        // A retried step may find its first run's effects done (Lambda timed out after them, say):
        // the connectors then skip what is already recorded, as after a restart on the embedded engine.
        recovery: event.State.RetryCount > 0,
        attempt: event.State.RetryCount,
        signal,
      });
    } catch (err) {
      if (err instanceof StatesError) throw new TaskFunctionError(err.error, err.cause);
      if (signal.aborted) throw new TaskFunctionError('Grantflow.TaskTimedOut', `${task} ran out of time`);
      throw err;
    }
  };
}
