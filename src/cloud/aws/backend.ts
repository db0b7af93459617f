// The `aws` backend: the AWS SDK for JavaScript v3 (IAM, STS, SNS clients) with the standard
// credential chain, adaptive retries and an optional endpoint (the emulator, or a test double).
// Outputs are the SDK's, with policy documents URL-decoded; errors become CloudErrors.
import * as iam from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parseArn } from '../../policy/index.ts';
import { CloudError, isCloudErrorCode } from '../errors.ts';
import type { CloudErrorCode } from '../errors.ts';
import type { IamBackend } from '../types.ts';

export interface AwsBackendOptions {
  /** Default: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 (IAM is a global service). */
  readonly region?: string;
  /** Send every call here instead of AWS's endpoints, e.g. http://127.0.0.1:4566 (the emulator). */
  readonly endpoint?: string;
  /** Default: the SDK's standard credential chain (environment, shared files, SSO, IMDS…). */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /** Attempts per call with adaptive retries; default 3. */
  readonly maxAttempts?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Members IAM returns URL-encoded. */
const DOCUMENT_MEMBERS = new Set(['PolicyDocument', 'AssumeRolePolicyDocument', 'Document']);

/** SDK exception names whose query error code differs from the name without "Exception". */
const RENAMED: Record<string, CloudErrorCode> = {
  CredentialReportNotPresentException: 'ReportNotPresent',
  CredentialReportExpiredException: 'ReportExpired',
  CredentialReportNotReadyException: 'ReportInProgress',
  InvalidParameterException: 'InvalidParameter',
  AuthorizationErrorException: 'AuthorizationError',
};

/** Turns an SDK service error into a CloudError with AWS's code; leaves other failures as they are. */
export function toCloudError(err: unknown): unknown {
  const e = err as {
    name?: string;
    message?: string;
    Code?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
  };
  if (!e || typeof e !== 'object' || e.$metadata === undefined || e.$metadata.httpStatusCode === undefined)
    return err;
  const name = e.name ?? '';
  const code =
    RENAMED[name] ?? (e.Code && isCloudErrorCode(e.Code) ? e.Code : name.replace(/Exception$/, ''));
  if (isCloudErrorCode(code)) return new CloudError(code, e.message ?? code, { cause: err });
  return new CloudError('ServiceFailure', `${name || 'Unknown error'}: ${e.message ?? ''}`.trim(), {
    cause: err,
  });
}

/** Drops the SDK's $metadata and URL-decodes policy documents, recursively. */
function normalize(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return DOCUMENT_MEMBERS.has(key) ? decodeDocument(value) : value;
  if (Array.isArray(value)) return value.map((v) => normalize(v));
  if (value instanceof Date || value instanceof Uint8Array || value === null || typeof value !== 'object')
    return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$metadata' || v === undefined) continue;
    out[k] = normalize(v, k);
  }
  return out;
}

function decodeDocument(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

type SdkClient = {
  send(command: unknown): Promise<unknown>;
  config: { retryStrategy: () => Promise<unknown> };
};
type CommandClass = new (input: never) => unknown;

interface RetryStrategyV2 {
  acquireInitialRetryToken(scope: string): Promise<unknown>;
  refreshRetryTokenForRetry(token: unknown, info: { error?: { name?: string } }): Promise<unknown>;
  recordSuccess(token: unknown): void;
  mode?: string;
}

/**
 * The SDK treats every LimitExceededException as throttling and retries it, but IAM uses that
 * code for quotas (ten policies per user…), which retrying cannot fix; so those fail at once.
 */
function failFastOnQuota(client: SdkClient): void {
  const base = client.config.retryStrategy;
  client.config.retryStrategy = async () => {
    const inner = (await base()) as RetryStrategyV2;
    if (typeof inner.refreshRetryTokenForRetry !== 'function') return inner;
    return {
      mode: inner.mode,
      acquireInitialRetryToken: (scope: string) => inner.acquireInitialRetryToken(scope),
      refreshRetryTokenForRetry: (token: unknown, info: { error?: { name?: string } }) => {
        if (info.error?.name === 'LimitExceededException') return Promise.reject(info.error);
        return inner.refreshRetryTokenForRetry(token, info);
      },
      recordSuccess: (token: unknown) => inner.recordSuccess(token),
    };
  };
}

export class AwsIamBackend implements IamBackend {
  readonly #iam: iam.IAMClient;
  readonly #sts: STSClient;
  readonly #sns = new Map<string, SNSClient>();
  readonly #options: AwsBackendOptions;
  readonly #region: string;

  constructor(options: AwsBackendOptions = {}) {
    this.#options = options;
    const env = options.env ?? process.env;
    this.#region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.#iam = new iam.IAMClient(this.#clientConfig(this.#region));
    this.#sts = new STSClient(this.#clientConfig(this.#region));
    failFastOnQuota(this.#iam as unknown as SdkClient);
  }

  #clientConfig(region: string) {
    const o = this.#options;
    return {
      region,
      retryMode: 'adaptive',
      maxAttempts: o.maxAttempts ?? 3,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.credentials ? { credentials: { ...o.credentials } } : {}),
    };
  }

  async #send<O>(client: SdkClient, Command: CommandClass, input: object | undefined): Promise<O> {
    try {
      const output = await client.send(new Command((input ?? {}) as never));
      return normalize(output) as O;
    } catch (err) {
      throw toCloudError(err);
    }
  }

  #call<O>(Command: CommandClass, input?: object): Promise<O> {
    return this.#send<O>(this.#iam as unknown as SdkClient, Command, input);
  }

  async #void(Command: CommandClass, input: object): Promise<void> {
    await this.#call(Command, input);
  }

  // Managed policies
  createPolicy: IamBackend['createPolicy'] = (i) => this.#call(iam.CreatePolicyCommand, i);
  getPolicy: IamBackend['getPolicy'] = (i) => this.#call(iam.GetPolicyCommand, i);
  deletePolicy: IamBackend['deletePolicy'] = (i) => this.#void(iam.DeletePolicyCommand, i);
  listPolicies: IamBackend['listPolicies'] = (i) => this.#call(iam.ListPoliciesCommand, i);
  createPolicyVersion: IamBackend['createPolicyVersion'] = (i) =>
    this.#call(iam.CreatePolicyVersionCommand, i);
  getPolicyVersion: IamBackend['getPolicyVersion'] = (i) => this.#call(iam.GetPolicyVersionCommand, i);
  listPolicyVersions: IamBackend['listPolicyVersions'] = (i) => this.#call(iam.ListPolicyVersionsCommand, i);
  deletePolicyVersion: IamBackend['deletePolicyVersion'] = (i) =>
    this.#void(iam.DeletePolicyVersionCommand, i);
  tagPolicy: IamBackend['tagPolicy'] = (i) => this.#void(iam.TagPolicyCommand, i);
  untagPolicy: IamBackend['untagPolicy'] = (i) => this.#void(iam.UntagPolicyCommand, i);
  listPolicyTags: IamBackend['listPolicyTags'] = (i) => this.#call(iam.ListPolicyTagsCommand, i);
  listEntitiesForPolicy: IamBackend['listEntitiesForPolicy'] = (i) =>
    this.#call(iam.ListEntitiesForPolicyCommand, i);

  // Attachments
  attachUserPolicy: IamBackend['attachUserPolicy'] = (i) => this.#void(iam.AttachUserPolicyCommand, i);
  attachRolePolicy: IamBackend['attachRolePolicy'] = (i) => this.#void(iam.AttachRolePolicyCommand, i);
  attachGroupPolicy: IamBackend['attachGroupPolicy'] = (i) => this.#void(iam.AttachGroupPolicyCommand, i);
  detachUserPolicy: IamBackend['detachUserPolicy'] = (i) => this.#void(iam.DetachUserPolicyCommand, i);
  detachRolePolicy: IamBackend['detachRolePolicy'] = (i) => this.#void(iam.DetachRolePolicyCommand, i);
  detachGroupPolicy: IamBackend['detachGroupPolicy'] = (i) => this.#void(iam.DetachGroupPolicyCommand, i);
  listAttachedUserPolicies: IamBackend['listAttachedUserPolicies'] = (i) =>
    this.#call(iam.ListAttachedUserPoliciesCommand, i);
  listAttachedRolePolicies: IamBackend['listAttachedRolePolicies'] = (i) =>
    this.#call(iam.ListAttachedRolePoliciesCommand, i);
  listAttachedGroupPolicies: IamBackend['listAttachedGroupPolicies'] = (i) =>
    this.#call(iam.ListAttachedGroupPoliciesCommand, i);

  // Inline policies
  putUserPolicy: IamBackend['putUserPolicy'] = (i) => this.#void(iam.PutUserPolicyCommand, i);
  putRolePolicy: IamBackend['putRolePolicy'] = (i) => this.#void(iam.PutRolePolicyCommand, i);
  putGroupPolicy: IamBackend['putGroupPolicy'] = (i) => this.#void(iam.PutGroupPolicyCommand, i);
  getUserPolicy: IamBackend['getUserPolicy'] = (i) => this.#call(iam.GetUserPolicyCommand, i);
  getRolePolicy: IamBackend['getRolePolicy'] = (i) => this.#call(iam.GetRolePolicyCommand, i);
  getGroupPolicy: IamBackend['getGroupPolicy'] = (i) => this.#call(iam.GetGroupPolicyCommand, i);
  deleteUserPolicy: IamBackend['deleteUserPolicy'] = (i) => this.#void(iam.DeleteUserPolicyCommand, i);
  deleteRolePolicy: IamBackend['deleteRolePolicy'] = (i) => this.#void(iam.DeleteRolePolicyCommand, i);
  deleteGroupPolicy: IamBackend['deleteGroupPolicy'] = (i) => this.#void(iam.DeleteGroupPolicyCommand, i);
  listUserPolicies: IamBackend['listUserPolicies'] = (i) => this.#call(iam.ListUserPoliciesCommand, i);
  listRolePolicies: IamBackend['listRolePolicies'] = (i) => this.#call(iam.ListRolePoliciesCommand, i);
  listGroupPolicies: IamBackend['listGroupPolicies'] = (i) => this.#call(iam.ListGroupPoliciesCommand, i);

  // Users, groups, roles
  createUser: IamBackend['createUser'] = (i) => this.#call(iam.CreateUserCommand, i);
  getUser: IamBackend['getUser'] = (i) => this.#call(iam.GetUserCommand, i);
  deleteUser: IamBackend['deleteUser'] = (i) => this.#void(iam.DeleteUserCommand, i);
  listUsers: IamBackend['listUsers'] = (i) => this.#call(iam.ListUsersCommand, i);
  createGroup: IamBackend['createGroup'] = (i) => this.#call(iam.CreateGroupCommand, i);
  getGroup: IamBackend['getGroup'] = (i) => this.#call(iam.GetGroupCommand, i);
  deleteGroup: IamBackend['deleteGroup'] = (i) => this.#void(iam.DeleteGroupCommand, i);
  listGroups: IamBackend['listGroups'] = (i) => this.#call(iam.ListGroupsCommand, i);
  addUserToGroup: IamBackend['addUserToGroup'] = (i) => this.#void(iam.AddUserToGroupCommand, i);
  removeUserFromGroup: IamBackend['removeUserFromGroup'] = (i) =>
    this.#void(iam.RemoveUserFromGroupCommand, i);
  listGroupsForUser: IamBackend['listGroupsForUser'] = (i) => this.#call(iam.ListGroupsForUserCommand, i);
  createRole: IamBackend['createRole'] = (i) => this.#call(iam.CreateRoleCommand, i);
  getRole: IamBackend['getRole'] = (i) => this.#call(iam.GetRoleCommand, i);
  deleteRole: IamBackend['deleteRole'] = (i) => this.#void(iam.DeleteRoleCommand, i);
  listRoles: IamBackend['listRoles'] = (i) => this.#call(iam.ListRolesCommand, i);
  createAccessKey: IamBackend['createAccessKey'] = (i) => this.#call(iam.CreateAccessKeyCommand, i);
  deleteAccessKey: IamBackend['deleteAccessKey'] = (i) => this.#void(iam.DeleteAccessKeyCommand, i);
  listAccessKeys: IamBackend['listAccessKeys'] = (i) => this.#call(iam.ListAccessKeysCommand, i);

  // Account
  getAccountAuthorizationDetails: IamBackend['getAccountAuthorizationDetails'] = (i) =>
    this.#call(iam.GetAccountAuthorizationDetailsCommand, i);
  generateCredentialReport: IamBackend['generateCredentialReport'] = () =>
    this.#call(iam.GenerateCredentialReportCommand);
  getCredentialReport: IamBackend['getCredentialReport'] = () => this.#call(iam.GetCredentialReportCommand);

  // STS and SNS
  getCallerIdentity: IamBackend['getCallerIdentity'] = () =>
    this.#send(this.#sts as unknown as SdkClient, GetCallerIdentityCommand, {});

  publish: IamBackend['publish'] = (input) => {
    // A topic lives in one region: publish there, whatever the backend's default region.
    const arn = input.TopicArn ?? input.TargetArn;
    const region = (arn && parseArn(arn)?.region) || this.#region;
    let client = this.#sns.get(region);
    if (!client) {
      client = new SNSClient(this.#clientConfig(region));
      this.#sns.set(region, client);
    }
    return this.#send(client as unknown as SdkClient, PublishCommand, input);
  };

  async close(): Promise<void> {
    this.#iam.destroy();
    this.#sts.destroy();
    for (const client of this.#sns.values()) client.destroy();
  }
}
