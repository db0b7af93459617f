// A task connector: what a Task state's Resource ARN runs. The interpreter evaluates Arguments,
// calls the connector, and takes its result as `$states.result`; a connector fails with a
// StatesError named as the Step Functions integration names it (e.g. `Iam.NoSuchEntityException`).
import type { Json } from '../json.ts';

export interface TaskInvocation {
  readonly executionId: string;
  readonly executionArn: string;
  readonly stateName: string;
  /** The Resource ARN without its integration-pattern suffix. */
  readonly resource: string;
  readonly arguments: Json;
  /** For `.waitForTaskToken` resources: the token to hand to whoever answers. */
  readonly taskToken?: string;
  /**
   * The task was started before and its completion was not recorded (the process driving it
   * stopped): the connector may find its effect already done and should then succeed.
   */
  readonly recovery: boolean;
  /** Retries made so far in this state entry. */
  readonly attempt: number;
  /** Aborted when the task's TimeoutSeconds expires. */
  readonly signal: AbortSignal;
}

export type Connector = (invocation: TaskInvocation) => Promise<Json>;

/** Resource ARN (without pattern suffix) → connector. Adding an integration is adding an entry. */
export type ConnectorMap = Readonly<Record<string, Connector>>;

/** The integration patterns the interpreter supports after a resource ARN. */
export const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';

/** Splits `arn:aws:states:::sns:publish.waitForTaskToken` into its resource and pattern. */
export function splitResource(resource: string): {
  base: string;
  pattern: 'request-response' | 'waitForTaskToken' | string;
} {
  const match = /^(arn:[a-z-]+:states:::[^.]+(?::[^.]+)*?)(\.[A-Za-z:0-9]+)?$/.exec(resource);
  const base = match?.[1] ?? resource;
  const suffix = match?.[2];
  if (suffix === undefined) return { base, pattern: 'request-response' };
  return { base, pattern: suffix === WAIT_FOR_TASK_TOKEN ? 'waitForTaskToken' : suffix.slice(1) };
}

/** `resourceType` and `resource` as Step Functions' history shows them, e.g. `aws-sdk:iam` and `createPolicy`. */
export function describeResource(resource: string): { resourceType: string; resource: string } {
  const { base } = splitResource(resource);
  const suffix = resource.slice(base.length);
  const rest = base.replace(/^arn:[a-z-]+:states:::/, '');
  const at = rest.lastIndexOf(':');
  return at < 0
    ? { resourceType: rest, resource: `${rest}${suffix}` }
    : { resourceType: rest.slice(0, at), resource: `${rest.slice(at + 1)}${suffix}` };
}
