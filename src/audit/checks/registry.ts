// Every check the audit runs, as data: its id (what fingerprints, stores and SARIF rules use), the
// family that runs it, its usual severity, one line on what it finds and how to fix it.
import { fingerprintOf } from '../fingerprint.ts';
import type { AuditFinding, Evidence, PrincipalType, Severity } from '../types.ts';

export type CheckFamily = 'permissions' | 'trust' | 'credentials' | 'hygiene';

export interface AuditCheck {
  readonly id: string;
  readonly family: CheckFamily;
  readonly severity: Severity;
  readonly summary: string;
  readonly remediation: string;
}

const check = (
  id: string,
  family: CheckFamily,
  severity: Severity,
  summary: string,
  remediation: string,
): AuditCheck => ({ id, family, severity, summary, remediation });

export const AUDIT_CHECKS: readonly AuditCheck[] = [
  check(
    'full-admin',
    'permissions',
    'critical',
    'The principal is allowed every action on every resource.',
    'Replace the grant of "*" with policies for the tasks the principal performs; keep administrator access in a role people assume, with MFA, when they need it.',
  ),
  check(
    'effective-admin',
    'permissions',
    'critical',
    'The principal can grant itself any permission: write or attach policies on itself or its groups, rewrite a policy attached to it, or join an administrators group.',
    'Remove IAM write permissions on the principal itself (iam:Put*Policy, iam:Attach*Policy, iam:CreatePolicyVersion on its own policies, iam:AddUserToGroup), or cap it with a permissions boundary it cannot change.',
  ),
  check(
    'privilege-escalation',
    'permissions',
    'high',
    'A documented privilege-escalation method is open to the principal: it holds every permission the method needs, on a resource it can be used on.',
    'Remove one of the permissions the method needs, or restrict it to resources that cannot be used to escalate (e.g. iam:PassRole to named roles with iam:PassedToService).',
  ),
  check(
    'data-exfiltration',
    'permissions',
    'medium',
    'The principal can read data (objects, secrets, parameters, table items…) on every resource of its kind.',
    'Scope the read actions to the buckets, secrets, tables or keys the principal needs.',
  ),
  check(
    'credentials-exposure',
    'permissions',
    'medium',
    'The principal can create or read credentials (access keys, passwords, tokens) on every resource of their kind.',
    'Allow these actions only on the principal itself (e.g. ${aws:username}) or on the named resources it manages.',
  ),
  check(
    'resource-exposure',
    'permissions',
    'medium',
    'The principal can change who may use resources (resource policies, ACLs, sharing) on every resource of their kind.',
    'Scope these permissions-management actions to named resources, or add conditions that keep the resources inside the organization.',
  ),
  check(
    'service-wildcard',
    'permissions',
    'low',
    'The principal is allowed every action of a service on every resource of the service.',
    'List the actions the principal uses instead of "service:*"; IAM last-accessed data shows which ones.',
  ),
  check(
    'unreadable-policy',
    'permissions',
    'medium',
    'A policy of the principal could not be evaluated (its document is missing from the input or invalid), so findings about the principal may be incomplete.',
    'Include every managed policy document in the input (get-account-authorization-details without --filter), or fix the document.',
  ),
  check(
    'role-unused',
    'hygiene',
    'info',
    'The role has not been used for 90 days or more (or never), according to IAM.',
    'Delete roles nobody uses; recreate them when needed.',
  ),
  check(
    'trust-any-principal',
    'trust',
    'critical',
    'The role trusts every AWS principal ("*") without a condition that narrows who the caller is.',
    'Name the accounts or principals that may assume the role, or add aws:PrincipalOrgID / aws:PrincipalAccount conditions.',
  ),
  check(
    'trust-cross-account-without-external-id',
    'trust',
    'medium',
    'Another account can assume the role without presenting an sts:ExternalId.',
    'If a third party assumes this role on your behalf, require "StringEquals": {"sts:ExternalId": "<unique id>"} to prevent the confused-deputy problem.',
  ),
  check(
    'trust-account-root',
    'trust',
    'low',
    "The role trusts its own account's root, so every user and role of the account whose policies allow sts:AssumeRole on it can assume it.",
    'Name the roles or users that should assume this role instead of the account root.',
  ),
  check(
    'trust-oidc-without-conditions',
    'trust',
    'high',
    'An OIDC identity provider is trusted without any condition on the token claims.',
    "Add conditions on the token's audience (aud) and subject (sub).",
  ),
  check(
    'trust-github-without-subject',
    'trust',
    'critical',
    'GitHub Actions is trusted without a token.actions.githubusercontent.com:sub condition, so a workflow in any repository can assume the role.',
    'Add "StringEquals"/"StringLike": {"token.actions.githubusercontent.com:sub": "repo:ORG/REPO:ref:refs/heads/BRANCH"}.',
  ),
  check(
    'trust-github-any-repository',
    'trust',
    'high',
    'The GitHub Actions subject condition matches more than one repository.',
    'Name one repository (and a branch or environment) in the sub condition.',
  ),
  check(
    'trust-oidc-without-audience',
    'trust',
    'high',
    "An OIDC trust checks some claims but neither the token's audience nor one exact subject.",
    'Add a condition on the aud claim naming your application (for GitHub Actions: sts.amazonaws.com).',
  ),
  check(
    'trust-saml-without-audience',
    'trust',
    'medium',
    'A SAML provider is trusted without a SAML:aud condition.',
    'Add "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}.',
  ),
  check(
    'trust-service-without-source',
    'trust',
    'low',
    'A service principal is trusted without aws:SourceArn or aws:SourceAccount.',
    'Add aws:SourceAccount (and aws:SourceArn where the service sets it) so the service can use the role only for your resources.',
  ),
  check(
    'trust-deleted-principal',
    'trust',
    'low',
    'The trust policy names a principal by unique id (AIDA…, AROA…): IAM shows ids like that when the user or role was deleted.',
    'Remove the deleted principal from the trust policy, or name the new principal by its ARN.',
  ),
  check(
    'root-access-key',
    'credentials',
    'critical',
    'The root user has an active access key.',
    'Delete the root access keys; use IAM roles or users for programmatic access.',
  ),
  check(
    'root-without-mfa',
    'credentials',
    'critical',
    'The root user has no MFA device.',
    'Enable MFA (preferably a hardware key or passkey) on the root user.',
  ),
  check(
    'console-without-mfa',
    'credentials',
    'high',
    'The user has a console password but no MFA device.',
    'Require MFA for console users, or remove the password if the user does not sign in to the console.',
  ),
  check(
    'access-key-not-rotated',
    'credentials',
    'medium',
    'An active access key is older than 90 days.',
    'Rotate the key: create a new one, switch the applications to it, then deactivate and delete the old one.',
  ),
  check(
    'access-key-unused',
    'credentials',
    'low',
    'An active access key has not been used for 45 days or more (or never).',
    'Deactivate, then delete, access keys nobody uses.',
  ),
  check(
    'password-unused',
    'credentials',
    'low',
    'A console password has not been used for 45 days or more (or never).',
    "Remove the user's console password (delete the login profile) if they no longer sign in.",
  ),
  check(
    'two-active-access-keys',
    'credentials',
    'low',
    'The user has two active access keys.',
    'Keep one active key per user; two are for the short overlap of a rotation.',
  ),
  check(
    'grantflow-expired-policy',
    'hygiene',
    'medium',
    'A policy grantflow created (path /grantflow/) is past its expiry and still exists.',
    'Detach and delete the policy (grantflow revokes grants at expiry; this one was missed, e.g. while grantflow was down).',
  ),
];

const BY_ID = new Map(AUDIT_CHECKS.map((c) => [c.id, c]));

export function auditCheck(id: string): AuditCheck {
  const c = BY_ID.get(id);
  if (!c) throw new Error(`unknown audit check "${id}"`);
  return c;
}

export function checksOfFamily(family: CheckFamily): string[] {
  return AUDIT_CHECKS.filter((c) => c.family === family).map((c) => c.id);
}

export interface FindingInput {
  readonly check: string;
  readonly principal: string;
  readonly principalType: PrincipalType;
  readonly title: string;
  readonly details: string;
  readonly evidence: readonly Evidence[];
  /** What identifies the problem besides check and principal (method, trusted account, key slot…). */
  readonly essentials?: readonly string[];
  /** When it differs from the check's usual severity. */
  readonly severity?: Severity;
  readonly remediation?: string;
}

export function makeFinding(input: FindingInput): AuditFinding {
  const c = auditCheck(input.check);
  return {
    check: c.id,
    severity: input.severity ?? c.severity,
    principal: input.principal,
    principalType: input.principalType,
    title: input.title,
    details: input.details,
    evidence: input.evidence,
    remediation: input.remediation ?? c.remediation,
    fingerprint: fingerprintOf(c.id, input.principal, input.essentials),
  };
}
