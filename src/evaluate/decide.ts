// The authorization decision, following the IAM User Guide's policy evaluation logic:
//
// 1. An explicit Deny in any policy that applies to the request wins.
// 2. RCPs (resource's account) and SCPs (caller's account): every organization level must allow;
//    no levels at all means the account is not in an organization. VPC endpoint policies must allow.
// 3. A role trust policy (sts actions on a role) and a KMS key policy must allow the caller
//    themselves; allowing the account root delegates to the account's identity policies.
// 4. Cross-account, or a caller outside any account (service, identity provider, anonymous): the
//    resource policy must allow, and an IAM caller's own account must allow too (identity policy,
//    boundary, session policy).
// 5. Same account: the identity policy or the resource policy may allow. A resource policy naming
//    the user, the session or the federated user itself grants even without an identity policy and
//    past an implicit deny in a boundary or session policy; one naming the role (or the IAM user
//    who federated) is still limited by the boundary and the session policy; one naming only the
//    account delegates to the identity policies. The root user needs no identity policy.
// 6. Permissions boundaries must allow; a session principal's session policy must allow, and a
//    federated user without a session policy has no permissions from its identity policies.
//
// decide() and explain() run the same matchers; explaining only adds a trace.
import { BOUNDARY, IDENTITY, RCP, RESOURCE, SCP, SESSION, TYPE_COUNT, VPC_ENDPOINT } from './compile.ts';
import type { ActionPlan, CompiledPolicySet, CompiledStatement, StatementLists } from './compile.ts';
import { RequestError } from './errors.ts';
import { BY_ROLE, DIRECTLY, callerOf } from './principals.ts';
import type { Caller } from './principals.ts';
import { matchedStatement } from './state.ts';
import type { EvalState, Trace } from './state.ts';
import { Template } from './template.ts';
import type { ResourcePattern } from './template.ts';
import { EVALUATED_POLICY_TYPES } from './types.ts';
import type {
  BatchResult,
  Decision,
  EvaluationRequest,
  Explanation,
  PolicyTypeOutcome,
  ResourceGrant,
} from './types.ts';

const DENY = 1;
const ALLOW = 2;
const NOT_APPLICABLE = -1;
const ABSENT = -2;

const ALLOWED = 0;
const EXPLICITLY_DENIED = 1;
const IMPLICITLY_DENIED = 2;
const DECISIONS: readonly Decision[] = ['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied'];

/** The order in which policy types are looked at, and so reported as blocking. */
const ORDER = [RCP, SCP, RESOURCE, IDENTITY, BOUNDARY, SESSION, VPC_ENDPOINT];
/** Policy types that, when present, must allow whoever the caller is. */
const GATES = [RCP, SCP, VPC_ENDPOINT];

// The loops on the decision's path index their arrays: until V8 optimizes them fully (a batch of
// 100,000 lines spends its first tens of thousands in less optimized code), for...of costs an
// iterator per loop.

function anyPatternMatches(patterns: readonly ResourcePattern[], st: EvalState): boolean {
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i]!;
    if (p instanceof Template) {
      const g = p.glob(st, true);
      if (g !== undefined && g.test(st.resource)) return true;
    } else if (p.test(st.resource)) return true;
  }
  return false;
}

/** 0 when the statement does not apply; otherwise how it names the caller (DIRECTLY without Principal). */
function statementMatch(s: CompiledStatement, st: EvalState): number {
  if (s.resources !== undefined) {
    if (!anyPatternMatches(s.resources, st)) return 0;
  } else if (s.notResources !== undefined && anyPatternMatches(s.notResources, st)) return 0;
  let strength = DIRECTLY;
  if (s.principal !== undefined) {
    strength = s.principal.names(st.caller);
    if (strength === 0) return 0;
  } else if (s.notPrincipal !== undefined) {
    // IAM documents that Deny with NotPrincipal denies every principal that has a permissions
    // boundary, whatever NotPrincipal lists.
    if (!(s.deny && st.hasBoundary) && s.notPrincipal.excludes(st.caller)) return 0;
  }
  const conditions = s.conditions;
  if (st.trace === undefined) {
    for (let i = 0; i < conditions.length; i++) if (!conditions[i]!.holds(st)) return 0;
    return strength;
  }
  // Explaining evaluates every condition, to report every missing key.
  let holds = true;
  for (let i = 0; i < conditions.length; i++) if (!conditions[i]!.holds(st)) holds = false;
  return holds ? strength : 0;
}

function policyResult(lists: StatementLists, st: EvalState, trace: Trace | undefined): number {
  let best = 0;
  if (trace === undefined) {
    const denies = lists.denies;
    for (let i = 0; i < denies.length; i++) if (statementMatch(denies[i]!, st) !== 0) return DENY;
    const allows = lists.allows;
    for (let i = 0; i < allows.length && best !== DIRECTLY; i++) {
      const m = statementMatch(allows[i]!, st);
      if (m > best) best = m;
    }
    return best === 0 ? 0 : ALLOW | (best << 2);
  }
  let result = 0;
  const all = lists.all;
  for (let i = 0; i < all.length; i++) {
    const s = all[i]!;
    const m = statementMatch(s, st);
    if (m === 0) continue;
    trace.matched.push(s.ref);
    if (s.deny) result |= DENY;
    else if (m > best) best = m;
  }
  return best === 0 ? result : result | ALLOW | (best << 2);
}

/** Deny, allow (every unit allows) and the strongest naming of the caller, for one policy type. */
function typeResult(set: CompiledPolicySet, type: number, plan: ActionPlan, st: EvalState): number {
  const units = set.units[type]!;
  const trace = st.trace;
  let denied = false;
  let everyUnitAllows = units.length > 0;
  let best = 0;
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    let unitAllows = false;
    for (let p = 0; p < unit.length; p++) {
      const r = policyResult(plan.lists[unit[p]!.ordinal]!, st, trace);
      if ((r & DENY) !== 0) {
        if (trace === undefined) return DENY;
        denied = true;
      }
      if ((r & ALLOW) !== 0) {
        unitAllows = true;
        if (r >> 2 > best) best = r >> 2;
      }
    }
    if (!unitAllows) everyUnitAllows = false;
  }
  return (denied ? DENY : 0) | (everyUnitAllows ? ALLOW : 0) | (best << 2);
}

/** Which resource policy must allow explicitly, by the resource and action. */
function resourcePolicyRequirement(
  resource: string,
  plan: ActionPlan,
): 'role trust policy' | 'KMS key policy' | undefined {
  if (!resource.startsWith('arn:')) return undefined;
  const service = resource.indexOf(':', 4) + 1;
  if (service === 0) return undefined;
  if (resource.startsWith('kms:', service)) return 'KMS key policy';
  if (plan.isSts && resource.startsWith('iam:', service) && resource.includes(':role/', service)) {
    return 'role trust policy';
  }
  return undefined;
}

/** Whether a policy type applies to this caller and action at all. */
function applies(type: number, caller: Caller, plan: ActionPlan): boolean {
  switch (type) {
    case IDENTITY:
    case BOUNDARY:
      return caller.isAwsAccountPrincipal && caller.kind !== 'root';
    case SESSION:
      return caller.isSession;
    case SCP:
      return caller.isAwsAccountPrincipal && !caller.isServiceLinkedRole;
    case RCP:
      return plan.rcpApplies && !caller.isServiceLinkedRole;
    default:
      return true;
  }
}

function prepare(set: CompiledPolicySet, request: EvaluationRequest): ActionPlan {
  if (request === null || typeof request !== 'object') throw new RequestError('request', 'must be an object');
  const { principal, action, resource } = request;
  if (typeof principal !== 'string' || principal === '')
    throw new RequestError('principal', 'must be a non-empty string');
  if (typeof action !== 'string' || action.indexOf(':') <= 0) {
    throw new RequestError('action', 'must be a "service:Action" string');
  }
  if (typeof resource !== 'string' || resource === '')
    throw new RequestError('resource', 'must be a non-empty string');
  const st = set.state;
  st.caller = callerOf(principal, request.principalKind, request.sessionIssuer);
  st.resource = resource;
  st.declaredResourceAccount = request.resourceAccount;
  st.context = request.context;
  return set.plan(action);
}

/** An implicit deny by a policy type, packed as run() returns it. */
function blocked(type: number): number {
  return IMPLICITLY_DENIED | ((type + 1) << 2);
}

/**
 * Runs the evaluation. Returns the decision and the blocking type packed in one number:
 * decision in the low two bits, blocking type index + 1 above.
 */
function run(set: CompiledPolicySet, request: EvaluationRequest, trace: Trace | undefined): number {
  const plan = prepare(set, request);
  const st = set.state;
  st.trace = trace;
  const caller = st.caller;
  const units = set.units;
  const results = set.typeResults;
  const iam = caller.isAwsAccountPrincipal && caller.kind !== 'root';
  st.hasBoundary = iam && units[BOUNDARY]!.length > 0;
  let firstDeny = -1;
  for (let t = 0; t < ORDER.length; t++) {
    const type = ORDER[t]!;
    if (type !== IDENTITY && units[type]!.length === 0) {
      results[type] = ABSENT;
      continue;
    }
    if (!applies(type, caller, plan)) {
      results[type] = NOT_APPLICABLE;
      continue;
    }
    const r = typeResult(set, type, plan, st);
    results[type] = r;
    if ((r & DENY) !== 0) {
      if (trace === undefined) return EXPLICITLY_DENIED | ((type + 1) << 2);
      if (firstDeny < 0) firstDeny = type;
    }
  }
  st.trace = undefined;
  if (firstDeny >= 0) return EXPLICITLY_DENIED | ((firstDeny + 1) << 2);

  // A gate that exists must allow: organization policies and VPC endpoint policies.
  for (let g = 0; g < GATES.length; g++) {
    const type = GATES[g]!;
    if (results[type]! >= 0 && (results[type]! & ALLOW) === 0) return blocked(type);
  }
  const resource = results[RESOURCE]!;
  const grant = resource >= 0 ? resource >> 2 : 0;
  if (grant === 0 && resourcePolicyRequirement(st.resource, plan) !== undefined) return blocked(RESOURCE);
  if (!caller.isAwsAccountPrincipal) return grant > 0 ? ALLOWED : blocked(RESOURCE);
  const sameAccount = st.sameAccount();
  if (caller.kind === 'root') return sameAccount || grant > 0 ? ALLOWED : blocked(RESOURCE);
  if (!sameAccount && grant === 0) return blocked(RESOURCE);
  if (sameAccount && grant === DIRECTLY) return ALLOWED;
  const identityAllows = (results[IDENTITY]! & ALLOW) !== 0;
  if (!identityAllows && !(sameAccount && grant === BY_ROLE)) return blocked(IDENTITY);
  if (results[BOUNDARY]! >= 0 && (results[BOUNDARY]! & ALLOW) === 0) return blocked(BOUNDARY);
  if (caller.isSession) {
    const session = results[SESSION]!;
    // GetFederationToken without a session policy yields a session with no permissions of its own.
    const sessionAllows = session >= 0 ? (session & ALLOW) !== 0 : caller.kind !== 'federated-user';
    if (!sessionAllows) return blocked(SESSION);
  }
  return ALLOWED;
}

/** The decision alone: the fast path, which records nothing. */
export function decide(set: CompiledPolicySet, request: EvaluationRequest): Decision {
  return DECISIONS[run(set, request, undefined) & 3]!;
}

function outcome(result: number): PolicyTypeOutcome {
  if (result === NOT_APPLICABLE) return 'NotApplicable';
  if (result === ABSENT) return 'Absent';
  if ((result & DENY) !== 0) return 'ExplicitlyDenied';
  return (result & ALLOW) !== 0 ? 'Allowed' : 'ImplicitlyDenied';
}

const GRANTS: readonly ResourceGrant[] = ['none', 'account', 'role', 'direct'];

/** The decision with why: the outcome per policy type, the matched statements, missing keys. */
export function explain(set: CompiledPolicySet, request: EvaluationRequest): Explanation {
  const trace = set.trace;
  trace.reset();
  const packed = run(set, request, trace);
  const st = set.state;
  const results = set.typeResults;
  const policyTypes = {} as Record<(typeof EVALUATED_POLICY_TYPES)[number], PolicyTypeOutcome>;
  for (let t = 0; t < TYPE_COUNT; t++) policyTypes[EVALUATED_POLICY_TYPES[t]!] = outcome(results[t]!);
  const resource = results[RESOURCE]!;
  return {
    decision: DECISIONS[packed & 3]!,
    blockedBy: packed >> 2 === 0 ? null : EVALUATED_POLICY_TYPES[(packed >> 2) - 1]!,
    policyTypes,
    matchedStatements: trace.matched.map(matchedStatement),
    missingContextKeys: trace.missing.map((k) => k.name),
    principalKind: st.caller.kind,
    principalAccount: st.caller.account,
    resourceAccount: st.resourceAccount(),
    crossAccount: !st.sameAccount(),
    resourceGrant: GRANTS[resource >= 0 ? resource >> 2 : 0]!,
    resourcePolicyRequired: resourcePolicyRequirement(st.resource, set.plan(request.action)),
  };
}

/** The batch result for a request: what `grantflow simulate --batch` writes for its line. */
export function batchResult(set: CompiledPolicySet, request: EvaluationRequest): BatchResult {
  const e = explain(set, request);
  return {
    decision: e.decision,
    blockedBy: e.blockedBy,
    matchedStatements: e.matchedStatements,
    missingContextKeys: e.missingContextKeys,
  };
}

const DECISION_JSON = DECISIONS.map((d) => `{"decision":"${d}","blockedBy":`);
const BLOCKED_JSON = [null, ...EVALUATED_POLICY_TYPES].map((t) => JSON.stringify(t));

/** The result line's JSON text for a decision (packed as run() gives it) and the trace. */
function resultJson(packed: number, trace: Trace): string {
  let out = DECISION_JSON[packed & 3]! + BLOCKED_JSON[packed >> 2]! + ',"matchedStatements":[';
  const matched = trace.matched;
  for (let i = 0; i < matched.length; i++) out += (i === 0 ? '' : ',') + matched[i]!.json;
  out += '],"missingContextKeys":[';
  const missing = trace.missing;
  for (let i = 0; i < missing.length; i++) out += (i === 0 ? '' : ',') + missing[i]!.json;
  return `${out}]}`;
}

/**
 * The batch result line as JSON text, built from pieces serialized when the set was compiled.
 * JSON.parse of it equals batchResult() for the same request.
 */
export function batchResultJson(set: CompiledPolicySet, request: EvaluationRequest): string {
  const trace = set.trace;
  trace.reset();
  return resultJson(run(set, request, trace), trace);
}

/** A batch result line: its JSON text, and its UTF-8 bytes followed by a newline. */
export interface BatchResultLine {
  readonly json: string;
  readonly bytes: Uint8Array;
}

/** A node of BatchResultLines' trie: the line ending here, and the nodes one step further. */
interface ResultNode {
  line: BatchResultLine | undefined;
  next: Map<object, ResultNode> | undefined;
}

/** Stands between the matched statements and the missing keys in a path of the trie. */
const MISSING = {};
/** Lines kept per set before the cache starts over (only a pathological set makes so many). */
const MAX_RESULT_LINES = 10_000;

/**
 * The result lines of one policy set. A result names nothing of the request, only the set's
 * statements and condition keys, so a set gives few distinct lines however many requests it
 * answers; each is serialized and encoded once, then found by the decision, the matched statements
 * and the missing keys (a trie keyed by those objects' identities).
 */
export class BatchResultCache {
  readonly set: CompiledPolicySet;
  private roots: (ResultNode | undefined)[] = [];
  private size = 0;

  constructor(set: CompiledPolicySet) {
    this.set = set;
  }

  /** The result line for a request (batchResultJson's text, and its bytes). */
  line(request: EvaluationRequest): BatchResultLine {
    const set = this.set;
    const trace = set.trace;
    trace.reset();
    const packed = run(set, request, trace);
    let node = this.roots[packed];
    if (node === undefined) node = this.roots[packed] = { line: undefined, next: undefined };
    const matched = trace.matched;
    for (let i = 0; i < matched.length; i++) node = this.step(node, matched[i]!);
    const missing = trace.missing;
    if (missing.length > 0) {
      node = this.step(node, MISSING);
      for (let i = 0; i < missing.length; i++) node = this.step(node, missing[i]!);
    }
    if (node.line === undefined) {
      if (this.size >= MAX_RESULT_LINES) {
        this.roots = [];
        this.size = 0;
      }
      const json = resultJson(packed, trace);
      node.line = { json, bytes: Buffer.from(`${json}\n`, 'utf8') };
      this.size++;
    }
    return node.line;
  }

  private step(node: ResultNode, key: object): ResultNode {
    const next = (node.next ??= new Map());
    let child = next.get(key);
    if (child === undefined) next.set(key, (child = { line: undefined, next: undefined }));
    return child;
  }
}
