// The check registry's building blocks: a check is a small function that declares its issue
// code, finding type, documentation link and the policy types it applies to, and reports
// findings through the context it is given.
import type { ActionInfo, Catalog } from '../catalog/index.ts';
import type {
  JsonNode,
  Path,
  Policy,
  PolicyString,
  PolicyType,
  SourceText,
  ValueList,
} from '../policy/index.ts';
import type { Finding, FindingType, Location } from './finding.ts';

export type CheckFamily =
  | 'structure'
  | 'actions'
  | 'resources'
  | 'conditions'
  | 'principals'
  | 'variables'
  | 'organizations'
  | 'security';

/**
 * Which quota a policy's size is held to. Identity policies are managed (6,144 characters) or
 * inline, where IAM counts all of one identity's inline policies together.
 */
export type PolicyKind = 'managed' | 'inline-user' | 'inline-group' | 'inline-role';

export interface ValidateOptions {
  /** Default `identity`. */
  readonly policyType?: PolicyType;
  /** The quota to hold an identity or boundary policy's size to; default `managed`. */
  readonly policyKind?: PolicyKind;
  /** Issue codes to leave out of the result. */
  readonly ignoreFindings?: readonly string[];
  readonly catalog?: Catalog;
}

/** Where a finding points: a JSON node, or an explicit range, with its Access Analyzer path. */
export type Target =
  | { readonly path: Path; readonly node: JsonNode }
  | { readonly path: Path; readonly start: number; readonly end: number };

export type Report = (details: string, ...targets: Target[]) => void;

/** One Action or NotAction entry with the catalog actions it stands for. */
export interface ExpandedAction {
  readonly entry: PolicyString;
  /** Empty when the service or action is unknown. */
  readonly actions: readonly ActionInfo[];
  /** The service prefix as written (before the colon), lower-cased; undefined for `*`. */
  readonly service: string | undefined;
}

export interface CheckContext {
  readonly policy: Policy;
  readonly policyType: PolicyType;
  readonly policyKind: PolicyKind;
  readonly catalog: Catalog;
  readonly source: SourceText;
  /** Expands an Action/NotAction list against the catalog; cached per list. */
  expand(list: ValueList): readonly ExpandedAction[];
}

export interface CheckDefinition {
  readonly issueCode: string;
  readonly findingType: FindingType;
  readonly family: CheckFamily;
  readonly learnMoreLink: string;
  /** One sentence on what the check finds, for docs/checks.md and `--list-checks`. */
  readonly summary: string;
  /** The policy types the check applies to; all when omitted. */
  readonly policyTypes?: readonly PolicyType[];
  run(ctx: CheckContext, report: Report): void;
}

export function defineCheck(check: CheckDefinition): CheckDefinition {
  return check;
}

/** Collects findings for one check run, turning targets into Access Analyzer locations. */
export function makeReporter(check: CheckDefinition, source: SourceText, out: Finding[]): Report {
  return (details, ...targets) => {
    const locations: Location[] = targets.map((t) => {
      const [start, end] = 'node' in t ? [t.node.start, t.node.end] : [t.start, t.end];
      return { path: t.path, span: source.span(start, end) };
    });
    out.push({
      findingDetails: details,
      findingType: check.findingType,
      issueCode: check.issueCode,
      learnMoreLink: check.learnMoreLink,
      locations,
    });
  };
}

/** A target for a string element of the policy. */
export function at(s: { readonly node: JsonNode; readonly path: Path }): Target {
  return { node: s.node, path: s.path };
}

/** A target for part of a string value: offsets are within the string's text, after the quote. */
export function substringOf(s: PolicyString, start: number, length: number): Target {
  // Offsets map 1:1 onto the source only when the string has no escapes; otherwise point at it whole.
  const raw = s.node.end - s.node.start - 2;
  if (raw !== s.value.length) return at(s);
  const from = s.node.start + 1 + start;
  return { path: [...s.path, { substring: { start, length } }], start: from, end: from + length };
}
