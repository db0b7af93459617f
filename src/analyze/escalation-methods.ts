// How each privilege-escalation action of the catalog (src/catalog/risk.ts) is used, i.e. what it
// must be allowed ON for the escalation to work. The catalog says which permissions escalate; this
// table says where to look for a resource that makes them dangerous, so that a grant restricted
// to resources that cannot be abused (AWS managed policies, the caller's own access keys…) is not
// reported.
import { PRIVILEGE_ESCALATION_ACTIONS } from '../catalog/index.ts';

/**
 * - `self`: the principal itself (a user's or role's own policies; for a group, the group);
 * - `own-groups`: the groups a user is in (for a group: itself);
 * - `groups`: groups a user is not in yet;
 * - `other-users` / `other-roles`: another identity of the account, whose access the caller takes;
 * - `customer-policies`: customer managed policies (AWS managed ones cannot be changed);
 * - `boundary`: the principal itself, when it has a permissions boundary to remove or replace;
 * - `existing-resources`: resources that already run with a role (functions, instances…);
 * - `admin-roles`: roles that are administrators and trust the principal;
 * - `combination`: only together with other permissions (see PRIVILEGE_ESCALATION_COMBINATIONS).
 */
export type EscalationReach =
  | 'self'
  | 'own-groups'
  | 'groups'
  | 'other-users'
  | 'other-roles'
  | 'customer-policies'
  | 'boundary'
  | 'existing-resources'
  | 'admin-roles'
  | 'combination';

export interface EscalationMethod {
  readonly action: string;
  readonly reach: EscalationReach;
  /** Principal kinds the method works for. */
  readonly for: readonly ('user' | 'group' | 'role')[];
  /** Condition keys the method fixes: the policy attached or set as boundary is an admin policy. */
  readonly adminPolicyKey?: string;
  /** For other-users: which users the action works on, per the credential report. */
  readonly needsPassword?: boolean;
}

const ALL = ['user', 'group', 'role'] as const;

const method = (
  action: string,
  reach: EscalationReach,
  kinds: readonly ('user' | 'group' | 'role')[] = ALL,
  extra: Partial<EscalationMethod> = {},
): EscalationMethod => ({ action, reach, for: kinds, ...extra });

const CODE_EXECUTION = [
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'glue:UpdateDevEndpoint',
  'cloudformation:UpdateStack',
  'codebuild:StartBuild',
  'sagemaker:CreatePresignedNotebookInstanceUrl',
  'ec2:ModifyInstanceAttribute',
  'ssm:SendCommand',
  'ssm:StartSession',
  'ecs:ExecuteCommand',
  'ec2-instance-connect:SendSSHPublicKey',
  'ec2-instance-connect:SendSerialConsoleSSHPublicKey',
];

export const ESCALATION_METHODS: readonly EscalationMethod[] = [
  method('iam:CreatePolicyVersion', 'customer-policies'),
  method('iam:SetDefaultPolicyVersion', 'customer-policies'),
  method('iam:AttachUserPolicy', 'self', ['user'], { adminPolicyKey: 'iam:PolicyARN' }),
  method('iam:AttachGroupPolicy', 'own-groups', ['user', 'group'], { adminPolicyKey: 'iam:PolicyARN' }),
  method('iam:AttachRolePolicy', 'self', ['role'], { adminPolicyKey: 'iam:PolicyARN' }),
  method('iam:PutUserPolicy', 'self', ['user']),
  method('iam:PutGroupPolicy', 'own-groups', ['user', 'group']),
  method('iam:PutRolePolicy', 'self', ['role']),
  method('iam:CreateAccessKey', 'other-users'),
  method('iam:CreateLoginProfile', 'other-users', ALL, { needsPassword: false }),
  method('iam:UpdateLoginProfile', 'other-users', ALL, { needsPassword: true }),
  method('iam:AddUserToGroup', 'groups', ['user']),
  method('iam:UpdateAssumeRolePolicy', 'other-roles'),
  method('iam:PutUserPermissionsBoundary', 'boundary', ['user'], {
    adminPolicyKey: 'iam:PermissionsBoundary',
  }),
  method('iam:DeleteUserPermissionsBoundary', 'boundary', ['user']),
  method('iam:PutRolePermissionsBoundary', 'boundary', ['role'], {
    adminPolicyKey: 'iam:PermissionsBoundary',
  }),
  method('iam:DeleteRolePermissionsBoundary', 'boundary', ['role']),
  method('iam:PassRole', 'combination'),
  ...CODE_EXECUTION.map((a) => method(a, 'existing-resources')),
  method('sts:AssumeRole', 'admin-roles'),
];

const BY_ACTION = new Map(ESCALATION_METHODS.map((m) => [m.action.toLowerCase(), m]));

/** The method for a catalog action; actions the table does not know are checked on any resource. */
export function escalationMethod(action: string): EscalationMethod {
  return BY_ACTION.get(action.toLowerCase()) ?? method(action, 'existing-resources');
}

/** The catalog's standalone escalation actions, each with its method. */
export function standaloneMethods(): EscalationMethod[] {
  return PRIVILEGE_ESCALATION_ACTIONS.filter((a) => a.standalone).map((a) => escalationMethod(a.action));
}
