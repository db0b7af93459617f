// Where an execution stands inside its current state, read back from the history and the waits.
// Every decision the interpreter takes is a pure function of what it recorded (retries replay the
// same retrier matches), so the events since the state was entered say exactly what is left to do
// after a restart.
import type { State } from './definition.ts';
import { decideRetry } from './retry.ts';
import type { ExecutionTail, HistoryEvent, WaitRecord } from './store.ts';

export type TaskStep = 'Scheduled' | 'Started' | 'Submitted' | 'Succeeded' | 'Failed' | 'TimedOut';

const TASK_STEPS = new Set<string>(['Scheduled', 'Started', 'Submitted', 'Succeeded', 'Failed', 'TimedOut']);
const LAMBDA_FUNCTION = 'LambdaFunction';

/**
 * The step of a Task attempt an event records: `Task*` events, and the `LambdaFunction*` ones
 * Step Functions writes instead for a Task whose Resource is a Lambda function ARN.
 */
export function taskStep(type: string): TaskStep | undefined {
  const step = type.startsWith('Task')
    ? type.slice('Task'.length)
    : type.startsWith(LAMBDA_FUNCTION)
      ? type.slice(LAMBDA_FUNCTION.length)
      : undefined;
  return step !== undefined && TASK_STEPS.has(step) ? (step as TaskStep) : undefined;
}

/** The event type of a Task attempt's step, by the Task's kind of Resource. */
export function taskEventType(step: TaskStep, lambdaFunction: boolean): string {
  return `${lambdaFunction ? LAMBDA_FUNCTION : 'Task'}${step}`;
}

/** Events after which a state entry retries or ends: a failed attempt, or a failed evaluation. */
function isFailure(type: string): boolean {
  if (type === 'EvaluationFailed') return true;
  const step = taskStep(type);
  return step === 'Failed' || step === 'TimedOut';
}

export type Position =
  /** Entered, nothing done yet. */
  | { readonly kind: 'start' }
  /** A Task attempt is to be scheduled (after a retry's wait ended). */
  | { readonly kind: 'task-ready' }
  /** A Task attempt was scheduled; its completion is not recorded. */
  | {
      readonly kind: 'task-running';
      readonly scheduled: HistoryEvent;
      /** The callback's request was sent (TaskSubmitted): only its answer is missing. */
      readonly submitted: boolean;
      readonly tokenWait?: WaitRecord;
    }
  /** Backing off before the next attempt. */
  | { readonly kind: 'retry-waiting'; readonly wait: WaitRecord }
  /** A Wait state waiting. */
  | { readonly kind: 'wait-pending'; readonly wait: WaitRecord }
  /** A Wait state whose time came. */
  | { readonly kind: 'wait-done'; readonly wait: WaitRecord };

export interface Cursor {
  readonly state: State;
  readonly entered: HistoryEvent;
  readonly position: Position;
  /** Retries made in this state entry, in total and per retrier. */
  readonly retryCount: number;
  readonly retrierAttempts: readonly number[];
  /** Id of the last event of the execution. */
  readonly lastEventId: number;
}

const isPending = (w: WaitRecord) => w.completedAt === undefined;

/** Whether a wait is still running at `now`: pending, and not due. */
export function waitingAt(wait: WaitRecord, now: string): boolean {
  return isPending(wait) && (wait.wakeAt === undefined || wait.wakeAt > now);
}

export function readCursor(tail: ExecutionTail, state: State, now: string): Cursor {
  const [entered, ...after] = tail.events;
  if (!entered || !entered.type.endsWith('StateEntered') || entered.stateName !== state.name) {
    throw new Error(`the history of ${tail.execution.id} does not start at the entry of ${state.name}`);
  }
  const retriers = state.type === 'Task' ? state.retry : [];
  const retrierAttempts = retriers.map(() => 0);
  let retryCount = 0;
  for (const event of after) {
    if (!isFailure(event.type)) continue;
    const decision = decideRetry(retriers, retrierAttempts, String(event.details.error ?? ''));
    if (decision) {
      retrierAttempts[decision.retrier]! += 1;
      retryCount += 1;
    }
  }
  const waitAt = (sequence: number) => tail.waits.find((w) => w.sequence === sequence);
  const last = after.at(-1);
  const lastEventId = (last ?? entered).id;
  const cursor = (position: Position): Cursor => ({
    state,
    entered,
    position,
    retryCount,
    retrierAttempts,
    lastEventId,
  });

  if (!last) {
    const wait = state.type === 'Wait' ? waitAt(entered.id) : undefined;
    if (!wait) return cursor({ kind: 'start' });
    return cursor(waitingAt(wait, now) ? { kind: 'wait-pending', wait } : { kind: 'wait-done', wait });
  }
  if (isFailure(last.type)) {
    // A failure still in the tail was retried (a caught or final one ends the state entry).
    const wait = waitAt(last.id);
    if (wait && waitingAt(wait, now)) return cursor({ kind: 'retry-waiting', wait });
    return cursor({ kind: 'task-ready' });
  }
  const scheduled = after.findLast((e) => taskStep(e.type) === 'Scheduled');
  const lastStep = taskStep(last.type);
  if (scheduled && (lastStep === 'Scheduled' || lastStep === 'Started' || lastStep === 'Submitted')) {
    const tokenWait = waitAt(scheduled.id);
    return cursor({
      kind: 'task-running',
      scheduled,
      submitted: lastStep === 'Submitted',
      ...(tokenWait ? { tokenWait } : {}),
    });
  }
  throw new Error(`cannot resume ${tail.execution.id} after a ${last.type} event in ${state.name}`);
}
