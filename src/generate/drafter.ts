// What the generate loop needs from whatever writes the policy: the offline drafter or an LLM.
import type { Catalog } from '../catalog/index.ts';
import type { Finding } from '../validate/index.ts';
import { draftOffline } from './offline/drafter.ts';
import type { AccessRequest } from './request.ts';

export type DraftAttempt =
  | {
      readonly kind: 'draft';
      /** The policy as the drafter wrote it: untrusted until validated and guarded. */
      readonly policy: unknown;
      readonly description: string;
      readonly notes?: readonly string[];
    }
  | { readonly kind: 'needs_info'; readonly message: string }
  /** The drafter answered, but not with a policy (an LLM reply that is not the contract). */
  | { readonly kind: 'unusable'; readonly message: string };

export interface Drafter {
  /** `offline`, or the provider's name. */
  readonly name: string;
  /** Same request and findings give the same draft: retrying with findings cannot help. */
  readonly deterministic: boolean;
  /** Drafts a policy; `findings` are the ERROR findings of the previous attempt, if any. */
  draft(request: AccessRequest, findings: readonly Finding[]): Promise<DraftAttempt>;
  /**
   * A message to the requester asking for exactly what is missing, after the drafts kept failing
   * validation; undefined to let the loop write it from a template.
   */
  explainFailure?(request: AccessRequest, findings: readonly Finding[]): Promise<string | undefined>;
}

export function offlineDrafter(catalog: Catalog): Drafter {
  return {
    name: 'offline',
    deterministic: true,
    async draft(request) {
      const result = draftOffline(request, catalog);
      return result.kind === 'draft'
        ? { kind: 'draft', policy: result.policy, description: result.description, notes: result.notes }
        : { kind: 'needs_info', message: result.message };
    },
  };
}
