// Resources: each Resource and NotResource entry must be `*` or an ARN in the format the IAM
// service reference documents for its service (partition, region, account and resource part);
// entries covered by another entry are redundant; and an ARN no action of the statement applies
// to, or an action that applies to none of the statement's ARNs, is reported by grantflow's own
// checks.
import type { ActionInfo, Catalog } from '../../catalog/index.ts';
import type { Policy, PolicyString, PolicyType, ValueList } from '../../policy/index.ts';
import { hasWildcard, isAccountId, PARTITIONS, wildcardCovers } from '../../policy/index.ts';
import {
  accountMayMatch,
  arnMayMatchTemplate,
  arnTemplateOf,
  partitionMayBeValid,
  partitionOfRegion,
  patternsOverlap,
  readArnPattern,
  templatePattern,
  templatesForService,
  ownTemplatesForService,
  resourceMayMatch,
} from '../arn-format.ts';
import type { ArnField, ArnPattern, ArnTemplate } from '../arn-format.ts';
import { at, defineCheck, substringOf } from '../check.ts';
import { redundantEntries, resourceGroup } from '../redundancy.ts';
import type { CheckContext, CheckDefinition, ExpandedAction, Target } from '../check.ts';
import { awsCheckLink, grantflowCheckLink } from '../finding.ts';
import type { FindingType } from '../finding.ts';

/** Role trust policies have no Resource element; every other policy type does. */
const RESOURCE_POLICY_TYPES: readonly PolicyType[] = [
  'identity',
  'resource',
  'scp',
  'rcp',
  'boundary',
  'session',
];

interface ResourceList {
  readonly name: 'Resource' | 'NotResource';
  readonly list: ValueList;
}

function resourceLists(policy: Policy): ResourceList[] {
  const out: ResourceList[] = [];
  for (const statement of policy.statements) {
    if (statement.resource) out.push({ name: 'Resource', list: statement.resource });
    if (statement.notResource) out.push({ name: 'NotResource', list: statement.notResource });
  }
  return out;
}

/** One problem found in an ARN, to be reported by the check that owns its issue code. */
/** A problem of an ARN text, located by the field it concerns (undefined: the whole entry). */
interface ArnProblem {
  readonly issueCode: string;
  readonly details: string;
  readonly field: ArnField | undefined;
}

interface LocatedProblem {
  readonly issueCode: string;
  readonly details: string;
  readonly target: Target;
}

function fieldTarget(entry: PolicyString, field: ArnField): Target {
  return field.text.length > 0 ? substringOf(entry, field.start, field.text.length) : at(entry);
}

function regionCodeProblem(region: ArnField, partition: ArnField): string | undefined {
  if (region.open || region.text === '') return undefined;
  const owner = partitionOfRegion(region.text);
  if (!owner)
    return `"${region.text}" is not an AWS Region code (Region codes look like us-east-1 or eu-central-1).`;
  if (
    !partition.open &&
    (PARTITIONS as readonly string[]).includes(partition.text) &&
    owner !== partition.text
  ) {
    return `The Region ${region.text} is in the ${owner} partition, not in ${partition.text}; fix the Region or the partition.`;
  }
  return undefined;
}

function accountIdProblem(account: ArnField): string | undefined {
  if (account.open || account.text === '' || account.text === 'aws' || isAccountId(account.text))
    return undefined;
  return `"${account.text}" is not an AWS account ID: account IDs are exactly 12 digits, such as 123456789012.`;
}

function examples(templates: readonly ArnTemplate[]): string {
  const formats = [...new Set(templates.map((t) => t.resourceType.arnTemplate))];
  const shown = formats.slice(0, 3).join(', ');
  return formats.length > 3 ? `${shown} and ${formats.length - 3} more` : shown;
}

/** Everything wrong with one Resource or NotResource entry, in the order a reader would fix it. */
function arnProblems(
  value: string,
  catalog: Catalog,
  templatesFor: (service: string) => readonly ArnTemplate[],
): ArnProblem[] {
  if (value === '*') return [];
  const reading = readArnPattern(value);
  if (reading.kind === 'not-arn') {
    // A variable holding a whole ARN cannot be checked before the request.
    if (value.startsWith('${')) return [];
    return [
      {
        issueCode: 'INVALID_ARN_PREFIX',
        details: `"${value}" is neither "*" nor an ARN. Resource ARNs begin with "arn:", as in arn:aws:s3:::amzn-s3-demo-bucket.`,
        field: undefined,
      },
    ];
  }
  if (reading.kind === 'missing-fields') {
    return [
      {
        issueCode: 'MISSING_ARN_FIELD',
        details: `"${value}" has ${reading.fields} of the six colon-separated fields of an ARN (arn:partition:service:region:account-id:resource). Write every field, leaving the Region or account empty where the service has none, as in arn:aws:s3:::amzn-s3-demo-bucket.`,
        field: undefined,
      },
    ];
  }
  const arn = reading.arn;
  const out: ArnProblem[] = [];
  const problem = (issueCode: string, details: string, field: ArnField | undefined) =>
    out.push({ issueCode, details, field });

  if (!partitionMayBeValid(arn.partition)) {
    problem(
      'INVALID_PARTITION',
      `"${arn.partition.text}" is not an AWS partition. Use one of ${PARTITIONS.join(', ')} (aws for most accounts).`,
      arn.partition,
    );
  }
  for (const [field, label] of [
    [arn.service, 'service'],
    [arn.resource, 'resource'],
  ] as const) {
    if (field.text === '') {
      problem(
        'MISSING_ARN_FIELD',
        `The ${label} field of "${value}" is empty. An ARN needs a service prefix and a resource part, as in arn:aws:s3:::amzn-s3-demo-bucket.`,
        undefined,
      );
      return out;
    }
  }
  const service = arn.service;
  if (!service.open && service.text !== service.text.toLowerCase()) {
    problem(
      'INVALID_ARN_SERVICE_CASE',
      `The service "${service.text}" in this ARN must be written in lower case ("${service.text.toLowerCase()}"): ARNs are matched case-sensitively, so this one names no resource.`,
      service,
    );
    return out;
  }
  if (hasWildcard(service.text) && service.text !== '*') {
    problem(
      'WILDCARD_IN_SERVICE_NAME',
      `The service "${service.text}" in this ARN contains a wildcard, so it also matches the resources of every other service whose prefix fits the pattern, including services AWS adds later. Name the service.`,
      service,
    );
  }

  const templates = service.open ? [] : templatesFor(service.text);
  const byResource = templates.filter((t) => resourceMayMatch(arn, t));
  if (templates.length > 0 && byResource.length === 0) {
    problem(
      'INVALID_ARN_RESOURCE',
      `The resource part "${arn.resource.text}" fits none of the ARN formats of the service ${service.text}: ${examples(templates)}.`,
      arn.resource,
    );
  }

  const byRegion = byResource.filter((t) => patternsOverlap(arn.region.pattern, t.region));
  const regionCode = regionCodeProblem(arn.region, arn.partition);
  if (byResource.length > 0 && byRegion.length === 0) {
    if (arn.region.text === '') {
      problem(
        'MISSING_ARN_REGION',
        `"${value}" has no Region, but ${service.text} ARNs of this kind need one (${examples(byResource)}). Add a Region such as us-east-1, or * for every Region.`,
        undefined,
      );
    } else if (byResource.every((t) => t.regionText === '')) {
      problem(
        'ARN_REGION_NOT_ALLOWED',
        `${service.text} ARNs of this kind have no Region (${examples(byResource)}); remove "${arn.region.text}" and leave the field empty.`,
        arn.region,
      );
    } else {
      problem(
        'INVALID_ARN_REGION',
        `The Region "${arn.region.text}" does not fit the format of ${service.text} ARNs of this kind: ${examples(byResource)}.`,
        arn.region,
      );
    }
  } else if (regionCode) {
    problem('INVALID_ARN_REGION', regionCode, arn.region);
  }

  const base = byRegion.length > 0 ? byRegion : byResource;
  const byAccount = base.filter((t) => accountMayMatch(arn.account, t));
  const accountId = service.open || templates.length > 0 ? accountIdProblem(arn.account) : undefined;
  if (base.length > 0 && byAccount.length === 0) {
    if (base.every((t) => t.accountText === '')) {
      problem(
        'ARN_ACCOUNT_NOT_ALLOWED',
        `${service.text} ARNs of this kind have no account ID (${examples(base)}); remove "${arn.account.text}" and leave the field empty.`,
        arn.account,
      );
    } else {
      problem(
        'INVALID_ARN_ACCOUNT',
        `The account field "${arn.account.text}" does not fit the format of ${service.text} ARNs of this kind: ${examples(base)}.`,
        arn.account,
      );
    }
  } else if (accountId) {
    problem('INVALID_ARN_ACCOUNT', accountId, arn.account);
  }
  return out;
}

/**
 * Most ARNs carry the prefix of the service that documents them, so they are checked against that
 * service's formats first. More formats can only remove problems (each check asks whether some
 * format fits), so every service's formats are read only when that first check finds one.
 */
function problemsOfEntry(entry: PolicyString, catalog: Catalog): LocatedProblem[] {
  // The problems depend on the text alone, and policies repeat their ARNs.
  let problems = problemsByText.get(entry.value);
  if (!problems) {
    const quick = arnProblems(entry.value, catalog, (service) => ownTemplatesForService(catalog, service));
    const reading = readArnPattern(entry.value);
    const ownKnown =
      reading.kind === 'arn' && ownTemplatesForService(catalog, reading.arn.service.text).length > 0;
    problems =
      quick.length === 0 && ownKnown
        ? quick
        : arnProblems(entry.value, catalog, (s) => templatesForService(catalog, s));
    if (problemsByText.size > 50_000) problemsByText.clear();
    problemsByText.set(entry.value, problems);
  }
  return problems.map((p) => ({
    issueCode: p.issueCode,
    details: p.details,
    target: p.field ? fieldTarget(entry, p.field) : at(entry),
  }));
}

const problemsByText = new Map<string, ArnProblem[]>();

const problemsByPolicy = new WeakMap<Policy, LocatedProblem[]>();

function problemsOf(ctx: CheckContext): LocatedProblem[] {
  let problems = problemsByPolicy.get(ctx.policy);
  if (!problems) {
    problems = [];
    for (const { list } of resourceLists(ctx.policy)) {
      for (const entry of list.values) problems.push(...problemsOfEntry(entry, ctx.catalog));
    }
    problemsByPolicy.set(ctx.policy, problems);
  }
  return problems;
}

/** A check that reports the ARN problems of one issue code. */
function arnCheck(
  issueCode: string,
  findingType: FindingType,
  slug: string,
  summary: string,
): CheckDefinition {
  return defineCheck({
    issueCode,
    findingType,
    family: 'resources',
    learnMoreLink: awsCheckLink(findingType, slug),
    summary,
    policyTypes: RESOURCE_POLICY_TYPES,
    run(ctx, report) {
      for (const p of problemsOf(ctx)) if (p.issueCode === issueCode) report(p.details, p.target);
    },
  });
}

const invalidArnPrefix = arnCheck(
  'INVALID_ARN_PREFIX',
  'ERROR',
  'invalid-arn-prefix',
  'A Resource or NotResource entry is neither "*" nor an ARN beginning with "arn:".',
);
const missingArnField = arnCheck(
  'MISSING_ARN_FIELD',
  'ERROR',
  'missing-arn-field',
  'A resource ARN has fewer than six fields, or an empty service or resource field.',
);
const invalidPartition = arnCheck(
  'INVALID_PARTITION',
  'ERROR',
  'invalid-partition',
  'A resource ARN names a partition AWS does not have.',
);
const invalidArnServiceCase = arnCheck(
  'INVALID_ARN_SERVICE_CASE',
  'ERROR',
  'invalid-arn-service-case',
  'The service in a resource ARN is not in lower case.',
);
const invalidArnResource = arnCheck(
  'INVALID_ARN_RESOURCE',
  'ERROR',
  'invalid-arn-resource',
  "The resource part of an ARN fits none of the ARN formats the service reference documents for the ARN's service.",
);
const missingArnRegion = arnCheck(
  'MISSING_ARN_REGION',
  'ERROR',
  'missing-arn-region',
  "A resource ARN leaves the Region empty where the service's ARN format has one.",
);
const arnRegionNotAllowed = arnCheck(
  'ARN_REGION_NOT_ALLOWED',
  'ERROR',
  'arn-region-not-allowed',
  "A resource ARN has a Region where the service's ARN format has none (IAM, S3 buckets and objects).",
);
const invalidArnRegion = arnCheck(
  'INVALID_ARN_REGION',
  'ERROR',
  'invalid-arn-region',
  "A resource ARN's Region is not an AWS Region code of its partition, or does not fit the service's ARN format.",
);
const arnAccountNotAllowed = arnCheck(
  'ARN_ACCOUNT_NOT_ALLOWED',
  'ERROR',
  'arn-account-not-allowed',
  "A resource ARN has an account ID where the service's ARN format has none (S3 buckets and objects).",
);
const invalidArnAccount = arnCheck(
  'INVALID_ARN_ACCOUNT',
  'ERROR',
  'invalid-arn-account',
  "A resource ARN's account field is not a 12-digit account ID, or does not fit the service's ARN format.",
);
const wildcardInServiceName = arnCheck(
  'WILDCARD_IN_SERVICE_NAME',
  'SUGGESTION',
  'wildcard-in-service-name',
  'The service field of a resource ARN contains a wildcard, so it also matches other services.',
);

/** Whether `outer` matches every resource `inner` matches, ARN field by ARN field where both are ARNs. */
function resourceCovers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  // A variable's value is unknown until the request, so only identical entries are compared.
  if (outer.includes('${') || inner.includes('${')) return false;
  if (outer === '*') return true;
  const a = readArnPattern(outer);
  const b = readArnPattern(inner);
  if (a.kind !== 'arn' || b.kind !== 'arn') return wildcardCovers(outer, inner);
  const fields = ['partition', 'service', 'region', 'account', 'resource'] as const;
  return fields.every((f) => wildcardCovers(a.arn[f].text, b.arn[f].text));
}

const redundantResource = defineCheck({
  issueCode: 'REDUNDANT_RESOURCE',
  findingType: 'SUGGESTION',
  family: 'resources',
  learnMoreLink: awsCheckLink('SUGGESTION', 'redundant-resource'),
  summary:
    'A Resource or NotResource entry matches only resources another entry of the same element already matches.',
  policyTypes: RESOURCE_POLICY_TYPES,
  run(ctx, report) {
    for (const { name, list } of resourceLists(ctx.policy)) {
      const values = list.values;
      const covers = redundantEntries(
        values.map((v) => v.value),
        resourceCovers,
        (v) => v,
        resourceGroup,
      );
      values.forEach((entry, i) => {
        const cover = values[covers[i]!];
        if (!cover) return;
        report(
          cover.value === entry.value
            ? `"${entry.value}" appears more than once in this ${name} element; remove the repetition.`
            : `"${entry.value}" is redundant: "${cover.value}" in the same ${name} element already matches every resource it matches. Remove one of them.`,
          at(entry),
        );
      });
    }
  },
});

/**
 * What a set of actions can be authorized against: the ARN formats of their resource types, and
 * for actions the reference gives none (it says they need Resource "*"), any ARN of their own
 * service, since some are authorized against a service-level ARN in practice (s3:ListAllMyBuckets
 * with arn:aws:s3:::*).
 */
class Reach {
  private readonly formats = new Set<ArnTemplate>();
  private readonly services = new Set<string>();
  /** A resource type the reference names but does not describe: then nothing can be ruled out. */
  private unknown = false;

  constructor(actions: readonly ActionInfo[], catalog: Catalog) {
    const seen = new Set<string>();
    for (const action of actions) {
      if (action.wildcardOnly) this.services.add(action.service);
      for (const rt of action.resourceTypes) {
        // Many actions share their resource types; each is looked up once.
        const key = `${action.service}:${rt.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const info = catalog.resourceType(action.service, rt.name);
        const template = info && arnTemplateOf(info);
        if (template) this.formats.add(template);
        else this.unknown = true;
      }
    }
  }

  covers(arn: ArnPattern): boolean {
    if (this.unknown) return true;
    for (const service of this.services)
      if (patternsOverlap(arn.service.pattern, templatePattern(service))) return true;
    for (const template of this.formats) if (arnMayMatchTemplate(arn, template)) return true;
    return false;
  }
}

// A reach depends only on an Action entry's text, which policies repeat: it is kept by that text,
// and a statement's reach is the union of its entries' reaches.
const reachCaches = new WeakMap<Catalog, Map<string, Reach | null>>();

function entryReach(entry: ExpandedAction, catalog: Catalog): Reach | undefined {
  let cache = reachCaches.get(catalog);
  if (!cache) reachCaches.set(catalog, (cache = new Map()));
  const key = entry.entry.value.toLowerCase();
  let reach = cache.get(key);
  if (reach === undefined) {
    reach = entry.actions.length === 0 ? null : new Reach(entry.actions, catalog);
    if (cache.size > 20_000) cache.clear();
    cache.set(key, reach);
  }
  return reach ?? undefined;
}

/** Whether some of the entries can be authorized against a resource like the ARN. */
interface Reachable {
  covers(arn: ArnPattern): boolean;
}

/** The reach of Action entries together; undefined when they name no known action. */
function reachOf(entries: readonly ExpandedAction[], catalog: Catalog): Reachable | undefined {
  const reaches = entries.flatMap((e) => entryReach(e, catalog) ?? []);
  if (reaches.length === 0) return undefined;
  return reaches.length === 1 ? reaches[0] : { covers: (arn) => reaches.some((r) => r.covers(arn)) };
}

interface StatementArns {
  readonly arns: { readonly entry: PolicyString; readonly arn: ArnPattern }[];
  /** Whether some Resource entry is `*`, which every action applies to. */
  readonly star: boolean;
}

/** The well-formed ARNs of a statement's Resource element (other entries are reported elsewhere). */
function statementArns(resource: ValueList): StatementArns {
  const arns: StatementArns['arns'][number][] = [];
  let star = false;
  for (const entry of resource.values) {
    if (entry.value === '*') star = true;
    const reading = readArnPattern(entry.value);
    if (reading.kind === 'arn') arns.push({ entry, arn: reading.arn });
  }
  return { arns, star };
}

const resourceMatchesNoAction = defineCheck({
  issueCode: 'RESOURCE_MATCHES_NO_ACTION',
  findingType: 'WARNING',
  family: 'resources',
  learnMoreLink: grantflowCheckLink('RESOURCE_MATCHES_NO_ACTION'),
  summary:
    "A resource ARN is of no resource type any of the statement's actions can be authorized against, so the statement does nothing for it.",
  policyTypes: RESOURCE_POLICY_TYPES,
  run(ctx, report) {
    for (const statement of ctx.policy.statements) {
      if (!statement.action || !statement.resource) continue;
      const { arns } = statementArns(statement.resource);
      if (arns.length === 0) continue;
      const reach = reachOf(ctx.expand(statement.action), ctx.catalog);
      if (!reach) continue;
      for (const { entry, arn } of arns) {
        if (reach.covers(arn)) continue;
        report(
          `None of this statement's actions can be authorized against a resource like "${entry.value}": it fits none of the resource types they support, so the statement grants or denies nothing on it. Check the ARN format, or add the actions meant for this resource.`,
          at(entry),
        );
      }
    }
  },
});

const actionMatchesNoResource = defineCheck({
  issueCode: 'ACTION_MATCHES_NO_RESOURCE',
  findingType: 'WARNING',
  family: 'resources',
  learnMoreLink: grantflowCheckLink('ACTION_MATCHES_NO_RESOURCE'),
  summary:
    "An Action entry supports none of the resource types of the statement's ARNs, so it does nothing in this statement.",
  policyTypes: RESOURCE_POLICY_TYPES,
  run(ctx, report) {
    for (const statement of ctx.policy.statements) {
      if (!statement.action || !statement.resource) continue;
      const { arns, star } = statementArns(statement.resource);
      if (star || arns.length === 0) continue;
      for (const expanded of ctx.expand(statement.action)) {
        const reach = reachOf([expanded], ctx.catalog);
        if (!reach || arns.some(({ arn }) => reach.covers(arn))) continue;
        report(
          `"${expanded.entry.value}" cannot be authorized against any resource of this statement: none of the listed ARNs is of a resource type it supports. Add an ARN of the right type, or move the action to the statement for its resources.`,
          at(expanded.entry),
        );
      }
    }
  },
});

export const resourcesChecks: CheckDefinition[] = [
  invalidArnPrefix,
  missingArnField,
  invalidPartition,
  invalidArnServiceCase,
  invalidArnResource,
  missingArnRegion,
  arnRegionNotAllowed,
  invalidArnRegion,
  arnAccountNotAllowed,
  invalidArnAccount,
  wildcardInServiceName,
  redundantResource,
  resourceMatchesNoAction,
  actionMatchesNoResource,
];
