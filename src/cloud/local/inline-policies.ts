// Inline policies embedded in users, groups and roles: Put*Policy, Get*Policy, Delete*Policy and
// List*Policies, one generic operation each. An identity's inline policies together are held to
// its kind's size quota.
import { CloudError } from '../errors.ts';
import type { InlinePolicy, PageInput } from '../types.ts';
import { key } from './context.ts';
import type { IamContext, Reader } from './context.ts';
import { checkPolicyDocument, policySize } from './documents.ts';
import { ENTITY, findEntity, nameIn } from './entity-kinds.ts';
import type { EntityKind, Flat, Member, NamedInput } from './entity-kinds.ts';
import { pageByName, pageFields, sortByKey } from './pages.ts';
import { constraints } from './rules.ts';

type PolicyInput<K extends EntityKind> = NamedInput<K> & { PolicyName: string };

function checkNames<K extends EntityKind>(kind: K, input: PolicyInput<K>) {
  const rules = ENTITY[kind];
  return constraints()
    .name(nameIn(kind, input), rules.member, rules.maxName)
    .name(input.PolicyName, 'policyName', 128);
}

const noSuchPolicy = (kind: EntityKind, policyName: string) =>
  new CloudError('NoSuchEntity', `The ${ENTITY[kind].label} policy with name ${policyName} cannot be found.`);

/** An identity's inline policies, in no particular order. */
function inlineRows(db: Reader, kind: EntityKind, entityKey: string) {
  return db
    .selectFrom('iam_inline_policies')
    .select(['name', 'name_key', 'document'])
    .where('entity_type', '=', kind)
    .where('entity_key', '=', entityKey)
    .execute();
}

/** An identity's inline policies, by name. */
export async function inlineOf(db: Reader, kind: EntityKind, entityKey: string): Promise<InlinePolicy[]> {
  const rows = await inlineRows(db, kind, entityKey);
  return sortByKey(rows, (r) => r.name_key).map((r) => ({ PolicyName: r.name, PolicyDocument: r.document }));
}

/** Adds or replaces an inline policy (a name differing only in case replaces it). */
export async function putInline<K extends EntityKind>(
  iam: IamContext,
  kind: K,
  input: PolicyInput<K> & { PolicyDocument: string },
): Promise<void> {
  const rules = ENTITY[kind];
  const name = nameIn(kind, input);
  const { PolicyName: policyName, PolicyDocument: document } = input;
  checkNames(kind, input).document(document, 'policyDocument').check();
  const size = policySize(document);
  const quota = iam.quotas[rules.inlineQuota];
  const tooBig = () =>
    new CloudError(
      'LimitExceeded',
      `Maximum policy size of ${quota} bytes exceeded for ${rules.label} ${name}`,
    );
  if (size > quota) throw tooBig();
  checkPolicyDocument(document, 'identity', rules.policyKind);
  await iam.write(async (trx) => {
    const entity = await findEntity(trx, kind, name);
    const total = (await inlineRows(trx, kind, entity.name_key))
      .filter((o) => o.name_key !== key(policyName))
      .reduce((n, o) => n + policySize(o.document), size);
    if (total > quota) throw tooBig();
    const insert = trx.insertInto('iam_inline_policies').values({
      entity_type: kind,
      entity_key: entity.name_key,
      name_key: key(policyName),
      name: policyName,
      document,
    });
    await iam.upsert(insert, ['entity_type', 'entity_key', 'name_key'], { document, name: policyName });
  });
}

/** Get*Policy: { UserName | GroupName | RoleName, PolicyName, PolicyDocument }. */
export async function getInline<K extends EntityKind>(iam: IamContext, kind: K, input: PolicyInput<K>) {
  checkNames(kind, input).check();
  return iam.read(async (trx) => {
    const entity = await findEntity(trx, kind, nameIn(kind, input));
    const row = await trx
      .selectFrom('iam_inline_policies')
      .selectAll()
      .where('entity_type', '=', kind)
      .where('entity_key', '=', entity.name_key)
      .where('name_key', '=', key(input.PolicyName))
      .executeTakeFirst();
    if (!row) throw noSuchPolicy(kind, input.PolicyName);
    return { [ENTITY[kind].Name]: entity.name, PolicyName: row.name, PolicyDocument: row.document } as Flat<
      Member<(typeof ENTITY)[K]['Name'], string> & { PolicyName: string; PolicyDocument: string }
    >;
  });
}

export async function deleteInline<K extends EntityKind>(
  iam: IamContext,
  kind: K,
  input: PolicyInput<K>,
): Promise<void> {
  checkNames(kind, input).check();
  await iam.write(async (trx) => {
    const entity = await findEntity(trx, kind, nameIn(kind, input));
    const result = await trx
      .deleteFrom('iam_inline_policies')
      .where('entity_type', '=', kind)
      .where('entity_key', '=', entity.name_key)
      .where('name_key', '=', key(input.PolicyName))
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw noSuchPolicy(kind, input.PolicyName);
  });
}

export async function listInline<K extends EntityKind>(
  iam: IamContext,
  kind: K,
  input: NamedInput<K> & PageInput,
) {
  const rules = ENTITY[kind];
  constraints().name(nameIn(kind, input), rules.member, rules.maxName).page(input).check();
  return iam.read(async (trx) => {
    const entity = await findEntity(trx, kind, nameIn(kind, input));
    const page = pageByName(await inlineRows(trx, kind, entity.name_key), input);
    return { PolicyNames: page.items.map((r) => r.name), ...pageFields(page) };
  });
}
