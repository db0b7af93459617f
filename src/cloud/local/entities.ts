// Creating, reading, deleting and listing users, groups and roles. Group membership is in
// group-members.ts, policies in attachments.ts and inline-policies.ts.
import { CloudError } from '../errors.ts';
import type { Group, IamBackend, PageInput, Role, Tag, User } from '../types.ts';
import { key } from './context.ts';
import type { IamContext, Trx } from './context.ts';
import { checkPolicyDocument, policySize } from './documents.ts';
import { ENTITY, findEntity, isTagged, nameIn, toApi } from './entity-kinds.ts';
import type { EntityKind, EntityRow, Flat, ListOf, NamedInput, OneOf, PrincipalRow } from './entity-kinds.ts';
import { uniqueId } from './ids.ts';
import { pageByName, pageFields } from './pages.ts';
import { constraints } from './rules.ts';
import { checkNewTags, deleteTags, insertTags, readTags } from './tags.ts';

/** Inserts a new identity and its tags; EntityAlreadyExists when the name is taken in any case. */
async function insertEntity(
  iam: IamContext,
  trx: Trx,
  kind: EntityKind,
  input: { name: string; path: string; tags?: readonly Tag[] | undefined; extra?: object },
): Promise<PrincipalRow> {
  const rules = ENTITY[kind];
  const clash = await trx
    .selectFrom(rules.table as 'iam_users')
    .select('name')
    .where('name_key', '=', key(input.name))
    .executeTakeFirst();
  if (clash)
    throw new CloudError('EntityAlreadyExists', `${rules.Label} with name ${input.name} already exists.`);
  const row: PrincipalRow = {
    name_key: key(input.name),
    name: input.name,
    id: uniqueId(kind, iam.random),
    path: input.path,
    arn: iam.arn(kind, input.path, input.name),
    create_date: iam.now(),
  };
  await trx
    .insertInto(rules.table as 'iam_users')
    .values({ ...row, ...input.extra })
    .execute();
  if (isTagged(kind)) await insertTags(trx, kind, row.name_key, input.tags);
  return row;
}

export async function createUser(
  iam: IamContext,
  input: { UserName: string; Path?: string; Tags?: readonly Tag[] },
): Promise<{ User: User }> {
  constraints().name(input.UserName, 'userName', 64).path(input.Path).tags(input.Tags).check();
  checkNewTags(iam, input.Tags);
  return iam.write(async (trx) => {
    const row = await insertEntity(iam, trx, 'user', {
      name: input.UserName,
      path: input.Path ?? '/',
      tags: input.Tags,
    });
    return { User: toApi('user', row, input.Tags ? [...input.Tags] : undefined) };
  });
}

export async function createGroup(
  iam: IamContext,
  input: { GroupName: string; Path?: string },
): Promise<{ Group: Group }> {
  constraints().name(input.GroupName, 'groupName', 128).path(input.Path).check();
  return iam.write(async (trx) => {
    const row = await insertEntity(iam, trx, 'group', { name: input.GroupName, path: input.Path ?? '/' });
    return { Group: toApi('group', row) };
  });
}

export type CreateRoleInput = Parameters<IamBackend['createRole']>[0];

export async function createRole(iam: IamContext, input: CreateRoleInput): Promise<{ Role: Role }> {
  constraints()
    .name(input.RoleName, 'roleName', 64)
    .document(input.AssumeRolePolicyDocument, 'assumeRolePolicyDocument')
    .path(input.Path)
    .description(input.Description)
    .integer(input.MaxSessionDuration, 'maxSessionDuration', 3600, 43_200)
    .tags(input.Tags)
    .check();
  checkNewTags(iam, input.Tags);
  if (policySize(input.AssumeRolePolicyDocument) > iam.quotas.trustPolicySize) {
    throw new CloudError(
      'LimitExceeded',
      `Cannot exceed quota for ACLSizePerRole: ${iam.quotas.trustPolicySize}`,
    );
  }
  checkPolicyDocument(input.AssumeRolePolicyDocument, 'trust');
  return iam.write(async (trx) => {
    const extra = {
      assume_role_policy_document: input.AssumeRolePolicyDocument,
      description: input.Description ?? null,
      max_session_duration: input.MaxSessionDuration ?? 3600,
    };
    const row = await insertEntity(iam, trx, 'role', {
      name: input.RoleName,
      path: input.Path ?? '/',
      tags: input.Tags,
      extra,
    });
    return { Role: toApi('role', { ...row, ...extra }, input.Tags ? [...input.Tags] : undefined) };
  });
}

/** GetUser and GetRole: the identity with its tags (GetGroup, which lists members, is elsewhere). */
export async function getEntity<K extends 'user' | 'role'>(
  iam: IamContext,
  kind: K,
  input: NamedInput<K>,
): Promise<OneOf<K>> {
  const rules = ENTITY[kind];
  constraints().name(nameIn(kind, input), rules.member, rules.maxName).check();
  return iam.read(async (trx) => {
    const row = await findEntity(trx, kind, nameIn(kind, input));
    return { [rules.Label]: toApi(kind, row, await readTags(trx, kind, row.name_key)) } as OneOf<K>;
  });
}

/**
 * What keeps an identity from being deleted, with IAM's message: rows in `table` whose `column`
 * holds the identity's key (attachments and inline policies are also of the identity's kind).
 */
interface Blocker {
  readonly table: 'iam_attachments' | 'iam_inline_policies' | 'iam_group_members' | 'iam_access_keys';
  readonly column: 'entity_key' | 'user_key' | 'group_key';
  readonly message: string;
}

const ATTACHED_POLICIES: Blocker = {
  table: 'iam_attachments',
  column: 'entity_key',
  message: 'Cannot delete entity, must detach all policies first.',
};
const INLINE_POLICIES: Blocker = {
  table: 'iam_inline_policies',
  column: 'entity_key',
  message: 'Cannot delete entity, must delete policies first.',
};

/** Each kind's blockers, in the order IAM checks them. */
const DELETE_BLOCKERS: Record<EntityKind, readonly Blocker[]> = {
  user: [
    ATTACHED_POLICIES,
    INLINE_POLICIES,
    {
      table: 'iam_group_members',
      column: 'user_key',
      message: 'Cannot delete entity, must remove user from all groups first.',
    },
    {
      table: 'iam_access_keys',
      column: 'user_key',
      message: 'Cannot delete entity, must delete access keys first.',
    },
  ],
  group: [
    {
      table: 'iam_group_members',
      column: 'group_key',
      message: 'Cannot delete entity, must remove users from group first.',
    },
    ATTACHED_POLICIES,
    INLINE_POLICIES,
  ],
  role: [ATTACHED_POLICIES, INLINE_POLICIES],
};

async function blocks(trx: Trx, blocker: Blocker, kind: EntityKind, entityKey: string): Promise<boolean> {
  let q = trx
    .selectFrom(blocker.table as 'iam_attachments')
    .select(blocker.column as 'entity_key')
    .where(blocker.column as 'entity_key', '=', entityKey);
  if (blocker.column === 'entity_key') q = q.where('entity_type', '=', kind);
  return (await q.executeTakeFirst()) !== undefined;
}

/** DeleteUser, DeleteGroup, DeleteRole: DeleteConflict while anything still refers to the identity. */
export async function deleteEntity<K extends EntityKind>(
  iam: IamContext,
  kind: K,
  input: NamedInput<K>,
): Promise<void> {
  const rules = ENTITY[kind];
  constraints().name(nameIn(kind, input), rules.member, rules.maxName).check();
  await iam.write(async (trx) => {
    const row = await findEntity(trx, kind, nameIn(kind, input));
    for (const blocker of DELETE_BLOCKERS[kind]) {
      if (await blocks(trx, blocker, kind, row.name_key))
        throw new CloudError('DeleteConflict', blocker.message);
    }
    if (isTagged(kind)) await deleteTags(trx, kind, row.name_key);
    await trx
      .deleteFrom(rules.table as 'iam_users')
      .where('name_key', '=', row.name_key)
      .execute();
  });
}

/** ListUsers, ListGroups, ListRoles: by name, under a path prefix. */
export async function listEntities<K extends EntityKind>(
  iam: IamContext,
  kind: K,
  input: { PathPrefix?: string } & PageInput,
) {
  const rules = ENTITY[kind];
  constraints().pathPrefix(input.PathPrefix).page(input).check();
  const rows = await iam.db
    .selectFrom(rules.table as 'iam_users')
    .selectAll()
    .execute();
  const prefix = input.PathPrefix ?? '/';
  const page = pageByName(
    rows.filter((r) => r.path.startsWith(prefix)),
    input,
  );
  return {
    [rules.List]: page.items.map((r) => toApi(kind, r as EntityRow<K>)),
    ...pageFields(page),
  } as Flat<ListOf<K> & ReturnType<typeof pageFields>>;
}
