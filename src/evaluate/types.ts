// The shapes the evaluation API takes and returns.
import type { Policy, Span } from '../policy/index.ts';

/**
 * Who makes the request. `role-session` is an assumed-role session (`arn:aws:sts::…:assumed-role/R/S`);
 * `role` stands for a session of the role when the session name does not matter; `federated-user` is
 * a GetFederationToken session; `identity-provider` is a SAML or OIDC provider calling
 * AssumeRoleWithSAML/AssumeRoleWithWebIdentity; `root` is the account's root user.
 */
export type PrincipalKind =
  | 'user'
  | 'role'
  | 'role-session'
  | 'federated-user'
  | 'identity-provider'
  | 'service'
  | 'anonymous'
  | 'root';

export const PRINCIPAL_KINDS: readonly PrincipalKind[] = [
  'user',
  'role',
  'role-session',
  'federated-user',
  'identity-provider',
  'service',
  'anonymous',
  'root',
];

export type ContextScalar = string | number | boolean;
/** A context key's value: one value, or several for a multivalued key (an empty list is an empty set). */
export type ContextValue = ContextScalar | readonly ContextScalar[];

export interface EvaluationRequest {
  /** Principal ARN; a service principal name (`lambda.amazonaws.com`); an account id for its root; `*` for anonymous. */
  readonly principal: string;
  /** Inferred from the principal when omitted. */
  readonly principalKind?: PrincipalKind;
  /**
   * For a role session: the role's ARN (it carries the role's path, which the session ARN lacks).
   * For a federated user: the ARN of the IAM user who called GetFederationToken.
   */
  readonly sessionIssuer?: string;
  /** `service:Action`, matched case-insensitively. */
  readonly action: string;
  /** The resource ARN (or `*`). */
  readonly resource: string;
  /** The account that owns the resource: by default the ARN's account, else the principal's account. */
  readonly resourceAccount?: string;
  /** Request context keys (names are case-insensitive). */
  readonly context?: Readonly<Record<string, ContextValue>>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** The policy types of a policy set, as named in explanations and batch results. */
export type EvaluatedPolicyType =
  'identity' | 'resource' | 'boundary' | 'session' | 'scp' | 'rcp' | 'vpcEndpoint';

export const EVALUATED_POLICY_TYPES: readonly EvaluatedPolicyType[] = [
  'identity',
  'resource',
  'boundary',
  'session',
  'scp',
  'rcp',
  'vpcEndpoint',
];

/** A policy document: JSON text, the parsed model, or a plain object (serialized compactly). */
export type PolicyDocument = string | Policy | Readonly<Record<string, unknown>>;

/** A document with a name (a file name) that explanations use to say where a statement is. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

export type PolicyInput = PolicyDocument | NamedPolicy;

export interface PolicySetInput {
  /** The principal's identity-based policies (for a user, also its groups' policies). */
  readonly identityPolicies?: readonly PolicyInput[];
  /** The resource's policy: a bucket policy, a role trust policy, a KMS key policy… */
  readonly resourcePolicy?: PolicyInput;
  /** Each one must allow (an entity has at most one boundary; several are all applied). */
  readonly permissionsBoundaries?: readonly PolicyInput[];
  readonly sessionPolicy?: PolicyInput;
  /** SCPs of the principal's account, one list per organization level (root, OUs, account). */
  readonly serviceControlPolicies?: readonly (readonly PolicyInput[])[];
  /** RCPs of the resource's account, one list per organization level. */
  readonly resourceControlPolicies?: readonly (readonly PolicyInput[])[];
  /** Policies of the VPC endpoints the request goes through; each must allow. */
  readonly vpcEndpointPolicies?: readonly PolicyInput[];
}

/** What a type of policy said about the request. */
export type PolicyTypeOutcome = Decision | 'NotApplicable' | 'Absent';

/** How the resource policy named the caller, which decides what it can grant on its own. */
export type ResourceGrant = 'direct' | 'role' | 'account' | 'none';

export interface MatchedStatement {
  readonly policyType: EvaluatedPolicyType;
  /** SCP and RCP organization level, from 0. */
  readonly level?: number;
  /** Index of the policy within its type (within its level for SCPs and RCPs). */
  readonly policyIndex: number;
  readonly statementIndex: number;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** Where the statement is in the policy text (line from 1, column from 0). */
  readonly span: Span;
  /** The policy's name (its file) when it was given one. */
  readonly source?: string;
}

export interface Explanation {
  readonly decision: Decision;
  /** The policy type that denied, explicitly or by not allowing; null when allowed. */
  readonly blockedBy: EvaluatedPolicyType | null;
  readonly policyTypes: Readonly<Record<EvaluatedPolicyType, PolicyTypeOutcome>>;
  readonly matchedStatements: readonly MatchedStatement[];
  /** Context keys a condition (or policy variable) looked for and the request did not have. */
  readonly missingContextKeys: readonly string[];
  readonly principalKind: PrincipalKind;
  readonly principalAccount: string | undefined;
  readonly resourceAccount: string | undefined;
  readonly crossAccount: boolean;
  readonly resourceGrant: ResourceGrant;
  /** Set when the resource policy must allow explicitly: a role trust policy or a KMS key policy. */
  readonly resourcePolicyRequired: 'role trust policy' | 'KMS key policy' | undefined;
}

/** The result line of `grantflow simulate --batch`, and its in-process equivalent. */
export interface BatchResult {
  readonly decision: Decision;
  readonly blockedBy: EvaluatedPolicyType | null;
  readonly matchedStatements: readonly MatchedStatement[];
  readonly missingContextKeys: readonly string[];
}

export interface CompileWarning {
  readonly policyType: EvaluatedPolicyType;
  readonly level?: number;
  readonly policyIndex: number;
  readonly statementIndex?: number;
  readonly source?: string;
  readonly message: string;
}
