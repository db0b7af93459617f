// Who can assume each role. The validator already finds what is wrong in a trust policy's text
// (everyone as principal, OIDC and GitHub trusts without audience or subject, service principals
// without a source condition, unique ids of deleted principals); those findings are reused as
// they are. Whether another account, or any principal of this account, can actually assume the
// role is asked of the evaluation engine: the trust policy as the role's resource policy, the
// caller's own account allowing everything, and sts:ExternalId absent.
import { compilePolicySet } from '../../evaluate/index.ts';
import type { CompiledPolicySet } from '../../evaluate/index.ts';
import { effectOf, parsePolicy } from '../../policy/index.ts';
import type { Policy } from '../../policy/index.ts';
import { validatePolicy } from '../../validate/index.ts';
import type { Finding } from '../../validate/index.ts';
import {
  accountOf,
  fixedContext,
  IDENTITY_TYPE,
  Prober,
  RESOURCE_TYPE,
  PROBE_NAME,
} from '../../analyze/index.ts';
import type { RoleEntity, AccountAnalysis } from '../../analyze/index.ts';
import type { AuditFinding, PolicyEvidence, Severity } from '../types.ts';
import { makeFinding } from './registry.ts';

/** Validator issue codes and the audit check each one becomes. */
const VALIDATOR_CHECKS: Readonly<Record<string, string>> = {
  ALLOW_ANY_PRINCIPAL: 'trust-any-principal',
  MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL: 'trust-oidc-without-conditions',
  MISSING_GITHUB_REPO_CONDITION_KEY: 'trust-github-without-subject',
  GITHUB_SUB_ANY_REPOSITORY: 'trust-github-any-repository',
  OIDC_MISSING_AUDIENCE_CONDITION: 'trust-oidc-without-audience',
  SAML_MISSING_AUDIENCE_CONDITION: 'trust-saml-without-audience',
  TRUST_SERVICE_WITHOUT_SOURCE_CONDITION: 'trust-service-without-source',
  INVALID_ROLE_REFERENCE: 'trust-deleted-principal',
  INVALID_USER_REFERENCE: 'trust-deleted-principal',
};

/** The caller's own account lets it do anything: the trust policy alone decides. */
const ALLOW_ALL = parsePolicy(
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
);

function roleName(role: RoleEntity): string {
  return `role${role.path}${role.name}`;
}

/** The element a validator finding points at, as text without layout, to identify it across scans. */
function pointedAt(text: string, f: Finding): string {
  const span = f.locations[0]?.span;
  if (!span) return '';
  const slice = text.slice(span.start.offset, span.end.offset);
  try {
    return JSON.stringify(JSON.parse(slice));
  } catch {
    return slice.replace(/\s+/g, '');
  }
}

function trustEvidence(role: RoleEntity, statement: number, span?: PolicyEvidence['span']): PolicyEvidence {
  return {
    kind: 'policy',
    policy: 'trust policy',
    attachedTo: role.arn,
    policyType: 'trust',
    statement,
    ...(span ? { span } : {}),
  };
}

function validatorFindings(analysis: AccountAnalysis, role: RoleEntity): AuditFinding[] {
  const text = role.trust.text;
  // Many roles share a trust policy (every EC2 role trusts ec2.amazonaws.com the same way).
  const findings = analysis.memo(
    `trust-validation:${text}`,
    () => validatePolicy(text, { policyType: 'trust' }).findings,
  );
  const out: AuditFinding[] = [];
  const githubSpans = new Set(
    findings
      .filter((f) => f.issueCode === 'MISSING_GITHUB_REPO_CONDITION_KEY')
      .map((f) => JSON.stringify(f.locations[0]?.span)),
  );
  for (const f of findings) {
    const check = VALIDATOR_CHECKS[f.issueCode];
    if (!check) continue;
    // For GitHub, "no subject" says more than "no conditions" about the same principal.
    if (
      f.issueCode === 'MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL' &&
      githubSpans.has(JSON.stringify(f.locations[0]?.span))
    ) {
      continue;
    }
    const evidence = f.locations.map((l) => {
      const index = l.path.find((e): e is { index: number } => 'index' in e);
      return trustEvidence(role, index?.index ?? 0, l.span);
    });
    const what = pointedAt(text, f);
    out.push(
      makeFinding({
        check,
        principal: role.arn,
        principalType: 'role',
        essentials: [f.issueCode, what],
        title: `${roleName(role)}: ${titleFor(check, what)}`,
        details: f.findingDetails,
        evidence,
      }),
    );
  }
  return out;
}

function titleFor(check: string, what: string): string {
  const value = what.startsWith('"') ? what.slice(1, -1) : what;
  switch (check) {
    case 'trust-any-principal':
      return 'any AWS principal can assume the role';
    case 'trust-oidc-without-conditions':
      return 'an OIDC provider is trusted without conditions on the token';
    case 'trust-github-without-subject':
      return 'any GitHub Actions workflow can assume the role (no sub condition)';
    case 'trust-github-any-repository':
      return `the GitHub sub condition ${value} matches more than one repository`;
    case 'trust-oidc-without-audience':
      return 'an OIDC trust checks neither the audience nor one exact subject';
    case 'trust-saml-without-audience':
      return 'a SAML provider is trusted without SAML:aud';
    case 'trust-service-without-source':
      return `a service is trusted without aws:SourceArn or aws:SourceAccount`;
    case 'trust-deleted-principal':
      return `the trust policy names a deleted principal (${value})`;
    default:
      return check;
  }
}

/** AWS principals of the trust policy's Allow statements that belong to other accounts. */
function externalPrincipals(policy: Policy, account: string): string[] {
  const out = new Set<string>();
  for (const s of policy.statements) {
    if (effectOf(s) !== 'Allow') continue;
    for (const e of s.principal?.entries ?? []) {
      if (e.type !== 'AWS') continue;
      for (const v of e.values.values) {
        const value = v.value;
        if (/^\d{12}$/.test(value)) {
          if (value !== account) out.add(value);
          continue;
        }
        const owner = accountOf(value);
        if (owner !== undefined && /^\d{12}$/.test(owner) && owner !== account) out.add(value);
      }
    }
  }
  return [...out];
}

function asCaller(principal: string, partition: string): string {
  return /^\d{12}$/.test(principal) ? `arn:${partition}:iam::${principal}:root` : principal;
}

/** Asks the engine whether `caller` (whose own account allows everything) may assume the role. */
function canAssume(
  analysis: AccountAnalysis,
  role: RoleEntity,
  policy: Policy,
  set: CompiledPolicySet,
  caller: string,
): { evidence: PolicyEvidence[]; chosen: Record<string, unknown> } | undefined {
  const prober = new Prober(
    set,
    (t) => (t === RESOURCE_TYPE ? policy : t === IDENTITY_TYPE ? ALLOW_ALL : undefined),
    // The external id is what the check is about: it is taken as absent, never guessed.
    { principal: caller, fixed: fixedContext(undefined, analysis.now), fixedPrefixes: ['sts:externalid'] },
    [RESOURCE_TYPE],
  );
  const grant = prober.find('sts:AssumeRole', role.arn);
  if (!grant) return undefined;
  const evidence = prober
    .explain(grant)
    .matchedStatements.filter((m) => m.policyType === 'resource' && m.effect === 'Allow')
    .map((m) => ({
      ...trustEvidence(role, m.statementIndex, m.span),
      ...(m.sid !== undefined ? { sid: m.sid } : {}),
      action: 'sts:AssumeRole',
      resource: role.arn,
      ...(Object.keys(grant.chosen).length > 0 ? { context: grant.chosen } : {}),
    }));
  return { evidence, chosen: grant.chosen };
}

export function trustChecks(analysis: AccountAnalysis, role: RoleEntity): AuditFinding[] {
  const policy = role.trust.policy;
  if (!policy) {
    return [
      makeFinding({
        check: 'unreadable-policy',
        principal: role.arn,
        principalType: 'role',
        essentials: ['trust policy'],
        title: `The trust policy of ${roleName(role)} could not be read`,
        details: `The trust policy of ${role.arn}: ${role.trust.error}.`,
        evidence: [],
      }),
    ];
  }
  const out = validatorFindings(analysis, role);
  const admin = analysis.isAdmin(role.arn);
  const { accountId, partition } = analysis.snapshot;
  // The set does not depend on the caller: compiled once, asked about each caller.
  const set = compilePolicySet({ identityPolicies: [ALLOW_ALL], resourcePolicy: policy });
  for (const external of externalPrincipals(policy, accountId)) {
    const assumed = canAssume(analysis, role, policy, set, asCaller(external, partition));
    if (!assumed) continue;
    const account = /^\d{12}$/.test(external) ? external : accountOf(external)!;
    const severity: Severity = admin ? 'high' : 'medium';
    out.push(
      makeFinding({
        check: 'trust-cross-account-without-external-id',
        principal: role.arn,
        principalType: 'role',
        essentials: [account],
        severity,
        title: `${roleName(role)} can be assumed from account ${account} without an external id${admin ? ' (the role is an administrator)' : ''}`,
        details: `${external} can assume ${role.arn} without presenting sts:ExternalId${Object.keys(assumed.chosen).length > 0 ? ' (given the other conditions are met)' : ''}. If a third party uses this role for you, another of its customers could make it act on your account.`,
        evidence: assumed.evidence,
      }),
    );
  }
  const anyone = out.some((f) => f.check === 'trust-any-principal');
  if (!anyone) {
    const probe = `arn:${partition}:iam::${accountId}:user/${PROBE_NAME}`;
    const assumed = canAssume(analysis, role, policy, set, probe);
    if (assumed) {
      out.push(
        makeFinding({
          check: 'trust-account-root',
          principal: role.arn,
          principalType: 'role',
          severity: admin ? 'medium' : 'low',
          title: `${roleName(role)} trusts its whole account${admin ? ' (the role is an administrator)' : ''}`,
          details: `The trust policy delegates to the account (${accountId}), so any user or role of the account whose own policies allow sts:AssumeRole on ${role.arn} can assume it.`,
          evidence: assumed.evidence,
        }),
      );
    }
  }
  return out;
}
