// The per-decision state that matchers read: the caller, the resource, the request context, and
// (only when explaining) the trace. One instance per compiled set is reused for every decision, so
// deciding allocates nothing for it.
import type { Span } from '../policy/index.ts';
import type { Caller } from './principals.ts';
import { EVALUATED_POLICY_TYPES } from './types.ts';
import type { ContextValue, MatchedStatement } from './types.ts';

/** Where a matched statement is, precomputed when the policy set is compiled. */
export interface StatementRef {
  readonly typeIndex: number;
  readonly level: number | undefined;
  readonly policyIndex: number;
  readonly statementIndex: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  readonly span: Span;
  readonly source: string | undefined;
  /** The statement as a JSON object of the batch result line, serialized once. */
  readonly json: string;
}

/** The statement as explanations and batch results give it. */
export function matchedStatement(ref: Omit<StatementRef, 'json'>): MatchedStatement {
  // Built member by member so that optional members are absent, not undefined, and in this order.
  const m: Record<string, unknown> = { policyType: EVALUATED_POLICY_TYPES[ref.typeIndex] };
  if (ref.level !== undefined) m.level = ref.level;
  m.policyIndex = ref.policyIndex;
  m.statementIndex = ref.statementIndex;
  if (ref.sid !== undefined) m.sid = ref.sid;
  m.effect = ref.effect;
  m.span = ref.span;
  if (ref.source !== undefined) m.source = ref.source;
  return m as unknown as MatchedStatement;
}

/** What explaining collects while the matchers run. */
export class Trace {
  readonly matched: StatementRef[] = [];
  /** Missing keys, first spelling seen, each once whatever its letter case. */
  readonly missing: ContextKey[] = [];

  reset(): void {
    // pop() is inlined where setting length is a call into the runtime; the lists are short.
    const matched = this.matched;
    while (matched.length !== 0) matched.pop();
    const missing = this.missing;
    while (missing.length !== 0) missing.pop();
  }

  missingKey(key: ContextKey): void {
    const missing = this.missing;
    for (let i = 0; i < missing.length; i++) if (missing[i]!.lower === key.lower) return;
    missing.push(key);
  }
}

export class EvalState {
  caller!: Caller;
  resource = '';
  /** The request's resourceAccount, when it gave one. */
  declaredResourceAccount: string | undefined = undefined;
  context: Readonly<Record<string, ContextValue>> | undefined = undefined;
  /** The caller has a permissions boundary (NotPrincipal with Deny then always applies). */
  hasBoundary = false;
  trace: Trace | undefined = undefined;

  /** The resource's account: as declared, else the ARN's account, else the caller's. */
  resourceAccount(): string | undefined {
    if (this.declaredResourceAccount !== undefined) return this.declaredResourceAccount;
    const arnAccount = arnAccountOf(this.resource);
    return arnAccount === undefined || arnAccount === '' ? this.caller.account : arnAccount;
  }

  /** Whether the resource belongs to the caller's account, without building strings. */
  sameAccount(): boolean {
    const account = this.caller.account;
    if (account === undefined) return false;
    if (this.declaredResourceAccount !== undefined) return this.declaredResourceAccount === account;
    // The account field of the resource ARN, found in one pass (as accountFieldStart does).
    const r = this.resource;
    if (!r.startsWith('arn:')) return true;
    let start = 4;
    for (let i = 0; i < 3; i++) {
      const colon = r.indexOf(':', start);
      if (colon < 0) return true;
      start = colon + 1;
    }
    const end = r.indexOf(':', start);
    if (end < 0) return true; // not an ARN: the caller's
    if (end === start) return true; // no account in the ARN (S3 buckets): the caller's
    return end - start === account.length && r.startsWith(account, start);
  }
}

/** Offset of the account field of an ARN, or -1 when the text is not an ARN. */
function accountFieldStart(arn: string): number {
  if (!arn.startsWith('arn:')) return -1;
  let at = 4;
  for (let i = 0; i < 3; i++) {
    const colon = arn.indexOf(':', at);
    if (colon < 0) return -1;
    at = colon + 1;
  }
  return arn.indexOf(':', at) < 0 ? -1 : at;
}

function arnAccountOf(arn: string): string | undefined {
  const start = accountFieldStart(arn);
  return start < 0 ? undefined : arn.slice(start, arn.indexOf(':', start));
}

/** A condition key or variable name, resolved against the request context. */
export interface ContextKey {
  /** As written in the policy. */
  readonly name: string;
  readonly lower: string;
  /** Derives the value from the request when the context does not give it. */
  readonly derive: ((st: EvalState) => string | undefined) | undefined;
  /** The name as a JSON string, for batch result lines. */
  readonly json: string;
}

// Keys AWS puts in every request context that this evaluator can work out from the request itself.
// aws:userid, aws:SourceIp, aws:CurrentTime and the like must be given in the context.
const DERIVED: Readonly<Record<string, (st: EvalState) => string | undefined>> = {
  'aws:principalarn': (st) => st.caller.principalArn,
  'aws:principalaccount': (st) => st.caller.account,
  'aws:principaltype': (st) => st.caller.principalType,
  'aws:username': (st) => st.caller.username,
  'aws:principalisawsservice': (st) => (st.caller.kind === 'service' ? 'true' : 'false'),
  'aws:principalservicename': (st) => st.caller.serviceName,
  'aws:resourceaccount': (st) => st.resourceAccount(),
};

export const DERIVED_CONTEXT_KEYS: readonly string[] = [
  'aws:PrincipalArn',
  'aws:PrincipalAccount',
  'aws:PrincipalType',
  'aws:username',
  'aws:PrincipalIsAWSService',
  'aws:PrincipalServiceName',
  'aws:ResourceAccount',
];

export function contextKey(name: string): ContextKey {
  const lower = name.toLowerCase();
  return {
    name,
    lower,
    derive: Object.hasOwn(DERIVED, lower) ? DERIVED[lower] : undefined,
    json: JSON.stringify(name),
  };
}

function isContextValue(v: unknown): v is ContextValue {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' || Array.isArray(v);
}

function sameIgnoringCase(text: string, lower: string): boolean {
  if (text.length !== lower.length) return false;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    else if (c > 127) return text.toLowerCase() === lower;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** The key's value in the request: as written, else in another letter case, else derived. */
export function lookup(st: EvalState, key: ContextKey): ContextValue | undefined {
  const ctx = st.context;
  if (ctx !== undefined) {
    const exact = ctx[key.name];
    if (exact !== undefined && isContextValue(exact)) return exact;
    for (const k in ctx) {
      if (sameIgnoringCase(k, key.lower)) {
        const v = ctx[k];
        if (isContextValue(v)) return v;
      }
    }
  }
  return key.derive === undefined ? undefined : key.derive(st);
}
