// Which users are in which groups: GetGroup (a group and its users), AddUserToGroup,
// RemoveUserFromGroup and ListGroupsForUser.
import { CloudError } from '../errors.ts';
import type { PageInput } from '../types.ts';
import type { IamContext, Reader, Trx } from './context.ts';
import { findEntity, toApi } from './entity-kinds.ts';
import type { PrincipalRow } from './entity-kinds.ts';
import { pageByName, pageFields } from './pages.ts';
import { constraints } from './rules.ts';

/** The groups a user is a member of, in no particular order. */
export function groupsOfUser(db: Reader, userKey: string) {
  return db
    .selectFrom('iam_group_members')
    .innerJoin('iam_groups', 'iam_groups.name_key', 'iam_group_members.group_key')
    .selectAll('iam_groups')
    .where('iam_group_members.user_key', '=', userKey)
    .execute();
}

export async function getGroup(iam: IamContext, input: { GroupName: string } & PageInput) {
  constraints().name(input.GroupName, 'groupName', 128).page(input).check();
  return iam.read(async (trx) => {
    const group = await findEntity(trx, 'group', input.GroupName);
    const users = await trx
      .selectFrom('iam_group_members')
      .innerJoin('iam_users', 'iam_users.name_key', 'iam_group_members.user_key')
      .selectAll('iam_users')
      .where('iam_group_members.group_key', '=', group.name_key)
      .execute();
    const page = pageByName(users, input);
    return {
      Group: toApi('group', group),
      Users: page.items.map((r) => toApi('user', r)),
      ...pageFields(page),
    };
  });
}

/** Runs a membership change on a group and a user that both exist. */
async function changeMembership(
  iam: IamContext,
  input: { GroupName: string; UserName: string },
  change: (trx: Trx, group: PrincipalRow, user: PrincipalRow) => Promise<void>,
): Promise<void> {
  constraints().name(input.GroupName, 'groupName', 128).name(input.UserName, 'userName', 64).check();
  await iam.write(async (trx) => {
    const group = await findEntity(trx, 'group', input.GroupName);
    const user = await findEntity(trx, 'user', input.UserName);
    await change(trx, group, user);
  });
}

/** Adding a user to a group it is already in changes nothing, as in IAM. */
export function addUserToGroup(
  iam: IamContext,
  input: { GroupName: string; UserName: string },
): Promise<void> {
  return changeMembership(iam, input, async (trx, group, user) => {
    const memberships = await trx
      .selectFrom('iam_group_members')
      .select('group_key')
      .where('user_key', '=', user.name_key)
      .execute();
    if (memberships.some((m) => m.group_key === group.name_key)) return;
    if (memberships.length >= iam.quotas.groupsPerUser) {
      throw new CloudError(
        'LimitExceeded',
        `Cannot exceed quota for GroupsPerUser: ${iam.quotas.groupsPerUser}`,
      );
    }
    await trx
      .insertInto('iam_group_members')
      .values({ group_key: group.name_key, user_key: user.name_key })
      .execute();
  });
}

export function removeUserFromGroup(
  iam: IamContext,
  input: { GroupName: string; UserName: string },
): Promise<void> {
  return changeMembership(iam, input, async (trx, group, user) => {
    const result = await trx
      .deleteFrom('iam_group_members')
      .where('group_key', '=', group.name_key)
      .where('user_key', '=', user.name_key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw new CloudError('NoSuchEntity', `The user ${user.name} is not a member of group ${group.name}.`);
    }
  });
}

export async function listGroupsForUser(iam: IamContext, input: { UserName: string } & PageInput) {
  constraints().name(input.UserName, 'userName', 64).page(input).check();
  return iam.read(async (trx) => {
    const user = await findEntity(trx, 'user', input.UserName);
    const page = pageByName(await groupsOfUser(trx, user.name_key), input);
    return { Groups: page.items.map((r) => toApi('group', r)), ...pageFields(page) };
  });
}
