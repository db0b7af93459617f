// Structure: the policy grammar — elements, their JSON types, Version, Effect, Sid, duplicate keys,
// size quotas, empty elements and statements that add nothing. Empty and duplicate condition
// keys and principals belong to the conditions and principals families.
import type { JsonMember, JsonNode, Path, Policy, PolicyType, Statement } from '../../policy/index.ts';
import { effectOf, toValue, wildcardCovers, wildcardsIntersect } from '../../policy/index.ts';
import { at, defineCheck } from '../check.ts';
import type { CheckContext, CheckDefinition, Target } from '../check.ts';
import { awsCheckLink, grantflowCheckLink } from '../finding.ts';

const VERSIONS = ['2012-10-17', '2008-10-17'];
const POLICY_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
/** Policy types that IAM itself parses: its Sid rules (letters and digits, unique) apply. */
const IAM_PARSED: readonly PolicyType[] = ['identity', 'trust', 'boundary', 'session'];
/** Policy types whose Sid rules are the owning service's or Organizations', not IAM's. */
const NOT_IAM_PARSED: readonly PolicyType[] = ['resource', 'scp', 'rcp'];

// ---------------------------------------------------------------------------------------------
// Helpers over the raw JSON: the model keeps only the first of duplicate members and drops
// values of the wrong type, which is exactly what these checks need to see.

export function memberOf(node: JsonNode, name: string): JsonMember | undefined {
  if (node.type !== 'object') return undefined;
  for (const m of node.members) if (m.key === name) return m;
  return undefined;
}

/** Points at a member's key, e.g. the `"Actoin"` of `"Actoin": ...`. */
function keyTarget(m: JsonMember, parent: Path): Target {
  return { path: [...parent, { key: m.key }], start: m.keyStart, end: m.keyEnd };
}

/** Points at a member's value. */
export function valueTarget(m: JsonMember, parent: Path): Target {
  return { path: [...parent, { value: m.key }], node: m.value };
}

export function objectStatements(policy: Policy): Statement[] {
  return policy.statements.filter((s) => s.node.type === 'object');
}

function statementLabel(s: Statement): string {
  return s.sid && s.sid.value !== '' ? `statement ${s.index} (Sid "${s.sid.value}")` : `statement ${s.index}`;
}

function describeType(node: JsonNode): string {
  return node.type === 'object' ? 'an object' : node.type === 'array' ? 'an array' : `a ${node.type}`;
}

// ---------------------------------------------------------------------------------------------
// Version, Statement and element names

const missingVersion = defineCheck({
  issueCode: 'MISSING_VERSION',
  findingType: 'WARNING',
  family: 'structure',
  learnMoreLink: awsCheckLink('WARNING', 'missing-version'),
  summary:
    'The policy has no Version element, so IAM reads it with the 2008-10-17 rules (no policy variables).',
  run(ctx, report) {
    if (ctx.policy.root.type !== 'object' || ctx.policy.root.members.some((m) => m.key === 'Version')) return;
    report(
      'Add "Version": "2012-10-17" to the policy. Without it IAM applies the 2008-10-17 language version, in which policy variables such as ${aws:username} are plain text.',
      at({ node: ctx.policy.root, path: [] }),
    );
  },
});

const invalidVersion = defineCheck({
  issueCode: 'INVALID_VERSION',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'invalid-version'),
  summary: 'The Version element is not one of the two policy language versions, 2012-10-17 and 2008-10-17.',
  run(ctx, report) {
    const version = ctx.policy.version;
    if (!version || VERSIONS.includes(version.value)) return;
    report(
      `"${version.value}" is not a policy language version. Use "2012-10-17" (or the older "2008-10-17"); the Version is the language date, not the date you wrote the policy.`,
      at(version),
    );
  },
});

const missingStatement = defineCheck({
  issueCode: 'MISSING_STATEMENT',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'missing-statement'),
  summary: 'The policy has no Statement element, or its Statement array is empty.',
  run(ctx, report) {
    const { root, statementElement } = ctx.policy;
    if (root.type !== 'object') return;
    if (!memberOf(root, 'Statement')) {
      report(
        'Add a "Statement" element: a policy needs at least one statement to do anything.',
        at({ node: root, path: [] }),
      );
    } else if (statementElement?.node.type === 'array' && statementElement.node.items.length === 0) {
      report('The Statement array is empty. Add at least one statement.', at(statementElement));
    }
  },
});

const invalidPolicyElement = defineCheck({
  issueCode: 'INVALID_POLICY_ELEMENT',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'invalid-policy-element'),
  summary:
    'The policy or a statement has an element that is not part of the policy grammar (names are case-sensitive).',
  run(ctx, report) {
    const { root } = ctx.policy;
    if (root.type !== 'object') return;
    for (const m of root.members) {
      if (!POLICY_ELEMENTS.has(m.key)) {
        report(
          `"${m.key}" is not a policy element. At the top level a policy has only Version, Id and Statement${suggestCase(m.key, POLICY_ELEMENTS)}.`,
          keyTarget(m, []),
        );
      }
    }
    for (const s of objectStatements(ctx.policy)) {
      for (const m of s.members) {
        if (!STATEMENT_ELEMENTS.has(m.key)) {
          report(
            `"${m.key}" is not a statement element. A statement has only Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition${suggestCase(m.key, STATEMENT_ELEMENTS)}.`,
            keyTarget(m, s.path),
          );
        }
      }
    }
  },
});

/** Element names are case-sensitive; point out the intended one when only the case is wrong. */
function suggestCase(name: string, known: ReadonlySet<string>): string {
  for (const k of known)
    if (k.toLowerCase() === name.toLowerCase()) return ` (did you mean "${k}"? names are case-sensitive)`;
  return '';
}

// ---------------------------------------------------------------------------------------------
// JSON data types of each element

interface Mismatch {
  readonly target: Target;
  readonly node: JsonNode;
  readonly expected: string;
}

function* stringList(m: JsonMember, parent: Path): Generator<Mismatch> {
  const path = [...parent, { value: m.key }];
  if (m.value.type === 'array') {
    for (const [index, item] of m.value.items.entries()) {
      if (item.type !== 'string')
        yield { target: { node: item, path: [...path, { index }] }, node: item, expected: 'a string' };
    }
  } else if (m.value.type !== 'string') {
    yield { target: valueTarget(m, parent), node: m.value, expected: 'a string or an array of strings' };
  }
}

function* principalTypes(m: JsonMember, parent: Path): Generator<Mismatch> {
  if (m.value.type === 'object') {
    for (const entry of m.value.members) yield* stringList(entry, [...parent, { value: m.key }]);
  } else if (m.value.type !== 'string') {
    yield {
      target: valueTarget(m, parent),
      node: m.value,
      expected: 'the string "*" or an object of principal types',
    };
  }
}

const SCALAR = new Set(['string', 'number', 'boolean']);

function* conditionTypes(m: JsonMember, parent: Path): Generator<Mismatch> {
  if (m.value.type !== 'object') {
    yield { target: valueTarget(m, parent), node: m.value, expected: 'an object of condition operators' };
    return;
  }
  const condPath = [...parent, { value: m.key }];
  for (const op of m.value.members) {
    if (op.value.type !== 'object') {
      yield { target: valueTarget(op, condPath), node: op.value, expected: 'an object of condition keys' };
      continue;
    }
    const opPath = [...condPath, { value: op.key }];
    for (const key of op.value.members) {
      const v = key.value;
      if (v.type === 'array') {
        for (const [index, item] of v.items.entries()) {
          if (!SCALAR.has(item.type)) {
            yield {
              target: { node: item, path: [...opPath, { value: key.key }, { index }] },
              node: item,
              expected: 'a string, number or boolean',
            };
          }
        }
      } else if (!SCALAR.has(v.type)) {
        yield {
          target: valueTarget(key, opPath),
          node: v,
          expected: 'a string, number, boolean or an array of them',
        };
      }
    }
  }
}

function* typeMismatches(policy: Policy): Generator<Mismatch> {
  const { root } = policy;
  if (root.type !== 'object') {
    yield { target: { node: root, path: [] }, node: root, expected: 'a JSON object' };
    return;
  }
  for (const m of root.members) {
    if ((m.key === 'Version' || m.key === 'Id') && m.value.type !== 'string') {
      yield { target: valueTarget(m, []), node: m.value, expected: 'a string' };
    } else if (m.key === 'Statement') {
      if (m.value.type === 'array') {
        for (const [index, item] of m.value.items.entries()) {
          if (item.type !== 'object') {
            yield {
              target: { node: item, path: [{ value: 'Statement' }, { index }] },
              node: item,
              expected: 'a statement object',
            };
          }
        }
      } else if (m.value.type !== 'object') {
        yield {
          target: valueTarget(m, []),
          node: m.value,
          expected: 'a statement object or an array of them',
        };
      }
    }
  }
  for (const s of objectStatements(policy)) {
    for (const m of s.members) {
      switch (m.key) {
        case 'Sid':
        case 'Effect':
          if (m.value.type !== 'string')
            yield { target: valueTarget(m, s.path), node: m.value, expected: 'a string' };
          break;
        case 'Action':
        case 'NotAction':
        case 'Resource':
        case 'NotResource':
          yield* stringList(m, s.path);
          break;
        case 'Principal':
        case 'NotPrincipal':
          yield* principalTypes(m, s.path);
          break;
        case 'Condition':
          yield* conditionTypes(m, s.path);
          break;
      }
    }
  }
}

const dataTypeMismatch = defineCheck({
  issueCode: 'DATA_TYPE_MISMATCH',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'data-type-mismatch'),
  summary:
    'An element has the wrong JSON type, such as a numeric Effect, an object as Action, or a Condition operator that is not an object.',
  run(ctx, report) {
    for (const m of typeMismatches(ctx.policy)) {
      report(`Expected ${m.expected} here, but found ${describeType(m.node)}.`, m.target);
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Effect, Action, Resource and element combinations

const missingEffect = defineCheck({
  issueCode: 'MISSING_EFFECT',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'missing-effect'),
  summary: 'A statement has no Effect element.',
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      if (!memberOf(s.node, 'Effect'))
        report('Add "Effect": "Allow" or "Effect": "Deny" to this statement.', at(s));
    }
  },
});

const invalidEffect = defineCheck({
  issueCode: 'INVALID_EFFECT',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'invalid-effect'),
  summary: 'The Effect is neither "Allow" nor "Deny" (the value is case-sensitive).',
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      if (!s.effect || effectOf(s)) continue;
      const hint = ['allow', 'deny'].includes(s.effect.value.toLowerCase())
        ? ' The value is case-sensitive.'
        : '';
      report(`"${s.effect.value}" is not an effect. Use "Allow" or "Deny".${hint}`, at(s.effect));
    }
  },
});

const missingAction = defineCheck({
  issueCode: 'MISSING_ACTION',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'missing-action'),
  summary: 'A statement has neither an Action nor a NotAction element.',
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      if (!memberOf(s.node, 'Action') && !memberOf(s.node, 'NotAction')) {
        report('Add an "Action" (or "NotAction") element listing the actions this statement covers.', at(s));
      }
    }
  },
});

const missingResource = defineCheck({
  issueCode: 'MISSING_RESOURCE',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'missing-resource'),
  summary:
    'A statement has neither a Resource nor a NotResource element (role trust policies are the exception).',
  policyTypes: ['identity', 'resource', 'scp', 'rcp', 'boundary', 'session'],
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      if (!memberOf(s.node, 'Resource') && !memberOf(s.node, 'NotResource')) {
        report(
          'Add a "Resource" (or "NotResource") element naming the resources this statement covers; use "*" for all.',
          at(s),
        );
      }
    }
  },
});

const EXCLUSIVE_PAIRS = [
  ['Action', 'NotAction'],
  ['Resource', 'NotResource'],
  ['Principal', 'NotPrincipal'],
] as const;

const unsupportedElementCombination = defineCheck({
  issueCode: 'UNSUPPORTED_ELEMENT_COMBINATION',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'unsupported-element-combination'),
  summary:
    'A statement has both elements of an exclusive pair: Action/NotAction, Resource/NotResource or Principal/NotPrincipal.',
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      for (const [a, b] of EXCLUSIVE_PAIRS) {
        const ma = memberOf(s.node, a);
        const mb = memberOf(s.node, b);
        if (ma && mb) {
          report(
            `A statement can have ${a} or ${b}, not both. Remove one of them.`,
            keyTarget(ma, s.path),
            keyTarget(mb, s.path),
          );
        }
      }
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Sid

const unsupportedSid = defineCheck({
  issueCode: 'UNSUPPORTED_SID',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'unsupported-sid'),
  summary: 'A Sid in a policy that IAM stores has characters other than ASCII letters and digits.',
  // Resource policies (S3, SNS, SQS...) and Organizations policies accept other Sid characters.
  policyTypes: IAM_PARSED,
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      if (s.sid && s.sid.value !== '' && !/^[A-Za-z0-9]+$/.test(s.sid.value)) {
        report(
          `IAM accepts only ASCII letters (A-Z, a-z) and digits (0-9) in a Sid; "${s.sid.value}" has other characters.`,
          at(s.sid),
        );
      }
    }
  },
});

/** Sids that repeat an earlier statement's Sid (exact match; empty Sids are left to EMPTY_SID_VALUE). */
function repeatedSids(policy: Policy): { statement: Statement; first: Statement }[] {
  const seen = new Map<string, Statement>();
  const out: { statement: Statement; first: Statement }[] = [];
  for (const s of objectStatements(policy)) {
    if (!s.sid || s.sid.value === '') continue;
    const first = seen.get(s.sid.value);
    if (first) out.push({ statement: s, first });
    else seen.set(s.sid.value, s);
  }
  return out;
}

const uniqueSidsRequired = defineCheck({
  issueCode: 'UNIQUE_SIDS_REQUIRED',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: awsCheckLink('ERROR', 'unique-sids-required'),
  summary: 'Two statements share a Sid in a policy that IAM stores, which IAM rejects.',
  policyTypes: IAM_PARSED,
  run(ctx, report) {
    for (const { statement, first } of repeatedSids(ctx.policy)) {
      report(
        `Statement ${first.index} already uses the Sid "${statement.sid!.value}"; IAM requires each Sid in a policy to be unique.`,
        at(statement.sid!),
      );
    }
  },
});

const uniqueSidsRecommended = defineCheck({
  issueCode: 'UNIQUE_SIDS_RECOMMENDED',
  findingType: 'WARNING',
  family: 'structure',
  learnMoreLink: awsCheckLink('WARNING', 'unique-sids-recommended'),
  summary: 'Two statements share a Sid in a resource or Organizations policy.',
  policyTypes: NOT_IAM_PARSED,
  run(ctx, report) {
    for (const { statement, first } of repeatedSids(ctx.policy)) {
      report(
        `Statement ${first.index} already uses the Sid "${statement.sid!.value}". Give each statement its own Sid; some services reject duplicates and they make findings hard to trace.`,
        at(statement.sid!),
      );
    }
  },
});

const emptySidValue = defineCheck({
  issueCode: 'EMPTY_SID_VALUE',
  findingType: 'SUGGESTION',
  family: 'structure',
  learnMoreLink: awsCheckLink('SUGGESTION', 'empty-sid-value'),
  summary: 'A statement has an empty Sid.',
  run(ctx, report) {
    for (const s of objectStatements(ctx.policy)) {
      if (s.sid?.value === '')
        report('The Sid is empty. Name the statement or remove the Sid element.', at(s.sid));
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Duplicate keys

/** The Access Analyzer path of every object and array in the document. */
function containerPaths(root: JsonNode): Map<JsonNode, Path> {
  const paths = new Map<JsonNode, Path>();
  const walk = (node: JsonNode, path: Path): void => {
    if (node.type === 'object') {
      paths.set(node, path);
      for (const m of node.members) walk(m.value, [...path, { value: m.key }]);
    } else if (node.type === 'array') {
      paths.set(node, path);
      node.items.forEach((item, index) => walk(item, [...path, { index }]));
    }
  };
  walk(root, []);
  return paths;
}

const duplicateKeys = defineCheck({
  issueCode: 'DUPLICATE_KEYS',
  findingType: 'ERROR',
  family: 'structure',
  learnMoreLink: grantflowCheckLink('DUPLICATE_KEYS'),
  summary:
    'A JSON object has the same key twice; which one takes effect is up to the parser, so the policy is ambiguous.',
  run(ctx, report) {
    const dups = ctx.policy.json.duplicateKeys;
    if (dups.length === 0) return;
    const paths = containerPaths(ctx.policy.root);
    for (const d of dups) {
      report(
        `The key "${d.key}" appears more than once in this object. JSON parsers keep only one of them (grantflow reads the first, others the last), so what the policy means is ambiguous; merge the values under one key.`,
        { path: [...(paths.get(d.object) ?? []), { key: d.key }], start: d.keyStart, end: d.keyEnd },
      );
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Size quotas

/** Characters of the policy text, leaving out whitespace between JSON tokens when IAM does. */
export function policySize(text: string, node: JsonNode, countWhitespace: boolean): number {
  if (countWhitespace) return node.end - node.start;
  let size = 0;
  let inString = false;
  for (let i = node.start; i < node.end; i++) {
    const c = text[i]!;
    if (inString) {
      size++;
      if (c === '\\') {
        size++;
        i++;
      } else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      size++;
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') size++;
  }
  return size;
}

function identityQuota(ctx: CheckContext): { limit: number; what: string } {
  if (ctx.policyType === 'session') return { limit: 2048, what: 'a session policy (all characters count)' };
  if (ctx.policyType === 'boundary')
    return { limit: 6144, what: 'a managed policy used as a permissions boundary' };
  switch (ctx.policyKind) {
    case 'inline-user':
      return { limit: 2048, what: "a user's inline policies, counted together" };
    case 'inline-group':
      return { limit: 5120, what: "a group's inline policies, counted together" };
    case 'inline-role':
      return { limit: 10240, what: "a role's inline policies, counted together" };
    default:
      return { limit: 6144, what: 'a managed policy' };
  }
}

const policySizeExceedsIdentityPolicyQuota = defineCheck({
  issueCode: 'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA',
  findingType: 'WARNING',
  family: 'structure',
  learnMoreLink: awsCheckLink('WARNING', 'policy-size-exceeds-identity-policy-quota'),
  summary:
    'The identity, boundary or session policy is longer than IAM or STS accepts (managed 6,144; inline user 2,048, group 5,120, role 10,240; session 2,048).',
  policyTypes: ['identity', 'boundary', 'session'],
  run(ctx, report) {
    const { limit, what } = identityQuota(ctx);
    const session = ctx.policyType === 'session';
    const size = policySize(ctx.source.text, ctx.policy.root, session);
    if (size <= limit) return;
    const counted = session ? 'characters' : 'characters, not counting whitespace,';
    const extra =
      ctx.policyKind.startsWith('inline') && !session
        ? ' The quota is for all inline policies of the identity together, so the others count too.'
        : '';
    report(
      `The policy has ${size} ${counted} and the quota for ${what} is ${limit}. Split it into several smaller policies.${extra}`,
      at({ node: ctx.policy.root, path: [] }),
    );
  },
});

const policySizeExceedsResourcePolicyQuota = defineCheck({
  issueCode: 'POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA',
  findingType: 'WARNING',
  family: 'structure',
  learnMoreLink: awsCheckLink('WARNING', 'policy-size-exceeds-resource-policy-quota'),
  summary: 'The role trust policy is longer than the default 2,048-character quota (adjustable up to 4,096).',
  // Other resource policies have per-service quotas that a generic resource policy cannot know.
  policyTypes: ['trust'],
  run(ctx, report) {
    const size = policySize(ctx.source.text, ctx.policy.root, false);
    if (size <= 2048) return;
    report(
      `The trust policy has ${size} characters, not counting whitespace, over the default quota of 2,048 for role trust policies. The quota can be raised to 4,096 through Service Quotas; otherwise shorten the policy.`,
      at({ node: ctx.policy.root, path: [] }),
    );
  },
});

function organizationsSizeCheck(issueCode: string, policyType: 'scp' | 'rcp', name: string): CheckDefinition {
  const slug = issueCode.toLowerCase().replace(/_/g, '-');
  return defineCheck({
    issueCode,
    findingType: 'ERROR',
    family: 'structure',
    learnMoreLink: awsCheckLink('ERROR', slug),
    summary: `The ${name} is longer than the 5,120 characters Organizations accepts (whitespace counts).`,
    policyTypes: [policyType],
    run(ctx, report) {
      const size = policySize(ctx.source.text, ctx.policy.root, true);
      if (size <= 5120) return;
      report(
        `The ${name} has ${size} characters and Organizations accepts at most 5,120, whitespace included. Remove whitespace outside strings or split it into several policies.`,
        at({ node: ctx.policy.root, path: [] }),
      );
    },
  });
}

const policySizeExceedsScpQuota = organizationsSizeCheck(
  'POLICY_SIZE_EXCEEDS_SCP_QUOTA',
  'scp',
  'service control policy',
);
const policySizeExceedsRcpQuota = organizationsSizeCheck(
  'POLICY_SIZE_EXCEEDS_RCP_QUOTA',
  'rcp',
  'resource control policy',
);

// ---------------------------------------------------------------------------------------------
// Empty arrays and objects

function emptyListCheck(
  issueCode: string,
  elements: readonly ['Action', 'NotAction'] | readonly ['Resource', 'NotResource'],
  noun: string,
): CheckDefinition {
  const [positive, negative] = elements;
  return defineCheck({
    issueCode,
    findingType: 'SUGGESTION',
    family: 'structure',
    learnMoreLink: awsCheckLink('SUGGESTION', issueCode.toLowerCase().replace(/_/g, '-')),
    summary: `A statement's ${positive} or ${negative} element is an empty array.`,
    run(ctx, report) {
      for (const s of objectStatements(ctx.policy)) {
        for (const name of elements) {
          const m = memberOf(s.node, name);
          if (m?.value.type !== 'array' || m.value.items.length > 0) continue;
          report(
            name === positive
              ? `${positive} is an empty array, so this statement covers no ${noun}s and has no effect. List the ${noun}s or remove the statement.`
              : `${negative} is an empty array, so it excludes nothing and the statement covers every ${noun}. List the ${noun}s to exclude or use ${positive}.`,
            valueTarget(m, s.path),
          );
        }
      }
    },
  });
}

const emptyArrayAction = emptyListCheck('EMPTY_ARRAY_ACTION', ['Action', 'NotAction'], 'action');
const emptyArrayResource = emptyListCheck('EMPTY_ARRAY_RESOURCE', ['Resource', 'NotResource'], 'resource');

// ---------------------------------------------------------------------------------------------
// Redundant statements

interface PatternList {
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

type PrincipalSet =
  | { readonly everyone: true }
  | { readonly everyone: false; readonly byType: ReadonlyMap<string, ReadonlySet<string>> };

interface Access {
  readonly statement: Statement;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: PatternList;
  readonly resources: PatternList | undefined;
  readonly principal: PrincipalSet | undefined;
  readonly notPrincipal: string | undefined;
  readonly condition: string | undefined;
  /** The services of its actions; undefined when a wildcard or NotAction could reach any service. */
  readonly services: ReadonlySet<string> | undefined;
}

function servicesOf(actions: PatternList): ReadonlySet<string> | undefined {
  if (actions.negated) return undefined;
  const services = new Set<string>();
  for (const p of actions.patterns) {
    const colon = p.indexOf(':');
    const service = colon < 0 ? p : p.slice(0, colon);
    if (colon < 0 || /[*?]/.test(service)) return undefined;
    services.add(service.toLowerCase());
  }
  return services;
}

function patternList(s: Statement, positive: 'action' | 'resource'): PatternList | undefined | null {
  const list = positive === 'action' ? (s.action ?? s.notAction) : (s.resource ?? s.notResource);
  if (!list) return undefined;
  const both = positive === 'action' ? s.action && s.notAction : s.resource && s.notResource;
  if (both || list.invalid.length > 0 || list.values.length === 0) return null;
  return {
    negated: list === s.notAction || list === s.notResource,
    patterns: list.values.map((v) => v.value),
  };
}

function principalSet(node: JsonNode): PrincipalSet | null {
  if (node.type === 'string') return node.value === '*' ? { everyone: true } : null;
  if (node.type !== 'object' || node.members.length === 0) return null;
  const byType = new Map<string, Set<string>>();
  for (const m of node.members) {
    const values = m.value.type === 'array' ? m.value.items : [m.value];
    if (values.length === 0 || values.some((v) => v.type !== 'string')) return null;
    const set = byType.get(m.key) ?? new Set<string>();
    for (const v of values) if (v.type === 'string') set.add(v.value);
    byType.set(m.key, set);
  }
  return { everyone: false, byType };
}

/** Conditions as IAM compares them: operators as written, keys case-insensitive, values as sets. */
function canonicalCondition(node: JsonNode): string {
  const value = toValue(node) as Record<string, Record<string, unknown>>;
  const ops = Object.keys(value)
    .sort()
    .map((op) => {
      const keys = Object.entries(value[op] ?? {})
        .map(([k, v]) => [k.toLowerCase(), (Array.isArray(v) ? v : [v]).map(String).sort()] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return [op, keys];
    });
  return JSON.stringify(ops);
}

/** The access of a well-formed statement; undefined when anything about it is unclear. */
function accessOf(s: Statement): Access | undefined {
  const effect = effectOf(s);
  if (!effect || s.members.some((m) => !STATEMENT_ELEMENTS.has(m.key))) return undefined;
  const actions = patternList(s, 'action');
  const resources = patternList(s, 'resource');
  if (!actions || resources === null) return undefined;
  const principalMember = memberOf(s.node, 'Principal');
  const notPrincipalMember = memberOf(s.node, 'NotPrincipal');
  if (principalMember && notPrincipalMember) return undefined;
  const principal = principalMember ? principalSet(principalMember.value) : undefined;
  if (principal === null) return undefined;
  const notPrincipal = notPrincipalMember ? principalSet(notPrincipalMember.value) : undefined;
  if (notPrincipal === null) return undefined;
  const cond = memberOf(s.node, 'Condition');
  if (cond && (cond.value.type !== 'object' || s.condition?.entries.length === 0)) return undefined;
  return {
    statement: s,
    effect,
    actions,
    resources,
    principal,
    notPrincipal: notPrincipalMember ? JSON.stringify(toValue(notPrincipalMember.value)) : undefined,
    condition: cond ? canonicalCondition(cond.value) : undefined,
    services: servicesOf(actions),
  };
}

const splitCache = new WeakMap<PatternList, { literals: Set<string>; wildcards: string[] }>();

/** A list's entries without wildcards as a set (a literal covers only itself), and the rest. */
function splitPatterns(list: PatternList, caseInsensitive: boolean) {
  let split = splitCache.get(list);
  if (!split) {
    const wildcards = list.patterns.filter((p) => p.includes('*') || p.includes('?'));
    const literals = new Set(
      list.patterns.filter((p) => !wildcards.includes(p)).map((p) => (caseInsensitive ? p.toLowerCase() : p)),
    );
    split = { literals, wildcards };
    splitCache.set(list, split);
  }
  return split;
}

/** Whether everything `inner` matches is matched by `outer` (each an Action/Resource-style list). */
function listCovers(outer: PatternList, inner: PatternList, caseInsensitive: boolean): boolean {
  if (!outer.negated && outer.patterns.includes('*')) return true;
  if (!outer.negated && !inner.negated) {
    const { literals, wildcards } = splitPatterns(outer, caseInsensitive);
    return inner.patterns.every(
      (p) =>
        literals.has(caseInsensitive ? p.toLowerCase() : p) ||
        wildcards.some((o) => wildcardCovers(o, p, caseInsensitive)),
    );
  }
  if (outer.negated && inner.negated) {
    // inner excludes at least everything outer excludes.
    return outer.patterns.every((o) => inner.patterns.some((p) => wildcardCovers(p, o, caseInsensitive)));
  }
  if (outer.negated && !inner.negated) {
    return inner.patterns.every((p) =>
      outer.patterns.every((o) => !wildcardsIntersect(o, p, caseInsensitive)),
    );
  }
  return false;
}

function principalCovers(outer: Access, inner: Access): boolean {
  if (outer.notPrincipal !== undefined || inner.notPrincipal !== undefined) {
    return outer.notPrincipal === inner.notPrincipal && !outer.principal && !inner.principal;
  }
  if (!outer.principal || !inner.principal) return !outer.principal && !inner.principal;
  if (outer.principal.everyone) return true;
  if (inner.principal.everyone) return false;
  const outerByType = outer.principal.byType;
  for (const [type, values] of inner.principal.byType) {
    const allowed = outerByType.get(type);
    if (!allowed) return false;
    for (const v of values) if (!allowed.has(v) && !allowed.has('*')) return false;
  }
  return true;
}

/** Whether every request `inner` applies to is also one `outer` applies to, with the same effect. */
function accessCovers(outer: Access, inner: Access): boolean {
  if (outer.effect !== inner.effect) return false;
  if (outer.condition !== undefined && outer.condition !== inner.condition) return false;
  // A statement whose actions name only some services cannot cover one reaching others.
  if (outer.services) {
    if (!inner.services) return false;
    for (const service of inner.services) if (!outer.services.has(service)) return false;
  }
  // Resources first: they are usually specific and settle most pairs cheaply.
  if (outer.resources || inner.resources) {
    if (!outer.resources || !inner.resources || !listCovers(outer.resources, inner.resources, false))
      return false;
  }
  if (!listCovers(outer.actions, inner.actions, true)) return false;
  return principalCovers(outer, inner);
}

const redundantStatement = defineCheck({
  issueCode: 'REDUNDANT_STATEMENT',
  findingType: 'SUGGESTION',
  family: 'structure',
  learnMoreLink: awsCheckLink('SUGGESTION', 'redundant-statement'),
  summary:
    'A statement is identical in effect to another, or everything it covers is covered by another statement with the same effect and no narrower condition.',
  run(ctx, report) {
    const accesses = objectStatements(ctx.policy).flatMap((s) => accessOf(s) ?? []);
    for (const inner of accesses) {
      for (const outer of accesses) {
        if (outer === inner || !accessCovers(outer, inner)) continue;
        const equal = accessCovers(inner, outer);
        // Of two equivalent statements, keep the first and flag the later one.
        if (equal && outer.statement.index > inner.statement.index) continue;
        const verb = inner.effect === 'Allow' ? 'allows' : 'denies';
        report(
          equal
            ? `This statement ${verb} exactly what ${statementLabel(outer.statement)} ${verb}. Remove one of the two so they cannot drift apart.`
            : `Everything this statement ${verb} is already covered by ${statementLabel(outer.statement)}, which has the same effect and no narrower condition. Remove this statement or narrow the other.`,
          at(inner.statement),
        );
        break;
      }
    }
  },
});

export const structureChecks: CheckDefinition[] = [
  missingVersion,
  invalidVersion,
  missingStatement,
  invalidPolicyElement,
  dataTypeMismatch,
  missingEffect,
  invalidEffect,
  missingAction,
  missingResource,
  unsupportedElementCombination,
  unsupportedSid,
  uniqueSidsRequired,
  uniqueSidsRecommended,
  emptySidValue,
  duplicateKeys,
  policySizeExceedsIdentityPolicyQuota,
  policySizeExceedsResourcePolicyQuota,
  policySizeExceedsScpQuota,
  policySizeExceedsRcpQuota,
  emptyArrayAction,
  emptyArrayResource,
  redundantStatement,
];
