// validatePolicy: parse, run every applicable check, return Access Analyzer-shaped findings.
import { getCatalog } from '../catalog/index.ts';
import { JsonSyntaxError, parseJson, readPolicy, SourceText } from '../policy/index.ts';
import type { Policy, PolicyType, ValueList } from '../policy/index.ts';
import type { CheckContext, CheckDefinition, ExpandedAction, ValidateOptions } from './check.ts';
import { makeReporter } from './check.ts';
import { awsCheckLink } from './finding.ts';
import type { Finding, FindingType } from './finding.ts';
import { ALL_CHECKS } from './registry.ts';

export interface ValidationResult {
  readonly findings: Finding[];
  /** The parsed policy, when the text was valid JSON. */
  readonly policy?: Policy;
}

const SEVERITY_ORDER: Record<FindingType, number> = {
  ERROR: 0,
  SECURITY_WARNING: 1,
  WARNING: 2,
  SUGGESTION: 3,
};

/** Checks applicable to a policy type, computed once per type. */
const checksByType = new Map<PolicyType, readonly CheckDefinition[]>();

function checksFor(policyType: PolicyType): readonly CheckDefinition[] {
  let list = checksByType.get(policyType);
  if (!list) {
    list = ALL_CHECKS.filter((c) => !c.policyTypes || c.policyTypes.includes(policyType));
    checksByType.set(policyType, list);
  }
  return list;
}

/**
 * Validates a policy document the way IAM Access Analyzer's ValidatePolicy does, plus
 * grantflow's own security checks. Accepts the policy text or an already-parsed object (which
 * is serialized with two-space indentation, so spans refer to that text).
 */
export function validatePolicy(input: string | object, options: ValidateOptions = {}): ValidationResult {
  const text = typeof input === 'string' ? input : JSON.stringify(input, null, 2);
  const policyType = options.policyType ?? 'identity';
  const ignored = new Set((options.ignoreFindings ?? []).map((c) => c.toUpperCase()));
  let policy: Policy;
  try {
    policy = readPolicy(parseJson(text));
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { findings: ignored.has('JSON_SYNTAX_ERROR') ? [] : [jsonSyntaxFinding(text, err)] };
  }
  const ctx = createContext(policy, policyType, options);
  const findings: Finding[] = [];
  for (const check of checksFor(policyType)) {
    if (ignored.has(check.issueCode)) continue;
    check.run(ctx, makeReporter(check, ctx.source, findings));
  }
  return { findings: sortAndDedupe(findings), policy };
}

function createContext(policy: Policy, policyType: PolicyType, options: ValidateOptions): CheckContext {
  const catalog = options.catalog ?? getCatalog();
  const expanded = new Map<ValueList, readonly ExpandedAction[]>();
  return {
    policy,
    policyType,
    policyKind: options.policyKind ?? 'managed',
    catalog,
    source: policy.json.source,
    expand(list) {
      let result = expanded.get(list);
      if (!result) {
        result = list.values.map((entry) => {
          const colon = entry.value.indexOf(':');
          return {
            entry,
            actions: catalog.expandAction(entry.value),
            service: colon < 0 ? undefined : entry.value.slice(0, colon).toLowerCase(),
          };
        });
        expanded.set(list, result);
      }
      return result;
    },
  };
}

function jsonSyntaxFinding(text: string, err: JsonSyntaxError): Finding {
  const source = new SourceText(text);
  const pos = source.position(Math.min(err.offset, text.length));
  return {
    findingDetails: `Fix the JSON syntax: ${err.message}.`,
    findingType: 'ERROR',
    issueCode: 'JSON_SYNTAX_ERROR',
    learnMoreLink: awsCheckLink('ERROR', 'json-syntax-error'),
    locations: [{ path: [], span: { start: pos, end: pos } }],
  };
}

function sortAndDedupe(findings: Finding[]): Finding[] {
  // The same finding reported twice (same code, details and places) is kept once.
  const seen = new Map<string, string[]>();
  const unique = findings.filter((f) => {
    const key = `${f.issueCode}|${f.locations.map((l) => l.span.start.offset).join(',')}`;
    const details = seen.get(key);
    if (!details) {
      seen.set(key, [f.findingDetails]);
      return true;
    }
    if (details.includes(f.findingDetails)) return false;
    details.push(f.findingDetails);
    return true;
  });
  const offset = (f: Finding) => f.locations[0]?.span.start.offset ?? -1;
  return unique.sort(
    (a, b) =>
      SEVERITY_ORDER[a.findingType] - SEVERITY_ORDER[b.findingType] ||
      offset(a) - offset(b) ||
      (a.issueCode < b.issueCode ? -1 : a.issueCode > b.issueCode ? 1 : 0),
  );
}
