// Checks over a principal's effective permissions. Every question is a request put to the
// evaluation engine through the principal's compiled set (all its identity policies, its groups',
// its boundary), so a permission split across policies is seen as one, and a Deny, a resource the
// grant cannot reach or a condition that cannot hold takes it away.
import {
  CREDENTIALS_EXPOSURE_ACTIONS,
  DATA_EXFILTRATION_ACTIONS,
  PRIVILEGE_ESCALATION_ACTIONS,
  PRIVILEGE_ESCALATION_COMBINATIONS,
  RESOURCE_EXPOSURE_ACTIONS,
  credentialsExposureAction,
  getCatalog,
  privilegeEscalationAction,
} from '../../catalog/index.ts';
import type { PrivilegeEscalationCombination, RiskyAction } from '../../catalog/index.ts';
import type { ContextScalar } from '../../evaluate/index.ts';
import { effectOf } from '../../policy/index.ts';
import {
  ANY_ACTION,
  grantEvidence,
  PROBE_NAME,
  ESCALATION_METHODS,
  escalationMethod,
} from '../../analyze/index.ts';
import type {
  Entity,
  RoleEntity,
  AccountAnalysis,
  AdminKind,
  Principal,
  Grant,
  Prober,
  EscalationMethod,
} from '../../analyze/index.ts';
import type { AuditFinding, PolicyEvidence, Severity } from '../types.ts';
import { makeFinding } from './registry.ts';

/**
 * Besides a grant of every action, an administrator must hold these on every resource: a grant
 * of "*" minus IAM (NotAction) or minus a few denied actions is not full administrator access.
 */
const ADMIN_SAMPLE = [
  ...PRIVILEGE_ESCALATION_ACTIONS.map((a) => a.action),
  'iam:CreateUser',
  'iam:CreateRole',
  'iam:DeleteRole',
  'organizations:LeaveOrganization',
  'cloudtrail:StopLogging',
  's3:GetObject',
  's3:PutBucketPolicy',
  'ec2:RunInstances',
  'kms:Decrypt',
  'secretsmanager:GetSecretValue',
];

/** Services where allowing every action is worth more than a low severity. */
const SENSITIVE_SERVICES = new Set([
  'iam',
  'sts',
  'organizations',
  'kms',
  'secretsmanager',
  'ssm',
  'cloudtrail',
  's3',
  'ec2',
  'lambda',
]);

/** One permission of a path: the action, the request the engine allowed, and whom to ask why. */
export interface Step {
  readonly action: string;
  readonly grant: Grant;
  readonly prober: Prober;
}

export interface EscalationPath {
  /** The escalation method: an action of the catalog, or a combination's id. */
  readonly method: string;
  readonly steps: readonly Step[];
  /** The resource the method is used on (a user, role, group, policy), when it names one. */
  readonly target?: string;
  readonly targetIsAdmin: boolean;
  readonly reason: string;
  /**
   * `identity`: the method is used on a user, group, role or policy of the account;
   * `code-execution`: on resources that run with a role (unknown to the snapshot);
   * `combination`: iam:PassRole with a service's create actions; `latent`: the same, with no
   * role the service can assume today.
   */
  readonly kind: 'identity' | 'code-execution' | 'combination' | 'latent';
}

export interface AdminVerdict {
  readonly kind?: AdminKind;
  readonly findings: AuditFinding[];
  /** Methods reported as part of effective-admin, not to be reported again. */
  readonly reported: ReadonlySet<string>;
}

function typeOf(entity: Entity): 'user' | 'group' | 'role' {
  return entity.kind;
}

function shortName(arn: string): string {
  return arn.slice(arn.indexOf(':', arn.indexOf(':iam::') + 6) + 1);
}

function stepEvidence(principal: Principal, steps: readonly Step[]): PolicyEvidence[] {
  return steps.flatMap((s) => grantEvidence(principal, s.prober.explain(s.grant), s.grant));
}

/** Evidence for several grants, one entry per statement listing the actions it supplies. */
function mergedEvidence(principal: Principal, grants: readonly Step[]): PolicyEvidence[] {
  const byStatement = new Map<string, { evidence: PolicyEvidence; actions: string[] }>();
  for (const s of grants) {
    for (const e of grantEvidence(principal, s.prober.explain(s.grant), s.grant, { withRequest: false })) {
      const key = `${e.policyArn ?? `${e.attachedTo}#${e.policy}`}#${e.policyType}#${e.statement}`;
      const entry = byStatement.get(key);
      if (entry) {
        if (!entry.actions.includes(s.action)) entry.actions.push(s.action);
      } else byStatement.set(key, { evidence: e, actions: [s.action] });
    }
  }
  return [...byStatement.values()].map(({ evidence, actions }) => ({
    ...evidence,
    action: actions.join(', '),
  }));
}

// ── Administrators ────────────────────────────────────────────────────────────────────────

/** Full admin: every action on every resource. Also reports a grant of "*" with exceptions. */
export function fullAdminCheck(
  analysis: AccountAnalysis,
  principal: Principal,
): { readonly full: boolean; readonly findings: AuditFinding[] } {
  const prober = principal.prober;
  const any = prober.find(ANY_ACTION, '*');
  if (!any) return { full: false, findings: [] };
  const missing = ADMIN_SAMPLE.filter((a) => analysis.anyResource(prober, a) === undefined);
  const evidence = stepEvidence(principal, [{ action: '*', grant: any, prober }]).map((e) => ({
    ...e,
    action: '*',
    resource: '*',
  }));
  const base = { principal: principal.arn, principalType: typeOf(principal.entity), evidence };
  if (missing.length === 0) {
    return {
      full: true,
      findings: [
        makeFinding({
          ...base,
          check: 'full-admin',
          title: `${shortName(principal.arn)} has full administrator access`,
          details: `The ${principal.entity.kind}'s policies allow every action on every resource${conditionNote(any)}.`,
        }),
      ],
    };
  }
  return {
    full: false,
    findings: [
      makeFinding({
        ...base,
        check: 'service-wildcard',
        severity: 'high',
        essentials: ['*'],
        title: `${shortName(principal.arn)} is allowed every action of every service, with exceptions`,
        details: `A grant of every action on every resource applies${conditionNote(any)}; only ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} of the administrator actions checked are excluded or denied.`,
      }),
    ],
  };
}

function conditionNote(grant: Grant): string {
  const keys = Object.keys(grant.chosen);
  return keys.length === 0
    ? ''
    : ` (when the request has ${keys.map((k) => `${k}=${JSON.stringify(grant.chosen[k])}`).join(', ')})`;
}

interface Candidate {
  readonly arn: string;
  readonly isAdmin: boolean;
}

/** Resources a method is used on, by reach, with whether using them makes the caller an admin. */
function selfTargets(analysis: AccountAnalysis, p: Principal, m: EscalationMethod): Candidate[] {
  const entity = p.entity;
  if (!m.for.includes(entity.kind)) return [];
  switch (m.reach) {
    case 'self':
      return [{ arn: entity.arn, isAdmin: false }];
    case 'own-groups':
      return analysis.ownGroups(entity).map((g) => ({ arn: g.arn, isAdmin: false }));
    case 'customer-policies':
      return analysis
        .ownCustomerPolicies(entity)
        .filter((pol) => m.action !== 'iam:SetDefaultPolicyVersion' || pol.versionCount > 1)
        .map((pol) => ({ arn: pol.arn, isAdmin: false }));
    case 'groups':
      if (entity.kind !== 'user') return [];
      return analysis.snapshot.groups
        .filter((g) => analysis.isAdmin(g.arn) && !entity.groups.includes(g.name))
        .map((g) => ({ arn: g.arn, isAdmin: true }));
    default:
      return [];
  }
}

function choicesFor(
  analysis: AccountAnalysis,
  m: EscalationMethod,
): Record<string, readonly ContextScalar[]> {
  return m.adminPolicyKey ? { [m.adminPolicyKey]: analysis.adminPolicies() } : {};
}

function tryMethod(
  analysis: AccountAnalysis,
  p: Principal,
  m: EscalationMethod,
  candidates: readonly Candidate[],
): EscalationPath | undefined {
  const grant = analysis.firstAllowed(
    p.prober,
    m.action,
    candidates.map((c) => c.arn),
    choicesFor(analysis, m),
  );
  if (!grant) return undefined;
  const target = candidates.find((c) => c.arn === grant.request.resource);
  return {
    method: m.action,
    steps: [{ action: m.action, grant, prober: p.prober }],
    target: grant.request.resource,
    targetIsAdmin: target?.isAdmin ?? false,
    reason: privilegeEscalationAction(m.action)?.reason ?? '',
    kind: 'identity',
  };
}

/** Ways the principal can lift its permissions boundary. */
function boundaryLifts(analysis: AccountAnalysis, p: Principal): EscalationPath[] {
  if (!p.boundary) return [];
  const out: EscalationPath[] = [];
  for (const m of ESCALATION_METHODS) {
    if (m.reach !== 'boundary' || !m.for.includes(p.entity.kind)) continue;
    const path = tryMethod(analysis, p, m, [{ arn: p.entity.arn, isAdmin: false }]);
    if (path) out.push(path);
  }
  const boundaryPolicy = p.boundary.arn ? analysis.snapshot.policies.get(p.boundary.arn) : undefined;
  if (boundaryPolicy && !boundaryPolicy.awsManaged) {
    for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion']) {
      if (action === 'iam:SetDefaultPolicyVersion' && boundaryPolicy.versionCount < 2) continue;
      const path = tryMethod(analysis, p, escalationMethod(action), [
        { arn: boundaryPolicy.arn, isAdmin: false },
      ]);
      if (path) out.push({ ...path, method: `${action} (boundary)` });
    }
  }
  return out;
}

/**
 * Effective admin: the principal can give itself any permission. A permissions boundary that
 * does not allow everything still caps what it gives itself, unless it can also lift the boundary.
 */
export function effectiveAdminCheck(analysis: AccountAnalysis, p: Principal): AdminVerdict {
  const grants: EscalationPath[] = [];
  for (const m of ESCALATION_METHODS) {
    if (!m.for.includes(p.entity.kind) || !p.prober.mayAllow(m.action)) continue;
    const candidates = selfTargets(analysis, p, m);
    if (candidates.length === 0) continue;
    const path = tryMethod(analysis, p, m, candidates);
    if (path) grants.push({ ...path, targetIsAdmin: true });
  }
  if (grants.length === 0) return { findings: [], reported: new Set() };
  const reported = new Set(grants.map((g) => g.method));
  const open = analysis.boundaryIsOpen(p);
  const lifts = open ? [] : boundaryLifts(analysis, p);
  const name = shortName(p.arn);
  const paths = [...grants, ...lifts];
  const how = grants.map((g) => `${g.method} on ${shortName(g.target ?? p.arn)}`).join('; ');
  const evidence = paths.flatMap((path) => stepEvidence(p, path.steps));
  if (open || lifts.length > 0) {
    for (const l of lifts) reported.add(l.method);
    return {
      kind: 'effective',
      reported,
      findings: [
        makeFinding({
          check: 'effective-admin',
          principal: p.arn,
          principalType: typeOf(p.entity),
          title: `${name} can grant itself administrator access`,
          details: `The ${p.entity.kind} can give itself any permission: ${how}.${lifts.length > 0 ? ` Its permissions boundary does not stop this: it can also ${lifts.map((l) => l.method).join(', ')}.` : ''}`,
          evidence,
        }),
      ],
    };
  }
  return {
    reported,
    findings: [
      makeFinding({
        check: 'privilege-escalation',
        principal: p.arn,
        principalType: typeOf(p.entity),
        essentials: ['self-grant'],
        title: `${name} can grant itself permissions up to its permissions boundary`,
        details: `The ${p.entity.kind} can change its own permissions (${how}); its permissions boundary (${p.boundary?.name}) still limits what they can be.`,
        evidence,
      }),
    ],
  };
}

// ── Privilege escalation ──────────────────────────────────────────────────────────────────

/** Users, admins first (built once). */
function usersByRank(analysis: AccountAnalysis): Candidate[] {
  return analysis.memo('users', () =>
    analysis
      .adminsFirst(analysis.snapshot.users)
      .map((u) => ({ arn: u.arn, isAdmin: analysis.isAdmin(u.arn) })),
  );
}

function otherUsers(analysis: AccountAnalysis, p: Principal, m: EscalationMethod): Candidate[] {
  const report = analysis.snapshot.credentialReport;
  const passwords = analysis.memo(
    'passwords',
    () => new Map(report?.rows.map((r) => [r.arn, r.fields.password_enabled === 'true']) ?? []),
  );
  return usersByRank(analysis).filter((u) => {
    if (u.arn === p.arn) return false;
    if (m.needsPassword === undefined || !passwords.has(u.arn)) return true;
    return passwords.get(u.arn) === m.needsPassword;
  });
}

function escalationTargets(analysis: AccountAnalysis, p: Principal, m: EscalationMethod): Candidate[] {
  const entity = p.entity;
  switch (m.reach) {
    case 'other-users':
      return otherUsers(analysis, p, m);
    case 'other-roles':
      return analysis
        .memo('roles', () =>
          analysis
            .adminsFirst(analysis.snapshot.roles)
            .map((r) => ({ arn: r.arn, isAdmin: analysis.isAdmin(r.arn) })),
        )
        .filter((r) => r.arn !== p.arn);
    case 'groups':
      if (entity.kind !== 'user') return [];
      return analysis.snapshot.groups
        .filter((g) => !entity.groups.includes(g.name) && !analysis.isAdmin(g.arn))
        .map((g) => ({ arn: g.arn, isAdmin: false }));
    case 'customer-policies': {
      const own = new Set(analysis.ownCustomerPolicies(entity).map((pol) => pol.arn));
      // Customer managed policies attached somewhere, those of administrators first.
      const attached = analysis.memo('attached-customer-policies', () =>
        [...analysis.snapshot.policies.values()]
          .filter((pol) => !pol.awsManaged && analysis.attachments(pol.arn).length > 0)
          .map((pol) => ({
            arn: pol.arn,
            versions: pol.versionCount,
            isAdmin: analysis.attachments(pol.arn).some((e) => analysis.isAdmin(e.arn)),
          }))
          .sort((a, b) => Number(b.isAdmin) - Number(a.isAdmin)),
      );
      return attached.filter(
        (pol) => !own.has(pol.arn) && (m.action !== 'iam:SetDefaultPolicyVersion' || pol.versions > 1),
      );
    }
    default:
      return [];
  }
}

/** Assuming a role that is an administrator: the role's trust policy and the caller's policies decide. */
function assumeAdminRole(analysis: AccountAnalysis, p: Principal): EscalationPath | undefined {
  const adminRoles = analysis.memo('admin-roles', () =>
    analysis.snapshot.roles.filter((r) => analysis.isAdmin(r.arn) && r.trust.policy !== undefined),
  );
  // Without an identity grant of sts:AssumeRole, only a trust policy naming the principal opens a role.
  const candidates = p.prober.mayAllow('sts:AssumeRole')
    ? adminRoles
    : (analysis
        .memo('admin-roles-by-named-principal', () => namedInTrust(adminRoles))
        .get(p.requestPrincipal) ?? []);
  for (const role of candidates) {
    if (role.arn === p.arn) continue;
    const prober = analysis.principals.withResourcePolicy(p, role.trust.policy!);
    const grant = prober.find('sts:AssumeRole', role.arn);
    if (grant) {
      return {
        method: 'sts:AssumeRole',
        steps: [{ action: 'sts:AssumeRole', grant, prober }],
        target: role.arn,
        targetIsAdmin: true,
        reason: 'assumes a role that is an administrator',
        kind: 'identity',
      };
    }
  }
  return undefined;
}

/** For each AWS principal ARN named in the roles' trust policies' Allow statements, those roles. */
function namedInTrust(roles: readonly RoleEntity[]): Map<string, RoleEntity[]> {
  const out = new Map<string, RoleEntity[]>();
  for (const role of roles) {
    for (const s of role.trust.policy?.statements ?? []) {
      if (effectOf(s) !== 'Allow') continue;
      for (const e of s.principal?.entries ?? []) {
        if (e.type !== 'AWS') continue;
        for (const v of e.values.values) {
          const list = out.get(v.value) ?? [];
          if (!list.includes(role)) list.push(role);
          out.set(v.value, list);
        }
      }
    }
  }
  return out;
}

function combination(
  analysis: AccountAnalysis,
  p: Principal,
  combo: PrivilegeEscalationCombination,
): EscalationPath | undefined {
  const prober = p.prober;
  const [passRole, ...rest] = combo.steps;
  if (!passRole || !passRole.every((a) => a === 'iam:PassRole')) return undefined;
  if (!prober.mayAllow('iam:PassRole') || rest.some((step) => !step.some((a) => prober.mayAllow(a)))) {
    return undefined;
  }
  const others: Step[] = [];
  for (const step of rest) {
    let found: Step | undefined;
    for (const action of step) {
      const grant = analysis.anyResource(prober, action, { ownPatterns: true });
      if (grant) {
        found = { action, grant, prober };
        break;
      }
    }
    if (!found) return undefined;
    others.push(found);
  }
  let anyRole = false;
  for (const service of combo.passedToService) {
    const trusting = analysis
      .memo(`trusted-by:${service}`, () =>
        analysis.adminsFirst(analysis.rolesTrustedBy(service)).map((r) => r.arn),
      )
      .filter((arn) => arn !== p.arn);
    anyRole ||= trusting.length > 0;
    const grant = analysis.firstAllowed(prober, 'iam:PassRole', trusting, {
      'iam:PassedToService': [service],
    });
    if (grant) {
      return {
        method: combo.id,
        steps: [{ action: 'iam:PassRole', grant, prober }, ...others],
        target: grant.request.resource,
        targetIsAdmin: analysis.isAdmin(grant.request.resource),
        reason: combo.reason,
        kind: 'combination',
      };
    }
  }
  if (anyRole) return undefined;
  // No role trusts the service today: the path opens as soon as one does.
  const probeRole = `arn:${analysis.snapshot.partition}:iam::${analysis.snapshot.accountId}:role/${PROBE_NAME}`;
  const latent = prober.find('iam:PassRole', probeRole, { 'iam:PassedToService': combo.passedToService });
  if (!latent) return undefined;
  return {
    method: combo.id,
    steps: [{ action: 'iam:PassRole', grant: latent, prober }, ...others],
    targetIsAdmin: false,
    reason: combo.reason,
    kind: 'latent',
  };
}

function escalationFinding(p: Principal, path: EscalationPath): AuditFinding {
  const name = shortName(p.arn);
  const actions = path.steps.map((s) => s.action).join(' + ');
  let severity: Severity = path.targetIsAdmin ? 'critical' : 'high';
  let title: string;
  let details: string;
  if (path.kind === 'latent') {
    severity = 'low';
    title = `${name} could run code as any role passed to ${path.steps[0]!.grant.request.context?.['iam:PassedToService'] ?? 'a service'} (no such role today)`;
    details = `With ${actions}, the ${p.entity.kind} ${path.reason}. No role in the account trusts the service yet, so this opens as soon as one does.`;
  } else if (path.kind === 'code-execution') {
    severity = 'medium';
    title = `${name} can run code with the role of existing resources (${actions})`;
    details = `With ${actions} on ${path.steps[0]!.grant.request.resource}, the ${p.entity.kind} ${path.reason}.`;
  } else {
    const target = path.target ? shortName(path.target) : 'another identity';
    const via = path.kind === 'combination' ? `passing ${target}` : `through ${target}`;
    title = `${name} can escalate ${via}${path.targetIsAdmin ? ' (an administrator)' : ''} with ${actions}`;
    details = `With ${actions}${path.target ? ` on ${path.target}` : ''}, the ${p.entity.kind} ${path.reason}.`;
  }
  return makeFinding({
    check: 'privilege-escalation',
    principal: p.arn,
    principalType: typeOf(p.entity),
    essentials: [path.method],
    severity,
    title,
    details,
    evidence: stepEvidence(p, path.steps),
  });
}

/** Every documented escalation method open to the principal, but those reported as effective admin. */
export function escalationCheck(
  analysis: AccountAnalysis,
  p: Principal,
  alreadyReported: ReadonlySet<string>,
): AuditFinding[] {
  const paths: EscalationPath[] = [];
  for (const m of ESCALATION_METHODS) {
    if (alreadyReported.has(m.action) || !m.for.includes(p.entity.kind)) continue;
    // Only the trust policy can open sts:AssumeRole without an identity grant; the rest needs one.
    if (m.reach !== 'admin-roles' && !p.prober.mayAllow(m.action)) continue;
    let path: EscalationPath | undefined;
    switch (m.reach) {
      case 'other-users':
      case 'other-roles':
      case 'groups':
      case 'customer-policies':
        path = tryMethod(analysis, p, m, escalationTargets(analysis, p, m));
        break;
      case 'existing-resources':
        if (m.for.includes(p.entity.kind)) {
          const grant = analysis.anyResource(p.prober, m.action, { ownPatterns: true });
          if (grant) {
            path = {
              method: m.action,
              steps: [{ action: m.action, grant, prober: p.prober }],
              targetIsAdmin: false,
              reason: privilegeEscalationAction(m.action)?.reason ?? '',
              kind: 'code-execution',
            };
          }
        }
        break;
      case 'admin-roles':
        path = assumeAdminRole(analysis, p);
        break;
      case 'boundary':
        if (p.boundary && !analysis.boundaryIsOpen(p)) {
          path = tryMethod(analysis, p, m, [{ arn: p.arn, isAdmin: false }]);
        }
        break;
      default:
        break;
    }
    if (path) paths.push(path);
  }
  for (const combo of PRIVILEGE_ESCALATION_COMBINATIONS) {
    const path = combination(analysis, p, combo);
    if (path) paths.push(path);
  }
  return paths.map((path) => escalationFinding(p, path));
}

// ── Data, credentials and resource exposure; service-wide wildcards ───────────────────────

function riskyGrants(analysis: AccountAnalysis, p: Principal, actions: readonly RiskyAction[]): Step[] {
  const out: Step[] = [];
  for (const { action } of actions) {
    const grant = analysis.anyResource(p.prober, action);
    if (grant) out.push({ action, grant, prober: p.prober });
  }
  return out;
}

function list(actions: readonly string[], max = 4): string {
  return actions.length <= max
    ? actions.join(', ')
    : `${actions.slice(0, max).join(', ')} and ${actions.length - max} more`;
}

export function exposureChecks(analysis: AccountAnalysis, p: Principal): AuditFinding[] {
  const out: AuditFinding[] = [];
  const name = shortName(p.arn);
  const base = { principal: p.arn, principalType: typeOf(p.entity) } as const;
  const exfil = riskyGrants(analysis, p, DATA_EXFILTRATION_ACTIONS);
  if (exfil.length > 0) {
    const actions = exfil.map((s) => s.action);
    out.push(
      makeFinding({
        ...base,
        check: 'data-exfiltration',
        title: `${name} can read data on every resource of its kind: ${list(actions)}`,
        details: `Allowed on any resource of their kind: ${actions.map((a) => `${a} (${DATA_EXFILTRATION_ACTIONS.find((x) => x.action === a)?.reason})`).join('; ')}.`,
        evidence: mergedEvidence(p, exfil),
      }),
    );
  }
  const creds = riskyGrants(analysis, p, CREDENTIALS_EXPOSURE_ACTIONS);
  if (creds.length > 0) {
    const actions = creds.map((s) => s.action);
    const others = actions.filter((a) => credentialsExposureAction(a)?.grants === 'other');
    out.push(
      makeFinding({
        ...base,
        check: 'credentials-exposure',
        severity: others.length > 0 ? 'high' : 'medium',
        title: `${name} can create or read credentials: ${list(actions)}`,
        details: `Allowed on any resource of their kind: ${actions.map((a) => `${a} (${credentialsExposureAction(a)?.reason})`).join('; ')}.`,
        evidence: mergedEvidence(p, creds),
      }),
    );
  }
  const exposure = riskyGrants(analysis, p, RESOURCE_EXPOSURE_ACTIONS);
  if (exposure.length > 0) {
    const actions = exposure.map((s) => s.action);
    out.push(
      makeFinding({
        ...base,
        check: 'resource-exposure',
        title: `${name} can change who may use resources: ${list(actions)}`,
        details: `Allowed on any resource of their kind: ${actions.map((a) => `${a} (${RESOURCE_EXPOSURE_ACTIONS.find((x) => x.action === a)?.reason})`).join('; ')}.`,
        evidence: mergedEvidence(p, exposure),
      }),
    );
  }
  out.push(...serviceWildcards(analysis, p));
  return out;
}

/** Services whose every action is allowed on every resource, among those named as `service:*`. */
function serviceWildcards(analysis: AccountAnalysis, p: Principal): AuditFinding[] {
  const services = new Set<string>();
  for (const source of p.identity) {
    for (const s of source.document.policy!.statements) {
      if (effectOf(s) !== 'Allow') continue;
      for (const v of s.action?.values ?? []) {
        const m = /^([a-z0-9-]+):\*$/i.exec(v.value);
        if (m) services.add(m[1]!.toLowerCase());
      }
    }
  }
  const catalog = getCatalog();
  const out: AuditFinding[] = [];
  for (const service of services) {
    const actions = catalog.actionsOf(service);
    if (actions.length === 0) continue;
    let first: Step | undefined;
    let all = true;
    for (const a of actions) {
      const grant = analysis.anyResource(p.prober, a.key);
      if (!grant) {
        all = false;
        break;
      }
      first ??= { action: a.key, grant, prober: p.prober };
    }
    if (!all || !first) continue;
    out.push(
      makeFinding({
        check: 'service-wildcard',
        principal: p.arn,
        principalType: typeOf(p.entity),
        essentials: [service],
        severity: SENSITIVE_SERVICES.has(service) ? 'medium' : 'low',
        title: `${shortName(p.arn)} is allowed every ${catalog.service(service)?.name ?? service} action on every resource`,
        details: `All ${actions.length} actions of ${service} are allowed on any resource of their kind.`,
        evidence: mergedEvidence(p, [first]).map((e) => ({ ...e, action: `${service}:*` })),
      }),
    );
  }
  return out;
}

/** Policies that could not be evaluated for the principal. */
export function unreadableChecks(p: Principal): AuditFinding[] {
  return p.unreadable.map((u) =>
    makeFinding({
      check: 'unreadable-policy',
      principal: p.arn,
      principalType: typeOf(p.entity),
      essentials: [u.arn ?? `${u.attachedTo}#${u.name}`],
      title: `${u.boundary ? 'The permissions boundary' : 'Policy'} ${u.name} of ${shortName(p.arn)} could not be evaluated`,
      details: `${u.name}${u.arn ? ` (${u.arn})` : ''}, ${u.boundary ? 'the permissions boundary' : 'a policy'} of ${u.attachedTo}: ${u.reason}. Findings about this principal leave it out.`,
      evidence: [],
    }),
  );
}
