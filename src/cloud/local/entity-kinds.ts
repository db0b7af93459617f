// Users, groups and roles: one table of what differs between the three kinds (their tables, names in
// messages and API members, name lengths, quotas), so that every operation on "an identity" is
// written once and reads its kind's row here.
import type { StoreTables } from '../../store/index.ts';
import { CloudError } from '../errors.ts';
import type { Group, Role, Tag, User } from '../types.ts';
import { key } from './context.ts';
import type { Reader } from './context.ts';

export type EntityKind = 'user' | 'group' | 'role';

export const ENTITY = {
  user: {
    table: 'iam_users',
    /** How messages name the kind, and the kind's name in API members and filters. */
    label: 'user',
    Label: 'User',
    /** The name's member in ValidationError messages, and its maximum length. */
    member: 'userName',
    maxName: 64,
    /** The API members holding the name, the id, a list of them and the inline policies. */
    Name: 'UserName',
    Id: 'UserId',
    List: 'Users',
    PolicyList: 'UserPolicyList',
    tagged: true,
    attachQuota: 'managedPoliciesPerUser',
    attachQuotaName: 'PoliciesPerUser',
    inlineQuota: 'inlineUserPoliciesSize',
    policyKind: 'inline-user',
  },
  group: {
    table: 'iam_groups',
    label: 'group',
    Label: 'Group',
    member: 'groupName',
    maxName: 128,
    Name: 'GroupName',
    Id: 'GroupId',
    List: 'Groups',
    PolicyList: 'GroupPolicyList',
    tagged: false,
    attachQuota: 'managedPoliciesPerGroup',
    attachQuotaName: 'PoliciesPerGroup',
    inlineQuota: 'inlineGroupPoliciesSize',
    policyKind: 'inline-group',
  },
  role: {
    table: 'iam_roles',
    label: 'role',
    Label: 'Role',
    member: 'roleName',
    maxName: 64,
    Name: 'RoleName',
    Id: 'RoleId',
    List: 'Roles',
    PolicyList: 'RolePolicyList',
    tagged: true,
    attachQuota: 'managedPoliciesPerRole',
    attachQuotaName: 'PoliciesPerRole',
    inlineQuota: 'inlineRolePoliciesSize',
    policyKind: 'inline-role',
  },
} as const;

/** The kinds in the order IAM lists them in GetAccountAuthorizationDetails. */
export const KINDS: readonly EntityKind[] = ['user', 'group', 'role'];

type Rules<K extends EntityKind> = (typeof ENTITY)[K];

export type PrincipalRow = StoreTables['iam_users'];
export type RoleRow = StoreTables['iam_roles'];
export type EntityRow<K extends EntityKind> = K extends 'role' ? RoleRow : PrincipalRow;

/** The API shape of each kind. */
export interface EntityApi {
  user: User;
  group: Group;
  role: Role;
}

/** An input that names an identity of kind K: { UserName }, { GroupName } or { RoleName }. */
export type NamedInput<K extends EntityKind> = { readonly [P in Rules<K>['Name']]: string };

/** The name an input gives its identity (input.UserName for a user). */
export function nameIn<K extends EntityKind>(kind: K, input: NamedInput<K>): string {
  return input[ENTITY[kind].Name as Rules<K>['Name']];
}

/** An output member named after the kind, e.g. { User } or { Users }, with a value of type T. */
export type Member<M extends string, T> = { [P in M]: T };
/** One object type from an intersection, as callers see it: { UserName: string; PolicyName: string }. */
export type Flat<T> = { [P in keyof T]: T[P] };
/** { User: User }, { Group: Group } or { Role: Role }. */
export type OneOf<K extends EntityKind> = Member<Rules<K>['Label'], EntityApi[K]>;
/** { Users: User[] }, { Groups: Group[] } or { Roles: Role[] }. */
export type ListOf<K extends EntityKind> = Member<Rules<K>['List'], EntityApi[K][]>;

/** Users and roles carry tags; groups do not. */
export function isTagged(kind: EntityKind): kind is 'user' | 'role' {
  return ENTITY[kind].tagged;
}

/** The identity named `name`, or NoSuchEntity. */
export async function findEntity<K extends EntityKind>(
  db: Reader,
  kind: K,
  name: string,
): Promise<EntityRow<K>> {
  const rules = ENTITY[kind];
  const row = await db
    .selectFrom(rules.table as 'iam_users')
    .selectAll()
    .where('name_key', '=', key(name))
    .executeTakeFirst();
  if (!row) throw new CloudError('NoSuchEntity', `The ${rules.label} with name ${name} cannot be found.`);
  return row as EntityRow<K>;
}

/** The members every identity's API shape starts with: Path, UserName, UserId, Arn, CreateDate. */
export type Identity<K extends EntityKind> = { Path: string } & Member<
  Rules<K>['Name'] | Rules<K>['Id'],
  string
> & { Arn: string; CreateDate: Date };

/** A row as its kind's Identity members, in IAM's order. */
export function identityOf<K extends EntityKind>(kind: K, row: PrincipalRow): Identity<K> {
  const rules = ENTITY[kind];
  return {
    Path: row.path,
    [rules.Name]: row.name,
    [rules.Id]: row.id,
    Arn: row.arn,
    CreateDate: new Date(row.create_date),
  } as Identity<K>;
}

/** A row as User, Group or Role; tags are shown when there are any (groups have none). */
export function toApi<K extends EntityKind>(kind: K, row: EntityRow<K>, tags?: Tag[]): EntityApi[K] {
  const role = kind === 'role' ? (row as RoleRow) : undefined;
  return {
    ...identityOf(kind, row),
    ...(role
      ? {
          AssumeRolePolicyDocument: role.assume_role_policy_document,
          ...(role.description !== null ? { Description: role.description } : {}),
          MaxSessionDuration: role.max_session_duration,
        }
      : {}),
    ...(isTagged(kind) && tags && tags.length > 0 ? { Tags: tags } : {}),
  } as EntityApi[K];
}
