// grantflow's own task steps (arn:aws:states:::grantflow:*) on Step Functions: each becomes a call
// of one Lambda function, grantflow's tasks function, which runs the same connector the embedded
// interpreter runs. Only the Resource and the Arguments' envelope change: the step's Arguments are
// passed inside it as they are, and the function returns what the connector returns, so every
// Assign, Output, Retry and Catch of the definition stays byte for byte the same.
//
//   request-response  Resource: the function's ARN (a direct Lambda task: $states.result is what
//                     the function returns)
//   .waitForTaskToken Resource: arn:aws:states:::lambda:invoke.waitForTaskToken, the token in the
//                     payload; $states.result is what SendTaskSuccess sends, as on the embedded engine
import { splitResource } from '../connectors/types.ts';
import { statesOf } from './tasks.ts';

/** Filled in by CloudFormation (DefinitionSubstitutions) with the tasks function's ARN. */
export const TASKS_FUNCTION_ARN = '${GrantflowTasksFunctionArn}';

export const GRANTFLOW_TASKS = ['generate', 'harden', 'record', 'approval', 'hold'] as const;
export type GrantflowTask = (typeof GRANTFLOW_TASKS)[number];

/**
 * What the tasks function receives: the step's evaluated Arguments and what the embedded engine
 * gives a connector besides them (execution, state, retry count, task token).
 */
export interface TaskEvent {
  readonly Task: GrantflowTask;
  readonly Arguments: unknown;
  readonly Execution: { readonly Id: string; readonly Name: string };
  readonly State: { readonly Name: string; readonly RetryCount: number };
  readonly TaskToken?: string;
}

/**
 * Lambda's transient errors, retried before any of the step's own retriers (AWS's advice for Lambda
 * tasks): a throttled or briefly unavailable function must not end a request.
 */
export const LAMBDA_TRANSIENT_RETRY = {
  ErrorEquals: [
    'Lambda.ClientExecutionTimeoutException',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 1,
  MaxAttempts: 5,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

export interface RewrittenTask {
  readonly state: string;
  readonly task: GrantflowTask;
  readonly waitsForToken: boolean;
}

const GRANTFLOW_RESOURCE = /^arn:aws:states:::grantflow:([a-z]+)$/;

/** The event's envelope around a step's Arguments (JSONata, evaluated by Step Functions). */
function envelope(task: GrantflowTask, args: unknown, withToken: boolean): Record<string, unknown> {
  return {
    Task: task,
    Arguments: args ?? {},
    Execution: { Id: '{% $states.context.Execution.Id %}', Name: '{% $states.context.Execution.Name %}' },
    State: { Name: '{% $states.context.State.Name %}', RetryCount: '{% $states.context.State.RetryCount %}' },
    ...(withToken ? { TaskToken: '{% $states.context.Task.Token %}' } : {}),
  };
}

/**
 * A copy of the definition whose grantflow:* Task states call the tasks function (`functionArn`,
 * default the CloudFormation placeholder); the states it rewrote, and those it could not (an
 * unknown grantflow step, or one whose Arguments are not an object).
 */
export function withTasksFunction(
  definition: unknown,
  functionArn = TASKS_FUNCTION_ARN,
): { definition: unknown; rewritten: RewrittenTask[]; problems: string[] } {
  const copy = structuredClone(definition);
  const rewritten: RewrittenTask[] = [];
  const problems: string[] = [];
  for (const { name, state } of statesOf(copy)) {
    if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
    const { base, pattern } = splitResource(state.Resource);
    const match = GRANTFLOW_RESOURCE.exec(base);
    if (!match) continue;
    const task = match[1] as GrantflowTask;
    if (!(GRANTFLOW_TASKS as readonly string[]).includes(task)) {
      problems.push(`state "${name}": ${state.Resource}: grantflow has no step "${task}"`);
      continue;
    }
    if (state.Parameters !== undefined || (state.Arguments !== undefined && !isObject(state.Arguments))) {
      problems.push(`state "${name}": a grantflow step takes its Arguments as an object`);
      continue;
    }
    const waitsForToken = pattern === 'waitForTaskToken';
    if (pattern !== 'request-response' && !waitsForToken) {
      problems.push(
        `state "${name}": ${state.Resource}: grantflow steps run request-response or .waitForTaskToken`,
      );
      continue;
    }
    if (waitsForToken) {
      state.Resource = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
      state.Arguments = { FunctionName: functionArn, Payload: envelope(task, state.Arguments, true) };
    } else {
      state.Resource = functionArn;
      state.Arguments = envelope(task, state.Arguments, false);
    }
    state.Retry = [LAMBDA_TRANSIENT_RETRY, ...(Array.isArray(state.Retry) ? state.Retry : [])];
    rewritten.push({ state: name, task, waitsForToken });
  }
  return { definition: copy, rewritten, problems };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
