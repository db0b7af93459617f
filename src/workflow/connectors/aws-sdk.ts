// `arn:aws:states:::aws-sdk:iam:<action>` on an IamBackend, with Step Functions' AWS SDK
// integration conventions: arguments and results in PascalCase (the IamBackend speaks them
// already), timestamps as ISO strings, `{}` for actions that return nothing, and errors named
// `Iam.<Code>Exception`.
//
// Idempotency on recovery: when an attempt is run again because its completion was not recorded,
// the connector accepts that the first run may have done the work: creating what already exists
// with the same content returns it, and detaching or deleting what is already gone succeeds.
import type { CloudError, IamBackend } from '../../cloud/index.ts';
import { isCloudError } from '../../cloud/index.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { isJsonObject, toJson } from '../json.ts';
import type { Json, JsonObject } from '../json.ts';
import type { Connector, ConnectorMap, TaskInvocation } from './types.ts';

/** The IAM actions workflows may call; each is a method of IamBackend with the same name. */
export const IAM_ACTIONS = [
  'createPolicy',
  'getPolicy',
  'deletePolicy',
  'listPolicies',
  'createPolicyVersion',
  'getPolicyVersion',
  'listPolicyVersions',
  'deletePolicyVersion',
  'tagPolicy',
  'untagPolicy',
  'listPolicyTags',
  'listEntitiesForPolicy',
  'attachUserPolicy',
  'attachRolePolicy',
  'attachGroupPolicy',
  'detachUserPolicy',
  'detachRolePolicy',
  'detachGroupPolicy',
  'listAttachedUserPolicies',
  'listAttachedRolePolicies',
  'listAttachedGroupPolicies',
  'putUserPolicy',
  'putRolePolicy',
  'putGroupPolicy',
  'getUserPolicy',
  'getRolePolicy',
  'getGroupPolicy',
  'deleteUserPolicy',
  'deleteRolePolicy',
  'deleteGroupPolicy',
  'listUserPolicies',
  'listRolePolicies',
  'listGroupPolicies',
  'getUser',
  'listUsers',
  'getGroup',
  'listGroups',
  'listGroupsForUser',
  'getRole',
  'listRoles',
] as const satisfies readonly (keyof IamBackend)[];

export type IamAction = (typeof IAM_ACTIONS)[number];

/** Actions whose NoSuchEntity, on a re-run after a crash, means the first run already did them. */
const GONE_IS_DONE = new Set<IamAction>([
  'deletePolicy',
  'deletePolicyVersion',
  'detachUserPolicy',
  'detachRolePolicy',
  'detachGroupPolicy',
  'deleteUserPolicy',
  'deleteRolePolicy',
  'deleteGroupPolicy',
]);

/** IAM's modeled exceptions (the SDK has a class for each); others surface as IamException. */
const MODELED = new Set([
  'NoSuchEntity',
  'EntityAlreadyExists',
  'DeleteConflict',
  'LimitExceeded',
  'InvalidInput',
  'MalformedPolicyDocument',
  'PolicyNotAttachable',
  'ServiceFailure',
  'ReportNotPresent',
  'ReportExpired',
  'ReportInProgress',
  'ConcurrentModification',
  'UnmodifiableEntity',
]);

/** A cloud error as the Step Functions AWS SDK integration names it: `Iam.NoSuchEntityException`. */
export function iamError(err: CloudError): StatesError {
  const name = MODELED.has(err.code) ? `Iam.${err.code}Exception` : 'Iam.IamException';
  return new StatesError(name, MODELED.has(err.code) ? err.message : `${err.code}: ${err.message}`, {
    source: err,
  });
}

function argumentsObject(invocation: TaskInvocation, service: string): JsonObject {
  if (!isJsonObject(invocation.arguments)) {
    throw new StatesError(
      `${service}.ValidationException`,
      `The arguments of ${invocation.resource} must be a JSON object (got ${JSON.stringify(invocation.arguments)?.slice(0, 100)}).`,
    );
  }
  return invocation.arguments;
}

async function call(backend: IamBackend, action: IamAction, args: JsonObject): Promise<Json> {
  const method = backend[action] as (input: unknown) => Promise<unknown>;
  const result = await method.call(backend, args);
  return result === undefined ? {} : toJson(result);
}

/** After EntityAlreadyExists on a re-run: the policy the first run created, if it is the same one. */
async function existingPolicy(backend: IamBackend, args: JsonObject): Promise<Json | undefined> {
  if (typeof args.PolicyName !== 'string' || typeof args.PolicyDocument !== 'string') return undefined;
  const { Account } = await backend.getCallerIdentity();
  const path = typeof args.Path === 'string' ? args.Path : '/';
  const arn = `arn:aws:iam::${Account}:policy${path}${args.PolicyName}`;
  const { Policy } = await backend.getPolicy({ PolicyArn: arn });
  const { PolicyVersion } = await backend.getPolicyVersion({
    PolicyArn: arn,
    VersionId: Policy.DefaultVersionId,
  });
  if (!PolicyVersion.Document || !sameJson(PolicyVersion.Document, args.PolicyDocument)) return undefined;
  return toJson({ Policy });
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

function iamConnector(backend: IamBackend, action: IamAction): Connector {
  return async (invocation) => {
    const args = argumentsObject(invocation, 'Iam');
    try {
      return await call(backend, action, args);
    } catch (err) {
      if (!isCloudError(err)) {
        throw new StatesError(STATES_ERRORS.TaskFailed, (err as Error)?.message ?? String(err), {
          source: err,
        });
      }
      if (invocation.recovery) {
        if (err.code === 'NoSuchEntity' && GONE_IS_DONE.has(action)) return {};
        if (err.code === 'EntityAlreadyExists' && action === 'createPolicy') {
          const existing = await existingPolicy(backend, args).catch(() => undefined);
          if (existing) return existing;
        }
      }
      throw iamError(err);
    }
  };
}

/** The `aws-sdk:iam:*` entries of a connector map. */
export function iamConnectors(backend: IamBackend): ConnectorMap {
  return Object.fromEntries(
    IAM_ACTIONS.map((action) => [`arn:aws:states:::aws-sdk:iam:${action}`, iamConnector(backend, action)]),
  );
}
