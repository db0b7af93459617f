// Compiling a policy set: every policy is read once into matchers (lower-cased action patterns,
// wildcard patterns with literal fast paths, ARN-aware resource patterns, Principal key sets,
// precompiled conditions). Per action the set then keeps, for each policy, just the statements whose
// Action/NotAction covers that action, so a decision never looks at an action pattern twice.
import type { Catalog } from '../catalog/index.ts';
import { getCatalog } from '../catalog/index.ts';
import { JsonSyntaxError, SourceText, effectOf, parsePolicy } from '../policy/index.ts';
import type { Policy, Statement, ValueList } from '../policy/index.ts';
import { ConditionMatcher } from './conditions.ts';
import { PolicyInputError } from './errors.ts';
import { glob } from './glob.ts';
import type { Glob } from './glob.ts';
import { PrincipalMatcher } from './principals.ts';
import { EvalState, Trace, matchedStatement } from './state.ts';
import type { StatementRef } from './state.ts';
import { resourcePattern } from './template.ts';
import type { ResourcePattern } from './template.ts';
import { EVALUATED_POLICY_TYPES } from './types.ts';
import type { CompileWarning, NamedPolicy, PolicyDocument, PolicyInput, PolicySetInput } from './types.ts';

// Policy types by index, in the order denials and gates are reported (see decide.ts).
export const IDENTITY = 0;
export const RESOURCE = 1;
export const BOUNDARY = 2;
export const SESSION = 3;
export const SCP = 4;
export const RCP = 5;
export const VPC_ENDPOINT = 6;
export const TYPE_COUNT = 7;

export class CompiledStatement {
  readonly deny: boolean;
  readonly actions: readonly Glob[] | undefined;
  readonly notActions: readonly Glob[] | undefined;
  readonly resources: readonly ResourcePattern[] | undefined;
  readonly notResources: readonly ResourcePattern[] | undefined;
  readonly principal: PrincipalMatcher | undefined;
  readonly notPrincipal: PrincipalMatcher | undefined;
  readonly conditions: readonly ConditionMatcher[];
  readonly ref: StatementRef;

  constructor(fields: Omit<CompiledStatement, 'coversAction'>) {
    this.deny = fields.deny;
    this.actions = fields.actions;
    this.notActions = fields.notActions;
    this.resources = fields.resources;
    this.notResources = fields.notResources;
    this.principal = fields.principal;
    this.notPrincipal = fields.notPrincipal;
    this.conditions = fields.conditions;
    this.ref = fields.ref;
  }

  /** Whether Action/NotAction covers a lower-cased action name. */
  coversAction(action: string): boolean {
    if (this.actions !== undefined) {
      for (const a of this.actions) if (a.test(action)) return true;
      return false;
    }
    if (this.notActions !== undefined) {
      for (const a of this.notActions) if (a.test(action)) return false;
      return true;
    }
    return false;
  }
}

export interface CompiledPolicy {
  /** Position in CompiledPolicySet.policies. */
  readonly ordinal: number;
  readonly typeIndex: number;
  readonly level: number | undefined;
  readonly index: number;
  readonly source: string | undefined;
  readonly statements: readonly CompiledStatement[];
}

/** A policy's statements that cover one action, as deciding and explaining walk them. */
export interface StatementLists {
  /** In document order, for explanations. */
  readonly all: readonly CompiledStatement[];
  readonly denies: readonly CompiledStatement[];
  readonly allows: readonly CompiledStatement[];
}

const NO_STATEMENTS: StatementLists = { all: [], denies: [], allows: [] };

/** Everything a decision needs to know about one action, built on first use. */
export interface ActionPlan {
  readonly service: string;
  /** Resource control policies apply to the action's service. */
  readonly rcpApplies: boolean;
  /** STS actions on a role are authorized by its trust policy. */
  readonly isSts: boolean;
  /** Indexed by CompiledPolicy.ordinal. */
  readonly lists: readonly StatementLists[];
}

export interface CompileOptions {
  /** Answers which services resource control policies apply to (default: the shared catalog). */
  readonly catalog?: Pick<Catalog, 'supportsRcp'>;
}

export class CompiledPolicySet {
  readonly policies: readonly CompiledPolicy[];
  /**
   * For each policy type, its units: a type allows when every unit does, a unit when any of its
   * policies does. Identity policies form one unit; each boundary, SCP level, RCP level and VPC
   * endpoint policy is a unit of its own.
   */
  readonly units: readonly (readonly (readonly CompiledPolicy[])[])[];
  readonly warnings: readonly CompileWarning[];
  /** Scratch reused by every decision on this set (decisions are synchronous). */
  readonly state = new EvalState();
  readonly trace = new Trace();
  readonly typeResults = new Int32Array(TYPE_COUNT);
  private readonly plans = new Map<string, ActionPlan>();
  private readonly rcpServices: Pick<Catalog, 'supportsRcp'>;

  constructor(
    policies: readonly CompiledPolicy[],
    units: readonly (readonly (readonly CompiledPolicy[])[])[],
    warnings: readonly CompileWarning[],
    options: CompileOptions,
  ) {
    this.policies = policies;
    this.units = units;
    this.warnings = warnings;
    this.rcpServices = options.catalog ?? getCatalog();
  }

  /** The plan for an action as written in the request (cached by that exact text). */
  plan(action: string): ActionPlan {
    let plan = this.plans.get(action);
    if (plan === undefined) {
      plan = this.buildPlan(action);
      if (this.plans.size >= 20_000) this.plans.clear();
      this.plans.set(action, plan);
    }
    return plan;
  }

  private buildPlan(action: string): ActionPlan {
    const lower = action.toLowerCase();
    const service = lower.slice(0, Math.max(0, lower.indexOf(':')));
    const lists = this.policies.map((p) => {
      const all = p.statements.filter((s) => s.coversAction(lower));
      if (all.length === 0) return NO_STATEMENTS;
      return { all, denies: all.filter((s) => s.deny), allows: all.filter((s) => !s.deny) };
    });
    return {
      service,
      rcpApplies: this.units[RCP]!.length > 0 && this.rcpServices.supportsRcp(service),
      isSts: service === 'sts',
      lists,
    };
  }
}

function fieldName(typeIndex: number, level: number | undefined, index: number): string {
  const name = (
    [
      'identityPolicies',
      'resourcePolicy',
      'permissionsBoundaries',
      'sessionPolicy',
      'serviceControlPolicies',
      'resourceControlPolicies',
      'vpcEndpointPolicies',
    ] as const
  )[typeIndex]!;
  if (typeIndex === RESOURCE || typeIndex === SESSION) return name;
  return level === undefined ? `${name}[${index}]` : `${name}[${level}][${index}]`;
}

function isNamed(input: PolicyInput): input is NamedPolicy {
  return (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as NamedPolicy).name === 'string' &&
    'document' in input &&
    !('Statement' in input)
  );
}

function isModel(doc: PolicyDocument): doc is Policy {
  return (
    typeof doc === 'object' &&
    doc !== null &&
    'json' in doc &&
    'statements' in doc &&
    Array.isArray(doc.statements)
  );
}

/** Reads a document into the model: JSON text as is, a plain object serialized compactly. */
function toModel(doc: PolicyDocument, field: string): Policy {
  if (isModel(doc)) return doc;
  let text: string;
  if (typeof doc === 'string') text = doc;
  else if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) text = JSON.stringify(doc);
  else throw new PolicyInputError(field, 'a policy must be a JSON object or its JSON text');
  let policy: Policy;
  try {
    policy = parsePolicy(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      const pos = new SourceText(text).position(err.offset);
      throw new PolicyInputError(
        field,
        `invalid JSON at line ${pos.line}, column ${pos.column + 1}: ${err.message}`,
      );
    }
    throw err;
  }
  if (policy.root.type !== 'object') throw new PolicyInputError(field, 'a policy must be a JSON object');
  return policy;
}

function patterns(list: ValueList | undefined, make: (text: string) => Glob): Glob[] | undefined {
  return list?.values.map((v) => make(v.value));
}

function compileStatement(
  s: Statement,
  policy: Policy,
  typeIndex: number,
  level: number | undefined,
  index: number,
  source: string | undefined,
  variables: boolean,
  warn: (message: string) => void,
): CompiledStatement | undefined {
  const effect = effectOf(s);
  if (effect === undefined) {
    warn('the statement has no valid Effect and is ignored');
    return undefined;
  }
  if (!s.action && !s.notAction) warn('the statement has neither Action nor NotAction and matches nothing');
  // Principal elements belong to resource-side policies; elsewhere IAM rejects them, so they are ignored.
  const withPrincipal = typeIndex === RESOURCE || typeIndex === RCP || typeIndex === VPC_ENDPOINT;
  if (typeIndex === RESOURCE && !s.principal && !s.notPrincipal) {
    warn('a resource policy statement without Principal or NotPrincipal names nobody and is ignored');
    return undefined;
  }
  const conditions = (s.condition?.entries ?? []).map((e) => new ConditionMatcher(e, variables));
  for (const c of conditions)
    if (c.unsupported !== undefined) warn(`${c.unsupported}: the condition never holds`);
  const sid = s.sid?.value;
  const span = policy.json.source.span(s.node.start, s.node.end);
  const where = { typeIndex, level, policyIndex: index, statementIndex: s.index, sid, effect, span, source };
  return new CompiledStatement({
    deny: effect === 'Deny',
    actions: patterns(s.action, (a) => glob(a.toLowerCase(), false)),
    notActions: patterns(s.notAction, (a) => glob(a.toLowerCase(), false)),
    resources: s.resource?.values.map((v) => resourcePattern(v.value, variables)),
    notResources: s.notResource?.values.map((v) => resourcePattern(v.value, variables)),
    principal: withPrincipal && s.principal ? new PrincipalMatcher(s.principal) : undefined,
    notPrincipal: withPrincipal && s.notPrincipal ? new PrincipalMatcher(s.notPrincipal) : undefined,
    conditions,
    ref: { ...where, json: JSON.stringify(matchedStatement(where)) },
  });
}

/** Compiles a policy set once, to evaluate any number of requests against it. */
export function compilePolicySet(set: PolicySetInput, options: CompileOptions = {}): CompiledPolicySet {
  const policies: CompiledPolicy[] = [];
  const warnings: CompileWarning[] = [];
  const compile = (input: PolicyInput, typeIndex: number, level: number | undefined, index: number) => {
    const field = fieldName(typeIndex, level, index);
    if (input === null || input === undefined) throw new PolicyInputError(field, 'the policy is missing');
    const source = isNamed(input) ? input.name : undefined;
    const policy = toModel(isNamed(input) ? input.document : input, field);
    const policyType = EVALUATED_POLICY_TYPES[typeIndex]!;
    const where = { policyType, ...(level === undefined ? {} : { level }), policyIndex: index, source };
    if (!policy.statementElement) warnings.push({ ...where, message: 'the policy has no Statement element' });
    // Policy variables are substituted only in Version 2012-10-17; in 2008-10-17 they are plain text.
    const variables = policy.version?.value === '2012-10-17';
    const statements: CompiledStatement[] = [];
    for (const s of policy.statements) {
      const warn = (message: string) => warnings.push({ ...where, statementIndex: s.index, message });
      const compiled = compileStatement(s, policy, typeIndex, level, index, source, variables, warn);
      if (compiled) statements.push(compiled);
    }
    const compiled: CompiledPolicy = {
      ordinal: policies.length,
      typeIndex,
      level,
      index,
      source,
      statements,
    };
    policies.push(compiled);
    return compiled;
  };
  const list = <T>(value: readonly T[] | undefined, field: string): readonly T[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new PolicyInputError(field, 'must be a list');
    return value;
  };
  const levels = (value: readonly (readonly PolicyInput[])[] | undefined, typeIndex: number, field: string) =>
    list(value, field).map((level, l) =>
      list(level, `${field}[${l}]`).map((p, i) => compile(p, typeIndex, l, i)),
    );

  const identity = list(set.identityPolicies, 'identityPolicies').map((p, i) =>
    compile(p, IDENTITY, undefined, i),
  );
  const resource =
    set.resourcePolicy === undefined ? [] : [[compile(set.resourcePolicy, RESOURCE, undefined, 0)]];
  const boundaries = list(set.permissionsBoundaries, 'permissionsBoundaries').map((p, i) => [
    compile(p, BOUNDARY, undefined, i),
  ]);
  const session =
    set.sessionPolicy === undefined ? [] : [[compile(set.sessionPolicy, SESSION, undefined, 0)]];
  const scp = levels(set.serviceControlPolicies, SCP, 'serviceControlPolicies');
  const rcp = levels(set.resourceControlPolicies, RCP, 'resourceControlPolicies');
  const vpce = list(set.vpcEndpointPolicies, 'vpcEndpointPolicies').map((p, i) => [
    compile(p, VPC_ENDPOINT, undefined, i),
  ]);
  const units = [[identity], resource, boundaries, session, scp, rcp, vpce];
  return new CompiledPolicySet(policies, units, warnings, options);
}
