// The IAM operations grantflow needs, with inputs and outputs shaped like the AWS API's (the same
// member names as the IAM API Reference and the SDK), so the `aws` backend passes them through
// and the emulator serializes them without a translation table.
//
// Differences from the wire shapes, on purpose:
// - Policy documents (PolicyDocument, AssumeRolePolicyDocument, Document) are the plain JSON
//   text: IAM returns them URL-encoded; backends decode them.
// - Credential report Content is the CSV bytes (IAM sends them base64-encoded).

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** Marker/MaxItems pagination, as IAM does it: pass the previous page's Marker to continue. */
export interface PageInput {
  /** 1 to 1000; IAM's default is 100. */
  readonly MaxItems?: number;
  readonly Marker?: string;
}

export interface PageOutput {
  readonly IsTruncated: boolean;
  /** Present when IsTruncated. */
  readonly Marker?: string;
}

// ── Entities ──────────────────────────────────────────────────────────────────────────────

export interface User {
  readonly Path: string;
  readonly UserName: string;
  readonly UserId: string;
  readonly Arn: string;
  readonly CreateDate: Date;
  readonly Tags?: readonly Tag[];
}

export interface Group {
  readonly Path: string;
  readonly GroupName: string;
  readonly GroupId: string;
  readonly Arn: string;
  readonly CreateDate: Date;
}

export interface Role {
  readonly Path: string;
  readonly RoleName: string;
  readonly RoleId: string;
  readonly Arn: string;
  readonly CreateDate: Date;
  readonly AssumeRolePolicyDocument: string;
  readonly Description?: string;
  readonly MaxSessionDuration: number;
  readonly Tags?: readonly Tag[];
}

export interface ManagedPolicy {
  readonly PolicyName: string;
  readonly PolicyId: string;
  readonly Arn: string;
  readonly Path: string;
  readonly DefaultVersionId: string;
  readonly AttachmentCount: number;
  readonly PermissionsBoundaryUsageCount: number;
  readonly IsAttachable: boolean;
  readonly Description?: string;
  readonly CreateDate: Date;
  readonly UpdateDate: Date;
  readonly Tags?: readonly Tag[];
}

export interface PolicyVersion {
  readonly Document?: string;
  readonly VersionId: string;
  readonly IsDefaultVersion: boolean;
  readonly CreateDate: Date;
}

export interface AttachedPolicy {
  readonly PolicyName: string;
  readonly PolicyArn: string;
}

export interface AccessKey {
  readonly UserName: string;
  readonly AccessKeyId: string;
  readonly Status: 'Active' | 'Inactive';
  readonly SecretAccessKey: string;
  readonly CreateDate: Date;
}

export type AccessKeyMetadata = Omit<AccessKey, 'SecretAccessKey'>;

export type IdentityKind = 'User' | 'Role' | 'Group';

// ── Policies ──────────────────────────────────────────────────────────────────────────────

export interface CreatePolicyInput {
  readonly PolicyName: string;
  readonly PolicyDocument: string;
  /** Default '/'. */
  readonly Path?: string;
  readonly Description?: string;
  readonly Tags?: readonly Tag[];
}

export interface ListPoliciesInput extends PageInput {
  /** Default 'All'. */
  readonly Scope?: 'All' | 'AWS' | 'Local';
  readonly OnlyAttached?: boolean;
  readonly PathPrefix?: string;
}

export interface ListEntitiesForPolicyInput extends PageInput {
  readonly PolicyArn: string;
  readonly EntityFilter?: 'User' | 'Role' | 'Group' | 'LocalManagedPolicy' | 'AWSManagedPolicy';
  readonly PathPrefix?: string;
}

export interface ListEntitiesForPolicyOutput extends PageOutput {
  readonly PolicyGroups: readonly { readonly GroupName: string; readonly GroupId: string }[];
  readonly PolicyUsers: readonly { readonly UserName: string; readonly UserId: string }[];
  readonly PolicyRoles: readonly { readonly RoleName: string; readonly RoleId: string }[];
}

// ── Account snapshot ──────────────────────────────────────────────────────────────────────

export type AuthorizationDetailsFilter =
  'User' | 'Role' | 'Group' | 'LocalManagedPolicy' | 'AWSManagedPolicy';

export interface InlinePolicy {
  readonly PolicyName: string;
  readonly PolicyDocument: string;
}

export interface UserDetail {
  readonly Path: string;
  readonly UserName: string;
  readonly UserId: string;
  readonly Arn: string;
  readonly CreateDate: Date;
  readonly UserPolicyList: readonly InlinePolicy[];
  readonly GroupList: readonly string[];
  readonly AttachedManagedPolicies: readonly AttachedPolicy[];
  readonly Tags: readonly Tag[];
}

export interface GroupDetail {
  readonly Path: string;
  readonly GroupName: string;
  readonly GroupId: string;
  readonly Arn: string;
  readonly CreateDate: Date;
  readonly GroupPolicyList: readonly InlinePolicy[];
  readonly AttachedManagedPolicies: readonly AttachedPolicy[];
}

export interface RoleDetail {
  readonly Path: string;
  readonly RoleName: string;
  readonly RoleId: string;
  readonly Arn: string;
  readonly CreateDate: Date;
  readonly AssumeRolePolicyDocument: string;
  readonly RolePolicyList: readonly InlinePolicy[];
  readonly AttachedManagedPolicies: readonly AttachedPolicy[];
  readonly Tags: readonly Tag[];
}

export interface ManagedPolicyDetail extends Omit<ManagedPolicy, 'Tags'> {
  readonly PolicyVersionList: readonly PolicyVersion[];
}

export interface AccountAuthorizationDetails extends PageOutput {
  readonly UserDetailList: readonly UserDetail[];
  readonly GroupDetailList: readonly GroupDetail[];
  readonly RoleDetailList: readonly RoleDetail[];
  readonly Policies: readonly ManagedPolicyDetail[];
}

export interface CredentialReport {
  /** The CSV report. */
  readonly Content: Uint8Array;
  readonly ReportFormat: 'text/csv';
  readonly GeneratedTime: Date;
}

// ── STS and SNS ───────────────────────────────────────────────────────────────────────────

export interface CallerIdentity {
  readonly UserId: string;
  readonly Account: string;
  readonly Arn: string;
}

export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
}

export interface PublishInput {
  /** One of TopicArn, TargetArn or PhoneNumber. */
  readonly TopicArn?: string;
  readonly TargetArn?: string;
  readonly PhoneNumber?: string;
  readonly Message: string;
  readonly Subject?: string;
  readonly MessageStructure?: 'json';
  readonly MessageAttributes?: Readonly<Record<string, MessageAttributeValue>>;
}

// ── The backend ───────────────────────────────────────────────────────────────────────────

type Page<K extends string, T> = PageOutput & { readonly [P in K]: readonly T[] };

/**
 * What grantflow does with IAM (and the STS and SNS calls around it). Every list operation is one
 * page, like IAM's; `paginate()` walks all pages. Errors are `CloudError`s with AWS's codes.
 */
export interface IamBackend {
  // Managed policies
  createPolicy(input: CreatePolicyInput): Promise<{ Policy: ManagedPolicy }>;
  getPolicy(input: { PolicyArn: string }): Promise<{ Policy: ManagedPolicy }>;
  deletePolicy(input: { PolicyArn: string }): Promise<void>;
  listPolicies(input?: ListPoliciesInput): Promise<Page<'Policies', ManagedPolicy>>;
  createPolicyVersion(input: {
    PolicyArn: string;
    PolicyDocument: string;
    SetAsDefault?: boolean;
  }): Promise<{ PolicyVersion: PolicyVersion }>;
  getPolicyVersion(input: {
    PolicyArn: string;
    VersionId: string;
  }): Promise<{ PolicyVersion: PolicyVersion }>;
  listPolicyVersions(input: { PolicyArn: string } & PageInput): Promise<Page<'Versions', PolicyVersion>>;
  deletePolicyVersion(input: { PolicyArn: string; VersionId: string }): Promise<void>;
  tagPolicy(input: { PolicyArn: string; Tags: readonly Tag[] }): Promise<void>;
  untagPolicy(input: { PolicyArn: string; TagKeys: readonly string[] }): Promise<void>;
  listPolicyTags(input: { PolicyArn: string } & PageInput): Promise<Page<'Tags', Tag>>;
  listEntitiesForPolicy(input: ListEntitiesForPolicyInput): Promise<ListEntitiesForPolicyOutput>;

  // Attachments
  attachUserPolicy(input: { UserName: string; PolicyArn: string }): Promise<void>;
  attachRolePolicy(input: { RoleName: string; PolicyArn: string }): Promise<void>;
  attachGroupPolicy(input: { GroupName: string; PolicyArn: string }): Promise<void>;
  detachUserPolicy(input: { UserName: string; PolicyArn: string }): Promise<void>;
  detachRolePolicy(input: { RoleName: string; PolicyArn: string }): Promise<void>;
  detachGroupPolicy(input: { GroupName: string; PolicyArn: string }): Promise<void>;
  listAttachedUserPolicies(
    input: { UserName: string; PathPrefix?: string } & PageInput,
  ): Promise<Page<'AttachedPolicies', AttachedPolicy>>;
  listAttachedRolePolicies(
    input: { RoleName: string; PathPrefix?: string } & PageInput,
  ): Promise<Page<'AttachedPolicies', AttachedPolicy>>;
  listAttachedGroupPolicies(
    input: { GroupName: string; PathPrefix?: string } & PageInput,
  ): Promise<Page<'AttachedPolicies', AttachedPolicy>>;

  // Inline policies
  putUserPolicy(input: { UserName: string; PolicyName: string; PolicyDocument: string }): Promise<void>;
  putRolePolicy(input: { RoleName: string; PolicyName: string; PolicyDocument: string }): Promise<void>;
  putGroupPolicy(input: { GroupName: string; PolicyName: string; PolicyDocument: string }): Promise<void>;
  getUserPolicy(input: {
    UserName: string;
    PolicyName: string;
  }): Promise<{ UserName: string; PolicyName: string; PolicyDocument: string }>;
  getRolePolicy(input: {
    RoleName: string;
    PolicyName: string;
  }): Promise<{ RoleName: string; PolicyName: string; PolicyDocument: string }>;
  getGroupPolicy(input: {
    GroupName: string;
    PolicyName: string;
  }): Promise<{ GroupName: string; PolicyName: string; PolicyDocument: string }>;
  deleteUserPolicy(input: { UserName: string; PolicyName: string }): Promise<void>;
  deleteRolePolicy(input: { RoleName: string; PolicyName: string }): Promise<void>;
  deleteGroupPolicy(input: { GroupName: string; PolicyName: string }): Promise<void>;
  listUserPolicies(input: { UserName: string } & PageInput): Promise<Page<'PolicyNames', string>>;
  listRolePolicies(input: { RoleName: string } & PageInput): Promise<Page<'PolicyNames', string>>;
  listGroupPolicies(input: { GroupName: string } & PageInput): Promise<Page<'PolicyNames', string>>;

  // Users, groups, roles
  createUser(input: { UserName: string; Path?: string; Tags?: readonly Tag[] }): Promise<{ User: User }>;
  getUser(input: { UserName: string }): Promise<{ User: User }>;
  deleteUser(input: { UserName: string }): Promise<void>;
  listUsers(input?: { PathPrefix?: string } & PageInput): Promise<Page<'Users', User>>;
  createGroup(input: { GroupName: string; Path?: string }): Promise<{ Group: Group }>;
  getGroup(input: { GroupName: string } & PageInput): Promise<{ Group: Group } & Page<'Users', User>>;
  deleteGroup(input: { GroupName: string }): Promise<void>;
  listGroups(input?: { PathPrefix?: string } & PageInput): Promise<Page<'Groups', Group>>;
  addUserToGroup(input: { GroupName: string; UserName: string }): Promise<void>;
  removeUserFromGroup(input: { GroupName: string; UserName: string }): Promise<void>;
  listGroupsForUser(input: { UserName: string } & PageInput): Promise<Page<'Groups', Group>>;
  createRole(input: {
    RoleName: string;
    AssumeRolePolicyDocument: string;
    Path?: string;
    Description?: string;
    MaxSessionDuration?: number;
    Tags?: readonly Tag[];
  }): Promise<{ Role: Role }>;
  getRole(input: { RoleName: string }): Promise<{ Role: Role }>;
  deleteRole(input: { RoleName: string }): Promise<void>;
  listRoles(input?: { PathPrefix?: string } & PageInput): Promise<Page<'Roles', Role>>;
  createAccessKey(input: { UserName: string }): Promise<{ AccessKey: AccessKey }>;
  deleteAccessKey(input: { UserName: string; AccessKeyId: string }): Promise<void>;
  listAccessKeys(
    input: { UserName: string } & PageInput,
  ): Promise<Page<'AccessKeyMetadata', AccessKeyMetadata>>;

  // Account
  getAccountAuthorizationDetails(
    input?: { Filter?: readonly AuthorizationDetailsFilter[] } & PageInput,
  ): Promise<AccountAuthorizationDetails>;
  generateCredentialReport(): Promise<{ State: 'STARTED' | 'INPROGRESS' | 'COMPLETE'; Description: string }>;
  getCredentialReport(): Promise<CredentialReport>;

  // STS and SNS
  getCallerIdentity(): Promise<CallerIdentity>;
  publish(input: PublishInput): Promise<{ MessageId: string }>;

  /** Releases connections and files. */
  close(): Promise<void>;
}
