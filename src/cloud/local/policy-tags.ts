// TagPolicy, UntagPolicy and ListPolicyTags on customer managed policies. Tagging again with a key
// that differs only in case replaces the tag's value and spelling.
import type { PageInput, Tag } from '../types.ts';
import { key } from './context.ts';
import type { IamContext } from './context.ts';
import { findLocalPolicy, findPolicy } from './managed-policies.ts';
import { pageFields, pageOf } from './pages.ts';
import { checkTagSemantics, constraints } from './rules.ts';
import { deleteTags, insertTags, readTags, tooManyTags } from './tags.ts';

export async function tagPolicy(
  iam: IamContext,
  input: { PolicyArn: string; Tags: readonly Tag[] },
): Promise<void> {
  constraints().arn(input.PolicyArn).required(input.Tags, 'tags').tags(input.Tags).check();
  checkTagSemantics(input.Tags);
  await iam.write(async (trx) => {
    const policy = await findLocalPolicy(trx, input.PolicyArn);
    const existing = await readTags(trx, 'policy', policy.arn);
    const merged = new Map(existing.map((t) => [key(t.Key), t]));
    for (const t of input.Tags) merged.set(key(t.Key), t);
    if (merged.size > iam.quotas.tagsPerResource) throw tooManyTags(iam);
    await deleteTags(trx, 'policy', policy.arn);
    await insertTags(trx, 'policy', policy.arn, [...merged.values()]);
  });
}

export async function untagPolicy(
  iam: IamContext,
  input: { PolicyArn: string; TagKeys: readonly string[] },
): Promise<void> {
  constraints().arn(input.PolicyArn).tagKeys(input.TagKeys).check();
  await iam.write(async (trx) => {
    const policy = await findLocalPolicy(trx, input.PolicyArn);
    const keys = input.TagKeys.map(key);
    if (keys.length === 0) return;
    await deleteTags(trx, 'policy', policy.arn, keys);
  });
}

export async function listPolicyTags(iam: IamContext, input: { PolicyArn: string } & PageInput) {
  constraints().arn(input.PolicyArn).page(input).check();
  return iam.read(async (trx) => {
    const policy = await findPolicy(trx, input.PolicyArn);
    const tags = await readTags(trx, 'policy', policy.arn);
    const indexed = tags.map((t, i) => ({ t, k: String(i).padStart(4, '0') }));
    const page = pageOf(indexed, (x) => x.k, input);
    return { Tags: page.items.map((x) => x.t), ...pageFields(page) };
  });
}
