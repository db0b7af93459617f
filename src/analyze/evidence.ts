// Evidence for a conclusion about a principal: the policy statement that grants (or, in a trust
// policy, opens) it, with its span in the policy text.
import type { Span } from '../policy/index.ts';

/** A policy statement that grants (or, in a trust policy, opens) what the finding is about. */
export interface PolicyEvidence {
  readonly kind: 'policy';
  /** The policy's name: a managed policy's name, or an inline policy's name. */
  readonly policy: string;
  /** Set for managed policies. */
  readonly policyArn?: string;
  /** The user, group or role the policy belongs to or is attached to. */
  readonly attachedTo?: string;
  readonly policyType: 'identity' | 'boundary' | 'trust';
  readonly inline?: boolean;
  /** Index of the statement in the policy's Statement list. */
  readonly statement: number;
  readonly sid?: string;
  /** Where the statement (or the element) is in the policy text. */
  readonly span?: Span;
  /** The permission this statement supplies, for evidence of a path with several steps. */
  readonly action?: string;
  /** The resource the permission was checked on. */
  readonly resource?: string;
  /** Request context values the permission needs (conditions), when there are any. */
  readonly context?: Readonly<Record<string, unknown>>;
}
