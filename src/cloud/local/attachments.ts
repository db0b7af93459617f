// Managed policies attached to users, groups and roles: Attach*Policy, Detach*Policy,
// ListAttached*Policies (one generic operation each, for every kind) and ListEntitiesForPolicy.
import { CloudError } from '../errors.ts';
import type {
  AttachedPolicy,
  ListEntitiesForPolicyInput,
  ListEntitiesForPolicyOutput,
  PageInput,
} from '../types.ts';
import type { IamContext, Reader } from './context.ts';
import { ENTITY, findEntity, nameIn } from './entity-kinds.ts';
import type { EntityKind, NamedInput, PrincipalRow } from './entity-kinds.ts';
import { checkPolicyArn, findPolicy } from './managed-policies.ts';
import { pageFields, pageOf, sortByKey } from './pages.ts';
import { constraints } from './rules.ts';

/** The policies attached to one identity, in no particular order. */
export function attachedPolicies(db: Reader, kind: EntityKind, entityKey: string) {
  return db
    .selectFrom('iam_attachments')
    .innerJoin('iam_policies', 'iam_policies.arn', 'iam_attachments.policy_arn')
    .select([
      'iam_policies.arn',
      'iam_policies.name',
      'iam_policies.name_key',
      'iam_policies.path',
      'iam_policies.default_version_id',
    ])
    .where('iam_attachments.entity_type', '=', kind)
    .where('iam_attachments.entity_key', '=', entityKey)
    .execute();
}

const byNameThenArn = (r: { name_key: string; arn: string }) => `${r.name_key}\u0000${r.arn}`;

/** The policies attached to one identity, by name, as AttachedPolicy. */
export async function attachedOf(db: Reader, kind: EntityKind, entityKey: string): Promise<AttachedPolicy[]> {
  const rows = await attachedPolicies(db, kind, entityKey);
  return sortByKey(rows, byNameThenArn).map((r) => ({ PolicyName: r.name, PolicyArn: r.arn }));
}

function checkNameAndArn<K extends EntityKind>(kind: K, input: NamedInput<K> & { PolicyArn: string }): void {
  const rules = ENTITY[kind];
  constraints().name(nameIn(kind, input), rules.member, rules.maxName).arn(input.PolicyArn).check();
  checkPolicyArn(input.PolicyArn);
}

/** Attaching a policy that is already attached changes nothing, as in IAM. */
export async function attach<K extends EntityKind>(
  iam: IamContext,
  kind: K,
  input: NamedInput<K> & { PolicyArn: string },
): Promise<void> {
  checkNameAndArn(kind, input);
  const arn = input.PolicyArn;
  await iam.write(async (trx) => {
    const entity = await findEntity(trx, kind, nameIn(kind, input));
    const policy = await trx.selectFrom('iam_policies').selectAll().where('arn', '=', arn).executeTakeFirst();
    if (!policy || policy.is_attachable !== 1) {
      throw new CloudError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    }
    const attached = await trx
      .selectFrom('iam_attachments')
      .select('policy_arn')
      .where('entity_type', '=', kind)
      .where('entity_key', '=', entity.name_key)
      .execute();
    if (attached.some((a) => a.policy_arn === arn)) return;
    const quota = iam.quotas[ENTITY[kind].attachQuota];
    if (attached.length >= quota) {
      throw new CloudError(
        'LimitExceeded',
        `Cannot exceed quota for ${ENTITY[kind].attachQuotaName}: ${quota}`,
      );
    }
    await trx
      .insertInto('iam_attachments')
      .values({ entity_type: kind, entity_key: entity.name_key, policy_arn: arn })
      .execute();
  });
}

export async function detach<K extends EntityKind>(
  iam: IamContext,
  kind: K,
  input: NamedInput<K> & { PolicyArn: string },
): Promise<void> {
  checkNameAndArn(kind, input);
  await iam.write(async (trx) => {
    const entity = await findEntity(trx, kind, nameIn(kind, input));
    const result = await trx
      .deleteFrom('iam_attachments')
      .where('entity_type', '=', kind)
      .where('entity_key', '=', entity.name_key)
      .where('policy_arn', '=', input.PolicyArn)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw new CloudError('NoSuchEntity', `Policy ${input.PolicyArn} was not found.`);
  });
}

export async function listAttached<K extends EntityKind>(
  iam: IamContext,
  kind: K,
  input: NamedInput<K> & { PathPrefix?: string } & PageInput,
) {
  const rules = ENTITY[kind];
  constraints()
    .name(nameIn(kind, input), rules.member, rules.maxName)
    .pathPrefix(input.PathPrefix)
    .page(input)
    .check();
  return iam.read(async (trx) => {
    const entity = await findEntity(trx, kind, nameIn(kind, input));
    const rows = await attachedPolicies(trx, kind, entity.name_key);
    const prefix = input.PathPrefix ?? '/';
    const selected = rows.filter((r) => r.path.startsWith(prefix));
    const page = pageOf(sortByKey(selected, byNameThenArn), byNameThenArn, input);
    return {
      AttachedPolicies: page.items.map((r) => ({ PolicyName: r.name, PolicyArn: r.arn })),
      ...pageFields(page),
    };
  });
}

/** The identities a policy is attached to: groups, then users, then roles, each by name. */
export async function listEntitiesForPolicy(
  iam: IamContext,
  input: ListEntitiesForPolicyInput,
): Promise<ListEntitiesForPolicyOutput> {
  constraints()
    .arn(input.PolicyArn)
    .pathPrefix(input.PathPrefix)
    .page(input)
    .string(input.EntityFilter, 'entityFilter', {
      max: 20,
      pattern: /^(User|Role|Group|LocalManagedPolicy|AWSManagedPolicy)$/,
    })
    .check();
  return iam.read(async (trx) => {
    const policy = await findPolicy(trx, input.PolicyArn);
    const only = (['user', 'role', 'group'] as const).find((k) => ENTITY[k].Label === input.EntityFilter);
    const kinds: EntityKind[] = only ? [only] : ['group', 'user', 'role'];
    const prefix = input.PathPrefix ?? '/';
    const all: { kind: EntityKind; row: PrincipalRow; sort: string }[] = [];
    for (const kind of kinds) {
      const rows = await trx
        .selectFrom('iam_attachments')
        .innerJoin(
          `${ENTITY[kind].table} as e` as 'iam_users as e',
          'e.name_key',
          'iam_attachments.entity_key',
        )
        .selectAll('e')
        .where('iam_attachments.entity_type', '=', kind)
        .where('iam_attachments.policy_arn', '=', policy.arn)
        .execute();
      for (const row of rows) {
        if (row.path.startsWith(prefix))
          all.push({ kind, row, sort: `${kinds.indexOf(kind)}:${row.name_key}` });
      }
    }
    const page = pageOf(
      sortByKey(all, (x) => x.sort),
      (x) => x.sort,
      input,
    );
    const of = (kind: EntityKind) => page.items.filter((x) => x.kind === kind).map((x) => x.row);
    return {
      PolicyGroups: of('group').map((r) => ({ GroupName: r.name, GroupId: r.id })),
      PolicyUsers: of('user').map((r) => ({ UserName: r.name, UserId: r.id })),
      PolicyRoles: of('role').map((r) => ({ RoleName: r.name, RoleId: r.id })),
      ...pageFields(page),
    };
  });
}
