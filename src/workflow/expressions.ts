// JSONata as Step Functions runs it: `{% … %}` strings anywhere in a field's JSON, the `$states`
// variable and the workflow variables as bindings, the functions Step Functions adds ($partition,
// $range, $hash, $random, $uuid, $parse), and no `$eval`. Every evaluation is time-boxed and
// depth-limited through jsonata's evaluate entry/exit hooks, so a runaway expression fails the
// state with States.QueryEvaluationError instead of hanging the process.
//
// Nondeterministic functions ($now, $millis, $uuid, unseeded $random) draw their values from a
// `Nondeterminism` source the caller supplies; the interpreter records those values so that a
// re-evaluation after a crash sees the same ones.
import { createHash } from 'node:crypto';
import jsonata from 'jsonata';
import { STATES_ERRORS, StatesError } from './errors.ts';
import { toJson } from './json.ts';
import type { Json, JsonObject } from './json.ts';

export type Expression = ReturnType<typeof jsonata>;

export interface EvaluationLimits {
  /** Longest one expression may run, in milliseconds. */
  readonly timeoutMs: number;
  /** Deepest nesting of evaluation steps (recursion included). */
  readonly maxDepth: number;
  /** Longest string and largest array an evaluation step may produce. */
  readonly maxStringLength: number;
  readonly maxArrayLength: number;
}

export const DEFAULT_EVALUATION_LIMITS: EvaluationLimits = {
  timeoutMs: 1000,
  maxDepth: 500,
  maxStringLength: 4 * 1024 * 1024,
  maxArrayLength: 1_000_000,
};

/** Where nondeterministic values come from (recorded and replayed by the interpreter). */
export interface Nondeterminism {
  /** Epoch milliseconds for $now() and $millis(); asked once per expression evaluation. */
  clock(): number;
  uuid(): string;
  /** A number in [0, 1) for an unseeded $random(). */
  random(): number;
}

/** The context object: `$states.context`. */
export interface ContextObject {
  readonly Execution: {
    readonly Id: string;
    readonly Input: Json;
    readonly Name: string;
    readonly RoleArn: string;
    readonly StartTime: string;
    readonly RedriveCount: number;
  };
  readonly State: { readonly EnteredTime: string; readonly Name: string; readonly RetryCount: number };
  readonly StateMachine: { readonly Id: string; readonly Name: string };
  readonly Task?: { readonly Token: string };
}

/** What an expression sees. */
export interface EvaluationScope {
  readonly stateName: string;
  /** Id of the state's StateEntered history event, quoted in error causes as Step Functions does. */
  readonly enteredEventId: number;
  readonly input: Json;
  readonly result?: Json;
  readonly errorOutput?: Json;
  readonly context: ContextObject;
  readonly variables: Readonly<Record<string, Json>>;
  readonly nondeterminism: Nondeterminism;
  readonly limits?: EvaluationLimits;
}

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

/** The JSONata text of a `{% … %}` string, or undefined for any other value. */
export function expressionText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = EXPRESSION.exec(value);
  return match ? match[1] : undefined;
}

const EVAL_STATE = '__grantflow_evaluation';
const ENTRY = Symbol.for('jsonata.__evaluate_entry');
const EXIT = Symbol.for('jsonata.__evaluate_exit');

interface EvaluationState {
  depth: number;
  readonly deadline: number;
  readonly limits: EvaluationLimits;
}

class LimitError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const compiled = new Map<string, Expression>();
const MAX_CACHED = 5000;

/**
 * Compiles JSONata text once (cached), with the time and depth hooks installed. Throws the
 * jsonata syntax error (with `code` and `position`) for text that does not parse.
 */
export function compileExpression(text: string): Expression {
  let expr = compiled.get(text);
  if (expr) return expr;
  expr = jsonata(text);
  // The hooks live in the expression's environment; each evaluation binds its own state.
  (expr.assign as (name: string | symbol, value: unknown) => void)(ENTRY, onEntry);
  (expr.assign as (name: string | symbol, value: unknown) => void)(EXIT, onExit);
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(text, expr);
  return expr;
}

interface Environment {
  lookup(name: string): unknown;
}

function onEntry(_expr: unknown, _input: unknown, environment: Environment): void {
  const state = environment.lookup(EVAL_STATE) as EvaluationState | undefined;
  if (!state) return;
  state.depth += 1;
  if (state.depth > state.limits.maxDepth) {
    throw new LimitError(
      'U1001',
      `the expression nests deeper than ${state.limits.maxDepth} steps (non-terminating recursion?)`,
    );
  }
  if (performance.now() > state.deadline) {
    throw new LimitError(
      'U1002',
      `the expression ran longer than ${state.limits.timeoutMs} ms (an endless loop?)`,
    );
  }
}

function onExit(_expr: unknown, _input: unknown, environment: Environment, result: unknown): void {
  const state = environment.lookup(EVAL_STATE) as EvaluationState | undefined;
  if (!state) return;
  state.depth -= 1;
  if (typeof result === 'string' && result.length > state.limits.maxStringLength) {
    throw new LimitError('U1003', `a string grew past ${state.limits.maxStringLength} characters`);
  }
  if (Array.isArray(result) && result.length > state.limits.maxArrayLength) {
    throw new LimitError('U1003', `an array grew past ${state.limits.maxArrayLength} items`);
  }
}

/** A function error, reported by jsonata with the function's position. */
function fail(message: string): never {
  throw new LimitError('SFN01', message);
}

const HASH_ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** Step Functions' limits on its functions' arguments (the same as its intrinsics'). */
const MAX_RANGE_ITEMS = 1000;
const MAX_HASH_INPUT = 10_000;

/** A small seeded generator, so `$random(seed)` repeats for the same seed. */
function seededRandom(seed: number): number {
  let t = (Math.trunc(seed) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

interface Focus {
  readonly environment: Environment;
}

type FromMillis = {
  implementation: (this: Focus, ms: number, picture?: string, timezone?: string) => string;
};

/** The functions Step Functions provides on top of (or instead of) standard JSONata's. */
function stepFunctionsFunctions(source: Nondeterminism): Record<string, unknown> {
  let clock: number | undefined;
  const now = () => (clock ??= source.clock());
  return {
    partition(array: unknown, size: unknown) {
      if (!Array.isArray(array)) fail('$partition: the first argument must be an array');
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 1)
        fail('$partition: the chunk size must be a positive integer');
      const chunks: unknown[][] = [];
      for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
      return chunks;
    },
    range(start: unknown, end: unknown, step: unknown) {
      for (const [name, v] of [
        ['start', start],
        ['end', end],
        ['step', step],
      ] as const) {
        if (typeof v !== 'number' || !Number.isInteger(v)) fail(`$range: ${name} must be an integer`);
      }
      const [a, b, s] = [start as number, end as number, step as number];
      if (s === 0) fail('$range: step must not be 0');
      const count = Math.max(0, Math.floor((b - a) / s) + 1);
      if (count > MAX_RANGE_ITEMS)
        fail(`$range: the result would have ${count} items; the limit is ${MAX_RANGE_ITEMS}`);
      return Array.from({ length: count }, (_, i) => a + i * s);
    },
    hash(data: unknown, algorithm: unknown) {
      if (typeof data !== 'string') fail('$hash: the data must be a string');
      if (data.length > MAX_HASH_INPUT) fail(`$hash: the data is longer than ${MAX_HASH_INPUT} characters`);
      const name = typeof algorithm === 'string' ? HASH_ALGORITHMS[algorithm] : undefined;
      if (!name) fail(`$hash: the algorithm must be one of ${Object.keys(HASH_ALGORITHMS).join(', ')}`);
      return createHash(name).update(data).digest('hex');
    },
    random(seed: unknown) {
      if (seed === undefined) return source.random();
      if (typeof seed !== 'number' || !Number.isInteger(seed)) fail('$random: the seed must be an integer');
      return seededRandom(seed);
    },
    uuid() {
      return source.uuid();
    },
    parse(text: unknown) {
      if (typeof text !== 'string') fail('$parse: the argument must be a string of JSON');
      try {
        return JSON.parse(text);
      } catch (err) {
        fail(`$parse: the string is not valid JSON (${(err as Error).message})`);
      }
    },
    eval() {
      fail('$eval is not available in Step Functions; use $parse');
    },
    millis() {
      return now();
    },
    now(this: Focus, picture?: unknown, timezone?: unknown) {
      const fromMillis = this.environment.lookup('fromMillis') as FromMillis;
      if (picture !== undefined && typeof picture !== 'string') fail('$now: the picture must be a string');
      if (timezone !== undefined && typeof timezone !== 'string') fail('$now: the timezone must be a string');
      return fromMillis.implementation.call(
        this,
        now(),
        picture as string | undefined,
        timezone as string | undefined,
      );
    },
  };
}

/**
 * Functions in jsonata's own shape, so they are called with the evaluation focus as `this` (plain
 * functions get the context value, which Step Functions leaves empty).
 */
function asJsonataFunctions(functions: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(functions).map(([name, implementation]) => [
      name,
      { _jsonata_function: true, implementation },
    ]),
  );
}

interface JsonataError {
  readonly code?: string;
  readonly message?: string;
}

function describeError(err: unknown): string {
  const e = err as JsonataError;
  const message = e?.message ?? String(err);
  return e?.code ? `${e.code}: ${message}` : message;
}

function queryError(scope: EvaluationScope, text: string, field: string, what: string): StatesError {
  return new StatesError(
    STATES_ERRORS.QueryEvaluationError,
    `An error occurred while executing the state '${scope.stateName}' (entered at the event id #${scope.enteredEventId}). ` +
      `The JSONata expression '${text}' specified for the field '${field}' ${what}`,
  );
}

/** Evaluates one JSONata expression; the result must be a JSON value. */
export async function evaluateExpression(text: string, scope: EvaluationScope, field: string): Promise<Json> {
  let expr: Expression;
  try {
    expr = compileExpression(text);
  } catch (err) {
    throw queryError(scope, text, field, `could not be parsed: ${describeError(err)}`);
  }
  const limits = scope.limits ?? DEFAULT_EVALUATION_LIMITS;
  const states: JsonObject = { input: scope.input, context: scope.context as unknown as JsonObject };
  if (scope.result !== undefined) states.result = scope.result;
  if (scope.errorOutput !== undefined) states.errorOutput = scope.errorOutput;
  const evaluation: EvaluationState = { depth: 0, deadline: performance.now() + limits.timeoutMs, limits };
  const bindings: Record<string, unknown> = {
    ...scope.variables,
    ...asJsonataFunctions(stepFunctionsFunctions(scope.nondeterminism)),
    states,
    [EVAL_STATE]: evaluation,
  };
  let result: unknown;
  try {
    // Step Functions gives expressions no context value: `$` and bare field names are empty.
    result = await expr.evaluate(undefined, bindings);
  } catch (err) {
    if (err instanceof StatesError) throw err;
    throw queryError(scope, text, field, `threw an error: ${describeError(err)}`);
  }
  if (result === undefined) throw queryError(scope, text, field, 'returned nothing (undefined).');
  try {
    return toJson(result);
  } catch (err) {
    throw queryError(scope, text, field, `returned a value that is not JSON: ${(err as Error).message}`);
  }
}

/**
 * Evaluates a field's JSON: every `{% … %}` string, at any depth, is replaced by its value;
 * everything else is kept as written. Members are evaluated in document order, so recorded
 * values replay in the same order.
 */
export async function evaluateTemplate(template: Json, scope: EvaluationScope, field: string): Promise<Json> {
  const text = expressionText(template);
  if (text !== undefined) return evaluateExpression(text, scope, field);
  if (Array.isArray(template)) {
    const out: Json[] = [];
    for (let i = 0; i < template.length; i++)
      out.push(await evaluateTemplate(template[i]!, scope, `${field}[${i}]`));
    return out;
  }
  if (template !== null && typeof template === 'object') {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(template)) {
      out[key] = await evaluateTemplate(value, scope, `${field}/${key}`);
    }
    return out;
  }
  return template;
}

/** Every `{% … %}` string in a field's JSON, with the field path it sits at. */
export function* expressionsIn(template: unknown, field: string): Generator<{ text: string; field: string }> {
  const text = expressionText(template);
  if (text !== undefined) {
    yield { text, field };
  } else if (Array.isArray(template)) {
    for (let i = 0; i < template.length; i++) yield* expressionsIn(template[i], `${field}[${i}]`);
  } else if (template !== null && typeof template === 'object') {
    for (const [key, value] of Object.entries(template)) yield* expressionsIn(value, `${field}/${key}`);
  }
}
