// Principals: who a resource or role trust policy lets in. The grammar of the Principal element
// (keys, value formats, wildcards), the rules that only role trust policies have (which STS
// actions go with which principal, no NotPrincipal, no Resource), and the security warnings about
// trust that is wider than it looks: NotPrincipal with Allow, service principals without a source,
// web identity federation without audience or repository conditions, and everyone as principal.
import type { CheckDefinition, CheckContext, Target } from '../check.ts';
import { at, defineCheck, substringOf } from '../check.ts';
import { awsCheckLink, grantflowCheckLink } from '../finding.ts';
import type { FindingType } from '../finding.ts';
import {
  actionMatches,
  effectOf,
  hasWildcard,
  isAccountId,
  parseArn,
  PARTITIONS,
} from '../../policy/index.ts';
import type {
  ConditionEntry,
  PolicyString,
  PolicyType,
  PrincipalElement,
  Statement,
} from '../../policy/index.ts';

const PRINCIPAL_KEYS = ['AWS', 'Service', 'Federated', 'CanonicalUser'];
const WITH_PRINCIPAL: readonly PolicyType[] = ['resource', 'trust'];
const TRUST: readonly PolicyType[] = ['trust'];
const RESOURCE: readonly PolicyType[] = ['resource'];

/** The STS actions a role trust policy can allow; IAM has no other use for them there. */
const TRUST_ACTIONS = [
  'sts:AssumeRole',
  'sts:AssumeRoleWithSAML',
  'sts:AssumeRoleWithWebIdentity',
  'sts:TagSession',
  'sts:SetSourceIdentity',
  'sts:SetContext',
];

/** The actions that start a role session, and which kind of principal may call each. */
const ASSUME_ACTIONS: Readonly<Record<string, PrincipalKind[]>> = {
  'sts:assumerole': ['aws', 'service'],
  'sts:assumerolewithsaml': ['saml'],
  'sts:assumerolewithwebidentity': ['oidc'],
};

const ROLES_ANYWHERE = 'rolesanywhere.amazonaws.com';
const ROLES_ANYWHERE_ACTIONS = ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'];

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

/** Keys that tie a service principal's request to the resource or account it acts for. */
const SOURCE_KEYS = ['aws:sourcearn', 'aws:sourceaccount', 'aws:sourceorgid', 'aws:sourceorgpaths'];

/**
 * Keys that narrow who the caller can be when the principal is everyone: organization, account,
 * ARN, service, network origin. Keys about the request itself (tags, external id) do not.
 */
const CALLER_KEYS = new Set([
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalservicename',
  'aws:principalservicenameslist',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:sourceip',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourcevpcarn',
  'aws:vpcsourceip',
  'aws:vpceaccount',
  'aws:vpceorgid',
  'aws:vpceorgpaths',
  'aws:userid',
  'aws:username',
  'kms:calleraccount',
]);

type PrincipalKind = 'aws' | 'service' | 'saml' | 'oidc';

interface PrincipalValue {
  /** The principal key the value is listed under, e.g. `AWS`. */
  readonly key: string;
  readonly value: PolicyString;
}

function aws(findingType: FindingType, issueCode: string): string {
  return awsCheckLink(findingType, issueCode.toLowerCase().replace(/_/g, '-'));
}

function elementsOf(s: Statement): [PrincipalElement, 'Principal' | 'NotPrincipal'][] {
  const out: [PrincipalElement, 'Principal' | 'NotPrincipal'][] = [];
  if (s.principal) out.push([s.principal, 'Principal']);
  if (s.notPrincipal) out.push([s.notPrincipal, 'NotPrincipal']);
  return out;
}

/** Every string value under a principal key, in Principal and NotPrincipal. */
function principalValues(ctx: CheckContext): PrincipalValue[] {
  const out: PrincipalValue[] = [];
  for (const statement of ctx.policy.statements) {
    for (const [el] of elementsOf(statement)) {
      for (const entry of el.entries) {
        for (const value of entry.values.values) out.push({ key: entry.type, value });
      }
    }
  }
  return out;
}

function elementTarget(el: PrincipalElement): Target {
  return { node: el.node, path: el.path };
}

function conditionsOf(s: Statement): readonly ConditionEntry[] {
  return s.condition?.entries ?? [];
}

function hasConditionKey(s: Statement, predicate: (lowerKey: string) => boolean): boolean {
  return conditionsOf(s).some((c) => predicate(c.key.toLowerCase()));
}

/**
 * Whether a condition entry can only pass when the key is present and matches: no negation,
 * no `IfExists`, no `ForAllValues` (which passes on a missing key), no Null check.
 */
function isRestrictive(c: ConditionEntry): boolean {
  const op = c.operator;
  if (/IfExists$/i.test(op) || /^ForAllValues:/i.test(op)) return false;
  const base = op.replace(/^ForAnyValue:/i, '');
  if (!/^(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|IpAddress|Bool)$/i.test(base))
    return false;
  return c.values.some((v) => v.value !== '' && v.value !== '*');
}

function allows(s: Statement, action: string): boolean {
  return (s.action?.values ?? []).some((a) => actionMatches(a.value, action));
}

// ---- value formats ------------------------------------------------------------------------

const NAME = String.raw`[\w+=,.@-]+`;
const PATH_AND_NAME = String.raw`(?:[\w+=,.@-]+/)*[\w+=,.@-]+`;
const IAM_RESOURCE = new RegExp(`^(?:root|user/${PATH_AND_NAME}|role/${PATH_AND_NAME})$`);
const STS_RESOURCE = new RegExp(`^(?:assumed-role/${NAME}/${NAME}|federated-user/${NAME})$`);
const SAML_PROVIDER = new RegExp(`^saml-provider/${NAME}$`);
const OIDC_PROVIDER = /^oidc-provider\/([a-z0-9.-]+(?:\/[\w.~-]+)*)$/i;
const SERVICE_PRINCIPAL =
  /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\.(?:amazonaws\.com(?:\.cn)?|amazon\.com|c2s\.ic\.gov|sc2s\.sgov\.gov)$/;
const CANONICAL_USER = /^[0-9a-f]{64}$/;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const ROLE_ID = /^AROA[A-Z0-9]{12,}$/;
const USER_ID = /^AIDA[A-Z0-9]{12,}$/;

/** Principal values that hold a policy variable are reported by the variables family. */
function hasVariable(v: string): boolean {
  return v.includes('${');
}

/** CloudFront origin access identities, which S3 bucket policies still name this way. */
const CLOUDFRONT_OAI =
  /^arn:aws(?:-[a-z]+)*:iam::cloudfront:user\/CloudFront Origin Access Identity [A-Z0-9]+$/;

/** Whether an `AWS` principal value has a form IAM accepts (`*` and unique ids aside). */
function isValidAwsPrincipal(v: string): boolean {
  if (isAccountId(v) || CLOUDFRONT_OAI.test(v)) return true;
  const arn = parseArn(v);
  if (!arn || !PARTITIONS.includes(arn.partition) || arn.region !== '' || !isAccountId(arn.account))
    return false;
  if (arn.service === 'iam') return IAM_RESOURCE.test(arn.resource);
  if (arn.service === 'sts') return STS_RESOURCE.test(arn.resource);
  return false;
}

type FederatedForm = { kind: 'saml' } | { kind: 'oidc'; issuer: string } | undefined;

/** A Federated value: a SAML provider ARN, an OIDC provider ARN or a web identity provider's domain. */
function federatedForm(v: string): FederatedForm {
  const arn = parseArn(v);
  if (arn) {
    if (arn.service !== 'iam' || !PARTITIONS.includes(arn.partition) || arn.region !== '') return undefined;
    if (!isAccountId(arn.account)) return undefined;
    if (SAML_PROVIDER.test(arn.resource)) return { kind: 'saml' };
    const oidc = OIDC_PROVIDER.exec(arn.resource);
    return oidc ? { kind: 'oidc', issuer: oidc[1]! } : undefined;
  }
  return DOMAIN.test(v) ? { kind: 'oidc', issuer: v } : undefined;
}

function kindOf(key: string, value: string): PrincipalKind | undefined {
  if (key === 'AWS') return value === '*' || isValidAwsPrincipal(value) ? 'aws' : undefined;
  if (key === 'Service') return SERVICE_PRINCIPAL.test(value) ? 'service' : undefined;
  if (key === 'Federated') return federatedForm(value)?.kind;
  return undefined;
}

function wildcardAt(v: string): number {
  const star = v.indexOf('*');
  const q = v.indexOf('?');
  return star < 0 ? q : q < 0 ? star : Math.min(star, q);
}

// ---- grammar ------------------------------------------------------------------------------

const missingPrincipal = defineCheck({
  issueCode: 'MISSING_PRINCIPAL',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'MISSING_PRINCIPAL'),
  summary: 'A resource or role trust policy statement names no principal.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    const kind = ctx.policyType === 'trust' ? 'A role trust policy' : 'A resource-based policy';
    for (const s of ctx.policy.statements) {
      if (s.node.type !== 'object' || s.principal || s.notPrincipal) continue;
      report(
        `${kind} statement must say who it applies to. Add a Principal element, for example {"AWS": "arn:aws:iam::123456789012:role/name"}.`,
        { node: s.node, path: s.path },
      );
    }
  },
});

const unsupportedPrincipal = defineCheck({
  issueCode: 'UNSUPPORTED_PRINCIPAL',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'UNSUPPORTED_PRINCIPAL'),
  summary: 'An identity, permissions boundary or session policy has a Principal or NotPrincipal element.',
  policyTypes: ['identity', 'boundary', 'session'],
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const [el, name] of elementsOf(s)) {
        report(
          `A ${ctx.policyType} policy applies to the identity or session it is attached to and cannot name principals. Remove the ${name} element.`,
          elementTarget(el),
        );
      }
    }
  },
});

const invalidPrincipalKey = defineCheck({
  issueCode: 'INVALID_PRINCIPAL_KEY',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'INVALID_PRINCIPAL_KEY'),
  summary: 'A Principal key other than AWS, Service, Federated or CanonicalUser.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const [el] of elementsOf(s)) {
        if (el.node.type !== 'object') continue;
        el.node.members.forEach((m, i) => {
          if (PRINCIPAL_KEYS.includes(m.key)) return;
          const suggestion = PRINCIPAL_KEYS.find((k) => k.toLowerCase() === m.key.toLowerCase());
          report(
            `"${m.key}" is not a principal key. Use AWS, Service, Federated or CanonicalUser${suggestion ? ` (keys are case-sensitive: "${suggestion}")` : ''}.`,
            { path: el.entries[i]!.keyPath, start: m.keyStart, end: m.keyEnd },
          );
        });
      }
    }
  },
});

const invalidPrincipalFormat = defineCheck({
  issueCode: 'INVALID_PRINCIPAL_FORMAT',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'INVALID_PRINCIPAL_FORMAT'),
  summary: 'A Principal string other than "*", or an AWS or CanonicalUser value IAM cannot read.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const [el, name] of elementsOf(s)) {
        // Other JSON types are the structure family's DATA_TYPE_MISMATCH.
        if (!el.wildcard || el.wildcard.value === '*') continue;
        report(
          `${name} must be "*" or an object of principal keys and values, for example {"AWS": "123456789012"}.`,
          elementTarget(el),
        );
      }
    }
    for (const p of principalValues(ctx)) {
      const v = p.value.value;
      if (hasVariable(v) || hasWildcard(v)) continue;
      if (p.key === 'AWS' && !isValidAwsPrincipal(v) && !ROLE_ID.test(v) && !USER_ID.test(v)) {
        report(
          `"${v}" is not an AWS principal. Use "*", a 12-digit account id, or the ARN of an account root, IAM user, IAM role, assumed-role session or federated user.`,
          at(p.value),
        );
      } else if (p.key === 'CanonicalUser' && !CANONICAL_USER.test(v)) {
        report(
          `"${v}" is not a canonical user id, which is 64 lower-case hexadecimal characters.`,
          at(p.value),
        );
      }
    }
  },
});

const invalidServicePrincipalFormat = defineCheck({
  issueCode: 'INVALID_SERVICE_PRINCIPAL_FORMAT',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'INVALID_SERVICE_PRINCIPAL_FORMAT'),
  summary: 'A Service principal that is not a lower-case service host name such as lambda.amazonaws.com.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    for (const p of principalValues(ctx)) {
      const v = p.value.value;
      if (p.key !== 'Service' || hasVariable(v) || hasWildcard(v) || SERVICE_PRINCIPAL.test(v)) continue;
      const lower = v.toLowerCase();
      const hint = SERVICE_PRINCIPAL.test(lower)
        ? ` Write it in lower case: "${lower}".`
        : /^[a-z0-9-]+$/i.test(v)
          ? ` Did you mean "${lower}.amazonaws.com"?`
          : '';
      report(
        `"${v}" is not a service principal. Service principals look like service-name.amazonaws.com.${hint}`,
        at(p.value),
      );
    }
  },
});

const unsupportedWildcardInPrincipal = defineCheck({
  issueCode: 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL'),
  summary:
    'A * or ? inside a principal value; only a whole "*" under AWS (or as the Principal) means everyone.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    for (const p of principalValues(ctx)) {
      const v = p.value.value;
      if (p.key === 'AWS' && v === '*') continue;
      const i = wildcardAt(v);
      if (i < 0) continue;
      const advice =
        p.key === 'AWS'
          ? 'Name the principals, or use "*" with a condition such as aws:PrincipalArn (ArnLike) or aws:PrincipalOrgID.'
          : 'Name the principal exactly.';
      report(
        `Principal values under ${p.key} cannot contain wildcards. ${advice}`,
        substringOf(p.value, i, 1),
      );
    }
  },
});

const invalidRoleReference = defineCheck({
  issueCode: 'INVALID_ROLE_REFERENCE',
  findingType: 'WARNING',
  family: 'principals',
  learnMoreLink: aws('WARNING', 'INVALID_ROLE_REFERENCE'),
  summary: 'A role unique id (AROA...) instead of a role ARN in the Principal element.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    for (const p of principalValues(ctx)) {
      if (p.key !== 'AWS' || !ROLE_ID.test(p.value.value)) continue;
      report(
        `${p.value.value} is a role's unique id. IAM shows ids like this when the role was deleted; write the role's ARN so the policy stays readable and is re-resolved when you save it.`,
        at(p.value),
      );
    }
  },
});

const invalidUserReference = defineCheck({
  issueCode: 'INVALID_USER_REFERENCE',
  findingType: 'WARNING',
  family: 'principals',
  learnMoreLink: aws('WARNING', 'INVALID_USER_REFERENCE'),
  summary: 'A user unique id (AIDA...) instead of a user ARN in the Principal element.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    for (const p of principalValues(ctx)) {
      if (p.key !== 'AWS' || !USER_ID.test(p.value.value)) continue;
      report(
        `${p.value.value} is a user's unique id. IAM shows ids like this when the user was deleted; write the user's ARN instead.`,
        at(p.value),
      );
    }
  },
});

const emptyArrayPrincipal = defineCheck({
  issueCode: 'EMPTY_ARRAY_PRINCIPAL',
  findingType: 'SUGGESTION',
  family: 'principals',
  learnMoreLink: aws('SUGGESTION', 'EMPTY_ARRAY_PRINCIPAL'),
  summary: 'A principal key with an empty list of values.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const [el] of elementsOf(s)) {
        for (const entry of el.entries) {
          const list = entry.values;
          if (list.node.type !== 'array' || list.node.items.length > 0) continue;
          report(
            `${entry.type} lists no principals, so it matches nobody. Name the principals or remove the key.`,
            {
              node: list.node,
              path: list.path,
            },
          );
        }
      }
    }
  },
});

const emptyObjectPrincipal = defineCheck({
  issueCode: 'EMPTY_OBJECT_PRINCIPAL',
  findingType: 'SUGGESTION',
  family: 'principals',
  learnMoreLink: aws('SUGGESTION', 'EMPTY_OBJECT_PRINCIPAL'),
  summary: 'A Principal or NotPrincipal element that is an empty object.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const [el, name] of elementsOf(s)) {
        if (el.node.type !== 'object' || el.node.members.length > 0) continue;
        report(
          `${name} is empty, so the statement applies to nobody. Name the principals.`,
          elementTarget(el),
        );
      }
    }
  },
});

// ---- resource-based policies --------------------------------------------------------------

const federatedPrincipalNotSupported = defineCheck({
  issueCode: 'FEDERATED_PRINCIPAL_NOT_SUPPORTED',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'FEDERATED_PRINCIPAL_NOT_SUPPORTED'),
  summary: 'A Federated principal in a resource-based policy other than a role trust policy.',
  policyTypes: RESOURCE,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const [el] of elementsOf(s)) {
        el.entries.forEach((entry, i) => {
          if (entry.type !== 'Federated' || el.node.type !== 'object') return;
          const m = el.node.members[i]!;
          report(
            'Identity providers can only be trusted by role trust policies. Let the federated users assume a role and grant that role access here.',
            { path: entry.keyPath, start: m.keyStart, end: m.keyEnd },
          );
        });
      }
    }
  },
});

const allowWithNotPrincipal = defineCheck({
  issueCode: 'ALLOW_WITH_NOT_PRINCIPAL',
  findingType: 'SECURITY_WARNING',
  family: 'principals',
  learnMoreLink: aws('SECURITY_WARNING', 'ALLOW_WITH_NOT_PRINCIPAL'),
  summary:
    'An Allow statement with NotPrincipal, which grants access to everyone not listed, anonymous callers included.',
  policyTypes: RESOURCE,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      if (effectOf(s) !== 'Allow' || !s.notPrincipal) continue;
      report(
        'Allow with NotPrincipal grants access to every principal that is not listed, including anonymous callers. Name the principals in Principal instead, or use NotPrincipal only with Deny.',
        elementTarget(s.notPrincipal),
      );
    }
  },
});

const restrictAccessToServicePrincipal = defineCheck({
  issueCode: 'RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL',
  findingType: 'SECURITY_WARNING',
  family: 'principals',
  learnMoreLink: aws('SECURITY_WARNING', 'RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL'),
  summary:
    'A resource policy grants a service principal access without saying on whose behalf (confused deputy).',
  policyTypes: RESOURCE,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      if (effectOf(s) !== 'Allow') continue;
      if (hasConditionKey(s, (k) => SOURCE_KEYS.includes(k))) continue;
      const services = (s.principal?.entries ?? [])
        .filter((e) => e.type === 'Service')
        .flatMap((e) => e.values.values);
      if (services.length === 0) continue;
      report(
        `The service principal ${services.map((v) => v.value).join(', ')} can use this access for any customer's request, so someone else's resource could make the service act on yours. Add aws:SourceArn, aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths to name the resources or accounts it may act for.`,
        ...services.map(at),
      );
    }
  },
});

// ---- role trust policies ------------------------------------------------------------------

const roleTrustNotPrincipal = defineCheck({
  issueCode: 'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL'),
  summary: 'NotPrincipal in a role trust policy.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      if (!s.notPrincipal) continue;
      report(
        'Role trust policies do not accept NotPrincipal. Name who may assume the role in Principal.',
        elementTarget(s.notPrincipal),
      );
    }
  },
});

const roleTrustWildcardPrincipal = defineCheck({
  issueCode: 'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL'),
  summary: '"Principal": "*" in a role trust policy.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      const w = s.principal?.wildcard;
      if (w?.value !== '*') continue;
      report(
        'A role trust policy cannot use "Principal": "*". Name the accounts, roles, services or identity providers that may assume the role.',
        at(w),
      );
    }
  },
});

const roleTrustResource = defineCheck({
  issueCode: 'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE'),
  summary: 'A Resource or NotResource element in a role trust policy.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const [list, name] of [
        [s.resource, 'Resource'],
        [s.notResource, 'NotResource'],
      ] as const) {
        if (!list) continue;
        report(
          `A role trust policy always applies to its own role, so it has no ${name} element. Remove it.`,
          { node: list.node, path: list.path },
        );
      }
    }
  },
});

const unsupportedActionInTrustPolicy = defineCheck({
  issueCode: 'UNSUPPORTED_ACTION_IN_POLICY',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'UNSUPPORTED_ACTION_IN_POLICY'),
  summary: 'An action in a role trust policy that is not one of the STS actions used to assume a role.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      if (!s.action) continue;
      for (const e of ctx.expand(s.action)) {
        if (e.actions.length === 0) continue; // unknown actions are the actions family's to report
        if (TRUST_ACTIONS.some((t) => actionMatches(e.entry.value, t))) continue;
        report(
          `${e.entry.value} has no effect in a role trust policy. Trust policies allow ${TRUST_ACTIONS.join(', ')}; grant other permissions in the role's identity policies.`,
          at(e.entry),
        );
      }
    }
  },
});

const invalidFederatedPrincipal = defineCheck({
  issueCode: 'INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY'),
  summary:
    'A Federated principal that is neither a SAML or OIDC provider ARN nor an identity provider domain.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const p of principalValues(ctx)) {
      const v = p.value.value;
      if (p.key !== 'Federated' || hasVariable(v) || hasWildcard(v) || federatedForm(v)) continue;
      report(
        `"${v}" is not an identity provider. Use a SAML provider ARN (arn:aws:iam::123456789012:saml-provider/Name), an OIDC provider ARN (arn:aws:iam::123456789012:oidc-provider/host) or a provider domain such as cognito-identity.amazonaws.com.`,
        at(p.value),
      );
    }
  },
});

const mismatchedActionForPrincipal = defineCheck({
  issueCode: 'MISMATCHED_ACTION_FOR_PRINCIPAL',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'MISMATCHED_ACTION_FOR_PRINCIPAL'),
  summary:
    "An assume-role action that none of the statement's principals can call (e.g. sts:AssumeRole for a SAML provider).",
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      if (effectOf(s) !== 'Allow' || !s.principal || !s.action) continue;
      const principals = s.principal.entries.flatMap((e) =>
        e.values.values.map((value) => ({ value, kind: kindOf(e.type, value.value) })),
      );
      const known = principals.filter((p) => p.kind !== undefined);
      if (known.length === 0) continue;
      for (const a of s.action.values) {
        const callers = ASSUME_ACTIONS[a.value.toLowerCase()];
        if (!callers || known.some((p) => callers.includes(p.kind!))) continue;
        report(
          `No principal of this statement can call ${a.value}: ${known.map((p) => p.value.value).join(', ')}. SAML providers use sts:AssumeRoleWithSAML, OIDC and web identity providers use sts:AssumeRoleWithWebIdentity, and AWS and service principals use sts:AssumeRole.`,
          at(a),
          ...known.map((p) => at(p.value)),
        );
      }
    }
  },
});

const missingActionForRolesAnywhere = defineCheck({
  issueCode: 'MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY',
  findingType: 'ERROR',
  family: 'principals',
  learnMoreLink: aws('ERROR', 'MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY'),
  summary:
    'A trust policy for IAM Roles Anywhere that does not allow all of sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession.',
  policyTypes: TRUST,
  run(ctx, report) {
    const statements = ctx.policy.statements.filter(
      (s) =>
        effectOf(s) === 'Allow' &&
        (s.principal?.entries ?? []).some(
          (e) => e.type === 'Service' && e.values.values.some((v) => v.value === ROLES_ANYWHERE),
        ),
    );
    if (statements.length === 0 || statements.some((s) => s.notAction)) return;
    const missing = ROLES_ANYWHERE_ACTIONS.filter((a) => !statements.some((s) => allows(s, a)));
    if (missing.length === 0) return;
    const first = statements[0]!;
    const service = first
      .principal!.entries.flatMap((e) => e.values.values)
      .find((v) => v.value === ROLES_ANYWHERE)!;
    report(
      `IAM Roles Anywhere needs sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession to deliver credentials for this role; add ${missing.join(', ')}.`,
      at(service),
      ...(first.action ? [{ node: first.action.node, path: first.action.path }] : []),
    );
  },
});

/** Federated OIDC principals of an Allow statement, with the prefix of their condition keys. */
function oidcPrincipals(s: Statement): { value: PolicyString; issuer: string }[] {
  if (effectOf(s) !== 'Allow') return [];
  return (s.principal?.entries ?? [])
    .filter((e) => e.type === 'Federated')
    .flatMap((e) => e.values.values)
    .flatMap((value) => {
      const form = federatedForm(value.value);
      return form?.kind === 'oidc' ? [{ value, issuer: form.issuer }] : [];
    });
}

function keysWithPrefix(s: Statement, issuer: string): ConditionEntry[] {
  const prefix = `${issuer.toLowerCase()}:`;
  return conditionsOf(s).filter((c) => c.key.toLowerCase().startsWith(prefix));
}

function claim(c: ConditionEntry): string {
  return c.key.slice(c.key.lastIndexOf(':') + 1).toLowerCase();
}

function isGithub(issuer: string): boolean {
  return issuer.toLowerCase() === GITHUB_ISSUER || issuer.toLowerCase().startsWith(`${GITHUB_ISSUER}/`);
}

function isLike(c: ConditionEntry): boolean {
  return /Like(IfExists)?$/i.test(c.operator) && !/Not/i.test(c.operator);
}

const missingConditionKeyForOidc = defineCheck({
  issueCode: 'MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL',
  findingType: 'SECURITY_WARNING',
  family: 'principals',
  learnMoreLink: aws('SECURITY_WARNING', 'MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL'),
  summary: 'An OIDC or web identity provider is trusted without any condition on its token claims.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const p of oidcPrincipals(s)) {
        if (keysWithPrefix(s, p.issuer).length > 0) continue;
        report(
          `Any token that ${p.issuer} issues, for any application or user, can assume this role. Add conditions on the token's claims, such as ${p.issuer}:aud and ${p.issuer}:sub.`,
          at(p.value),
        );
      }
    }
  },
});

const missingGithubRepoConditionKey = defineCheck({
  issueCode: 'MISSING_GITHUB_REPO_CONDITION_KEY',
  findingType: 'SECURITY_WARNING',
  family: 'principals',
  learnMoreLink: aws('SECURITY_WARNING', 'MISSING_GITHUB_REPO_CONDITION_KEY'),
  summary:
    'GitHub Actions is trusted without a token.actions.githubusercontent.com:sub condition naming the repository.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const p of oidcPrincipals(s)) {
        if (!isGithub(p.issuer) || keysWithPrefix(s, p.issuer).some((c) => claim(c) === 'sub')) continue;
        report(
          `Without a condition on ${p.issuer}:sub, a workflow in any GitHub repository, including other people's, can assume this role. Add ${p.issuer}:sub with the repository and branch or environment, e.g. "repo:my-org/my-repo:ref:refs/heads/main".`,
          at(p.value),
        );
      }
    }
  },
});

/** GitHub `sub` condition values of OIDC statements, with the operator they are used with. */
function githubSubValues(ctx: CheckContext): { entry: ConditionEntry; value: PolicyString }[] {
  const out: { entry: ConditionEntry; value: PolicyString }[] = [];
  for (const s of ctx.policy.statements) {
    const issuers = oidcPrincipals(s).filter((p) => isGithub(p.issuer));
    for (const { issuer } of issuers) {
      for (const c of keysWithPrefix(s, issuer)) {
        if (claim(c) !== 'sub' || !isLike(c)) continue;
        for (const v of c.values) {
          if (v.jsonType === 'string')
            out.push({ entry: c, value: { value: v.value, node: v.node, path: v.path } });
        }
      }
    }
  }
  return out;
}

/** Whether a `sub` pattern can match workflows of more than one repository. */
function subSpansRepositories(pattern: string): boolean {
  if (!hasWildcard(pattern)) return false;
  if (!pattern.startsWith('repo:')) return true;
  const rest = pattern.slice('repo:'.length);
  const repo = rest.includes(':') ? rest.slice(0, rest.indexOf(':')) : rest;
  return hasWildcard(repo);
}

const specificGithubRepoAndBranch = defineCheck({
  issueCode: 'SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED',
  findingType: 'WARNING',
  family: 'principals',
  learnMoreLink: aws('WARNING', 'SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED'),
  summary: 'A wildcard in the GitHub Actions sub condition.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const { value } of githubSubValues(ctx)) {
      const i = wildcardAt(value.value);
      if (i < 0) continue;
      report(
        `The wildcard in "${value.value}" lets more workflows assume this role than one repository and branch. Name the repository and branch (or environment) in the sub value; if the subject has no branch, add a ${GITHUB_ISSUER}:ref condition.`,
        substringOf(value, i, 1),
      );
    }
  },
});

const githubSubAnyRepository = defineCheck({
  issueCode: 'GITHUB_SUB_ANY_REPOSITORY',
  findingType: 'SECURITY_WARNING',
  family: 'principals',
  learnMoreLink: grantflowCheckLink('GITHUB_SUB_ANY_REPOSITORY'),
  summary: 'The GitHub Actions sub condition matches more than one repository (e.g. "*" or "repo:my-org/*").',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const { value } of githubSubValues(ctx)) {
      if (!subSpansRepositories(value.value)) continue;
      report(
        `"${value.value}" matches workflows of more than one repository${value.value.startsWith('repo:') ? '' : ', in any organization'}: anyone who can push a workflow to a matching repository can assume this role. Name one repository, e.g. "repo:my-org/my-repo:ref:refs/heads/main".`,
        at(value),
      );
    }
  },
});

/** Claims that identify the application a token was issued to. */
const AUDIENCE_CLAIMS = ['aud', 'oaud', 'azp', 'app_id'];

const oidcMissingAudience = defineCheck({
  issueCode: 'OIDC_MISSING_AUDIENCE_CONDITION',
  findingType: 'SECURITY_WARNING',
  family: 'principals',
  learnMoreLink: grantflowCheckLink('OIDC_MISSING_AUDIENCE_CONDITION'),
  summary: 'An OIDC trust checks some token claims but neither the audience nor one exact subject.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      for (const p of oidcPrincipals(s)) {
        const keys = keysWithPrefix(s, p.issuer);
        if (keys.length === 0) continue; // MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL covers it
        if (keys.some((c) => AUDIENCE_CLAIMS.includes(claim(c)) && isRestrictive(c))) continue;
        const exactSubject = keys.some(
          (c) =>
            claim(c) === 'sub' &&
            /^StringEquals$/i.test(c.operator) &&
            c.values.every((v) => !hasWildcard(v.value)),
        );
        if (exactSubject) continue;
        report(
          `These conditions do not check the token's audience, so tokens ${p.issuer} issued for other applications pass them (with a shared provider such as Cognito, Google or GitHub, that includes other customers' applications). Add ${p.issuer}:aud with your application's audience, or pin one exact ${p.issuer}:sub.`,
          at(p.value),
        );
      }
    }
  },
});

const samlMissingAudience = defineCheck({
  issueCode: 'SAML_MISSING_AUDIENCE_CONDITION',
  findingType: 'SECURITY_WARNING',
  family: 'principals',
  learnMoreLink: grantflowCheckLink('SAML_MISSING_AUDIENCE_CONDITION'),
  summary: 'A SAML provider is trusted without a SAML:aud condition.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      if (effectOf(s) !== 'Allow') continue;
      if (conditionsOf(s).some((c) => c.key.toLowerCase() === 'saml:aud' && isRestrictive(c))) continue;
      const saml = (s.principal?.entries ?? [])
        .filter((e) => e.type === 'Federated')
        .flatMap((e) => e.values.values)
        .filter((v) => federatedForm(v.value)?.kind === 'saml');
      for (const v of saml) {
        report(
          'Without a SAML:aud condition, an assertion this identity provider issued for another service provider can be used to assume the role. Add "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"} (or your Region\'s sign-in endpoint).',
          at(v),
        );
      }
    }
  },
});

const allowAnyPrincipal = defineCheck({
  issueCode: 'ALLOW_ANY_PRINCIPAL',
  findingType: 'SECURITY_WARNING',
  family: 'principals',
  learnMoreLink: grantflowCheckLink('ALLOW_ANY_PRINCIPAL'),
  summary:
    'An Allow statement whose principal is everyone ("*"), with no condition narrowing who the caller is.',
  policyTypes: WITH_PRINCIPAL,
  run(ctx, report) {
    const trust = ctx.policyType === 'trust';
    for (const s of ctx.policy.statements) {
      if (effectOf(s) !== 'Allow' || !s.principal) continue;
      // In a trust policy only the assume actions open the role; TagSession and the like do not.
      if (trust && !Object.keys(ASSUME_ACTIONS).some((a) => allows(s, a))) continue;
      if (conditionsOf(s).some((c) => CALLER_KEYS.has(c.key.toLowerCase()) && isRestrictive(c))) continue;
      // "Principal": "*" is invalid in a trust policy and reported as such; there only {"AWS": "*"} counts.
      const stars =
        s.principal.wildcard?.value === '*'
          ? trust
            ? []
            : [s.principal.wildcard]
          : s.principal.entries
              .filter((e) => e.type === 'AWS')
              .flatMap((e) => e.values.values.filter((v) => v.value === '*'));
      if (stars.length === 0) continue;
      const who = trust
        ? 'any identity in any AWS account can assume this role'
        : s.principal.wildcard
          ? 'anyone, including anonymous callers, gets this access'
          : 'any identity in any AWS account (and, for many services, anonymous callers) gets this access';
      report(
        `With "*" as principal and no condition on the caller, ${who}. Name the principals, or add a condition such as aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceVpce.`,
        ...stars.map(at),
      );
    }
  },
});

const trustServiceWithoutSource = defineCheck({
  issueCode: 'TRUST_SERVICE_WITHOUT_SOURCE_CONDITION',
  findingType: 'SUGGESTION',
  family: 'principals',
  learnMoreLink: grantflowCheckLink('TRUST_SERVICE_WITHOUT_SOURCE_CONDITION'),
  summary: 'A role trusts a service principal without aws:SourceArn or aws:SourceAccount.',
  policyTypes: TRUST,
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      if (effectOf(s) !== 'Allow' || hasConditionKey(s, (k) => SOURCE_KEYS.includes(k))) continue;
      const services = (s.principal?.entries ?? [])
        .filter((e) => e.type === 'Service')
        .flatMap((e) => e.values.values)
        .filter((v) => SERVICE_PRINCIPAL.test(v.value) && v.value !== ROLES_ANYWHERE);
      if (services.length === 0) continue;
      report(
        `If ${services.map((v) => v.value).join(', ')} sets aws:SourceArn or aws:SourceAccount when it assumes this role (the service's confused-deputy guidance says), add them so the role can only be used for your own resources.`,
        ...services.map(at),
      );
    }
  },
});

export const principalsChecks: CheckDefinition[] = [
  missingPrincipal,
  unsupportedPrincipal,
  invalidPrincipalKey,
  invalidPrincipalFormat,
  invalidServicePrincipalFormat,
  unsupportedWildcardInPrincipal,
  invalidRoleReference,
  invalidUserReference,
  emptyArrayPrincipal,
  emptyObjectPrincipal,
  federatedPrincipalNotSupported,
  allowWithNotPrincipal,
  restrictAccessToServicePrincipal,
  roleTrustNotPrincipal,
  roleTrustWildcardPrincipal,
  roleTrustResource,
  unsupportedActionInTrustPolicy,
  invalidFederatedPrincipal,
  mismatchedActionForPrincipal,
  missingActionForRolesAnywhere,
  missingConditionKeyForOidc,
  missingGithubRepoConditionKey,
  specificGithubRepoAndBranch,
  githubSubAnyRepository,
  oidcMissingAudience,
  samlMissingAudience,
  allowAnyPrincipal,
  trustServiceWithoutSource,
];
