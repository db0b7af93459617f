// The identity-based policies that apply to a user, for the emulator's authorization of its calls.
import { attachedPolicies } from './attachments.ts';
import type { IamContext } from './context.ts';
import { findEntity } from './entity-kinds.ts';
import type { EntityKind } from './entity-kinds.ts';
import { groupsOfUser } from './group-members.ts';
import { inlineOf } from './inline-policies.ts';

export interface SourcedPolicy {
  /** Where the document comes from: `user/<name> inline <policy>`, `group/<name> inline <policy>` or an ARN. */
  source: string;
  document: string;
}

/**
 * The user's inline and attached policies and those of its groups (attached ones at their default
 * version): the user's first, then each group's.
 */
export async function userPolicies(iam: IamContext, userName: string): Promise<SourcedPolicy[]> {
  return iam.read(async (trx) => {
    const user = await findEntity(trx, 'user', userName);
    const owners: { kind: EntityKind; key: string; label: string }[] = [
      { kind: 'user', key: user.name_key, label: `user/${user.name}` },
    ];
    for (const g of await groupsOfUser(trx, user.name_key)) {
      owners.push({ kind: 'group', key: g.name_key, label: `group/${g.name}` });
    }
    const out: SourcedPolicy[] = [];
    for (const owner of owners) {
      for (const p of await inlineOf(trx, owner.kind, owner.key)) {
        out.push({ source: `${owner.label} inline ${p.PolicyName}`, document: p.PolicyDocument });
      }
      for (const p of await attachedPolicies(trx, owner.kind, owner.key)) {
        const version = await trx
          .selectFrom('iam_policy_versions')
          .select('document')
          .where('policy_arn', '=', p.arn)
          .where('version_id', '=', p.default_version_id)
          .executeTakeFirstOrThrow();
        out.push({ source: p.arn, document: version.document });
      }
    }
    return out;
  });
}
