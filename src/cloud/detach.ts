// Detaching a managed policy from whichever kind of identity holds it: one call per kind in IAM's API.
import type { IamBackend } from './types.ts';

export type PolicyHolderKind = 'User' | 'Group' | 'Role';

/** DetachUserPolicy, DetachRolePolicy or DetachGroupPolicy, as the holder's kind says. */
export async function detachManagedPolicy(
  backend: IamBackend,
  holder: { readonly kind: PolicyHolderKind; readonly name: string },
  policyArn: string,
): Promise<void> {
  if (holder.kind === 'User') await backend.detachUserPolicy({ UserName: holder.name, PolicyArn: policyArn });
  else if (holder.kind === 'Role')
    await backend.detachRolePolicy({ RoleName: holder.name, PolicyArn: policyArn });
  else await backend.detachGroupPolicy({ GroupName: holder.name, PolicyArn: policyArn });
}
