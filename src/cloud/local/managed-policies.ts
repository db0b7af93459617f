// Managed policies: customer managed ones (scope Local), which callers create, change and delete,
// and AWS managed ones (scope AWS, in the `aws` account), which only `grantflow iam seed` adds.
// Their versions are in policy-versions.ts, their tags in policy-tags.ts.
import { CloudError } from '../errors.ts';
import type { CreatePolicyInput, ListPoliciesInput, ManagedPolicy, Tag } from '../types.ts';
import { key } from './context.ts';
import type { IamContext, Reader, Trx } from './context.ts';
import { checkPolicyDocument, policySize } from './documents.ts';
import { uniqueId } from './ids.ts';
import { pageFields, pageOf, sortByKey } from './pages.ts';
import { constraints } from './rules.ts';
import { deleteTags, insertTags, readTags, checkNewTags } from './tags.ts';
import type { StoreTables } from '../../store/index.ts';

export type PolicyRow = StoreTables['iam_policies'];

const POLICY_ARN = /^arn:[a-z-]+:iam::(\d{12}|aws):policy\/(?:[\u0021-\u007e]+\/)?[\w+=,.@-]+$/;

export function checkPolicyArn(arn: string): void {
  if (!POLICY_ARN.test(arn)) throw new CloudError('InvalidInput', `ARN ${arn} is not valid.`);
}

/** The policy with this ARN: InvalidInput for a malformed ARN, NoSuchEntity for an unknown one. */
export async function findPolicy(db: Reader, arn: string): Promise<PolicyRow> {
  checkPolicyArn(arn);
  const row = await db.selectFrom('iam_policies').selectAll().where('arn', '=', arn).executeTakeFirst();
  if (!row) throw new CloudError('NoSuchEntity', `Policy ${arn} was not found.`);
  return row;
}

/** A policy the account may change: AWS managed policies are read-only. */
export async function findLocalPolicy(db: Reader, arn: string): Promise<PolicyRow> {
  const row = await findPolicy(db, arn);
  if (row.scope !== 'Local') {
    throw new CloudError(
      'InvalidInput',
      `Policy ${arn} is an AWS managed policy, which cannot be changed or deleted.`,
    );
  }
  return row;
}

/** How many identities each policy is attached to: all policies, or those listed. */
export async function attachmentCounts(db: Reader, arns?: readonly string[]): Promise<Map<string, number>> {
  let q = db
    .selectFrom('iam_attachments')
    .select((eb) => ['policy_arn', eb.fn.countAll<number>().as('n')])
    .groupBy('policy_arn');
  if (arns) {
    if (arns.length === 0) return new Map();
    q = q.where('policy_arn', 'in', arns);
  }
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.policy_arn, Number(r.n)]));
}

export function toPolicy(row: PolicyRow, attachments: number, tags?: Tag[]): ManagedPolicy {
  return {
    PolicyName: row.name,
    PolicyId: row.id,
    Arn: row.arn,
    Path: row.path,
    DefaultVersionId: row.default_version_id,
    AttachmentCount: attachments,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: row.is_attachable === 1,
    ...(row.description !== null ? { Description: row.description } : {}),
    CreateDate: new Date(row.create_date),
    UpdateDate: new Date(row.update_date),
    ...(tags && tags.length > 0 ? { Tags: tags } : {}),
  };
}

export function checkManagedSize(iam: IamContext, document: string): void {
  if (policySize(document) > iam.quotas.managedPolicySize) {
    throw new CloudError(
      'LimitExceeded',
      `Cannot exceed quota for PolicySize: ${iam.quotas.managedPolicySize}`,
    );
  }
}

/** A new policy row with the document as its default version v1. */
async function insertPolicy(
  trx: Trx,
  iam: IamContext,
  fields: {
    arn: string;
    scope: 'Local' | 'AWS';
    name: string;
    path: string;
    description?: string | undefined;
  },
  document: string,
  created: string,
): Promise<PolicyRow> {
  const row: PolicyRow = {
    arn: fields.arn,
    scope: fields.scope,
    name_key: key(fields.name),
    name: fields.name,
    id: uniqueId('policy', iam.random),
    path: fields.path,
    description: fields.description ?? null,
    default_version_id: 'v1',
    next_version: 2,
    is_attachable: 1,
    create_date: created,
    update_date: created,
  };
  await trx.insertInto('iam_policies').values(row).execute();
  await trx
    .insertInto('iam_policy_versions')
    .values({ policy_arn: fields.arn, version_id: 'v1', version_number: 1, document, create_date: created })
    .execute();
  return row;
}

/** IAM's constraints on a new policy's name, document, path and description. */
function newPolicyConstraints(input: Omit<CreatePolicyInput, 'Tags'>) {
  return constraints()
    .name(input.PolicyName, 'policyName', 128)
    .document(input.PolicyDocument, 'policyDocument')
    .path(input.Path)
    .description(input.Description);
}

export async function createPolicy(
  iam: IamContext,
  input: CreatePolicyInput,
): Promise<{ Policy: ManagedPolicy }> {
  newPolicyConstraints(input).tags(input.Tags).check();
  checkNewTags(iam, input.Tags);
  checkManagedSize(iam, input.PolicyDocument);
  checkPolicyDocument(input.PolicyDocument, 'identity', 'managed');
  const path = input.Path ?? '/';
  const arn = iam.arn('policy', path, input.PolicyName);
  return iam.write(async (trx) => {
    const clash = await trx
      .selectFrom('iam_policies')
      .select('arn')
      .where('scope', '=', 'Local')
      .where('name_key', '=', key(input.PolicyName))
      .executeTakeFirst();
    if (clash) {
      throw new CloudError(
        'EntityAlreadyExists',
        `A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`,
      );
    }
    const fields = {
      arn,
      scope: 'Local',
      name: input.PolicyName,
      path,
      description: input.Description,
    } as const;
    const row = await insertPolicy(trx, iam, fields, input.PolicyDocument, iam.now());
    await insertTags(trx, 'policy', arn, input.Tags);
    return { Policy: toPolicy(row, 0, input.Tags ? [...input.Tags] : undefined) };
  });
}

/**
 * Adds an AWS managed policy (arn:aws:iam::aws:policy/…) to the embedded account, as the real one
 * has them; used by `grantflow iam seed`. Does nothing when it is already there.
 */
export async function putAwsManagedPolicy(
  iam: IamContext,
  input: Omit<CreatePolicyInput, 'Tags'> & { CreateDate?: Date },
): Promise<{ Policy: ManagedPolicy }> {
  newPolicyConstraints(input).check();
  const path = input.Path ?? '/';
  const arn = iam.awsPolicyArn(path, input.PolicyName);
  await iam.write(async (trx) => {
    const exists = await trx
      .selectFrom('iam_policies')
      .select('arn')
      .where('arn', '=', arn)
      .executeTakeFirst();
    if (exists) return;
    const created = (input.CreateDate ?? iam.clock()).toISOString();
    const fields = {
      arn,
      scope: 'AWS',
      name: input.PolicyName,
      path,
      description: input.Description,
    } as const;
    await insertPolicy(trx, iam, fields, input.PolicyDocument, created);
  });
  return getPolicy(iam, { PolicyArn: arn });
}

export async function getPolicy(
  iam: IamContext,
  input: { PolicyArn: string },
): Promise<{ Policy: ManagedPolicy }> {
  constraints().arn(input.PolicyArn).check();
  return iam.read(async (trx) => {
    const row = await findPolicy(trx, input.PolicyArn);
    const counts = await attachmentCounts(trx, [row.arn]);
    return { Policy: toPolicy(row, counts.get(row.arn) ?? 0, await readTags(trx, 'policy', row.arn)) };
  });
}

/** Only a detached policy with no versions but its default can be deleted, as in IAM. */
export async function deletePolicy(iam: IamContext, input: { PolicyArn: string }): Promise<void> {
  constraints().arn(input.PolicyArn).check();
  await iam.write(async (trx) => {
    const row = await findLocalPolicy(trx, input.PolicyArn);
    const counts = await attachmentCounts(trx, [row.arn]);
    if ((counts.get(row.arn) ?? 0) > 0) {
      throw new CloudError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    }
    const versions = await trx
      .selectFrom('iam_policy_versions')
      .select('version_id')
      .where('policy_arn', '=', row.arn)
      .execute();
    if (versions.length > 1) {
      throw new CloudError(
        'DeleteConflict',
        "This policy has more than one version. Delete the policy's non-default versions first; the default version is deleted with the policy.",
      );
    }
    await deleteTags(trx, 'policy', row.arn);
    await trx.deleteFrom('iam_policy_versions').where('policy_arn', '=', row.arn).execute();
    await trx.deleteFrom('iam_policies').where('arn', '=', row.arn).execute();
  });
}

export async function listPolicies(iam: IamContext, input: ListPoliciesInput = {}) {
  constraints()
    .pathPrefix(input.PathPrefix)
    .page(input)
    .string(input.Scope, 'scope', { max: 5, pattern: /^(All|AWS|Local)$/ })
    .check();
  return iam.read(async (trx) => {
    let q = trx.selectFrom('iam_policies').selectAll();
    if (input.Scope === 'AWS' || input.Scope === 'Local') q = q.where('scope', '=', input.Scope);
    const rows = await q.execute();
    const counts = await attachmentCounts(trx);
    const prefix = input.PathPrefix ?? '/';
    const selected = rows.filter(
      (r) => r.path.startsWith(prefix) && (!input.OnlyAttached || (counts.get(r.arn) ?? 0) > 0),
    );
    const sortKey = (r: PolicyRow) => `${r.name_key}\u0000${r.arn}`;
    const page = pageOf(sortByKey(selected, sortKey), sortKey, input);
    return { Policies: page.items.map((r) => toPolicy(r, counts.get(r.arn) ?? 0)), ...pageFields(page) };
  });
}
