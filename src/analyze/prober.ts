// Asking the evaluation engine "can this principal do X on Y?" when policies have conditions.
//
// A decision needs a request context, and an audit has no request: it must say whether SOME
// request the principal could make is allowed. Context keys are of two kinds:
// - fixed by who the principal is and when the scan runs: aws:CurrentTime, aws:PrincipalArn,
//   aws:username, the principal's tags… These take their real values, so an expired grant, a
//   condition naming another principal or another account can never hold;
// - chosen by whoever makes the request: aws:SourceIp, aws:MultiFactorAuthPresent, request tags,
//   service keys… For these the prober tries the values the conditions themselves name (and a
//   value they do not name, and the key's absence), in combination, and asks the engine each
//   time. Deny statements are in the same set, so a context that dodges an Allow's condition but
//   trips a Deny's does not count. A check can narrow a key to the values that make its question
//   meaningful (iam:PassedToService = the service the role is passed to).
//
// The search is exhaustive up to COMBINATION_LIMIT contexts, then falls back to trying each Allow
// statement's own conditions; every answer is the engine's decision for a concrete request.
import { decide, explain } from '../evaluate/index.ts';
import type {
  CompiledPolicySet,
  ContextScalar,
  ContextValue,
  EvaluationRequest,
  Explanation,
} from '../evaluate/index.ts';
import { DERIVED_CONTEXT_KEYS } from '../evaluate/index.ts';
import { parseOperator, substituteVariables } from '../policy/index.ts';
import type { ConditionEntry, Policy, Statement } from '../policy/index.ts';

/** The policy types of a compiled set, by index (the order of EVALUATED_POLICY_TYPES). */
export const IDENTITY_TYPE = 0;
export const RESOURCE_TYPE = 1;
export const BOUNDARY_TYPE = 2;

const COMBINATION_LIMIT = 256;
const ABSENT = undefined;
/** A value no policy is likely to name, to satisfy negated operators. */
export const OTHER_VALUE = 'grantflow-audit-other';

type Candidate = ContextValue | undefined;

export interface ProbeSubject {
  /** The request's principal: an IAM ARN, a service principal, an account's root. */
  readonly principal: string;
  /** Values of keys fixed by who the principal is and when the scan runs. */
  readonly fixed: Readonly<Record<string, ContextValue>>;
  /** Further keys (lower-case) whose absence is a fact, e.g. tags the principal does not have. */
  readonly fixedPrefixes?: readonly string[];
}

/** A request the engine allowed, and the context values it needed. */
export interface Grant {
  readonly request: EvaluationRequest;
  /** Only the chosen (not fixed) context values: what the attacker must present. */
  readonly chosen: Readonly<Record<string, ContextValue>>;
}

/** Statements of a compiled set with the policy models they came from. */
export interface CoveringStatement {
  readonly typeIndex: number;
  readonly policyIndex: number;
  readonly statement: Statement;
  readonly deny: boolean;
}

/** Which keys are always derived from the request by the engine. */
const DERIVED = new Set(DERIVED_CONTEXT_KEYS.map((k) => k.toLowerCase()));

export class Prober {
  readonly set: CompiledPolicySet;
  readonly subject: ProbeSubject;
  private readonly models: (typeIndex: number, policyIndex: number) => Policy | undefined;
  private readonly grantTypes: readonly number[];
  private readonly fixedLower: ReadonlySet<string>;
  private readonly mayAllowCache = new Map<string, boolean>();
  private services: ReadonlySet<string> | 'all' | undefined;

  /**
   * `models` returns the parsed policy behind a compiled policy (for its conditions and resources);
   * `grantTypes` are the policy types whose Allow statements can grant (identity, or a resource
   * policy for trust questions).
   */
  constructor(
    set: CompiledPolicySet,
    models: (typeIndex: number, policyIndex: number) => Policy | undefined,
    subject: ProbeSubject,
    grantTypes: readonly number[] = [IDENTITY_TYPE],
  ) {
    this.set = set;
    this.models = models;
    this.subject = subject;
    this.grantTypes = grantTypes;
    this.fixedLower = new Set(Object.keys(subject.fixed).map((k) => k.toLowerCase()));
  }

  /** Statements whose Action/NotAction covers the action, in policy order. */
  covering(action: string): CoveringStatement[] {
    const plan = this.set.plan(action);
    const out: CoveringStatement[] = [];
    this.set.policies.forEach((p, ordinal) => {
      const lists = plan.lists[ordinal]!;
      if (lists.all.length === 0) return;
      const model = this.models(p.typeIndex, p.index);
      if (model === undefined) return;
      for (const s of lists.all) {
        const statement = model.statements[s.ref.statementIndex];
        if (statement) out.push({ typeIndex: p.typeIndex, policyIndex: p.index, statement, deny: s.deny });
      }
    });
    return out;
  }

  /** Cheap pre-check: some Allow statement of a granting type covers the action. */
  mayAllow(action: string): boolean {
    let answer = this.mayAllowCache.get(action);
    if (answer === undefined) {
      answer = this.grantedService(action) && this.anyAllowCovers(action);
      this.mayAllowCache.set(action, answer);
    }
    return answer;
  }

  private anyAllowCovers(action: string): boolean {
    const plan = this.set.plan(action);
    const policies = this.set.policies;
    for (let i = 0; i < policies.length; i++) {
      if (plan.lists[i]!.allows.length > 0 && this.grantTypes.includes(policies[i]!.typeIndex)) return true;
    }
    return false;
  }

  /**
   * Whether an Allow statement's Action could name the action's service at all: most questions
   * are about services a principal has nothing for, and this spares building their plans.
   */
  private grantedService(action: string): boolean {
    if (this.services === undefined) {
      const services = new Set<string>();
      let all = false;
      for (const p of this.set.policies) {
        if (!this.grantTypes.includes(p.typeIndex)) continue;
        for (const s of this.models(p.typeIndex, p.index)?.statements ?? []) {
          if (s.effect?.value !== 'Allow') continue;
          if (!s.action) all = true;
          for (const v of s.action?.values ?? []) {
            const colon = v.value.indexOf(':');
            const service = colon < 0 ? v.value : v.value.slice(0, colon);
            if (/[*?]/.test(service)) all = true;
            else services.add(service.toLowerCase());
          }
        }
      }
      this.services = all ? 'all' : services;
    }
    if (this.services === 'all') return true;
    const colon = action.indexOf(':');
    return this.services.has(action.slice(0, colon < 0 ? undefined : colon).toLowerCase());
  }

  /** Allow statements of the granting types that cover the action. */
  allowStatements(action: string): CoveringStatement[] {
    return this.covering(action).filter((c) => !c.deny && this.grantTypes.includes(c.typeIndex));
  }

  /**
   * A request for the action on the resource that the engine allows, or undefined when no
   * context the conditions speak of gets it allowed. `choices` narrows keys to given values.
   */
  find(
    action: string,
    resource: string,
    choices: Readonly<Record<string, readonly ContextScalar[]>> = {},
  ): Grant | undefined {
    if (!this.mayAllow(action)) return undefined;
    const base: Record<string, ContextValue> = { ...this.subject.fixed };
    const narrowed = new Map<string, { name: string; values: readonly ContextScalar[] }>();
    for (const [name, values] of Object.entries(choices)) narrowed.set(name.toLowerCase(), { name, values });
    const covering = this.covering(action);
    const keys = this.keyCandidates(covering, narrowed);
    const request = { principal: this.subject.principal, action, resource };
    const attempt = (assignment: readonly (readonly [string, Candidate])[]): Grant | undefined => {
      const context: Record<string, ContextValue> = { ...base };
      const chosen: Record<string, ContextValue> = {};
      for (const [name, value] of assignment) {
        if (value === ABSENT) continue;
        context[name] = value;
        chosen[name] = value;
      }
      const full = { ...request, context };
      return decide(this.set, full) === 'Allowed' ? { request: full, chosen } : undefined;
    };
    for (const assignment of this.assignments(keys, covering)) {
      const grant = attempt(assignment);
      if (grant) return grant;
    }
    return undefined;
  }

  /** The engine's explanation of a grant: the matched statements with their spans. */
  explain(grant: Grant): Explanation {
    return explain(this.set, grant.request);
  }

  /**
   * Whether every statement about the action (Allow or Deny, any policy type) has Resource "*":
   * the decision is then the same for every resource of the account.
   */
  resourceIndependent(action: string): boolean {
    return this.covering(action).every(
      (c) => c.statement.resource !== undefined && c.statement.resource.values.every((v) => v.value === '*'),
    );
  }

  /** Whether a key (lower case) is a fact about the principal or the time, not a request choice. */
  isFixed(lower: string): boolean {
    if (DERIVED.has(lower) || this.fixedLower.has(lower)) return true;
    return (this.subject.fixedPrefixes ?? []).some((p) => lower.startsWith(p));
  }

  /** For every chosen key the conditions mention: its candidate values, likeliest to allow first. */
  private keyCandidates(
    covering: readonly CoveringStatement[],
    narrowed: ReadonlyMap<string, { name: string; values: readonly ContextScalar[] }>,
  ): Map<string, CandidateKey> {
    const keys = new Map<string, CandidateKey>();
    for (const [lower, { name, values }] of narrowed) {
      keys.set(lower, { name, values: [...values], narrowed: true });
    }
    const fill = (text: string) => substituteVariables(text, (k) => this.fixedValue(k));
    for (const c of covering) {
      for (const entry of c.statement.condition?.entries ?? []) {
        const lower = entry.key.toLowerCase();
        if (narrowed.has(lower) || this.isFixed(lower)) continue;
        let key = keys.get(lower);
        if (!key) {
          key = { name: entry.key, values: [], narrowed: false };
          keys.set(lower, key);
        }
        for (const v of candidateValues(entry, fill)) {
          if (!key.values.some((x) => sameCandidate(x, v))) key.values.push(v);
        }
      }
    }
    for (const [lower, key] of keys) {
      if (!narrowed.has(lower) && !key.values.includes(ABSENT)) key.values.push(ABSENT);
    }
    return keys;
  }

  /** The value of a fixed key for the principal, when it has one. */
  fixedValue(key: string): string | undefined {
    const lower = key.toLowerCase();
    for (const [k, v] of Object.entries(this.subject.fixed)) {
      if (k.toLowerCase() === lower && !Array.isArray(v)) return String(v);
    }
    if (lower === 'aws:username') {
      const p = this.subject.principal;
      return p.includes(':user/') ? p.slice(p.lastIndexOf('/') + 1) : undefined;
    }
    if (lower === 'aws:principalarn') return this.subject.principal;
    if (lower === 'aws:principalaccount') return this.subject.principal.split(':')[4];
    return undefined;
  }

  /** Every combination when there are few; else each Allow statement's own keys, other keys absent. */
  private *assignments(
    keys: ReadonlyMap<string, CandidateKey>,
    covering: readonly CoveringStatement[],
  ): Generator<(readonly [string, Candidate])[]> {
    const list = [...keys.values()];
    let total = 1;
    for (const k of list) total *= Math.max(1, k.values.length);
    if (total <= COMBINATION_LIMIT) {
      yield* product(list);
      return;
    }
    let budget = COMBINATION_LIMIT;
    for (const c of covering) {
      if (c.deny) continue;
      const own = new Set((c.statement.condition?.entries ?? []).map((e) => e.key.toLowerCase()));
      const subset = [...keys.entries()].map(([lower, k]) =>
        own.has(lower) || k.narrowed ? k : { ...k, values: [ABSENT] },
      );
      for (const assignment of product(subset)) {
        if (budget-- <= 0) return;
        yield assignment;
      }
    }
  }
}

interface CandidateKey {
  readonly name: string;
  readonly values: Candidate[];
  /** The check gave the values: the key is never left absent. */
  readonly narrowed: boolean;
}

function* product(
  keys: readonly { name: string; values: readonly Candidate[] }[],
): Generator<(readonly [string, Candidate])[]> {
  if (keys.length === 0) {
    yield [];
    return;
  }
  const index = keys.map(() => 0);
  for (;;) {
    yield keys.map((k, i) => [k.name, k.values[index[i]!]] as const);
    let i = keys.length - 1;
    while (i >= 0 && ++index[i]! >= Math.max(1, keys[i]!.values.length)) index[i--] = 0;
    if (i < 0) return;
  }
}

function sameCandidate(a: Candidate, b: Candidate): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** Values of a key that make a condition hold, then values that make it fail. */
export function candidateValues(
  entry: ConditionEntry,
  fill: (text: string) => string | undefined,
): Candidate[] {
  const op = parseOperator(entry.operator);
  if (op === undefined) return [];
  const raw = entry.values.map((v) => fill(v.value)).filter((v): v is string => v !== undefined);
  let matching: ContextScalar[];
  let other: ContextScalar[];
  switch (op.family) {
    case 'String':
      matching = raw.map((v) => (op.base.comparison === 'like' ? v.replace(/[*?]/g, 'x') : v));
      other = [OTHER_VALUE];
      break;
    case 'Arn':
      matching = raw.map((v) => v.replace(/[*?]/g, 'x'));
      other = ['arn:aws:iam::000000000000:role/grantflow-audit-other'];
      break;
    case 'Numeric':
      matching = raw.flatMap((v) => {
        const n = Number(v);
        return Number.isFinite(n) ? [String(n), String(n + 1), String(n - 1)] : [];
      });
      other = [];
      break;
    case 'Date':
      matching = raw.flatMap((v) => {
        const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
        if (Number.isNaN(ms)) return [];
        return [ms, ms + 1000, ms - 1000].map((t) => new Date(t).toISOString());
      });
      other = [];
      break;
    case 'Bool':
      matching = raw.map((v) => v.toLowerCase());
      other = ['true', 'false'];
      break;
    case 'IpAddress':
      matching = raw.map((v) => v.split('/')[0]!);
      other = ['203.0.113.77'];
      break;
    case 'Binary':
      matching = raw;
      other = ['Z3JhbnRmbG93'];
      break;
    case 'Null':
      // Null tests presence; any value stands for "present" (absence is always tried).
      return ['true'];
  }
  const ordered = op.negated ? [...other, ...matching] : [...matching, ...other];
  const unique = [...new Set(ordered)];
  if (op.setQualifier === undefined) return unique;
  return [...unique.map((v) => [v]), []];
}
