// GetAccountAuthorizationDetails: a snapshot of the account's identities with their policies, and
// its managed policies with every version, paged as one list (users, groups, roles, then policies).
import type {
  AccountAuthorizationDetails,
  AuthorizationDetailsFilter,
  GroupDetail,
  ManagedPolicyDetail,
  PageInput,
  RoleDetail,
  UserDetail,
} from '../types.ts';
import { attachedOf } from './attachments.ts';
import type { IamContext, Reader } from './context.ts';
import { ENTITY, KINDS, identityOf, isTagged } from './entity-kinds.ts';
import type { EntityKind, RoleRow } from './entity-kinds.ts';
import { groupsOfUser } from './group-members.ts';
import { inlineOf } from './inline-policies.ts';
import { attachmentCounts, toPolicy } from './managed-policies.ts';
import { pageFields, pageOf, sortByKey } from './pages.ts';
import { constraints } from './rules.ts';
import { readTags } from './tags.ts';

const FILTERS = /^(User|Role|Group|LocalManagedPolicy|AWSManagedPolicy)$/;

interface Item {
  readonly sort: string;
  readonly kind: EntityKind | 'policy';
  readonly name_key: string;
  readonly arn: string;
}

/**
 * An identity with its inline policies, attached policies and tags (groups have none); users add
 * the names of their groups, roles their trust policy.
 */
async function identityDetail(db: Reader, kind: EntityKind, entityKey: string) {
  const rules = ENTITY[kind];
  const row = await db
    .selectFrom(rules.table as 'iam_roles')
    .selectAll()
    .where('name_key', '=', entityKey)
    .executeTakeFirstOrThrow();
  const groups = kind === 'user' ? await groupsOfUser(db, entityKey) : [];
  return {
    ...identityOf(kind, row),
    ...(kind === 'role' ? { AssumeRolePolicyDocument: (row as RoleRow).assume_role_policy_document } : {}),
    [rules.PolicyList]: await inlineOf(db, kind, entityKey),
    ...(kind === 'user' ? { GroupList: sortByKey(groups, (g) => g.name_key).map((g) => g.name) } : {}),
    AttachedManagedPolicies: await attachedOf(db, kind, entityKey),
    ...(isTagged(kind) ? { Tags: await readTags(db, kind, entityKey) } : {}),
  };
}

async function policyDetail(db: Reader, arn: string, attachments: number): Promise<ManagedPolicyDetail> {
  const row = await db
    .selectFrom('iam_policies')
    .selectAll()
    .where('arn', '=', arn)
    .executeTakeFirstOrThrow();
  const versions = await db
    .selectFrom('iam_policy_versions')
    .selectAll()
    .where('policy_arn', '=', arn)
    .execute();
  const { Tags: _tags, ...policy } = toPolicy(row, attachments);
  return {
    ...policy,
    PolicyVersionList: versions
      .sort((a, b) => b.version_number - a.version_number)
      .map((v) => ({
        Document: v.document,
        VersionId: v.version_id,
        IsDefaultVersion: v.version_id === row.default_version_id,
        CreateDate: new Date(v.create_date),
      })),
  };
}

export async function getAccountAuthorizationDetails(
  iam: IamContext,
  input: { Filter?: readonly AuthorizationDetailsFilter[] } & PageInput = {},
): Promise<AccountAuthorizationDetails> {
  const c = constraints().page(input);
  input.Filter?.forEach((f, i) => c.string(f, `filter.${i + 1}.member`, { max: 20, pattern: FILTERS }));
  c.check();
  const wanted = new Set<string>(
    input.Filter && input.Filter.length > 0
      ? input.Filter
      : ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'],
  );
  return iam.read(async (trx) => {
    const items: Item[] = [];
    for (const [order, kind] of KINDS.entries()) {
      if (!wanted.has(ENTITY[kind].Label)) continue;
      const rows = await trx
        .selectFrom(ENTITY[kind].table as 'iam_users')
        .select(['name_key', 'arn'])
        .execute();
      for (const r of rows)
        items.push({ sort: `${order}:${r.name_key}`, kind, name_key: r.name_key, arn: r.arn });
    }
    const counts = await attachmentCounts(trx);
    if (wanted.has('LocalManagedPolicy') || wanted.has('AWSManagedPolicy')) {
      const policies = await trx.selectFrom('iam_policies').select(['arn', 'scope', 'name_key']).execute();
      for (const p of policies) {
        // IAM lists the AWS managed policies that are in use in the account, not all of them.
        const include =
          p.scope === 'Local'
            ? wanted.has('LocalManagedPolicy')
            : wanted.has('AWSManagedPolicy') && (counts.get(p.arn) ?? 0) > 0;
        if (include) items.push({ sort: `3:${p.arn}`, kind: 'policy', name_key: p.name_key, arn: p.arn });
      }
    }
    const page = pageOf(
      sortByKey(items, (x) => x.sort),
      (x) => x.sort,
      input,
    );
    const details = { user: [] as object[], group: [] as object[], role: [] as object[] };
    const policies: ManagedPolicyDetail[] = [];
    for (const item of page.items) {
      if (item.kind === 'policy') policies.push(await policyDetail(trx, item.arn, counts.get(item.arn) ?? 0));
      else details[item.kind].push(await identityDetail(trx, item.kind, item.name_key));
    }
    return {
      UserDetailList: details.user as UserDetail[],
      GroupDetailList: details.group as GroupDetail[],
      RoleDetailList: details.role as RoleDetail[],
      Policies: policies,
      ...pageFields(page),
    };
  });
}
