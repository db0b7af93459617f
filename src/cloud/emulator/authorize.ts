// The emulator's optional authorization: each call by an IAM user is decided with the user's
// identity-based policies (its own and its groups'), using the evaluation engine, on the action
// and resource IAM's service authorization reference gives for the operation. The root user is
// never limited by identity policies, as in AWS.
import { compilePolicySet, decide } from '../../evaluate/index.ts';
import type { ContextValue, NamedPolicy } from '../../evaluate/index.ts';
import { CloudError } from '../errors.ts';
import type { LocalIamBackend } from '../local/index.ts';
import type { Tag, User } from '../types.ts';

type Input = Record<string, unknown>;

/** Resolves the ARN of an existing entity (it carries the entity's path), or the path-less ARN. */
interface Arns {
  entity(kind: 'user' | 'group' | 'role', name: unknown): Promise<string>;
  fresh(kind: 'user' | 'group' | 'role' | 'policy', path: unknown, name: unknown): string;
}

type ResourceOf = (input: Input, arns: Arns) => Promise<string> | string;

const any: ResourceOf = () => '*';
const policy: ResourceOf = (i) => String(i.PolicyArn);
const user: ResourceOf = (i, a) => a.entity('user', i.UserName);
const group: ResourceOf = (i, a) => a.entity('group', i.GroupName);
const role: ResourceOf = (i, a) => a.entity('role', i.RoleName);

/** The resource each IAM operation is authorized on. */
export const IAM_ACTION_RESOURCES: Readonly<Record<string, ResourceOf>> = {
  CreatePolicy: (i, a) => a.fresh('policy', i.Path, i.PolicyName),
  GetPolicy: policy,
  DeletePolicy: policy,
  ListPolicies: any,
  CreatePolicyVersion: policy,
  GetPolicyVersion: policy,
  ListPolicyVersions: policy,
  DeletePolicyVersion: policy,
  TagPolicy: policy,
  UntagPolicy: policy,
  ListPolicyTags: policy,
  ListEntitiesForPolicy: policy,
  AttachUserPolicy: user,
  AttachRolePolicy: role,
  AttachGroupPolicy: group,
  DetachUserPolicy: user,
  DetachRolePolicy: role,
  DetachGroupPolicy: group,
  ListAttachedUserPolicies: user,
  ListAttachedRolePolicies: role,
  ListAttachedGroupPolicies: group,
  PutUserPolicy: user,
  PutRolePolicy: role,
  PutGroupPolicy: group,
  GetUserPolicy: user,
  GetRolePolicy: role,
  GetGroupPolicy: group,
  DeleteUserPolicy: user,
  DeleteRolePolicy: role,
  DeleteGroupPolicy: group,
  ListUserPolicies: user,
  ListRolePolicies: role,
  ListGroupPolicies: group,
  CreateUser: (i, a) => a.fresh('user', i.Path, i.UserName),
  GetUser: user,
  DeleteUser: user,
  ListUsers: any,
  CreateGroup: (i, a) => a.fresh('group', i.Path, i.GroupName),
  GetGroup: group,
  DeleteGroup: group,
  ListGroups: any,
  AddUserToGroup: group,
  RemoveUserFromGroup: group,
  ListGroupsForUser: user,
  CreateRole: (i, a) => a.fresh('role', i.Path, i.RoleName),
  GetRole: role,
  DeleteRole: role,
  ListRoles: any,
  CreateAccessKey: user,
  DeleteAccessKey: user,
  ListAccessKeys: user,
  GetAccountAuthorizationDetails: any,
  GenerateCredentialReport: any,
  GetCredentialReport: any,
};

export interface AuthorizationRequest {
  readonly service: 'iam' | 'sns';
  readonly action: string;
  readonly input: Input;
  readonly caller: User;
  readonly sourceIp?: string;
  readonly region: string;
  readonly now: Date;
}

/** Throws AccessDenied (as IAM words it) unless the caller's identity policies allow the call. */
export async function authorizeCall(backend: LocalIamBackend, request: AuthorizationRequest): Promise<void> {
  const { caller, input } = request;
  const action = `${request.service}:${request.action}`;
  const arns: Arns = {
    async entity(kind, name) {
      const n = String(name);
      try {
        if (kind === 'user') return (await backend.getUser({ UserName: n })).User.Arn;
        if (kind === 'group') return (await backend.getGroup({ GroupName: n, MaxItems: 1 })).Group.Arn;
        return (await backend.getRole({ RoleName: n })).Role.Arn;
      } catch {
        return `arn:aws:iam::${backend.accountId}:${kind}/${n}`;
      }
    },
    fresh: (kind, path, name) =>
      `arn:aws:iam::${backend.accountId}:${kind}${typeof path === 'string' ? path : '/'}${String(name)}`,
  };
  const resource =
    request.service === 'sns'
      ? String(input.TopicArn ?? input.TargetArn ?? '*')
      : await (IAM_ACTION_RESOURCES[request.action] ?? any)(input, arns);

  const context: Record<string, ContextValue> = {
    'aws:PrincipalArn': caller.Arn,
    'aws:PrincipalAccount': backend.accountId,
    'aws:PrincipalType': 'User',
    'aws:username': caller.UserName,
    'aws:userid': caller.UserId,
    'aws:CurrentTime': request.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': Math.floor(request.now.getTime() / 1000),
    'aws:SecureTransport': false,
    'aws:RequestedRegion': request.region,
    ...(request.sourceIp ? { 'aws:SourceIp': request.sourceIp } : {}),
  };
  if (
    /^(Attach|Detach)(User|Role|Group)Policy$/.test(request.action) &&
    typeof input.PolicyArn === 'string'
  ) {
    context['iam:PolicyARN'] = input.PolicyArn;
  }
  const tags = Array.isArray(input.Tags) ? (input.Tags as Tag[]) : [];
  if (tags.length > 0) {
    for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value;
    context['aws:TagKeys'] = tags.map((t) => t.Key);
  }
  if (Array.isArray(input.TagKeys)) context['aws:TagKeys'] = input.TagKeys as string[];

  const policies: NamedPolicy[] = (await backend.userPolicies(caller.UserName)).map((p) => ({
    name: p.source,
    document: p.document,
  }));
  const decision = decide(compilePolicySet({ identityPolicies: policies }), {
    principal: caller.Arn,
    principalKind: 'user',
    action,
    resource,
    context,
  });
  if (decision === 'Allowed') return;
  const why =
    decision === 'ExplicitlyDenied'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${action} action`;
  throw new CloudError(
    request.service === 'sns' ? 'AuthorizationError' : 'AccessDenied',
    `User: ${caller.Arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`,
  );
}
