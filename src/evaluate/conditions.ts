// Condition evaluation. Operator names are taken apart by src/policy/operators.ts; this file says
// how each family reads values and compares them, and how the wrappers combine the comparisons:
//
// - Several operators, and several keys under one operator, must all hold (AND).
// - Several values for one key: a positive operator holds when the request value matches any of
//   them; a negated one (StringNotEquals, NotIpAddress, ArnNotLike…) when it matches none.
// - A key the request lacks fails a positive operator and satisfies a negated one; with
//   `…IfExists` the condition holds.
// - `ForAnyValue:` holds when at least one request value matches (false for a missing key or an
//   empty set); `ForAllValues:` when every request value matches (true for a missing key or an
//   empty set). The negation then applies to each value.
// - Without a set qualifier a multivalued request value is read like ForAnyValue.
// - `Null` holds for `true` when the key is missing (or an empty set) and for `false` when present.
import { parseOperator } from '../policy/operators.ts';
import type { Comparison, OperatorFamily } from '../policy/operators.ts';
import type { ConditionEntry } from '../policy/index.ts';
import { glob } from './glob.ts';
import type { Glob } from './glob.ts';
import { contextKey, lookup } from './state.ts';
import type { ContextKey, EvalState } from './state.ts';
import { template } from './template.ts';
import type { Template } from './template.ts';
import { inRange, parseCidr, parseDate, parseNumber, parseRequestIp } from './values.ts';
import type { CidrRange, IpAddress } from './values.ts';
import type { ContextValue } from './types.ts';

type Test = (request: never, policy: never) => boolean;

interface Family {
  /** A policy value in comparable form, or undefined when it is not a value of this family. */
  readonly policy: (text: string, comparison: Comparison) => unknown;
  /** A request value in comparable form, or undefined when it cannot be read. */
  readonly request: (text: string, comparison: Comparison) => unknown;
  readonly compare: Partial<Record<Comparison, Test>>;
}

const same = (a: unknown, b: unknown) => a === b;
const ordered: Partial<Record<Comparison, Test>> = {
  equals: same,
  lessThan: (a: number, b: number) => a < b,
  lessThanEquals: (a: number, b: number) => a <= b,
  greaterThan: (a: number, b: number) => a > b,
  greaterThanEquals: (a: number, b: number) => a >= b,
};
const matchesPattern = (value: string, pattern: Glob) => pattern.test(value);
const lowerWhenIgnoringCase = (text: string, c: Comparison) =>
  c === 'equalsIgnoreCase' ? text.toLowerCase() : text;
const asBool = (text: string) => {
  const lower = text.toLowerCase();
  return lower === 'true' || lower === 'false' ? lower : undefined;
};

const FAMILIES: Readonly<Record<Exclude<OperatorFamily, 'Null'>, Family>> = {
  // Case-sensitive unless IgnoreCase; StringLike takes * and ? wildcards.
  String: {
    policy: (text, c) => (c === 'like' ? glob(text, false) : lowerWhenIgnoringCase(text, c)),
    request: lowerWhenIgnoringCase,
    compare: { equals: same, equalsIgnoreCase: same, like: matchesPattern },
  },
  Numeric: { policy: parseNumber, request: parseNumber, compare: ordered },
  // ISO 8601 dates or epoch seconds, compared as instants.
  Date: { policy: parseDate, request: parseDate, compare: ordered },
  Bool: { policy: asBool, request: asBool, compare: { equals: same } },
  // Base64 text compared as written.
  Binary: { policy: (text) => text, request: (text) => text, compare: { equals: same } },
  // CIDR ranges, IPv4 or IPv6; a bare address is a range of one.
  IpAddress: {
    policy: parseCidr,
    request: parseRequestIp,
    compare: { inRange: (ip: IpAddress, range: CidrRange) => inRange(ip, range) },
  },
  // ArnEquals and ArnLike alike: each of the first five ARN parts matched separately, wildcards allowed.
  Arn: { policy: (text) => glob(text, true), request: (text) => text, compare: { like: matchesPattern } },
};

const NO_SET = 0;
const FOR_ALL_VALUES = 1;
const FOR_ANY_VALUE = 2;

/** A policy value: fixed, or a template resolved per request. */
interface Operand {
  readonly value: unknown;
  readonly template: Template | undefined;
}

export class ConditionMatcher {
  readonly operator: string;
  readonly key: ContextKey;
  /** Why the condition can never hold (an operator IAM does not know), for compile warnings. */
  readonly unsupported: string | undefined;
  private readonly family: Family | undefined;
  private readonly comparison: Comparison;
  private readonly test: Test;
  private readonly negated: boolean;
  private readonly ifExists: boolean;
  private readonly set: number;
  private readonly isNull: boolean;
  private readonly operands: readonly Operand[];

  constructor(entry: ConditionEntry, variables: boolean) {
    this.operator = entry.operator;
    this.key = contextKey(entry.key);
    const op = parseOperator(entry.operator);
    this.unsupported = op === undefined ? `unknown condition operator "${entry.operator}"` : undefined;
    this.comparison = op?.base.comparison ?? 'equals';
    this.negated = op?.negated ?? false;
    this.ifExists = op?.ifExists ?? false;
    this.set =
      op?.setQualifier === 'ForAllValues'
        ? FOR_ALL_VALUES
        : op?.setQualifier === 'ForAnyValue'
          ? FOR_ANY_VALUE
          : NO_SET;
    this.isNull = op?.family === 'Null';
    this.family = op === undefined || op.family === 'Null' ? undefined : FAMILIES[op.family];
    this.test = this.family?.compare[this.comparison] ?? (() => false);
    const substitutes = variables && (op?.family === 'String' || op?.family === 'Arn');
    const operands: Operand[] = [];
    for (const v of entry.values) {
      const t = substitutes ? template(v.value) : undefined;
      if (t !== undefined) operands.push({ value: undefined, template: t });
      else if (this.isNull) operands.push({ value: v.value.toLowerCase(), template: undefined });
      else if (this.family !== undefined) {
        const value = this.family.policy(v.value, this.comparison);
        // A value that is not of the operator's type can never match; it is left out.
        if (value !== undefined) operands.push({ value, template: undefined });
      }
    }
    this.operands = operands;
  }

  holds(st: EvalState): boolean {
    if (this.unsupported !== undefined) return false;
    const raw = lookup(st, this.key);
    const present = raw !== undefined && !(Array.isArray(raw) && raw.length === 0);
    if (!present) st.trace?.missingKey(this.key);
    if (this.isNull) {
      for (const o of this.operands) if (o.value === (present ? 'false' : 'true')) return true;
      return false;
    }
    if (!present) {
      if (this.set === FOR_ALL_VALUES) return true;
      if (this.set === FOR_ANY_VALUE) return false;
      return this.ifExists || this.negated;
    }
    if (this.set === NO_SET) {
      const any = this.anyValueMatches(st, raw);
      return this.negated ? !any : any;
    }
    const values = raw as ContextValue;
    if (!Array.isArray(values)) return this.valueHolds(st, values);
    if (this.set === FOR_ALL_VALUES) {
      for (const v of values) if (!this.valueHolds(st, v)) return false;
      return true;
    }
    for (const v of values) if (this.valueHolds(st, v)) return true;
    return false;
  }

  /** One request value against the operator, with its negation applied (set qualifiers). */
  private valueHolds(st: EvalState, value: unknown): boolean {
    const matched = this.matchesOperand(st, value);
    return this.negated ? !matched : matched;
  }

  private anyValueMatches(st: EvalState, raw: ContextValue): boolean {
    if (!Array.isArray(raw)) return this.matchesOperand(st, raw);
    for (const v of raw as readonly unknown[]) if (this.matchesOperand(st, v)) return true;
    return false;
  }

  /** Whether one request value satisfies the (positive) comparison with any policy value. */
  private matchesOperand(st: EvalState, value: unknown): boolean {
    const request = this.family!.request(typeof value === 'string' ? value : String(value), this.comparison);
    if (request === undefined) return false;
    const test = this.test as (r: unknown, p: unknown) => boolean;
    for (const o of this.operands) {
      const policy = o.template === undefined ? o.value : this.resolve(st, o.template);
      if (policy !== undefined && test(request, policy)) return true;
    }
    return false;
  }

  private resolve(st: EvalState, t: Template): unknown {
    if (this.comparison === 'like') return t.glob(st, this.family === FAMILIES.Arn);
    const text = t.substitute(st);
    return text === undefined ? undefined : this.family!.policy(text, this.comparison);
  }
}
