// Resources to ask the engine about when the account snapshot does not list them (functions,
// buckets, instances…): a "probe" of each resource type the action works on, named so that no
// policy names it (so only wildcards reach it), and concrete instances of the Resource patterns the
// principal's own statements use (so a grant on specific resources is still found).
import { getCatalog } from '../catalog/index.ts';
import type { Catalog } from '../catalog/index.ts';

export const PROBE_NAME = 'grantflow-audit-probe';
export const PROBE_REGION = 'us-east-1';

export interface ResourceScope {
  readonly account: string;
  readonly partition: string;
}

/**
 * The probe resources for an action: one per resource type it needs (all must be allowed), or,
 * when none is required, one per type it accepts (any will do). `*` for actions without resource
 * types. Cached per action.
 */
export class ProbeResources {
  private readonly cache = new Map<string, { readonly all: boolean; readonly arns: readonly string[] }>();
  private readonly scope: ResourceScope;
  private readonly catalog: Catalog;

  constructor(scope: ResourceScope, catalog: Catalog = getCatalog()) {
    this.scope = scope;
    this.catalog = catalog;
  }

  for(action: string): { readonly all: boolean; readonly arns: readonly string[] } {
    const key = action.toLowerCase();
    let entry = this.cache.get(key);
    if (entry === undefined) {
      entry = this.build(action);
      this.cache.set(key, entry);
    }
    return entry;
  }

  private build(action: string): { all: boolean; arns: string[] } {
    const info = this.catalog.action(action);
    if (info === undefined || info.resourceTypes.length === 0) return { all: true, arns: ['*'] };
    const required = info.resourceTypes.filter((t) => t.required);
    const types = required.length > 0 ? required : info.resourceTypes;
    const arns = types
      .map((t) => this.catalog.resourceType(info.service, t.name)?.arnTemplate)
      .filter((t): t is string => t !== undefined)
      .map((t) => fillTemplate(t, this.scope));
    return arns.length === 0 ? { all: true, arns: ['*'] } : { all: required.length > 0, arns };
  }
}

/** Fills an ARN template of the service reference: `arn:${Partition}:s3:::${BucketName}`. */
export function fillTemplate(template: string, scope: ResourceScope): string {
  return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name === 'Partition') return scope.partition;
    if (name === 'Region') return PROBE_REGION;
    if (name === 'Account') return scope.account;
    return PROBE_NAME;
  });
}

/**
 * A concrete ARN that a Resource pattern matches: wildcards filled with names, an empty or
 * wildcard account with the principal's, variables with their values where known.
 */
export function instantiatePattern(
  pattern: string,
  scope: ResourceScope,
  variable: (name: string) => string | undefined = () => undefined,
): string {
  const resolved = pattern.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    const [name, fallback] = inner.split(',').map((s) => s.trim());
    if (name === '*' || name === '?' || name === '$') return 'x';
    return variable(name ?? '') ?? fallback?.replace(/^'|'$/g, '') ?? 'x';
  });
  if (resolved === '*') return '*';
  if (!resolved.startsWith('arn:')) return resolved.replace(/[*?]/g, 'x');
  const parts = resolved.split(':');
  if (parts.length < 6) return resolved.replace(/[*?]/g, 'x');
  const [, partition, service, region, account] = parts;
  const rest = parts.slice(5).join(':');
  const fill = (text: string, value: string) => (/^[*?]+$/.test(text) ? value : text.replace(/[*?]/g, 'x'));
  return [
    'arn',
    fill(partition!, scope.partition),
    fill(service!, 'x'),
    region === '' ? '' : fill(region!, PROBE_REGION),
    account === '' ? '' : fill(account!, scope.account),
    rest.replace(/\*/g, PROBE_NAME).replace(/\?/g, 'x'),
  ].join(':');
}
