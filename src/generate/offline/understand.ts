// Reads a request's text for what it names: services, kinds of access, explicit actions and
// resources. Pure and deterministic; what it cannot find it leaves out, and the drafter asks.
import type { Catalog } from '../../catalog/index.ts';
import { parseArn } from '../../policy/index.ts';
import type { Intent, ResourceNoun } from './lexicon.ts';
import {
  INTENT_WORDS,
  ONLY_WORDS,
  RESOURCE_NOUNS,
  SERVICE_ALIASES,
  TOPIC_WORDS_KO,
  WEAK_READ_WORDS,
} from './lexicon.ts';

type IntentWords = { readonly en: readonly string[]; readonly ko: readonly string[] };

/** A resource the request names, with the ARN template placeholders its name fills. */
export interface NamedResource {
  readonly service: string;
  /** Resource type key, when known (an ARN given verbatim may leave it open). */
  readonly resourceType?: string;
  /** Placeholder name → the values it takes, e.g. BucketName → ['analytics-raw']. */
  readonly values: Readonly<Record<string, readonly string[]>>;
  /** A full ARN the request gave. */
  readonly arn?: string;
  /** The text that named it, for the summary. */
  readonly label: string;
}

export interface Understanding {
  /** Service prefix → the words that named it. */
  readonly services: ReadonlyMap<string, readonly string[]>;
  readonly intents: ReadonlySet<Intent>;
  /** Full action names (`s3:GetObject`, possibly with wildcards) the text spells out. */
  readonly explicitActions: readonly string[];
  readonly resources: readonly NamedResource[];
  /** "only", "read-only", "만": keep to exactly what was named. */
  readonly only: boolean;
  /**
   * The words the request uses (metric, dashboard, item…; Korean nouns as their English words), in
   * every singular and plural form (see wordForms); the names of its resources are not among them.
   */
  readonly topics: ReadonlySet<string>;
}

/** A word's possible singulars and itself: "policies" → policies, policie, polici, policy. */
export function wordForms(word: string): string[] {
  const w = word.toLowerCase();
  const forms = [w];
  if (w.length > 3 && w.endsWith('s')) forms.push(w.slice(0, -1));
  if (w.length > 4 && w.endsWith('es')) forms.push(w.slice(0, -2));
  if (w.length > 4 && w.endsWith('ies')) forms.push(`${w.slice(0, -3)}y`);
  return forms;
}

function topicsOf(text: string, resources: readonly NamedResource[]): Set<string> {
  const names = new Set(
    resources
      .flatMap((r) => Object.values(r.values).flat())
      .flatMap((v) => v.toLowerCase().split(/[^a-z0-9]+/)),
  );
  const topics = new Set<string>();
  for (const m of maskNames(text).matchAll(/[A-Za-z]{3,}/g)) {
    const word = m[0].toLowerCase();
    if (names.has(word) || NAME_STOPWORDS.has(word)) continue;
    for (const f of wordForms(word)) topics.add(f);
  }
  for (const [ko, words] of Object.entries(TOPIC_WORDS_KO)) {
    if (text.includes(ko)) for (const w of words) topics.add(w);
  }
  return topics;
}

const HANGUL = /[\u3131-\u318e\uac00-\ud7a3]/;
const NAME_STOPWORDS = new Set([
  'the',
  'a',
  'an',
  'my',
  'our',
  'your',
  'this',
  'that',
  'these',
  'those',
  'of',
  'to',
  'for',
  'in',
  'on',
  'from',
  'with',
  'and',
  'or',
  'new',
  'any',
  'all',
  'each',
  'every',
  'same',
  'some',
  'test',
  'named',
  'called',
  'aws',
  'amazon',
  'prod',
  'its',
  'their',
  'one',
]);

/** Whole-word match for Latin terms; substring match for Korean, which attaches endings to stems. */
function termRegExp(term: string): RegExp {
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
  // Latin words end at Latin letters or digits only: Korean particles attach directly ("S3를").
  return HANGUL.test(term)
    ? new RegExp(escaped, 'giu')
    : new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'giu');
}

function mentions(text: string, term: string): boolean {
  return termRegExp(term).test(text);
}

/** Where a service was named in the text. */
interface ServiceHit {
  readonly service: string;
  readonly term: string;
  readonly start: number;
  readonly end: number;
}

/** Resource names (ARNs, s3:// URLs, paths) are blanked out before looking for service names in prose. */
function maskNames(text: string): string {
  return text.replace(/arn:[^\s"',)]+|s3:\/\/[^\s"']+|(?<![\w/.-])\/[A-Za-z0-9._/-]+/g, (m) =>
    ' '.repeat(m.length),
  );
}

function findServices(text: string, catalog: Catalog): ServiceHit[] {
  const hits: ServiceHit[] = [];
  const lower = text.toLowerCase();
  // Most terms are not in the text at all: a substring test spares building their expressions.
  const scan = (service: string, term: string, re: () => RegExp) => {
    if (!lower.includes(term.toLowerCase().split(' ')[0]!) || !catalog.service(service)) return;
    for (const m of text.matchAll(re()))
      hits.push({ service, term, start: m.index, end: m.index + m[0].length });
  };
  for (const [service, aliases] of Object.entries(SERVICE_ALIASES)) {
    for (const alias of aliases) scan(service, alias, () => termRegExp(alias));
  }
  // Display names from the service reference ("Amazon Translate" → "Translate"): several words
  // match in any case; a single word only as capitalised, so "translate this" is not a service.
  for (const info of catalog.services()) {
    const short = info.name.replace(/^(Amazon|AWS)\s+/, '').replace(/\s*\(.*\)$/, '');
    if (short.length < 4) continue;
    const escaped = short.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    scan(info.prefix, short, () =>
      short.includes(' ')
        ? termRegExp(short)
        : new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'g'),
    );
  }
  // A name inside a longer name of another service is not a mention ("CloudWatch" in "CloudWatch Logs").
  return hits.filter(
    (h) =>
      !hits.some(
        (o) =>
          o.service !== h.service &&
          o.start <= h.start &&
          o.end >= h.end &&
          o.end - o.start > h.end - h.start,
      ),
  );
}

export function understand(text: string, catalog: Catalog): Understanding {
  const normalized = text.normalize('NFC');
  const services = new Map<string, string[]>();
  const note = (service: string, evidence: string) => {
    if (!catalog.service(service)) return;
    const list = services.get(service) ?? [];
    if (!list.includes(evidence)) list.push(evidence);
    services.set(service, list);
  };
  for (const hit of findServices(maskNames(normalized), catalog)) note(hit.service, hit.term);

  const explicitActions = findExplicitActions(normalized, catalog, services);
  for (const a of explicitActions) note(a.slice(0, a.indexOf(':')), a);

  const resources = findResources(normalized, services);
  for (const r of resources) note(r.service, r.label);

  const intents = new Set<Intent>();
  for (const [intent, words] of Object.entries(INTENT_WORDS) as [Intent, IntentWords][]) {
    if ([...words.en, ...words.ko].some((w) => mentions(normalized, w))) intents.add(intent);
  }
  // "see", "보고 싶다" only mean reading when nothing more specific was asked ("버킷 목록을 보고").
  const weakRead = [...WEAK_READ_WORDS.en, ...WEAK_READ_WORDS.ko].some((w) => mentions(normalized, w));
  if (weakRead && !intents.has('read') && ![...intents].some((i) => i !== 'console' && i !== 'use')) {
    intents.add('read');
  }
  const only =
    [...ONLY_WORDS.en].some((w) => mentions(normalized, w)) ||
    ONLY_WORDS.ko.some((w) => normalized.includes(w));

  return { services, intents, explicitActions, resources, only, topics: topicsOf(normalized, resources) };
}

/** `service:Action` spelled out, and bare action names (`GetItem`) of services already named. */
function findExplicitActions(text: string, catalog: Catalog, services: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?<![\w-])([a-z0-9-]{2,40}):([A-Za-z*?]+)(?![\w])/g)) {
    const [, service, action] = m;
    if (!catalog.service(service!)) continue;
    const full = `${service}:${action}`;
    if (/[*?]/.test(action!) || catalog.action(full)) found.push(catalog.action(full)?.key ?? full);
  }
  // Bare PascalCase names count only for services the text already names, and must match exactly.
  const named = [...services.keys(), ...found.map((a) => a.slice(0, a.indexOf(':')))];
  for (const m of text.matchAll(/(?<![\w:-])([A-Z][a-z]+(?:[A-Z][a-z0-9]*)*)(?![\w:-])/g)) {
    for (const service of named) {
      const action = catalog.action(`${service}:${m[1]}`);
      if (action && action.name === m[1] && !found.includes(action.key)) found.push(action.key);
    }
  }
  return found;
}

const NAME_CHARS = '[A-Za-z0-9][A-Za-z0-9._/+=@-]*';

function cleanName(raw: string): string {
  return raw.replace(/[.,;:!?)]+$/, '');
}

function acceptableName(noun: ResourceNoun, name: string): boolean {
  if (NAME_STOPWORDS.has(name.toLowerCase())) return false;
  if (Object.values(SERVICE_ALIASES).some((aliases) => aliases.includes(name.toLowerCase()))) return false;
  return noun.namePattern.test(name);
}

function findResources(text: string, services: Map<string, string[]>): NamedResource[] {
  const out: NamedResource[] = [];
  const add = (r: NamedResource) => {
    const anyOfType = out.findIndex(
      (o) =>
        o.service === r.service && o.resourceType === r.resourceType && Object.keys(o.values).length === 0,
    );
    if (anyOfType >= 0 && Object.keys(r.values).length > 0) out.splice(anyOfType, 1);
    if (!out.some((o) => o.service === r.service && o.label === r.label)) out.push(r);
  };

  for (const m of text.matchAll(/arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[^\s"',)]+/g)) {
    const arn = parseArn(m[0]);
    if (arn) add({ service: arn.service, arn: m[0], values: {}, label: m[0] });
  }

  for (const m of text.matchAll(/(?<![\w-])(i-[0-9a-f]{8}(?:[0-9a-f]{9})?)(?![\w-])/g)) {
    add({ service: 'ec2', resourceType: 'instance', values: { InstanceId: [m[1]!] }, label: m[1]! });
  }

  // KMS key ids are UUIDs; aliases are written alias/name.
  for (const m of text.matchAll(
    /(?<![\w-])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})(?![\w-])/g,
  )) {
    if (services.has('kms') || /\bkey\b|키/i.test(text)) {
      add({ service: 'kms', resourceType: 'key', values: { KeyId: [m[1]!] }, label: `key ${m[1]}` });
    }
  }
  for (const m of text.matchAll(/(?<![\w/-])alias\/([A-Za-z0-9/_-]{1,250})/g)) {
    add({ service: 'kms', resourceType: 'alias', values: { Alias: [m[1]!] }, label: `alias/${m[1]}` });
  }

  for (const m of text.matchAll(/s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^\s"']*)?/g)) {
    const prefix = (m[2] ?? '').replace(/^\//, '');
    add(s3Location(m[1]!, prefix, m[0]));
  }

  for (const noun of RESOURCE_NOUNS) {
    // A generic noun ("table", "job") names a resource only of a service the text already names.
    if (!noun.distinctive && !services.has(noun.service)) continue;
    for (const word of noun.words) {
      const w = word.replace(/ /g, '\\s+');
      const korean = HANGUL.test(word);
      const after = new RegExp(
        `(?<![\\p{L}])${w}${korean ? '' : '(?![\\p{L}])'}\\s+(?:named\\s+|called\\s+|이름이?\\s+)?["'\`]?(${NAME_CHARS})`,
        'giu',
      );
      const before = new RegExp(
        `(${NAME_CHARS})["'\`]?${korean ? '\\s*' : '\\s+'}${w}${korean ? '' : '(?![\\p{L}])'}`,
        'giu',
      );
      // The noun alone ("create Lambda functions") still says which kind of resource is meant.
      const bare = new RegExp(`(?<![\\p{L}])${w}(?:s|es)?${korean ? '' : '(?![\\p{L}])'}`, 'iu');
      if (bare.test(text) && !out.some((o) => o.service === noun.service)) {
        add({
          service: noun.service,
          resourceType: noun.resourceType,
          values: {},
          label: `${noun.resourceType} (any)`,
        });
      }
      for (const re of [after, before]) {
        for (const m of text.matchAll(re)) {
          const name = cleanName(m[1]!);
          if (!acceptableName(noun, name)) continue;
          add({
            service: noun.service,
            resourceType: noun.resourceType,
            values: { [noun.placeholder]: [name + (noun.arnSuffix ?? '')] },
            label: `${noun.resourceType} ${name}`,
          });
        }
      }
    }
  }

  // An S3 prefix ("the 2026/ prefix", "prefix logs/2026/", "2026/ 경로") refines a named bucket.
  const prefixMatch =
    /(?:prefix|folder|under|접두사|폴더)\s+(?:the\s+)?["'`]?([A-Za-z0-9._-][A-Za-z0-9._/-]*\/)/i.exec(text) ??
    /["'`]?([A-Za-z0-9._-][A-Za-z0-9._/-]*\/)["'`]?\s*(?:prefix|folder|접두사|폴더|경로)/i.exec(text);
  const bucket = out.find((r) => r.service === 's3' && r.resourceType === 'bucket');
  if (prefixMatch && bucket) {
    const name = bucket.values.BucketName![0]!;
    out.splice(out.indexOf(bucket), 1, s3Location(name, prefixMatch[1]!, `${name}/${prefixMatch[1]}`));
  }

  // A Lambda function writes its logs to the log group /aws/lambda/<name>.
  if (/\blogs?\b|로그/i.test(text)) {
    for (const fn of out.filter((r) => r.service === 'lambda' && r.values.FunctionName)) {
      for (const name of fn.values.FunctionName!) {
        add({
          service: 'logs',
          resourceType: 'log-group',
          values: { LogGroupName: [`/aws/lambda/${name}`] },
          label: `log group /aws/lambda/${name}`,
        });
      }
    }
  }

  // Paths that start with "/" name a log group or a parameter path, for whichever is named.
  for (const m of text.matchAll(/(?<![\w/.-])(\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*\/?)(?![\w/-])/g)) {
    const path = m[1]!;
    if (services.has('logs') || /log\s*group|로그\s*그룹/i.test(text)) {
      add({
        service: 'logs',
        resourceType: 'log-group',
        values: { LogGroupName: [path.replace(/\/$/, '')] },
        label: `log group ${path}`,
      });
    } else if (services.has('ssm')) {
      const trimmed = path.replace(/^\/|\/$/g, '');
      add({
        service: 'ssm',
        resourceType: 'parameter',
        values: { ParameterNameWithoutLeadingSlash: [trimmed, `${trimmed}/*`] },
        label: `parameters under ${path}`,
      });
    }
  }
  return out;
}

function s3Location(bucket: string, prefix: string, label: string): NamedResource {
  return {
    service: 's3',
    resourceType: 'bucket',
    values: { BucketName: [bucket], ObjectName: [prefix === '' ? '*' : `${prefix.replace(/\*$/, '')}*`] },
    label,
  };
}
