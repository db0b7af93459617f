// Tags of users, roles and managed policies, kept in order of insertion; keys are compared without
// regard to case, as IAM does.
import { CloudError } from '../errors.ts';
import type { Tag } from '../types.ts';
import { key } from './context.ts';
import type { IamContext, Reader, Trx } from './context.ts';
import { checkTagSemantics } from './rules.ts';

/** What is tagged: 'user' and 'role' keyed by name key, 'policy' by ARN. */
export type TaggedType = 'user' | 'role' | 'policy';

export async function readTags(db: Reader, type: TaggedType, resourceKey: string): Promise<Tag[]> {
  const rows = await db
    .selectFrom('iam_tags')
    .select(['tag_key', 'tag_value'])
    .where('resource_type', '=', type)
    .where('resource_key', '=', resourceKey)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
}

export async function insertTags(
  trx: Trx,
  type: TaggedType,
  resourceKey: string,
  tags: readonly Tag[] | undefined,
): Promise<void> {
  if (!tags || tags.length === 0) return;
  await trx
    .insertInto('iam_tags')
    .values(
      tags.map((t, i) => ({
        resource_type: type,
        resource_key: resourceKey,
        tag_key_lower: key(t.Key),
        tag_key: t.Key,
        tag_value: t.Value,
        position: i,
      })),
    )
    .execute();
}

/** Removes a resource's tags: all of them, or those with the given lower-case keys. */
export async function deleteTags(
  trx: Trx,
  type: TaggedType,
  resourceKey: string,
  lowerKeys?: readonly string[],
): Promise<void> {
  let q = trx
    .deleteFrom('iam_tags')
    .where('resource_type', '=', type)
    .where('resource_key', '=', resourceKey);
  if (lowerKeys) q = q.where('tag_key_lower', 'in', lowerKeys);
  await q.execute();
}

export function tooManyTags(iam: IamContext): CloudError {
  return new CloudError('LimitExceeded', `A resource can have at most ${iam.quotas.tagsPerResource} tags.`);
}

/** The tags of a new resource: IAM's rules on keys and values, and the quota. */
export function checkNewTags(iam: IamContext, tags: readonly Tag[] | undefined): void {
  if (!tags) return;
  checkTagSemantics(tags);
  if (tags.length > iam.quotas.tagsPerResource) throw tooManyTags(iam);
}
