// Reading `aws iam get-account-authorization-details` output (one response, or a list of pages)
// into the account snapshot. Policy documents may be URL-encoded text, plain JSON text or decoded
// objects; dates may be IAM's text or Date objects (the SDK's). Anything malformed is reported
// with the path of the field, e.g. `RoleDetailList[3].AssumeRolePolicyDocument`.
import { AuditInputError } from '../errors.ts';
import { accountOf, loadDocument, partitionOf } from '../../analyze/index.ts';
import type {
  AccountSnapshot,
  CredentialReport,
  GroupEntity,
  InlinePolicy,
  ManagedPolicy,
  RoleEntity,
  UserEntity,
} from '../../analyze/index.ts';

type Json = Record<string, unknown>;

const LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

export interface AuthorizationDetailsOptions {
  /** Where the data came from, for reports (a file name). */
  readonly source?: string;
  /** The account, when it cannot be read from the ARNs (an empty account). */
  readonly accountId?: string;
  readonly credentialReport?: CredentialReport;
}

/** Parses the JSON text of the AWS CLI's output. */
export function readAuthorizationDetails(
  text: string,
  options: AuthorizationDetailsOptions = {},
): AccountSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AuditInputError(
      `${options.source ?? 'the input'} is not valid JSON: ${(err as Error).message}`,
    );
  }
  return authorizationDetailsSnapshot(Array.isArray(value) ? value : [value], options);
}

/** Builds the snapshot from one or more GetAccountAuthorizationDetails responses. */
export function authorizationDetailsSnapshot(
  pages: readonly unknown[],
  options: AuthorizationDetailsOptions = {},
): AccountSnapshot {
  const users: UserEntity[] = [];
  const groups: GroupEntity[] = [];
  const roles: RoleEntity[] = [];
  const policies = new Map<string, ManagedPolicy>();
  pages.forEach((page, p) => {
    const at = pages.length > 1 ? `[${p}]` : '';
    if (!isObject(page)) throw new AuditInputError(`${at || 'the input'}: expected a JSON object`);
    if (!LISTS.some((l) => l in page)) {
      throw new AuditInputError(
        `${at || 'the input'}: not get-account-authorization-details output (none of ${LISTS.join(', ')})`,
      );
    }
    list(page, 'UserDetailList', at).forEach((u, i) => users.push(readUser(u, `${at}UserDetailList[${i}]`)));
    list(page, 'GroupDetailList', at).forEach((g, i) =>
      groups.push(readGroup(g, `${at}GroupDetailList[${i}]`)),
    );
    list(page, 'RoleDetailList', at).forEach((r, i) => roles.push(readRole(r, `${at}RoleDetailList[${i}]`)));
    list(page, 'Policies', at).forEach((m, i) => {
      const policy = readPolicy(m, `${at}Policies[${i}]`);
      policies.set(policy.arn, policy);
    });
  });
  const arns = [
    ...users.map((u) => u.arn),
    ...groups.map((g) => g.arn),
    ...roles.map((r) => r.arn),
    ...[...policies.values()].filter((p) => !p.awsManaged).map((p) => p.arn),
  ];
  const accounts = [...new Set(arns.map(accountOf).filter((a) => a !== undefined && a !== ''))];
  if (accounts.length > 1) {
    throw new AuditInputError(
      `the input mixes several accounts (${accounts.join(', ')}); audit one at a time`,
    );
  }
  const accountId = accounts[0] ?? options.accountId;
  if (accountId === undefined) {
    throw new AuditInputError(
      'cannot tell which account this is: the input has no user, group, role or customer managed policy',
    );
  }
  return {
    accountId,
    partition: (arns.length > 0 ? partitionOf(arns[0]!) : undefined) ?? 'aws',
    users,
    groups,
    roles,
    policies,
    source: options.source ?? 'authorization details',
    ...(options.credentialReport ? { credentialReport: options.credentialReport } : {}),
  };
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

function list(obj: Json, key: string, at: string): Json[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new AuditInputError(`${at}${key}: expected a list`);
  v.forEach((item, i) => {
    if (!isObject(item)) throw new AuditInputError(`${at}${key}[${i}]: expected an object`);
  });
  return v as Json[];
}

function str(obj: Json, key: string, at: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '')
    throw new AuditInputError(`${at}.${key}: expected a non-empty string`);
  return v;
}

function optStr(obj: Json, key: string, at: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AuditInputError(`${at}.${key}: expected a string`);
  return v;
}

function arn(obj: Json, key: string, at: string): string {
  const v = str(obj, key, at);
  if (accountOf(v) === undefined) throw new AuditInputError(`${at}.${key}: "${v}" is not an ARN`);
  return v;
}

function date(obj: Json, key: string, at: string): Date | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : undefined;
  if (d === undefined || Number.isNaN(d.getTime())) {
    throw new AuditInputError(`${at}.${key}: expected a date (got ${JSON.stringify(v)})`);
  }
  return d;
}

function tags(obj: Json, at: string): Map<string, string> {
  const out = new Map<string, string>();
  list(obj, 'Tags', `${at}.`).forEach((t, i) => {
    out.set(str(t, 'Key', `${at}.Tags[${i}]`), optStr(t, 'Value', `${at}.Tags[${i}]`) ?? '');
  });
  return out;
}

function inline(obj: Json, key: string, at: string): InlinePolicy[] {
  return list(obj, key, `${at}.`).map((p, i) => {
    const where = `${at}.${key}[${i}]`;
    if (p.PolicyDocument === undefined) throw new AuditInputError(`${where}.PolicyDocument: missing`);
    return { name: str(p, 'PolicyName', where), document: loadDocument(p.PolicyDocument) };
  });
}

function attached(obj: Json, at: string): string[] {
  return list(obj, 'AttachedManagedPolicies', `${at}.`).map((p, i) =>
    arn(p, 'PolicyArn', `${at}.AttachedManagedPolicies[${i}]`),
  );
}

function boundary(obj: Json, at: string): string | undefined {
  const b = obj.PermissionsBoundary;
  if (b === undefined || b === null) return undefined;
  if (!isObject(b)) throw new AuditInputError(`${at}.PermissionsBoundary: expected an object`);
  return arn(b, 'PermissionsBoundaryArn', `${at}.PermissionsBoundary`);
}

function entityBase(obj: Json, nameKey: string, idKey: string, at: string) {
  const createDate = date(obj, 'CreateDate', at);
  return {
    arn: arn(obj, 'Arn', at),
    name: str(obj, nameKey, at),
    id: optStr(obj, idKey, at) ?? '',
    path: optStr(obj, 'Path', at) ?? '/',
    ...(createDate ? { createDate } : {}),
  };
}

function readUser(u: Json, at: string): UserEntity {
  const groups = u.GroupList ?? [];
  if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string')) {
    throw new AuditInputError(`${at}.GroupList: expected a list of group names`);
  }
  const b = boundary(u, at);
  return {
    kind: 'user',
    ...entityBase(u, 'UserName', 'UserId', at),
    inline: inline(u, 'UserPolicyList', at),
    attached: attached(u, at),
    groups: groups as string[],
    tags: tags(u, at),
    ...(b ? { boundary: b } : {}),
  };
}

function readGroup(g: Json, at: string): GroupEntity {
  return {
    kind: 'group',
    ...entityBase(g, 'GroupName', 'GroupId', at),
    inline: inline(g, 'GroupPolicyList', at),
    attached: attached(g, at),
  };
}

function readRole(r: Json, at: string): RoleEntity {
  if (r.AssumeRolePolicyDocument === undefined) {
    throw new AuditInputError(`${at}.AssumeRolePolicyDocument: missing`);
  }
  const b = boundary(r, at);
  let lastUsed: RoleEntity['lastUsed'];
  if (r.RoleLastUsed !== undefined && r.RoleLastUsed !== null) {
    if (!isObject(r.RoleLastUsed)) throw new AuditInputError(`${at}.RoleLastUsed: expected an object`);
    const when = date(r.RoleLastUsed, 'LastUsedDate', `${at}.RoleLastUsed`);
    const region = optStr(r.RoleLastUsed, 'Region', `${at}.RoleLastUsed`);
    lastUsed = { ...(when ? { date: when } : {}), ...(region ? { region } : {}) };
  }
  return {
    kind: 'role',
    ...entityBase(r, 'RoleName', 'RoleId', at),
    trust: loadDocument(r.AssumeRolePolicyDocument),
    inline: inline(r, 'RolePolicyList', at),
    attached: attached(r, at),
    tags: tags(r, at),
    ...(b ? { boundary: b } : {}),
    ...(lastUsed ? { lastUsed } : {}),
  };
}

function readPolicy(m: Json, at: string): ManagedPolicy {
  const policyArn = arn(m, 'Arn', at);
  const versions = list(m, 'PolicyVersionList', `${at}.`);
  const defaultId = optStr(m, 'DefaultVersionId', at);
  const chosen =
    versions.find((v) => v.IsDefaultVersion === true) ??
    versions.find((v) => defaultId !== undefined && v.VersionId === defaultId);
  const updateDate = date(m, 'UpdateDate', at);
  return {
    arn: policyArn,
    name: str(m, 'PolicyName', at),
    path: optStr(m, 'Path', at) ?? '/',
    awsManaged: accountOf(policyArn) === 'aws',
    versionCount: versions.length,
    tags: tags(m, at),
    ...(chosen && chosen.Document !== undefined ? { document: loadDocument(chosen.Document) } : {}),
    ...(updateDate ? { updateDate } : {}),
  };
}
