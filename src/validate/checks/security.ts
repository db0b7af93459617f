// Security: what the allowed actions of an identity, boundary or session policy let a principal
// do. Access Analyzer's own checks on iam:PassRole and iam:CreateServiceLinkedRole, and
// grantflow's checks built on the risk tables in catalog/risk.ts: full administrator access,
// service-wide wildcards, privilege escalation, credential and data exposure, and write or
// permissions-management actions on every resource.
//
// Each allowed action is reported under one grantflow code only, in this order: privilege
// escalation, credentials exposure, resource exposure, data exfiltration, permissions management
// on every resource, write on every resource. A statement that is full administrator access is
// reported as that alone. Deny statements never raise these findings.
import {
  credentialsExposureAction,
  dataExfiltrationAction,
  PRIVILEGE_ESCALATION_COMBINATIONS,
  privilegeEscalationAction,
  resourceExposureAction,
} from '../../catalog/index.ts';
import type { ActionInfo, Catalog, ResourceTypeInfo, RiskyAction } from '../../catalog/index.ts';
import {
  actionMatches,
  effectOf,
  hasWildcard,
  matchesWildcard,
  parseArn,
  wildcardCovers,
} from '../../policy/index.ts';
import type { Arn, JsonNode, Path, Policy, PolicyString, PolicyType, Statement } from '../../policy/index.ts';
import type { CheckContext, CheckDefinition, Report, Target } from '../check.ts';
import { at, defineCheck } from '../check.ts';
import { awsCheckLink, grantflowCheckLink } from '../finding.ts';
import type { FindingType } from '../finding.ts';

const IDENTITY_LIKE: readonly PolicyType[] = ['identity', 'boundary', 'session'];

/** How many action names a finding spells out before summarizing the rest as a count. */
const LIST_LIMIT = 5;

// ---- what each Allow statement grants ---------------------------------------------------

/** The Action entry, or the NotAction element, that allows an action. */
interface Source {
  readonly target: Target;
  /** The entry as written, or `NotAction`. */
  readonly label: string;
}

interface Grant {
  readonly action: ActionInfo;
  readonly source: Source;
  /** The Resource entry or NotResource element under which it reaches every resource of its type. */
  readonly everywhere: Target | undefined;
  /** The grantflow check that reports it, when it reaches every resource of its type. */
  readonly claim: Claim | undefined;
}

interface StatementGrants {
  readonly statement: Statement;
  readonly grants: readonly Grant[];
  readonly fullAdmin: boolean;
}

const allActionsCache = new WeakMap<Catalog, readonly ActionInfo[]>();

function allActions(catalog: Catalog): readonly ActionInfo[] {
  let list = allActionsCache.get(catalog);
  if (!list) {
    list = catalog.allActions();
    allActionsCache.set(catalog, list);
  }
  return list;
}

function listTarget(list: { readonly node: JsonNode; readonly path: Path }): Target {
  return { node: list.node, path: list.path };
}

/** `${Partition}`, `${Region}`, `${Account}` from the pattern; every other placeholder becomes `*`. */
function fillTemplate(template: string, arn: Arn): string {
  return template.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
    name === 'Partition'
      ? arn.partition
      : name === 'Region'
        ? arn.region
        : name === 'Account'
          ? arn.account
          : '*',
  );
}

/**
 * For one statement: the Resource entry (or NotResource element) under which an action reaches
 * every resource of its type: `*`, NotResource, or an ARN pattern such as `arn:aws:s3:::*` or
 * `arn:aws:iam::*:role/*` that covers the action's whole ARN format.
 */
function everywhereResolver(s: Statement, catalog: Catalog): (a: ActionInfo) => Target | undefined {
  if (s.notResource) {
    const t = listTarget(s.notResource);
    return () => t;
  }
  const values = s.resource?.values ?? [];
  const star = values.find((v) => v.value === '*');
  if (star) {
    const t = at(star);
    return () => t;
  }
  // Only a pattern with a wildcard can stand for every resource of a type.
  const arns = values.flatMap((v) => {
    const arn = v.value.includes('${') || !v.value.includes('*') ? undefined : parseArn(v.value);
    return arn ? [{ v, arn }] : [];
  });
  if (arns.length === 0) return () => undefined;
  // Per resource type: whether some Resource entry covers its whole ARN format.
  const memo = new Map<ResourceTypeInfo, Target | null>();
  const coveringEntry = (info: ResourceTypeInfo): Target | undefined => {
    let hit = memo.get(info);
    if (hit === undefined) {
      hit = null;
      for (const { v, arn } of arns) {
        if (wildcardCovers(v.value, fillTemplate(info.arnTemplate, arn))) {
          hit = at(v);
          break;
        }
      }
      memo.set(info, hit);
    }
    return hit ?? undefined;
  };
  return (a) => {
    if (a.wildcardOnly) return undefined;
    for (const info of catalog.resourceTypesOfAction(a)) {
      const found = coveringEntry(info);
      if (found) return found;
    }
    return undefined;
  };
}

/** IAM permissions-management actions: a statement that keeps all of them can grant itself anything. */
function keepsIamPermissionsManagement(excluded: ReadonlySet<string>, catalog: Catalog): boolean {
  return catalog
    .actionsOf('iam')
    .every((a) => a.accessLevel !== 'Permissions management' || !excluded.has(a.key));
}

function grantsOf(s: Statement, ctx: CheckContext): StatementGrants {
  const everywhere = everywhereResolver(s, ctx.catalog);
  const seen = new Set<ActionInfo>();
  const grants: Grant[] = [];
  // Only what a check looks at is kept: actions a check claims on every resource, and the
  // steps of escalation combinations. The ARN comparison runs only for claimed actions.
  const add = (action: ActionInfo, source: Source) => {
    if (seen.has(action)) return;
    seen.add(action);
    const claim = claimOf(action);
    const where = claim || action.key === 'iam:PassRole' ? everywhere(action) : undefined;
    if (where || COMBINATION_ACTIONS.has(action.key)) {
      grants.push({ action, source, everywhere: where, claim: where ? claim : undefined });
    }
  };
  let allActionsAllowed = false;
  if (s.action) {
    for (const e of ctx.expand(s.action)) {
      if (e.entry.value === '*' || e.entry.value === '*:*') allActionsAllowed = true;
      const source = { target: at(e.entry), label: e.entry.value };
      for (const a of e.actions) add(a, source);
    }
  } else if (s.notAction) {
    const excluded = new Set(ctx.expand(s.notAction).flatMap((e) => e.actions.map((a) => a.key)));
    const source = { target: listTarget(s.notAction), label: 'NotAction' };
    for (const a of allActions(ctx.catalog)) if (!excluded.has(a.key)) add(a, source);
    allActionsAllowed = keepsIamPermissionsManagement(excluded, ctx.catalog);
  }
  const allResources = s.notResource !== undefined || (s.resource?.values ?? []).some((v) => v.value === '*');
  return { statement: s, grants, fullAdmin: allActionsAllowed && allResources };
}

const analysisCache = new WeakMap<Policy, readonly StatementGrants[]>();

/** The Allow statements of the policy with what each grants; computed once per validation. */
function analyze(ctx: CheckContext): readonly StatementGrants[] {
  let result = analysisCache.get(ctx.policy);
  if (!result) {
    result = ctx.policy.statements.filter((s) => effectOf(s) === 'Allow').map((s) => grantsOf(s, ctx));
    analysisCache.set(ctx.policy, result);
  }
  return result;
}

function conditionNote(s: Statement): string {
  return s.condition && s.condition.entries.length > 0
    ? ' The statement has conditions, which may narrow this; check that they do.'
    : '';
}

function names(actions: readonly ActionInfo[]): string {
  const shown = actions.slice(0, LIST_LIMIT).map((a) => a.key);
  const rest = actions.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function withReasons(actions: readonly { action: ActionInfo; risk: RiskyAction }[]): string {
  const shown = actions.slice(0, 3).map((x) => `${x.action.key} (${x.risk.reason})`);
  const rest = actions.slice(3).map((x) => x.action);
  return rest.length > 0 ? `${shown.join('; ')}; and ${names(rest)}` : shown.join('; ');
}

const claimGroups = new WeakMap<StatementGrants, Map<Source, Map<Claim, Grant[]>>>();

/**
 * The claimed grants of a statement by the Action entry (or NotAction) that allows them, then by
 * claim: computed once per statement for the six checks that report claims.
 */
function claimsBySource(sg: StatementGrants): Map<Source, Map<Claim, Grant[]>> {
  let groups = claimGroups.get(sg);
  if (!groups) {
    groups = new Map();
    for (const [source, grants] of bySource(sg.grants)) {
      const byClaim = new Map<Claim, Grant[]>();
      for (const g of grants) {
        if (!g.claim) continue;
        const list = byClaim.get(g.claim);
        if (list) list.push(g);
        else byClaim.set(g.claim, [g]);
      }
      if (byClaim.size > 0) groups.set(source, byClaim);
    }
    claimGroups.set(sg, groups);
  }
  return groups;
}

/** Groups the grants of a statement by the Action entry (or NotAction) that allows them. */
function bySource(grants: readonly Grant[]): Map<Source, Grant[]> {
  const out = new Map<Source, Grant[]>();
  for (const g of grants) {
    const list = out.get(g.source);
    if (list) list.push(g);
    else out.set(g.source, [g]);
  }
  return out;
}

/** Which grantflow code claims an action on every resource; see the order in the header. */
type Claim = 'escalation' | 'credentials' | 'exposure' | 'exfiltration' | 'permissions' | 'write';

/** Actions Access Analyzer's own checks (PASS_ROLE_*, CREATE_SLR_*) already report. */
const REPORTED_BY_ACCESS_ANALYZER = new Set(['iam:PassRole', 'iam:CreateServiceLinkedRole']);

// Catalog actions are shared objects, so what claims one is worked out once per process.
const claims = new WeakMap<ActionInfo, Claim | null>();

function claimOf(a: ActionInfo): Claim | undefined {
  let claim = claims.get(a);
  if (claim === undefined) {
    claim = computeClaim(a) ?? null;
    claims.set(a, claim);
  }
  return claim ?? undefined;
}

function computeClaim(a: ActionInfo): Claim | undefined {
  if (REPORTED_BY_ACCESS_ANALYZER.has(a.key)) return undefined;
  if (privilegeEscalationAction(a.key)?.standalone) return 'escalation';
  if (credentialsExposureAction(a.key)?.grants === 'other') return 'credentials';
  if (resourceExposureAction(a.key)) return 'exposure';
  if (dataExfiltrationAction(a.key)) return 'exfiltration';
  if (a.wildcardOnly) return undefined;
  if (a.accessLevel === 'Permissions management') return 'permissions';
  if (a.accessLevel === 'Write') return 'write';
  return undefined;
}

/**
 * Reports, per Action entry of each non-admin Allow statement, the actions of one claim that
 * reach every resource of their type.
 */
function reportClaim(
  ctx: CheckContext,
  report: Report,
  claim: Claim,
  message: (label: string, grants: readonly Grant[]) => string,
): void {
  for (const sg of analyze(ctx)) {
    if (sg.fullAdmin) continue;
    for (const [source, byClaim] of claimsBySource(sg)) {
      const claimed = byClaim.get(claim);
      if (!claimed) continue;
      report(
        message(source.label, claimed) + conditionNote(sg.statement),
        source.target,
        claimed[0]!.everywhere!,
      );
    }
  }
}

function riskList(grants: readonly Grant[], lookup: (key: string) => RiskyAction | undefined): string {
  return withReasons(grants.map((g) => ({ action: g.action, risk: lookup(g.action.key)! })));
}

// ---- grantflow's checks -----------------------------------------------------------------

const fullAdmin = defineCheck({
  issueCode: 'FULL_ADMIN',
  findingType: 'SECURITY_WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('FULL_ADMIN'),
  summary:
    'An Allow statement grants every action on every resource, or everything but a few actions while keeping IAM permissions management.',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    for (const sg of analyze(ctx)) {
      if (!sg.fullAdmin) continue;
      const s = sg.statement;
      const star = s.action?.values.find((v) => v.value === '*' || v.value === '*:*');
      const actionTarget = star ? at(star) : listTarget(s.notAction!);
      const resourceTarget = s.notResource
        ? listTarget(s.notResource)
        : at(s.resource!.values.find((v) => v.value === '*')!);
      const how = !star
        ? 'every action except the NotAction list, and what remains includes managing IAM permissions, so it can grant itself the rest'
        : 'every action';
      const where = s.notResource ? 'every resource except the NotResource list' : 'every resource';
      report(
        `This statement allows ${how}, on ${where}: full administrator access. Grant the actions and resources the task needs instead.${conditionNote(s)}`,
        actionTarget,
        resourceTarget,
      );
    }
  },
});

const serviceWideWildcard = defineCheck({
  issueCode: 'SERVICE_WIDE_WILDCARD',
  findingType: 'WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('SERVICE_WIDE_WILDCARD'),
  summary: 'An Allow action such as "s3:*" or "*" that grants every current and future action of a service.',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    for (const sg of analyze(ctx)) {
      if (sg.fullAdmin || !sg.statement.action) continue;
      for (const e of ctx.expand(sg.statement.action)) {
        const v = e.entry.value;
        const wholeService =
          e.service !== undefined && v.slice(v.indexOf(':') + 1) === '*' && !hasWildcard(e.service);
        if (!(wholeService || v === '*' || v === '*:*') || e.actions.length === 0) continue;
        const pm = e.actions.filter((a) => a.accessLevel === 'Permissions management').length;
        const scope = wholeService ? `every action of ${e.service}` : 'every action of every service';
        report(
          `${v} allows ${scope} (${e.actions.length} today${pm > 0 ? `, ${pm} of them permissions management` : ''}) and every action added later. List the actions the task needs.${conditionNote(sg.statement)}`,
          at(e.entry),
        );
      }
    }
  },
});

const privilegeEscalation = defineCheck({
  issueCode: 'PRIVILEGE_ESCALATION_ACTION',
  findingType: 'SECURITY_WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('PRIVILEGE_ESCALATION_ACTION'),
  summary:
    'An allowed action, on every resource of its type, that lets a principal raise its own permissions.',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    reportClaim(
      ctx,
      report,
      'escalation',
      (label, grants) =>
        `${label} allows privilege escalation on every resource of its type: ${riskList(grants, privilegeEscalationAction)}. Drop these actions or name the resources they may touch.`,
    );
  },
});

const credentialsExposure = defineCheck({
  issueCode: 'CREDENTIALS_EXPOSURE_ACTION',
  findingType: 'SECURITY_WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('CREDENTIALS_EXPOSURE_ACTION'),
  summary:
    'An allowed action, on every resource of its type, that hands out credentials for other identities or systems.',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    reportClaim(
      ctx,
      report,
      'credentials',
      (label, grants) =>
        `${label} hands out credentials for every resource of its type: ${riskList(grants, credentialsExposureAction)}. Name the users, instances or databases the task needs.`,
    );
  },
});

const resourceExposure = defineCheck({
  issueCode: 'RESOURCE_EXPOSURE_ACTION',
  findingType: 'SECURITY_WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('RESOURCE_EXPOSURE_ACTION'),
  summary:
    'An allowed action, on every resource of its type, that changes who else can use a resource (policies, ACLs, sharing).',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    reportClaim(
      ctx,
      report,
      'exposure',
      (label, grants) =>
        `${label} can open every resource of its type to other accounts or the public: ${riskList(grants, resourceExposureAction)}. Name the resources whose access may change.`,
    );
  },
});

const dataExfiltration = defineCheck({
  issueCode: 'DATA_EXFILTRATION_ACTION',
  findingType: 'SECURITY_WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('DATA_EXFILTRATION_ACTION'),
  summary:
    'An allowed action that reads stored data (objects, secrets, items, messages) on every resource of its type.',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    reportClaim(
      ctx,
      report,
      'exfiltration',
      (label, grants) =>
        `${label} reads data from every resource of its type: ${riskList(grants, dataExfiltrationAction)}. Name the buckets, tables, secrets or keys the task needs.`,
    );
  },
});

const permissionsManagementOnStar = defineCheck({
  issueCode: 'PERMISSIONS_MANAGEMENT_ON_STAR',
  findingType: 'SECURITY_WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('PERMISSIONS_MANAGEMENT_ON_STAR'),
  summary:
    'An allowed permissions-management action that supports naming resources but is granted on every resource.',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    reportClaim(
      ctx,
      report,
      'permissions',
      (label, grants) =>
        `${label} allows ${plural(grants.length, 'permissions-management action')} on every resource of ${grants.length > 1 ? 'their' : 'its'} type: ${names(grants.map((g) => g.action))}. They change who can access resources; name the resources instead of using a wildcard.`,
    );
  },
});

const writeOnStarResource = defineCheck({
  issueCode: 'WRITE_ON_STAR_RESOURCE',
  findingType: 'WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('WRITE_ON_STAR_RESOURCE'),
  summary: 'An allowed write action that supports naming resources but is granted on every resource.',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    reportClaim(
      ctx,
      report,
      'write',
      (label, grants) =>
        `${label} allows ${plural(grants.length, 'write action')} on every resource of ${grants.length > 1 ? 'their' : 'its'} type although ${grants.length > 1 ? 'each' : 'it'} can be limited to named resources: ${names(grants.map((g) => g.action))}. List the resources the task changes.`,
    );
  },
});

/**
 * Whether a statement's iam:PassedToService conditions let it pass a role to one of these
 * services; without such a condition it can pass roles to any service.
 */
function passesTo(s: Statement, services: readonly string[]): boolean {
  const conditions = (s.condition?.entries ?? []).filter(
    (c) => c.key.toLowerCase() === 'iam:passedtoservice' && !/Not|IfExists/i.test(c.operator),
  );
  return conditions.every((c) => c.values.some((v) => services.some((svc) => matchesWildcard(v.value, svc))));
}

/** Every action named in a combination, spelled as the catalog spells it (the risk tests check). */
const COMBINATION_ACTIONS = new Set(PRIVILEGE_ESCALATION_COMBINATIONS.flatMap((c) => c.steps.flat()));

const escalationCombination = defineCheck({
  issueCode: 'PRIVILEGE_ESCALATION_COMBINATION',
  findingType: 'SECURITY_WARNING',
  family: 'security',
  learnMoreLink: grantflowCheckLink('PRIVILEGE_ESCALATION_COMBINATION'),
  summary:
    'The policy allows every permission of a known privilege-escalation combination, such as iam:PassRole with lambda:CreateFunction.',
  policyTypes: IDENTITY_LIKE,
  run(ctx, report) {
    const analysis = analyze(ctx);
    if (analysis.some((sg) => sg.fullAdmin)) return;
    const byAction = new Map<string, { grant: Grant; statement: Statement }[]>();
    for (const sg of analysis) {
      for (const g of sg.grants) {
        const key = g.action.key;
        if (!COMBINATION_ACTIONS.has(key)) continue;
        // iam:PassRole counts only when it reaches every role: passing one named role is the
        // intended use, and whether that role is stronger than the caller is outside the policy.
        if (key === 'iam:PassRole' && !g.everywhere) continue;
        const list = byAction.get(key);
        if (list) list.push({ grant: g, statement: sg.statement });
        else byAction.set(key, [{ grant: g, statement: sg.statement }]);
      }
    }
    for (const combo of PRIVILEGE_ESCALATION_COMBINATIONS) {
      const found = combo.steps.map((step) =>
        step
          .flatMap((a) => byAction.get(a) ?? [])
          .find((x) => x.grant.action.key !== 'iam:PassRole' || passesTo(x.statement, combo.passedToService)),
      );
      if (found.some((x) => x === undefined)) continue;
      const parts = found.map((x) => x!);
      const targets = [...new Set(parts.map((p) => p.grant.source.target))];
      const conditional = parts.some((p) => conditionNote(p.statement) !== '');
      report(
        `Together, ${parts.map((p) => p.grant.action.key).join(', ')} let a principal take on any role: the caller ${combo.reason}. Limit iam:PassRole to named roles and add iam:PassedToService, or drop one of the steps.${conditional ? ' Some of these statements have conditions, which may narrow this; check that they do.' : ''}`,
        ...targets,
      );
    }
  },
});

// ---- Access Analyzer's iam:PassRole and iam:CreateServiceLinkedRole checks ---------------

type ActionShape = 'exact' | 'star' | 'not';
type ResourceShape = 'star' | 'not';

interface RoleActionRule {
  /** The action, as Access Analyzer's issue codes name it. */
  readonly action: string;
  readonly prefix: 'PASS_ROLE' | 'CREATE_SLR';
  readonly findingType: FindingType;
  /** A condition key that, present, makes a wildcard resource acceptable. */
  readonly narrowingKey: string;
  /** Every role this action could touch, as an ARN pattern for a given partition and account. */
  readonly allRoles: (partition: string, account: string) => string;
  readonly rolesLabel: string;
  readonly risk: string;
}

const PASS_ROLE: RoleActionRule = {
  action: 'iam:PassRole',
  prefix: 'PASS_ROLE',
  findingType: 'SECURITY_WARNING',
  narrowingKey: 'iam:passedtoservice',
  allRoles: (p, acct) => `arn:${p}:iam::${acct}:role/*`,
  rolesLabel: 'role',
  risk: 'lets the principal hand any role to any service, and the service then acts with that role',
};

const CREATE_SLR: RoleActionRule = {
  action: 'iam:CreateServiceLinkedRole',
  prefix: 'CREATE_SLR',
  findingType: 'WARNING',
  narrowingKey: 'iam:awsservicename',
  allRoles: (p, acct) => `arn:${p}:iam::${acct}:role/aws-service-role/*`,
  rolesLabel: 'service-linked role',
  risk: 'lets the principal create service-linked roles for services you did not intend',
};

const VARIANTS: readonly [ActionShape, ResourceShape, string][] = [
  ['exact', 'star', 'WITH_STAR_IN_RESOURCE'],
  ['star', 'star', 'WITH_STAR_IN_ACTION_AND_RESOURCE'],
  ['exact', 'not', 'WITH_NOT_RESOURCE'],
  ['star', 'not', 'WITH_STAR_IN_ACTION_AND_NOT_RESOURCE'],
  ['not', 'not', 'WITH_NOT_ACTION_AND_NOT_RESOURCE'],
  ['not', 'star', 'WITH_STAR_IN_RESOURCE_AND_NOT_ACTION'],
];

function coversAllRoles(rule: RoleActionRule, v: PolicyString): boolean {
  if (v.value === '*') return true;
  const arn = parseArn(v.value);
  return arn !== undefined && wildcardCovers(v.value, rule.allRoles(arn.partition, arn.account));
}

/** How a statement reaches the action: its Action entry, wildcard entry or NotAction element. */
function actionShape(s: Statement, rule: RoleActionRule): [ActionShape, Target] | undefined {
  if (s.action) {
    const exact = s.action.values.find((v) => v.value.toLowerCase() === rule.action.toLowerCase());
    if (exact) return ['exact', at(exact)];
    const star = s.action.values.find((v) => hasWildcard(v.value) && actionMatches(v.value, rule.action));
    return star ? ['star', at(star)] : undefined;
  }
  if (s.notAction && !s.notAction.values.some((v) => actionMatches(v.value, rule.action))) {
    return ['not', listTarget(s.notAction)];
  }
  return undefined;
}

function resourceShape(s: Statement, rule: RoleActionRule): [ResourceShape, Target] | undefined {
  if (s.resource) {
    if (
      s.condition?.entries.some(
        (c) => c.key.toLowerCase() === rule.narrowingKey && !/Not|IfExists/i.test(c.operator),
      )
    ) {
      return undefined;
    }
    const star = s.resource.values.find((v) => coversAllRoles(rule, v));
    return star ? ['star', at(star)] : undefined;
  }
  if (s.notResource && !s.notResource.values.some((v) => coversAllRoles(rule, v))) {
    return ['not', listTarget(s.notResource)];
  }
  return undefined;
}

function describeShape(rule: RoleActionRule, a: ActionShape, r: ResourceShape): string {
  const how =
    a === 'exact'
      ? `${rule.action}`
      : a === 'star'
        ? `an action wildcard that includes ${rule.action}`
        : `NotAction, which leaves ${rule.action} allowed,`;
  const where =
    r === 'star' ? `on every ${rule.rolesLabel}` : `with NotResource, on every ${rule.rolesLabel} not listed`;
  const fix =
    r === 'star'
      ? `Name the ${rule.rolesLabel}s in Resource, or add the ${rule.narrowingKey === 'iam:passedtoservice' ? 'iam:PassedToService' : 'iam:AWSServiceName'} condition.`
      : `Name the ${rule.rolesLabel}s in Resource instead of excluding some with NotResource.`;
  return `Allowing ${how} ${where} ${rule.risk}. ${fix}`;
}

interface RoleActionShape {
  readonly statement: Statement;
  readonly actionAt: [ActionShape, Target];
  readonly resourceAt: [ResourceShape, Target];
}

const shapeCache = new WeakMap<Policy, Map<RoleActionRule, RoleActionShape[]>>();

/** How each Allow statement reaches the rule's action and resources; shared by its six checks. */
function shapesOf(policy: Policy, rule: RoleActionRule): RoleActionShape[] {
  let byRule = shapeCache.get(policy);
  if (!byRule) shapeCache.set(policy, (byRule = new Map()));
  let shapes = byRule.get(rule);
  if (!shapes) {
    shapes = [];
    for (const statement of policy.statements) {
      if (effectOf(statement) !== 'Allow') continue;
      const actionAt = actionShape(statement, rule);
      const resourceAt = actionAt && resourceShape(statement, rule);
      if (actionAt && resourceAt) shapes.push({ statement, actionAt, resourceAt });
    }
    byRule.set(rule, shapes);
  }
  return shapes;
}

function roleActionCheck(
  rule: RoleActionRule,
  [a, r, suffix]: [ActionShape, ResourceShape, string],
): CheckDefinition {
  const issueCode = `${rule.prefix}_${suffix}`;
  return defineCheck({
    issueCode,
    findingType: rule.findingType,
    family: 'security',
    learnMoreLink: awsCheckLink(rule.findingType, issueCode.toLowerCase().replace(/_/g, '-')),
    summary: `${rule.action} reached through ${a === 'exact' ? 'its name' : a === 'star' ? 'a wildcard action' : 'NotAction'} on ${r === 'star' ? 'a wildcard resource' : 'NotResource'}.`,
    policyTypes: IDENTITY_LIKE,
    run(ctx, report) {
      for (const { statement, actionAt, resourceAt } of shapesOf(ctx.policy, rule)) {
        if (actionAt[0] !== a || resourceAt[0] !== r) continue;
        report(describeShape(rule, a, r) + conditionNote(statement), actionAt[1], resourceAt[1]);
      }
    },
  });
}

export const securityChecks: CheckDefinition[] = [
  ...VARIANTS.map((v) => roleActionCheck(PASS_ROLE, v)),
  ...VARIANTS.map((v) => roleActionCheck(CREATE_SLR, v)),
  fullAdmin,
  serviceWideWildcard,
  privilegeEscalation,
  escalationCombination,
  credentialsExposure,
  resourceExposure,
  dataExfiltration,
  permissionsManagementOnStar,
  writeOnStarResource,
];
