// Users' access keys (CreateAccessKey, DeleteAccessKey, ListAccessKeys) and, for the emulator's
// signature checks, who a key belongs to.
import { CloudError } from '../errors.ts';
import type { AccessKey, AccessKeyMetadata, PageInput, User } from '../types.ts';
import { storedRootKey } from './account-settings.ts';
import type { IamContext } from './context.ts';
import { findEntity, toApi } from './entity-kinds.ts';
import { accessKeyId, secretAccessKey } from './ids.ts';
import { pageFields, pageOf, sortByKey } from './pages.ts';
import { constraints } from './rules.ts';

/** The principal an access key belongs to, for the emulator's signature checks. */
export type KeyOwner =
  | { readonly kind: 'root'; readonly secretAccessKey: string }
  | {
      readonly kind: 'user';
      readonly secretAccessKey: string;
      readonly active: boolean;
      readonly user: User;
    };

export async function createAccessKey(
  iam: IamContext,
  input: { UserName: string },
): Promise<{ AccessKey: AccessKey }> {
  constraints().name(input.UserName, 'userName', 64).check();
  return iam.write(async (trx) => {
    const user = await findEntity(trx, 'user', input.UserName);
    const keys = await trx
      .selectFrom('iam_access_keys')
      .select('access_key_id')
      .where('user_key', '=', user.name_key)
      .execute();
    if (keys.length >= iam.quotas.accessKeysPerUser) {
      throw new CloudError(
        'LimitExceeded',
        `Cannot exceed quota for AccessKeysPerUser: ${iam.quotas.accessKeysPerUser}`,
      );
    }
    const row = {
      access_key_id: accessKeyId(iam.random),
      user_key: user.name_key,
      secret_access_key: secretAccessKey(iam.random),
      status: 'Active',
      create_date: iam.now(),
    };
    await trx.insertInto('iam_access_keys').values(row).execute();
    return {
      AccessKey: {
        UserName: user.name,
        AccessKeyId: row.access_key_id,
        Status: 'Active' as const,
        SecretAccessKey: row.secret_access_key,
        CreateDate: new Date(row.create_date),
      },
    };
  });
}

export async function deleteAccessKey(
  iam: IamContext,
  input: { UserName: string; AccessKeyId: string },
): Promise<void> {
  constraints()
    .name(input.UserName, 'userName', 64)
    .string(input.AccessKeyId, 'accessKeyId', { min: 16, max: 128, pattern: /^\w+$/, required: true })
    .check();
  await iam.write(async (trx) => {
    const user = await findEntity(trx, 'user', input.UserName);
    const result = await trx
      .deleteFrom('iam_access_keys')
      .where('user_key', '=', user.name_key)
      .where('access_key_id', '=', input.AccessKeyId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw new CloudError('NoSuchEntity', `The Access Key with id ${input.AccessKeyId} cannot be found.`);
    }
  });
}

/** A user's keys, oldest first. */
export async function listAccessKeys(iam: IamContext, input: { UserName: string } & PageInput) {
  constraints().name(input.UserName, 'userName', 64).page(input).check();
  return iam.read(async (trx) => {
    const user = await findEntity(trx, 'user', input.UserName);
    const rows = await trx
      .selectFrom('iam_access_keys')
      .selectAll()
      .where('user_key', '=', user.name_key)
      .execute();
    const sortKey = (r: { create_date: string; access_key_id: string }) =>
      `${r.create_date}\u0000${r.access_key_id}`;
    const page = pageOf(sortByKey(rows, sortKey), sortKey, input);
    return {
      AccessKeyMetadata: page.items.map((r): AccessKeyMetadata => ({
        UserName: user.name,
        AccessKeyId: r.access_key_id,
        Status: r.status as 'Active' | 'Inactive',
        CreateDate: new Date(r.create_date),
      })),
      ...pageFields(page),
    };
  });
}

/** Who an access key belongs to, or undefined for a key this account never issued. */
export async function accessKeyOwner(iam: IamContext, id: string): Promise<KeyOwner | undefined> {
  return iam.read(async (trx) => {
    const root = await storedRootKey(trx);
    if (root.id === id) return { kind: 'root' as const, secretAccessKey: root.secret ?? '' };
    const row = await trx
      .selectFrom('iam_access_keys')
      .selectAll()
      .where('access_key_id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const user = await trx
      .selectFrom('iam_users')
      .selectAll()
      .where('name_key', '=', row.user_key)
      .executeTakeFirstOrThrow();
    return {
      kind: 'user' as const,
      secretAccessKey: row.secret_access_key,
      active: row.status === 'Active',
      user: toApi('user', user),
    };
  });
}
