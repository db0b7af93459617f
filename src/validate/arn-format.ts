// Resource ARNs as written in policies, and the ARN formats of the IAM service reference.
//
// A policy ARN is a pattern: `*` and `?` are wildcards and a policy variable such as
// `${aws:username}` stands for any value. A reference template such as
// `arn:${Partition}:s3:::${BucketName}/${ObjectName}` is a pattern too: each `${Placeholder}` stands
// for any non-empty text. Whether a policy ARN can name a resource of some type is whether the two
// patterns can match a common string, field by field.
import type { Catalog, ResourceTypeInfo } from '../catalog/index.ts';
import { PARTITIONS, scanVariables } from '../policy/index.ts';

/** Region codes per partition, as AWS lists them (regions launched up to 2026). */
export const REGIONS_BY_PARTITION: Readonly<Record<string, readonly string[]>> = {
  aws: [
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-south-2',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-north-1',
    'eu-south-1',
    'eu-south-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'il-central-1',
    'me-central-1',
    'me-south-1',
    'mx-central-1',
    'sa-east-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
  'aws-iso': ['us-iso-east-1', 'us-iso-west-1'],
  'aws-iso-b': ['us-isob-east-1', 'us-isob-west-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-east-1', 'us-isof-south-1'],
  'aws-eusc': ['eusc-de-east-1'],
};

const PARTITION_OF_REGION = new Map(
  Object.entries(REGIONS_BY_PARTITION).flatMap(([partition, regions]) => regions.map((r) => [r, partition])),
);

/** The partition a region code belongs to, or undefined when it is not an AWS region code. */
export function partitionOfRegion(region: string): string | undefined {
  return PARTITION_OF_REGION.get(region);
}

// A pattern is a list of tokens: a character code for a literal, or one of these wildcards.
const ANY_ONE = -1; // `?`: exactly one character
const ANY_RUN = -2; // `*`: any run of characters, including none

export type Pattern = readonly number[];

/** One of the six fields of an ARN pattern, with where it sits in the policy string. */
export interface ArnField {
  /** The field as written. */
  readonly text: string;
  /** Offset of the field within the policy string. */
  readonly start: number;
  readonly pattern: Pattern;
  /** Whether the field has a wildcard or a policy variable, so it stands for more than one value. */
  readonly open: boolean;
}

export interface ArnPattern {
  readonly partition: ArnField;
  readonly service: ArnField;
  readonly region: ArnField;
  readonly account: ArnField;
  readonly resource: ArnField;
}

export type ArnReading =
  | { readonly kind: 'arn'; readonly arn: ArnPattern }
  /** Starts with `arn:` but has fewer than six colon-separated fields. */
  | { readonly kind: 'missing-fields'; readonly fields: number }
  | { readonly kind: 'not-arn' };

/** Wildcards and policy variables of a policy string as pattern tokens, with source offsets. */
function tokenize(text: string): { tokens: number[]; offsets: number[] } {
  const tokens: number[] = [];
  const offsets: number[] = [];
  const variables = text.includes('${') ? scanVariables(text).variables : [];
  let v = 0;
  for (let i = 0; i < text.length;) {
    const variable = variables[v];
    if (variable && variable.start === i) {
      // An escape such as `${*}` is the literal character; any other variable can be any value.
      tokens.push(variable.isEscape ? variable.name.charCodeAt(0) : ANY_RUN);
      offsets.push(i);
      i += variable.length;
      v++;
      continue;
    }
    const ch = text.charCodeAt(i);
    tokens.push(ch === 42 ? ANY_RUN : ch === 63 ? ANY_ONE : ch);
    offsets.push(i);
    i++;
  }
  return { tokens, offsets };
}

const COLON = 58;

/**
 * Reads a Resource element value as an ARN pattern. Colons inside a policy variable (as in
 * `${aws:username}`) do not separate fields; the sixth field runs to the end of the string.
 */
export function readArnPattern(text: string): ArnReading {
  let reading = readings.get(text);
  if (!reading) {
    reading = readArnPatternUncached(text);
    if (readings.size > 50_000) readings.clear();
    readings.set(text, reading);
  }
  return reading;
}

// Policies repeat the same ARNs across statements and checks; a reading is immutable.
const readings = new Map<string, ArnReading>();

function readArnPatternUncached(text: string): ArnReading {
  if (!text.startsWith('arn:')) return { kind: 'not-arn' };
  const { tokens, offsets } = tokenize(text);
  const fields: ArnField[] = [];
  let from = 0;
  const cut = (to: number, end: number) => {
    const start = from < offsets.length ? offsets[from]! : text.length;
    const pattern = tokens.slice(from, to);
    fields.push({
      text: text.slice(start, end),
      start,
      pattern,
      open: pattern.some((t) => t < 0) || text.slice(start, end).includes('${'),
    });
  };
  for (let i = 0; i < tokens.length && fields.length < 5; i++) {
    if (tokens[i] === COLON) {
      cut(i, offsets[i]!);
      from = i + 1;
    }
  }
  if (fields.length < 5) return { kind: 'missing-fields', fields: fields.length + 1 };
  cut(tokens.length, text.length);
  const [, partition, service, region, account, resource] = fields as [ArnField, ...ArnField[]];
  return {
    kind: 'arn',
    arn: {
      partition: partition!,
      service: service!,
      region: region!,
      account: account!,
      resource: resource!,
    },
  };
}

/** A template field as a pattern: `${Placeholder}` is any non-empty text, `*` any text. */
export function templatePattern(text: string): Pattern {
  const out: number[] = [];
  for (let i = 0; i < text.length;) {
    if (text.startsWith('${', i)) {
      const close = text.indexOf('}', i);
      if (close > 0) {
        out.push(ANY_ONE, ANY_RUN);
        i = close + 1;
        continue;
      }
    }
    const ch = text.charCodeAt(i);
    out.push(ch === 42 ? ANY_RUN : ch);
    i++;
  }
  return out;
}

/** Whether some string matches both patterns: reachability in the product of the two automata. */
export function patternsOverlap(a: Pattern, b: Pattern): boolean {
  // Literal prefixes and suffixes must agree; this settles most pairs without the search.
  for (let i = 0; i < a.length && i < b.length && a[i]! >= 0 && b[i]! >= 0; i++)
    if (a[i] !== b[i]) return false;
  for (let i = a.length - 1, j = b.length - 1; i >= 0 && j >= 0 && a[i]! >= 0 && b[j]! >= 0; i--, j--) {
    if (a[i] !== b[j]) return false;
  }
  const width = b.length + 1;
  const seen = new Uint8Array((a.length + 1) * width);
  const stack = [0];
  seen[0] = 1;
  const visit = (i: number, j: number) => {
    const k = i * width + j;
    if (!seen[k]) {
      seen[k] = 1;
      stack.push(k);
    }
  };
  while (stack.length > 0) {
    const k = stack.pop()!;
    const i = Math.floor(k / width);
    const j = k % width;
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    if (ta === ANY_RUN) visit(i + 1, j);
    if (tb === ANY_RUN) visit(i, j + 1);
    if (ta === undefined || tb === undefined) continue;
    // Both sides read one common character.
    if (ta >= 0 && tb >= 0 && ta !== tb) continue;
    const ni = ta === ANY_RUN ? i : i + 1;
    const nj = tb === ANY_RUN ? j : j + 1;
    if (ni !== i || nj !== j) visit(ni, nj);
  }
  return false;
}

/** A reference ARN format, split into fields. */
export interface ArnTemplate {
  readonly resourceType: ResourceTypeInfo;
  /**
   * The service field of the ARN, which can differ from the service that defines the type; for a
   * format shared by many services (`arn:${Partition}:${Vendor}:…`), the defining service.
   */
  readonly arnService: string;
  readonly service: Pattern;
  readonly region: Pattern;
  readonly account: Pattern;
  readonly resource: Pattern;
  /** The region and account fields as written in the template (`${Region}`, empty, `aws`…). */
  readonly regionText: string;
  readonly accountText: string;
}

const templateCache = new WeakMap<ResourceTypeInfo, ArnTemplate | null>();

/** A resource type's ARN format as a template, or undefined when it does not have six fields. */
export function arnTemplateOf(resourceType: ResourceTypeInfo): ArnTemplate | undefined {
  let template = templateCache.get(resourceType);
  if (template === undefined) {
    template = null;
    const parts = splitTemplate(resourceType.arnTemplate);
    if (parts) {
      template = {
        resourceType,
        arnService: parts[2].includes('${') ? resourceType.service : parts[2],
        service: templatePattern(parts[2]),
        region: templatePattern(parts[3]),
        account: templatePattern(parts[4]),
        resource: templatePattern(parts[5]),
        regionText: parts[3],
        accountText: parts[4],
      };
    }
    templateCache.set(resourceType, template);
  }
  return template ?? undefined;
}

function splitTemplate(arn: string): [string, string, string, string, string, string] | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const colon = arn.indexOf(':', from);
    if (colon < 0) return undefined;
    parts.push(arn.slice(from, colon));
    from = colon + 1;
  }
  parts.push(arn.slice(from));
  return parts as [string, string, string, string, string, string];
}

/** Whether a policy ARN pattern can name a resource in the template's format. */
export function arnMayMatchTemplate(arn: ArnPattern, template: ArnTemplate): boolean {
  // Checks ask the same question of the same ARN and format many times (per action entry, per
  // statement); ARN readings are cached objects, so the answer is kept with them.
  let answers = matchCache.get(arn);
  if (!answers) matchCache.set(arn, (answers = new Map()));
  let answer = answers.get(template);
  if (answer === undefined) {
    answer =
      patternsOverlap(arn.service.pattern, template.service) &&
      patternsOverlap(arn.region.pattern, template.region) &&
      accountMayMatch(arn.account, template) &&
      resourceMayMatch(arn, template);
    answers.set(template, answer);
  }
  return answer;
}

const matchCache = new WeakMap<ArnPattern, Map<ArnTemplate, boolean>>();

/** Whether the ARN's resource part can fit the format's resource part (cached like the above). */
export function resourceMayMatch(arn: ArnPattern, template: ArnTemplate): boolean {
  let answers = resourceCache.get(arn);
  if (!answers) resourceCache.set(arn, (answers = new Map()));
  let answer = answers.get(template);
  if (answer === undefined) {
    answer = patternsOverlap(arn.resource.pattern, template.resource);
    answers.set(template, answer);
  }
  return answer;
}

const resourceCache = new WeakMap<ArnPattern, Map<ArnTemplate, boolean>>();

/**
 * Account fields: resources AWS owns are written with an empty account (`arn:aws:ssm:*::document/…`,
 * `arn:aws:ec2:*::image/…`) or `aws` (`arn:aws:iam::aws:policy/…`) where the reference writes
 * `${Account}`, so both are taken to fit an account placeholder.
 */
export function accountMayMatch(account: ArnField, template: ArnTemplate): boolean {
  if (patternsOverlap(account.pattern, template.account)) return true;
  return template.accountText.includes('${') && (account.text === '' || account.text === 'aws');
}

const indexes = new WeakMap<Catalog, Map<string, ArnTemplate[]>>();

/** Every ARN format of the reference, by the ARN's service field (built once per catalog). */
export function templatesByArnService(catalog: Catalog): ReadonlyMap<string, readonly ArnTemplate[]> {
  let index = indexes.get(catalog);
  if (!index) {
    index = new Map();
    for (const service of catalog.services()) {
      for (const resourceType of catalog.resourceTypesOf(service.prefix)) {
        const template = arnTemplateOf(resourceType);
        if (!template) continue;
        const list = index.get(template.arnService);
        if (list) list.push(template);
        else index.set(template.arnService, [template]);
      }
    }
    indexes.set(catalog, index);
  }
  return index;
}

/** The formats of ARNs whose service field is exactly `service`. */
export function templatesForService(catalog: Catalog, service: string): readonly ArnTemplate[] {
  return templatesByArnService(catalog).get(service) ?? [];
}

/**
 * The formats that the service with this prefix documents for its own ARNs: a subset of
 * templatesForService that needs only that service's reference, not every service's.
 */
export function ownTemplatesForService(catalog: Catalog, service: string): readonly ArnTemplate[] {
  let byService = ownIndexes.get(catalog);
  if (!byService) ownIndexes.set(catalog, (byService = new Map()));
  let templates = byService.get(service);
  if (!templates) {
    templates = catalog
      .resourceTypesOf(service)
      .flatMap((t) => arnTemplateOf(t) ?? [])
      .filter((t) => t.arnService === service);
    byService.set(service, templates);
  }
  return templates;
}

const ownIndexes = new WeakMap<Catalog, Map<string, readonly ArnTemplate[]>>();

/** Whether the text names a partition: one of AWS's, or a pattern that can match one. */
export function partitionMayBeValid(field: ArnField): boolean {
  if (!field.open) return (PARTITIONS as readonly string[]).includes(field.text);
  return PARTITIONS.some((p) => patternsOverlap(field.pattern, templatePattern(p)));
}
