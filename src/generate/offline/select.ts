// From what a request names to the actions it needs and the resources to scope them to.
import type { ActionInfo, Catalog, ResourceTypeInfo } from '../../catalog/index.ts';
import type { Intent } from './lexicon.ts';
import { CAPABILITIES, CONSOLE_COMPANIONS, OPERATE_VERBS } from './lexicon.ts';
import type { NamedResource, Understanding } from './understand.ts';
import { wordForms } from './understand.ts';

export interface Scope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** One action and the resource ARNs it is granted on (`*` for actions without resource-level permissions). */
export interface Grant {
  readonly action: ActionInfo;
  readonly resources: readonly string[];
  /** Why it is there: the intent or explicit mention, for the summary. */
  readonly reason: string;
}

export interface Selection {
  readonly grants: Grant[];
  /** What the drafter could not tell, per service; non-empty means ask the requester. */
  readonly missing: string[];
}

/** Intents that name verbs of action names (`start` → Start*). */
const VERB_INTENTS: Partial<Record<Intent, string>> = {
  start: 'Start',
  stop: 'Stop',
  reboot: 'Reboot',
  invoke: 'Invoke',
  send: 'Send',
  receive: 'Receive',
  publish: 'Publish',
  subscribe: 'Subscribe',
  query: 'Query',
  decrypt: 'Decrypt',
  encrypt: 'Encrypt',
  execute: 'Execute',
};

const DESTRUCTIVE = /^(Delete|Remove|Purge|Terminate|Deregister|Disable|Detach|Disassociate)/;

/** A resource kind as action names spell it: metric-stream → metricstream, kmsKey → kmskey. */
function spelledKind(kind: string): string {
  return kind.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Whether an action's name mentions one of the resource kinds (`DescribeInstances` for instance). */
function namesKind(actionName: string, kinds: readonly string[]): boolean {
  if (kinds.length === 0) return true;
  const lower = actionName.toLowerCase();
  return kinds.some((k) => lower.includes(spelledKind(k)));
}

/** The words of an action's name: GetMetricData → Get, Metric, Data. */
function nameWords(name: string): string[] {
  return name.match(/[A-Z][a-z0-9]*/g) ?? [];
}

/** The words of an action's name after its verb, in lower case: GetMetricData → metric, data. */
function objectWords(name: string): string[] {
  return nameWords(name)
    .slice(1)
    .map((w) => w.toLowerCase());
}

/** A resource type's name in words: metric-stream → metric, stream; kmsKey → kms, key. */
function typeWords(key: string): string[] {
  return key
    .split(/[-_]|(?=[A-Z])/)
    .map((w) => w.toLowerCase())
    .filter((w) => w !== '');
}

/**
 * When the request names some of the service's kinds of resource, leaves out the actions about the
 * kinds it does not mention: "read CloudWatch metrics for our dashboards" keeps GetMetricData and
 * GetDashboard but not DescribeAlarms or GetSpaceCredentials (alarm and space are CloudWatch
 * resource types it does not name). An action is about a type when the words of its name after
 * the verb spell the type (ListMetricStreams is about metric-stream); one about a mentioned type
 * too stays (ImportTable with "table"). Actions about no type at all stay whatever the request says (GetShardIterator,
 * GetMetricData): removing only what is clearly about something else keeps a drafted policy
 * working.
 */
export function withoutUnmentionedTypes(
  actions: readonly ActionInfo[],
  types: readonly Pick<ResourceTypeInfo, 'key' | 'arnTemplate'>[],
  topics: ReadonlySet<string>,
  kinds: readonly string[] = [],
): ActionInfo[] {
  const said = new Set([...topics, ...kinds.flatMap(typeWords).flatMap(wordForms)]);
  // Type keys run words together (transcriptionjob): two words said may spell one.
  const spelledBySaid = new Set([...said].flatMap((a) => [a, ...[...said].map((b) => a + b)]));
  const named = types.filter(
    (t) => typeWords(t.key).every((w) => said.has(w)) || spelledBySaid.has(spelledKind(t.key)),
  );
  // A request that names none of the service's kinds of resource asks for the service as such.
  if (named.length === 0) return [...actions];
  // What lives inside a resource mentioned is mentioned with it: a bucket's objects, a table's
  // indexes and streams (their ARNs extend the container's).
  const mentioned = new Set(
    types
      .filter((t) =>
        named.some((n) => t === n || ['/', ':'].some((sep) => t.arnTemplate.startsWith(n.arnTemplate + sep))),
      )
      .map((t) => spelledKind(t.key)),
  );
  const spelledTypes = types.map((t) => spelledKind(t.key));
  return actions.filter((a) => {
    const name = objectWords(a.name).join('');
    const about = spelledTypes.filter((t) => name.includes(t));
    return about.length === 0 || about.some((t) => mentioned.has(t));
  });
}

/**
 * Drops the qualified variants of an action that are also there, unless the request names their
 * qualifier: StartMedicalTranscriptionJob beside StartTranscriptionJob, DescribeReservedInstances
 * beside DescribeInstances, UpdateGlobalTable beside UpdateTable. AWS names a distinct feature by
 * a word inserted after the verb; a request that does not mention the feature does not need it.
 * Words added at the end (GetObjectVersion beside GetObject) are not a variant: they act on a
 * part of the same thing.
 */
function withoutUnaskedVariants(actions: readonly ActionInfo[], topics: ReadonlySet<string>): ActionInfo[] {
  const names = new Set(actions.map((a) => `${a.service}:${nameWords(a.name).join(' ')}`));
  return actions.filter((a) => {
    const words = nameWords(a.name);
    // Remove each run of inserted words (between the verb and the last word) in turn.
    for (let from = 1; from < words.length - 1; from++) {
      for (let to = from + 1; to < words.length; to++) {
        const base = [...words.slice(0, from), ...words.slice(to)].join(' ');
        const qualifier = words.slice(from, to);
        if (
          names.has(`${a.service}:${base}`) &&
          !qualifier.some((w) => wordForms(w).some((f) => topics.has(f)))
        )
          return false;
      }
    }
    return true;
  });
}

/**
 * The actions an intent asks for: the curated ones, or those of the access levels and names it
 * implies that can be granted on what the request names (`applies`), without the ones about what
 * the request does not mention.
 */
function actionsByIntent(
  service: string,
  intent: Intent,
  catalog: Catalog,
  resourcesNamed: boolean,
  kinds: readonly string[],
  topics: ReadonlySet<string>,
  applies: (action: ActionInfo) => boolean,
): ActionInfo[] {
  const curated = CAPABILITIES[service]?.[intent];
  if (curated) return curated.flatMap((name) => catalog.action(`${service}:${name}`) ?? []);
  const applicable = byAccessLevel(service, intent, catalog, resourcesNamed, kinds).filter(applies);
  const types = catalog.resourceTypesOf(service);
  return withoutUnaskedVariants(withoutUnmentionedTypes(applicable, types, topics, kinds), topics);
}

/** The service's actions that an intent asks for, by access level and name. */
function byAccessLevel(
  service: string,
  intent: Intent,
  catalog: Catalog,
  resourcesNamed: boolean,
  kinds: readonly string[],
): ActionInfo[] {
  const all = catalog.actionsOf(service);
  switch (intent) {
    case 'list':
      // Without a named resource, "list" means the account-level listings ("my buckets"), not the
      // contents of every resource; of the kind of resource mentioned, if one was.
      return all.filter(
        (a) => a.accessLevel === 'List' && (resourcesNamed || (a.wildcardOnly && namesKind(a.name, kinds))),
      );
    case 'read':
    case 'download':
      return all.filter((a) => a.accessLevel === 'List' || a.accessLevel === 'Read');
    case 'use':
    case 'console':
      return all.filter(
        (a) =>
          a.accessLevel === 'List' ||
          a.accessLevel === 'Read' ||
          (a.accessLevel === 'Write' && OPERATE_VERBS.some((v) => a.name.startsWith(v))),
      );
    case 'write':
    case 'upload':
      return all.filter(
        (a) => a.accessLevel === 'Write' && !DESTRUCTIVE.test(a.name) && !a.name.startsWith('Create'),
      );
    case 'delete':
      return all.filter((a) => a.accessLevel === 'Write' && DESTRUCTIVE.test(a.name));
    case 'create':
      return all.filter((a) => a.accessLevel === 'Write' && a.name.startsWith('Create'));
    default: {
      const verb = VERB_INTENTS[intent];
      return verb
        ? all.filter((a) => a.name.startsWith(verb) && a.accessLevel !== 'Permissions management')
        : [];
    }
  }
}

/** Fills an ARN template; placeholders the request did not name become `*`. */
function fillTemplate(
  template: string,
  scope: Scope,
  values: Readonly<Record<string, readonly string[]>>,
): string[] {
  let results = [template];
  for (const placeholder of new Set([...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))) {
    const fill =
      placeholder === 'Partition'
        ? [scope.partition]
        : placeholder === 'Region'
          ? [scope.region]
          : placeholder === 'Account'
            ? [scope.account]
            : (values[placeholder] ?? ['*']);
    results = results.flatMap((r) => fill.map((v) => r.split(`\${${placeholder}}`).join(v)));
  }
  return results;
}

function placeholders(template: string): string[] {
  return [...template.matchAll(/\$\{(\w+)\}/g)]
    .map((m) => m[1]!)
    .filter((p) => !['Partition', 'Region', 'Account'].includes(p));
}

/**
 * The ARNs to grant an action on. With resources named, only the action's resource types those
 * names fill or mention (undefined when none: the action does not apply to them). Without, the
 * required resource types scoped to the request's account and region, or `*` when the action
 * needs no resource (IAM then authorizes the call against `*`).
 */
function resourcesFor(
  action: ActionInfo,
  named: readonly NamedResource[],
  scope: Scope,
  catalog: Catalog,
  curated: boolean,
): string[] | undefined {
  // An action without resource-level permissions does not act on the resources named, so it is
  // granted only when the request or a curated companion asks for it by name.
  if (action.wildcardOnly) return !named.some(isNamed) || curated ? ['*'] : undefined;
  const required = action.resourceTypes.filter((t) => t.required);
  if (named.length === 0 && required.length === 0) return ['*'];
  const arns = named.filter((r) => r.arn && r.service === action.service).map((r) => r.arn!);
  if (arns.length > 0) return [...new Set(arns)];

  const values: Record<string, string[]> = {};
  for (const r of named) {
    for (const [k, v] of Object.entries(r.values)) values[k] = [...new Set([...(values[k] ?? []), ...v])];
  }
  const mentioned = new Set(named.map((r) => r.resourceType?.toLowerCase()));
  // When the request names something inside a resource (objects under a prefix of a bucket),
  // actions on the outer resource only are left out, except listing it.
  const depth = deepestNamedDepth(action.service, values, catalog);
  const out: string[] = [];
  let deepEnough = action.accessLevel === 'List';
  for (const t of action.resourceTypes) {
    const info = catalog.resourceType(action.service, t.name);
    if (!info) continue;
    const ph = placeholders(info.arnTemplate);
    const fits = ph.some((p) => values[p]) || mentioned.has(info.key.toLowerCase());
    // Without names, the required types scoped to the account; with names, every type they fill
    // (a table's indexes with the table).
    if (named.length > 0 ? !fits : required.length > 0 && !t.required) continue;
    if (ph.length >= depth) deepEnough = true;
    out.push(...fillTemplate(info.arnTemplate, scope, values));
  }
  if (out.length === 0 || !deepEnough) return named.length > 0 ? undefined : out.length > 0 ? out : ['*'];
  return [...new Set(out)];
}

/** A resource named by name or ARN, not just by kind ("buckets"). */
function isNamed(r: NamedResource): boolean {
  return r.arn !== undefined || Object.keys(r.values).length > 0;
}

/** The most placeholders any of the service's resource types has with all of them named. */
function deepestNamedDepth(service: string, values: Record<string, string[]>, catalog: Catalog): number {
  let depth = 0;
  for (const info of catalog.resourceTypesOf(service)) {
    const ph = placeholders(info.arnTemplate);
    if (ph.length > 0 && ph.every((p) => values[p])) depth = Math.max(depth, ph.length);
  }
  return depth;
}

export function selectGrants(u: Understanding, scope: Scope, catalog: Catalog): Selection {
  const grants: Grant[] = [];
  const missing: string[] = [];
  const add = (action: ActionInfo, named: readonly NamedResource[], reason: string, curated: boolean) => {
    if (grants.some((g) => g.action.key === action.key)) return;
    const resources = resourcesFor(action, named, scope, catalog, curated);
    if (resources) grants.push({ action, resources, reason });
  };

  const workIntents = [...u.intents].filter((i) => i !== 'console' && i !== 'admin' && i !== 'passrole');
  for (const service of u.services.keys()) {
    const named = u.resources.filter((r) => r.service === service);
    const explicit = u.explicitActions.filter((a) => a.toLowerCase().startsWith(`${service}:`));
    if (explicit.length > 0) {
      for (const name of explicit) {
        const expanded = catalog.expandAction(name);
        for (const action of expanded) add(action, named, `named in the request (${name})`, true);
      }
    } else {
      const intents: Intent[] =
        workIntents.length > 0 ? workIntents : u.intents.has('console') ? ['use'] : [];
      if (intents.length === 0) {
        missing.push(service);
        continue;
      }
      const before = grants.length;
      for (const intent of intents) {
        const curated = CAPABILITIES[service]?.[intent] !== undefined;
        const kinds = named.flatMap((r) => (r.resourceType ? [r.resourceType] : []));
        const applies = (a: ActionInfo) => resourcesFor(a, named, scope, catalog, curated) !== undefined;
        for (const action of actionsByIntent(
          service,
          intent,
          catalog,
          named.some(isNamed),
          kinds,
          u.topics,
          applies,
        )) {
          add(action, named, intent, curated);
        }
      }
      // Nothing of what was asked applies to this service: do not guess, ask.
      if (grants.length === before) missing.push(service);
    }
    if (u.intents.has('console') && !u.only) {
      for (const name of CONSOLE_COMPANIONS[service] ?? []) {
        const action = catalog.action(`${service}:${name}`);
        if (action) add(action, named, 'console', true);
      }
    }
  }
  return { grants, missing };
}
