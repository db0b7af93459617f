// Conditions: operators, condition keys and the values compared with them, checked the way
// IAM Access Analyzer's ValidatePolicy does.
import type { Catalog, ConditionKeyInfo, ConditionKeyType } from '../../catalog/index.ts';
import type {
  ConditionEntry,
  ConditionValue,
  JsonMember,
  Path,
  PolicyType,
  Statement,
} from '../../policy/index.ts';
import { scanVariables } from '../../policy/index.ts';
import { familyInfo, parseOperator } from '../../policy/operators.ts';
import type { OperatorFamily, ParsedOperator } from '../../policy/operators.ts';
import { at, defineCheck, substringOf } from '../check.ts';
import type { CheckContext, CheckDefinition, Target } from '../check.ts';
import { awsCheckLink } from '../finding.ts';
import type { FindingType } from '../finding.ts';

// ---------------------------------------------------------------------------------------------
// Condition keys

/** What a condition key name refers to. */
export type KeyResolution =
  /** A documented key; `service` is the reference that documents it (`aws` for global keys). */
  | { readonly kind: 'known'; readonly info: ConditionKeyInfo; readonly service: string }
  /** A claim of an OpenID Connect provider, e.g. `auth.example.com:sub`: provider-defined. */
  | { readonly kind: 'provider' }
  | { readonly kind: 'malformed' }
  /** `aws:ResourceTag` and the like, written without the tag key. */
  | { readonly kind: 'missingTagKey' }
  /** `aws:ARN`, which IAM no longer documents. */
  | { readonly kind: 'retired' }
  | { readonly kind: 'unknownGlobal' }
  | { readonly kind: 'unknownServiceKey'; readonly service: string }
  | { readonly kind: 'unknownPrefix'; readonly prefix: string };

// A prefix of letters, digits and `-._/` (OIDC providers have dots and paths), a colon, then a
// name that neither starts nor ends with white space (tag keys may contain spaces).
const KEY_FORMAT = /^[A-Za-z0-9][A-Za-z0-9._/-]*:\S(?:.*\S)?$/;

/** Keys with these prefixes are documented by STS for federated sessions. */
const FEDERATION_PREFIXES = new Set(['saml']);

/**
 * Resolves a condition key name (also used for policy variable names). Some services document
 * keys under another prefix (STS the `saml:` and identity-provider keys, SSO `identitycenter:`),
 * so the services of the statement's actions are searched too; STS always is.
 */
export function resolveConditionKey(
  catalog: Catalog,
  name: string,
  statementServices: readonly string[] = [],
): KeyResolution {
  if (!KEY_FORMAT.test(name)) return { kind: 'malformed' };
  const direct = catalog.conditionKey(name);
  if (direct) return { kind: 'known', info: direct, service: direct.global ? 'aws' : direct.service };
  for (const service of new Set(['sts', ...statementServices])) {
    const documented = catalog.serviceConditionKey(service, name);
    if (documented) return { kind: 'known', info: documented, service };
  }
  const prefix = name.slice(0, name.indexOf(':')).toLowerCase();
  if (name.toLowerCase() === 'aws:arn') return { kind: 'retired' };
  const bare = name.replace(/\/$/, '');
  if (/tag$/i.test(bare) && resolveConditionKey(catalog, `${bare}/key`, statementServices).kind === 'known')
    return { kind: 'missingTagKey' };
  if (prefix === 'aws') return { kind: 'unknownGlobal' };
  if (catalog.service(prefix) || FEDERATION_PREFIXES.has(prefix))
    return { kind: 'unknownServiceKey', service: prefix };
  if (prefix.includes('.')) return { kind: 'provider' };
  return { kind: 'unknownPrefix', prefix };
}

const isMultiValued = (type: ConditionKeyType) => type.startsWith('ArrayOf');
const scalarType = (type: ConditionKeyType) => type.replace(/^ArrayOf/, '');

/** The operator families that compare a key's documented type meaningfully. */
function familiesFor(info: ConditionKeyInfo): readonly OperatorFamily[] {
  switch (scalarType(info.type)) {
    case 'ARN':
      return ['Arn', 'String'];
    case 'Numeric':
      return ['Numeric'];
    case 'Date':
      // aws:EpochTime is documented for both date and numeric operators.
      return info.key.toLowerCase() === 'aws:epochtime' ? ['Date', 'Numeric'] : ['Date'];
    case 'Bool':
      return ['Bool'];
    case 'IPAddress':
      return ['IpAddress'];
    case 'Binary':
      return ['Binary'];
    default:
      return ['String'];
  }
}

// ---------------------------------------------------------------------------------------------
// Condition values

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const EPOCH = /^\d+$/;
const ISO_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const [, , month = '01', day = '01', hour = '00', minute = '00', second = '00'] = m;
  const mo = Number(month);
  const d = Number(day);
  const daysInMonth = new Date(Date.UTC(Number(m[1]), mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && +hour <= 23 && +minute <= 59 && +second <= 60;
}

export interface Cidr {
  readonly version: 4 | 6;
  readonly address: bigint;
  readonly prefix: number;
  /** Bits of the whole address: 32 or 128. */
  readonly bits: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const g of [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right]) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(`0x${g}`);
  }
  return tailV4 === undefined ? value : (value & ~0xffffffffn) | tailV4;
}

/** Parses an IPv4 or IPv6 address with an optional `/prefix`. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const version = addressText.includes(':') ? 6 : 4;
  const address = version === 4 ? parseIpv4(addressText) : parseIpv6(addressText);
  if (address === undefined) return undefined;
  const bits = version === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > bits) return undefined;
    prefix = Number(p);
  }
  return { version, address, prefix, bits };
}

const hostMask = (c: Cidr) => (1n << BigInt(c.bits - c.prefix)) - 1n;

/** The range with the host bits cleared, written the usual way. */
export function networkOf(c: Cidr): string {
  const net = c.address & ~hostMask(c);
  if (c.version === 4) {
    const octets = [24n, 16n, 8n, 0n].map((s) => String((net >> s) & 255n));
    return `${octets.join('.')}/${c.prefix}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((net >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups, as RFC 5952 recommends.
  let best = [-1, 0];
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best[1]! && j - i > 1) best = [i, j - i];
    i = j;
  }
  const text =
    best[0]! < 0
      ? groups.join(':')
      : `${groups.slice(0, best[0]).join(':')}::${groups.slice(best[0]! + best[1]!).join(':')}`;
  return `${text}/${c.prefix}`;
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'].map((r) =>
  parseCidr(r)!,
);

/** Whether every address of the range is private (RFC 1918, or IPv6 unique local). */
export function isPrivateRange(c: Cidr): boolean {
  return PRIVATE_RANGES.some(
    (p) =>
      p.version === c.version &&
      c.prefix >= p.prefix &&
      (c.address & ~hostMask(p)) === (p.address & ~hostMask(p)),
  );
}

/** A value's text with the policy variables taken out, for wildcard checks. */
function withoutVariables(text: string): string {
  if (!text.includes('${')) return text;
  let out = '';
  let from = 0;
  for (const v of scanVariables(text).variables) {
    out += text.slice(from, v.start);
    from = v.start + v.length;
  }
  return out + text.slice(from);
}

const hasVariable = (text: string) =>
  text.includes('${') && scanVariables(text).variables.some((v) => !v.isEscape);

const isScalar = (v: ConditionValue) =>
  v.jsonType === 'string' || v.jsonType === 'number' || v.jsonType === 'boolean';

// ---------------------------------------------------------------------------------------------
// Walking the Condition elements

interface OperatorSite {
  readonly statement: Statement;
  readonly member: JsonMember;
  readonly path: Path;
  readonly operator: ParsedOperator | undefined;
}

interface KeySite {
  readonly statement: Statement;
  readonly entry: ConditionEntry;
  readonly operator: ParsedOperator | undefined;
  readonly key: KeyResolution;
}

interface ConditionSites {
  readonly operators: OperatorSite[];
  readonly keys: KeySite[];
}

/** The service prefixes named by a statement's Action element (wildcard services left out). */
export function actionServices(statement: Statement): string[] {
  const services = new Set<string>();
  for (const { value } of statement.action?.values ?? []) {
    const colon = value.indexOf(':');
    if (colon > 0 && !/[*?]/.test(value.slice(0, colon))) services.add(value.slice(0, colon).toLowerCase());
  }
  return [...services];
}

const sitesCache = new WeakMap<CheckContext['policy'], ConditionSites>();

/** Every operator and key of every Condition element, parsed once per validation. */
function sitesOf(ctx: CheckContext): ConditionSites {
  let sites = sitesCache.get(ctx.policy);
  if (sites) return sites;
  sites = { operators: [], keys: [] };
  const parsed = new Map<string, ParsedOperator | undefined>();
  const parse = (text: string) => {
    if (!parsed.has(text)) parsed.set(text, parseOperator(text));
    return parsed.get(text);
  };
  for (const statement of ctx.policy.statements) {
    const condition = statement.condition;
    if (!condition || condition.node.type !== 'object') continue;
    const services = actionServices(statement);
    for (const member of condition.node.members) {
      sites.operators.push({
        statement,
        member,
        path: [...condition.path, { key: member.key }],
        operator: parse(member.key),
      });
    }
    for (const entry of condition.entries) {
      sites.keys.push({
        statement,
        entry,
        operator: parse(entry.operator),
        key: resolveConditionKey(ctx.catalog, entry.key, services),
      });
    }
  }
  sitesCache.set(ctx.policy, sites);
  return sites;
}

const operatorTarget = (s: OperatorSite): Target => ({
  path: s.path,
  start: s.member.keyStart,
  end: s.member.keyEnd,
});
const keyTarget = (e: ConditionEntry): Target => ({
  path: e.keyPath,
  start: e.keyMember.keyStart,
  end: e.keyMember.keyEnd,
});
const valuesTarget = (e: ConditionEntry): Target => ({ path: e.valuePath, node: e.valueNode });

type CheckSpec = Omit<CheckDefinition, 'family' | 'learnMoreLink' | 'findingType'> & {
  readonly findingType: FindingType;
};

/** A conditions check documented in the Access Analyzer reference under its issue code. */
function conditionsCheck(spec: CheckSpec): CheckDefinition {
  return defineCheck({
    ...spec,
    family: 'conditions',
    learnMoreLink: awsCheckLink(spec.findingType, spec.issueCode.toLowerCase().replace(/_/g, '-')),
  });
}

// ---------------------------------------------------------------------------------------------
// Operators

const invalidConditionOperator = conditionsCheck({
  issueCode: 'INVALID_CONDITION_OPERATOR',
  findingType: 'ERROR',
  summary:
    'A condition operator that IAM does not know, or a malformed ForAllValues/ForAnyValue/IfExists form.',
  run(ctx, report) {
    for (const site of sitesOf(ctx).operators) {
      if (site.operator) continue;
      report(
        `"${site.member.key}" is not a condition operator. Use an IAM condition operator such as StringEquals or ArnLike, optionally with a ForAllValues: or ForAnyValue: prefix and an IfExists suffix (names are case-sensitive).`,
        operatorTarget(site),
      );
    }
  },
});

const nullWithIfExists = conditionsCheck({
  issueCode: 'NULL_WITH_IF_EXISTS',
  findingType: 'ERROR',
  summary: 'The Null operator with the IfExists suffix, which IAM does not allow.',
  run(ctx, report) {
    for (const site of sitesOf(ctx).operators) {
      if (site.operator?.family !== 'Null' || !site.operator.ifExists) continue;
      report(
        'Null already tests whether the key is present, so it cannot take the IfExists suffix. Use Null on its own, or another operator with IfExists.',
        operatorTarget(site),
      );
    }
  },
});

const nullWithQualifier = conditionsCheck({
  issueCode: 'NULL_WITH_QUALIFIER',
  findingType: 'SUGGESTION',
  summary: 'The Null operator with ForAllValues or ForAnyValue, whose result does not depend on the request.',
  run(ctx, report) {
    for (const site of sitesOf(ctx).operators) {
      if (site.operator?.family !== 'Null' || !site.operator.setQualifier) continue;
      report(
        `${site.operator.setQualifier}:Null gives the same answer whatever the request holds (ForAllValues always matches, ForAnyValue never does). Use Null without a qualifier to test whether the key is present.`,
        operatorTarget(site),
      );
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Keys

function keyCheck(
  spec: Omit<CheckSpec, 'run'>,
  message: (site: KeySite, ctx: CheckContext) => string | undefined,
): CheckDefinition {
  return conditionsCheck({
    ...spec,
    run(ctx, report) {
      for (const site of sitesOf(ctx).keys) {
        const details = message(site, ctx);
        if (details) report(details, keyTarget(site.entry));
      }
    },
  });
}

const invalidConditionKeyFormat = keyCheck(
  {
    issueCode: 'INVALID_CONDITION_KEY_FORMAT',
    findingType: 'ERROR',
    summary: 'A condition key not written as service:name.',
  },
  ({ key, entry }) =>
    key.kind === 'malformed'
      ? `"${entry.key}" is not a condition key. Condition keys are written as prefix:name, e.g. aws:SourceIp or s3:prefix, without surrounding spaces.`
      : undefined,
);

const invalidGlobalConditionKey = keyCheck(
  {
    issueCode: 'INVALID_GLOBAL_CONDITION_KEY',
    findingType: 'ERROR',
    summary: 'An aws: condition key that is not one of the documented global condition keys.',
  },
  ({ key, entry }) =>
    key.kind === 'unknownGlobal'
      ? `${entry.key} is not a global condition key. Check the spelling against the AWS global condition context keys.`
      : undefined,
);

/** Whether a documented service key can be present in requests for this statement's actions. */
function statementUsesKeyService(
  ctx: CheckContext,
  statement: Statement,
  info: ConditionKeyInfo,
  service: string,
) {
  const action = statement.action;
  if (!action || statement.notAction) return true;
  const documented = info.key.toLowerCase();
  for (const e of ctx.expand(action)) {
    if (e.service === undefined || /[*?]/.test(e.service) || e.service === service) return true;
    for (const a of e.actions) {
      if (a.conditionKeys.some((k) => k.toLowerCase() === documented)) return true;
      for (const rt of a.resourceTypes) {
        if (rt.conditionKeys.some((k) => k.toLowerCase() === documented)) return true;
      }
    }
  }
  return action.values.length === 0;
}

const invalidServiceConditionKey = keyCheck(
  {
    issueCode: 'INVALID_SERVICE_CONDITION_KEY',
    findingType: 'ERROR',
    summary:
      'A service condition key that the service does not define, or one from a service that none of the statement’s actions belong to.',
  },
  ({ key, entry, statement }, ctx) => {
    if (key.kind === 'unknownServiceKey')
      return `${entry.key} is not a condition key of ${key.service}. Check the key against the service's condition keys in the Service Authorization Reference.`;
    if (key.kind !== 'known' || key.service === 'aws' || key.service !== key.info.service) return undefined;
    if (statementUsesKeyService(ctx, statement, key.info, key.service)) return undefined;
    return `${entry.key} is a ${key.service} condition key, but no action in this statement belongs to ${key.service}, so requests it covers never carry the key.`;
  },
);

const invalidService = keyCheck(
  {
    issueCode: 'INVALID_SERVICE',
    findingType: 'ERROR',
    summary: 'A condition key whose prefix is not an AWS service.',
  },
  ({ key, entry }) =>
    key.kind === 'unknownPrefix'
      ? `The prefix "${key.prefix}" of ${entry.key} is not an AWS service prefix. Use aws: for global keys or the prefix of the service that defines the key.`
      : undefined,
);

const missingTagKeyInCondition = keyCheck(
  {
    issueCode: 'MISSING_TAG_KEY_IN_CONDITION',
    findingType: 'ERROR',
    summary: 'A tag condition key such as aws:ResourceTag written without the tag key.',
  },
  ({ key, entry }) =>
    key.kind === 'missingTagKey'
      ? `${entry.key} needs the tag key it tests: write it as ${entry.key.replace(/\/$/, '')}/tag-key, e.g. ${entry.key.replace(/\/$/, '')}/owner.`
      : undefined,
);

const IDENTITY_SIDE: readonly PolicyType[] = ['identity', 'boundary', 'session'];
const RESOURCE_SIDE: readonly PolicyType[] = ['resource', 'trust', 'scp', 'rcp'];
const RETIRED_KEY_ADVICE =
  'aws:PrincipalArn compares the ARN of the principal making the request, aws:SourceArn the ARN of the resource on whose behalf a service calls';

// The reference lists aws:ARN under both codes without saying when each applies. Policies on the
// principal's side get the warning and policies on the resource's side the error.
const unsupportedGlobalConditionKey = keyCheck(
  {
    issueCode: 'UNSUPPORTED_GLOBAL_CONDITION_KEY',
    findingType: 'ERROR',
    summary: 'aws:ARN in a resource-side policy; use aws:PrincipalArn or aws:SourceArn.',
    policyTypes: RESOURCE_SIDE,
  },
  ({ key, entry }) =>
    key.kind === 'retired'
      ? `${entry.key} is not supported. ${RETIRED_KEY_ADVICE}; use whichever you mean.`
      : undefined,
);

const deprecatedGlobalConditionKey = keyCheck(
  {
    issueCode: 'DEPRECATED_GLOBAL_CONDITION_KEY',
    findingType: 'WARNING',
    summary: 'aws:ARN in an identity-side policy; use aws:PrincipalArn or aws:SourceArn.',
    policyTypes: IDENTITY_SIDE,
  },
  ({ key, entry }) =>
    key.kind === 'retired'
      ? `${entry.key} is deprecated. ${RETIRED_KEY_ADVICE}; replace it with one of them.`
      : undefined,
);

const knownKey = (site: KeySite) => (site.key.kind === 'known' ? site.key.info : undefined);

const missingQualifier = keyCheck(
  {
    issueCode: 'MISSING_QUALIFIER',
    findingType: 'ERROR',
    summary: 'A multivalued condition key compared without ForAllValues or ForAnyValue.',
  },
  (site) => {
    const info = knownKey(site);
    const op = site.operator;
    if (!info || !op || op.setQualifier || op.family === 'Null' || !isMultiValued(info.type))
      return undefined;
    return `${site.entry.key} can hold several values in one request (${info.type}). Say how they are matched with ForAnyValue:${op.base.name} (at least one value matches) or ForAllValues:${op.base.name} (every value matches).`;
  },
);

const forAllValuesWithSingleValuedKey = keyCheck(
  {
    issueCode: 'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
    findingType: 'SECURITY_WARNING',
    summary: 'ForAllValues with a single-valued key, which also matches requests that lack the key.',
  },
  (site) => {
    const info = knownKey(site);
    const op = site.operator;
    if (!info || op?.setQualifier !== 'ForAllValues' || op.family === 'Null' || isMultiValued(info.type))
      return undefined;
    return `${site.entry.key} holds a single value, and ForAllValues also matches when the request does not carry the key at all, which can grant more than intended. Remove the ForAllValues: prefix.`;
  },
);

const stringLikeWithArnKey = keyCheck(
  {
    issueCode: 'STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS',
    findingType: 'SECURITY_WARNING',
    summary: 'StringLike or StringNotLike on an ARN-typed key, where a wildcard can span ARN segments.',
  },
  (site) => {
    const info = knownKey(site);
    const op = site.operator;
    if (!info || op?.family !== 'String' || op.base.comparison !== 'like' || scalarType(info.type) !== 'ARN')
      return undefined;
    const arnOperator = op.text.replace(
      /String(Not)?Like/,
      (_m, not: string | undefined) => `Arn${not ?? ''}Like`,
    );
    return `${site.entry.key} is an ARN. With ${op.base.name} a wildcard can match across the colons between ARN segments and so match more ARNs than intended; use ${arnOperator}, which matches segment by segment.`;
  },
);

const typeMismatch = keyCheck(
  {
    issueCode: 'TYPE_MISMATCH',
    findingType: 'WARNING',
    summary: 'An operator whose family does not fit the documented type of the condition key.',
  },
  (site) => {
    const info = knownKey(site);
    const op = site.operator;
    if (!info || !op || op.family === 'Null') return undefined;
    const fitting = familiesFor(info);
    if (fitting.includes(op.family)) return undefined;
    return `${site.entry.key} holds ${scalarType(info.type)} values, which ${op.base.name} does not compare as intended. Use a ${fitting[0]} operator instead.`;
  },
);

const duplicateKeysWithDifferentCase = conditionsCheck({
  issueCode: 'DUPLICATE_KEYS_WITH_DIFFERENT_CASE',
  findingType: 'ERROR',
  summary: 'The same condition key twice in one operator block, spelled with different capitalization.',
  run(ctx, report) {
    const seen = new Map<string, ConditionEntry>();
    for (const { entry } of sitesOf(ctx).keys) {
      const id = `${entry.operatorMember.keyStart}|${entry.key.toLowerCase()}`;
      const first = seen.get(id);
      if (!first) seen.set(id, entry);
      else if (first.key !== entry.key)
        report(
          `${entry.key} repeats ${first.key} in the same ${entry.operator} block; condition key names ignore case, so these are the same key. Keep one and merge their values.`,
          keyTarget(entry),
        );
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Values

function valueCheck(
  spec: Omit<CheckSpec, 'run'>,
  message: (value: ConditionValue, site: KeySite & { operator: ParsedOperator }) => string | undefined,
): CheckDefinition {
  return conditionsCheck({
    ...spec,
    run(ctx, report) {
      for (const site of sitesOf(ctx).keys) {
        const operator = site.operator;
        if (!operator) continue;
        for (const value of site.entry.values) {
          if (!isScalar(value)) continue;
          const details = message(value, { ...site, operator });
          if (details) report(details, at(value));
        }
      }
    },
  });
}

/** Whether a value can be checked against its operator's format: variables are resolved later. */
const literal = (v: ConditionValue) => v.jsonType !== 'string' || !hasVariable(v.value);

const invalidVariableForOperator = conditionsCheck({
  issueCode: 'INVALID_VARIABLE_FOR_OPERATOR',
  findingType: 'ERROR',
  summary: 'A policy variable in the value of an operator that does not substitute variables.',
  run(ctx, report) {
    for (const { entry, operator } of sitesOf(ctx).keys) {
      if (!operator || familyInfo(operator.family).supportsVariables) continue;
      for (const value of entry.values) {
        if (value.jsonType !== 'string' || !value.value.includes('${')) continue;
        for (const v of scanVariables(value.value).variables) {
          if (v.isEscape) continue;
          report(
            `${operator.base.name} compares the value as written; only String and ARN operators substitute policy variables such as ${value.value.slice(v.start, v.start + v.length)}.`,
            substringOf(value, v.start, v.length),
          );
        }
      }
    }
  },
});

const typeMismatchBoolean = valueCheck(
  {
    issueCode: 'TYPE_MISMATCH_BOOLEAN',
    findingType: 'WARNING',
    summary: 'A Bool or Null operator value other than true or false.',
  },
  (v, { operator }) =>
    (operator.family === 'Bool' || operator.family === 'Null') &&
    literal(v) &&
    !/^(?:true|false)$/i.test(v.value)
      ? `${operator.base.name} takes true or false; "${v.value}" is neither.`
      : undefined,
);

const typeMismatchNumber = valueCheck(
  {
    issueCode: 'TYPE_MISMATCH_NUMBER',
    findingType: 'WARNING',
    summary: 'A Numeric operator value that is not a number.',
  },
  (v, { operator }) =>
    operator.family === 'Numeric' && literal(v) && !NUMBER.test(v.value)
      ? `${operator.base.name} compares numbers; "${v.value}" is not a number.`
      : undefined,
);

const typeMismatchDate = valueCheck(
  {
    issueCode: 'TYPE_MISMATCH_DATE',
    findingType: 'WARNING',
    summary: 'A Date operator value that is neither an ISO 8601 date/time nor epoch seconds.',
  },
  (v, { operator }) =>
    operator.family === 'Date' && literal(v) && !EPOCH.test(v.value) && !isIsoDate(v.value)
      ? `${operator.base.name} compares dates; "${v.value}" is not one. Write an ISO 8601 date such as 2030-01-31 or 2030-01-31T12:00:00Z.`
      : undefined,
);

const invalidDateValue = valueCheck(
  {
    issueCode: 'INVALID_DATE_VALUE',
    findingType: 'WARNING',
    summary: 'A Date operator value written as epoch seconds rather than an ISO 8601 date.',
  },
  (v, { operator }) => {
    if (operator.family !== 'Date' || !EPOCH.test(v.value)) return undefined;
    const date = new Date(Number(v.value) * 1000);
    const example = Number.isNaN(date.getTime())
      ? '2030-01-31T12:00:00Z'
      : date.toISOString().replace('.000Z', 'Z');
    return `"${v.value}" is read as seconds since 1970, which is easy to get wrong. Write the date in ISO 8601 form, e.g. ${example}.`;
  },
);

const typeMismatchIpRange = valueCheck(
  {
    issueCode: 'TYPE_MISMATCH_IP_RANGE',
    findingType: 'WARNING',
    summary: 'An IpAddress/NotIpAddress value that is not an IP address or CIDR range.',
  },
  (v, { operator }) =>
    operator.family === 'IpAddress' && literal(v) && !parseCidr(v.value)
      ? `${operator.base.name} takes IPv4 or IPv6 addresses in CIDR notation, e.g. 203.0.113.0/24; "${v.value}" is not one.`
      : undefined,
);

const typeMismatchString = valueCheck(
  {
    issueCode: 'TYPE_MISMATCH_STRING',
    findingType: 'WARNING',
    summary: 'A BinaryEquals value that is not base64.',
  },
  (v, { operator }) =>
    operator.family === 'Binary' && literal(v) && (v.value === '' || !BASE64.test(v.value))
      ? `${operator.base.name} compares binary data written in base64; "${v.value}" is not valid base64.`
      : undefined,
);

const wildcardWithoutLikeOperator = valueCheck(
  {
    issueCode: 'WILDCARD_WITHOUT_LIKE_OPERATOR',
    findingType: 'WARNING',
    summary: 'A * or ? in the value of a string operator that compares literally.',
  },
  (v, { operator }) =>
    operator.family === 'String' &&
    operator.base.comparison !== 'like' &&
    /[*?]/.test(withoutVariables(v.value))
      ? `${operator.base.name} treats * and ? in "${v.value}" as literal characters. If they are meant as wildcards, use ${operator.text.replace(/Equals(IgnoreCase)?/, 'Like')}.`
      : undefined,
);

const improveIpRange = valueCheck(
  {
    issueCode: 'IMPROVE_IP_RANGE',
    findingType: 'SUGGESTION',
    summary: 'A CIDR range with bits set after the prefix, which IAM ignores.',
  },
  (v, { operator }) => {
    if (operator.family !== 'IpAddress') return undefined;
    const cidr = parseCidr(v.value);
    if (!cidr || (cidr.address & hostMask(cidr)) === 0n) return undefined;
    return `The bits of ${v.value} after the first ${cidr.prefix} are ignored, so the range is ${networkOf(cidr)}. Write ${networkOf(cidr)} to say so.`;
  },
);

const invalidConditionDataType = conditionsCheck({
  issueCode: 'INVALID_CONDITION_DATA_TYPE',
  findingType: 'ERROR',
  summary: 'A condition value list that mixes JSON strings, numbers and booleans.',
  run(ctx, report) {
    for (const { entry } of sitesOf(ctx).keys) {
      const types = new Set(entry.values.filter(isScalar).map((v) => v.jsonType));
      if (types.size < 2) continue;
      report(
        `The values of ${entry.key} mix JSON ${[...types].join(' and ')} values. Write them all with one JSON type, e.g. all as strings.`,
        valuesTarget(entry),
      );
    }
  },
});

const invalidConditionMultipleBoolean = conditionsCheck({
  issueCode: 'INVALID_CONDITION_MULTIPLE_BOOLEAN',
  findingType: 'ERROR',
  summary: 'Several values for a Bool or Null condition, which takes a single true or false.',
  run(ctx, report) {
    for (const { entry, operator } of sitesOf(ctx).keys) {
      if (!operator || operator.setQualifier || (operator.family !== 'Bool' && operator.family !== 'Null'))
        continue;
      if (entry.values.length < 2) continue;
      report(
        `${operator.base.name} takes one value, true or false; with several the condition no longer says one thing about ${entry.key}. Keep a single value.`,
        valuesTarget(entry),
      );
    }
  },
});

const ORDERING = new Set(['lessThan', 'lessThanEquals', 'greaterThan', 'greaterThanEquals']);

const redundantConditionValueNum = conditionsCheck({
  issueCode: 'REDUNDANT_CONDITION_VALUE_NUM',
  findingType: 'SUGGESTION',
  summary: 'Several values for a numeric ordering operator, where one bound decides the result.',
  run(ctx, report) {
    for (const { entry, operator } of sitesOf(ctx).keys) {
      if (operator?.family !== 'Numeric' || operator.setQualifier || !ORDERING.has(operator.base.comparison))
        continue;
      const numbers = entry.values
        .filter((v) => isScalar(v) && NUMBER.test(v.value))
        .map((v) => Number(v.value));
      if (new Set(numbers).size < 2) continue;
      const upper = operator.base.comparison.startsWith('less');
      const bound = upper ? Math.max(...numbers) : Math.min(...numbers);
      report(
        `${operator.base.name} matches when any one value matches, so only the ${upper ? 'greatest' : 'least'} value counts. Replace the values of ${entry.key} with ${bound}.`,
        valuesTarget(entry),
      );
    }
  },
});

// ---------------------------------------------------------------------------------------------
// aws:SourceIp and private addresses

interface SourceIpSite {
  readonly entry: ConditionEntry;
  readonly negated: boolean;
  readonly privateCount: number;
  readonly total: number;
}

function sourceIpSites(ctx: CheckContext): SourceIpSite[] {
  const out: SourceIpSite[] = [];
  for (const { entry, operator } of sitesOf(ctx).keys) {
    if (operator?.family !== 'IpAddress' || entry.key.toLowerCase() !== 'aws:sourceip') continue;
    const ranges = entry.values.map((v) => (isScalar(v) ? parseCidr(v.value) : undefined));
    if (ranges.length === 0 || ranges.some((r) => !r)) continue;
    const privateCount = ranges.filter((r) => isPrivateRange(r!)).length;
    out.push({ entry, negated: operator.negated, privateCount, total: ranges.length });
  }
  return out;
}

function sourceIpCheck(
  spec: Omit<CheckSpec, 'run'>,
  applies: (s: SourceIpSite) => boolean,
  details: string,
): CheckDefinition {
  return conditionsCheck({
    ...spec,
    run(ctx, report) {
      for (const site of sourceIpSites(ctx)) if (applies(site)) report(details, valuesTarget(site.entry));
    },
  });
}

const privateIpAddress = sourceIpCheck(
  {
    issueCode: 'PRIVATE_IP_ADDRESS',
    findingType: 'ERROR',
    summary: 'IpAddress on aws:SourceIp with only private ranges, which never match.',
  },
  (s) => !s.negated && s.privateCount === s.total,
  'aws:SourceIp carries only public addresses; requests through a VPC endpoint carry aws:VpcSourceIp instead. Every range here is private, so this condition never matches. Use public ranges, or aws:VpcSourceIp for private ones.',
);

const privateNotIpAddress = sourceIpCheck(
  {
    issueCode: 'PRIVATE_NOT_IP_ADDRESS',
    findingType: 'ERROR',
    summary: 'NotIpAddress on aws:SourceIp with only private ranges, which always match.',
  },
  (s) => s.negated && s.privateCount === s.total,
  'aws:SourceIp carries only public addresses, and every range here is private, so this NotIpAddress condition always matches and restricts nothing. Use public ranges, or aws:VpcSourceIp for private ones.',
);

const privateIpAddressSubset = sourceIpCheck(
  {
    issueCode: 'PRIVATE_IP_ADDRESS_SUBSET',
    findingType: 'SUGGESTION',
    summary: 'IpAddress on aws:SourceIp mixing public and private ranges; the private ones never match.',
  },
  (s) => !s.negated && s.privateCount > 0 && s.privateCount < s.total,
  'Some of these aws:SourceIp ranges are private; aws:SourceIp carries only public addresses, so those ranges never match. Move the private ranges to a condition on aws:VpcSourceIp.',
);

const privateNotIpAddressSubset = sourceIpCheck(
  {
    issueCode: 'PRIVATE_NOT_IP_ADDRESS_SUBSET',
    findingType: 'SUGGESTION',
    summary:
      'NotIpAddress on aws:SourceIp mixing public and private ranges; the private ones have no effect.',
  },
  (s) => s.negated && s.privateCount > 0 && s.privateCount < s.total,
  'Some of these aws:SourceIp ranges are private; aws:SourceIp carries only public addresses, so excluding them has no effect. Exclude private ranges with NotIpAddress on aws:VpcSourceIp.',
);

// ---------------------------------------------------------------------------------------------
// Empty conditions

function emptyArrayCheck(
  issueCode: string,
  summary: string,
  applies: (op: ParsedOperator) => boolean,
  details: (entry: ConditionEntry, op: ParsedOperator) => string,
): CheckDefinition {
  return conditionsCheck({
    issueCode,
    findingType: 'SUGGESTION',
    summary,
    run(ctx, report) {
      for (const { entry, operator } of sitesOf(ctx).keys) {
        if (!operator || !entry.valueIsArray || entry.values.length > 0 || !applies(operator)) continue;
        report(details(entry, operator), valuesTarget(entry));
      }
    },
  });
}

const emptyArrayCondition = emptyArrayCheck(
  'EMPTY_ARRAY_CONDITION',
  'A condition key with an empty list of values.',
  (op) => !op.setQualifier && !op.ifExists,
  (e) =>
    `${e.key} has no values to compare with, so this condition never matches. Give it values or remove it.`,
);

const emptyArrayConditionForAllValues = emptyArrayCheck(
  'EMPTY_ARRAY_CONDITION_FORALLVALUES',
  'ForAllValues with an empty list of values, which matches only requests without the key.',
  (op) => op.setQualifier === 'ForAllValues',
  (e) =>
    `With no values, ForAllValues matches only requests that do not carry ${e.key}. To test for that, say so with "Null": {"${e.key}": "true"}.`,
);

const emptyArrayConditionForAnyValue = emptyArrayCheck(
  'EMPTY_ARRAY_CONDITION_FORANYVALUE',
  'ForAnyValue with an empty list of values, which never matches.',
  (op) => op.setQualifier === 'ForAnyValue',
  (e) =>
    `With no values, ForAnyValue never matches ${e.key}, so this condition never matches. Give it values.`,
);

const emptyArrayConditionIfExists = emptyArrayCheck(
  'EMPTY_ARRAY_CONDITION_IFEXISTS',
  'An IfExists operator with an empty list of values, which matches only requests without the key.',
  (op) => !op.setQualifier && op.ifExists,
  (e, op) =>
    `With no values, ${op.base.name}IfExists matches only requests that do not carry ${e.key}. To test for that, say so with "Null": {"${e.key}": "true"}.`,
);

const emptyObjectCondition = conditionsCheck({
  issueCode: 'EMPTY_OBJECT_CONDITION',
  findingType: 'SUGGESTION',
  summary: 'A Condition element with no operators.',
  run(ctx, report) {
    for (const s of ctx.policy.statements) {
      const c = s.condition;
      if (c?.node.type !== 'object' || c.node.members.length > 0) continue;
      report('This Condition element is empty and has no effect. Remove it or add conditions.', {
        path: c.path,
        node: c.node,
      });
    }
  },
});

export const conditionsChecks: CheckDefinition[] = [
  invalidConditionOperator,
  nullWithIfExists,
  nullWithQualifier,
  invalidConditionKeyFormat,
  invalidGlobalConditionKey,
  invalidServiceConditionKey,
  invalidService,
  missingTagKeyInCondition,
  unsupportedGlobalConditionKey,
  deprecatedGlobalConditionKey,
  missingQualifier,
  forAllValuesWithSingleValuedKey,
  stringLikeWithArnKey,
  typeMismatch,
  duplicateKeysWithDifferentCase,
  invalidVariableForOperator,
  typeMismatchBoolean,
  typeMismatchNumber,
  typeMismatchDate,
  invalidDateValue,
  typeMismatchIpRange,
  typeMismatchString,
  wildcardWithoutLikeOperator,
  improveIpRange,
  invalidConditionDataType,
  invalidConditionMultipleBoolean,
  redundantConditionValueNum,
  privateIpAddress,
  privateNotIpAddress,
  privateIpAddressSubset,
  privateNotIpAddressSubset,
  emptyArrayCondition,
  emptyArrayConditionForAllValues,
  emptyArrayConditionForAnyValue,
  emptyArrayConditionIfExists,
  emptyObjectCondition,
];
