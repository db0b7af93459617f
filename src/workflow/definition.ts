// An Amazon States Language definition, checked and typed before anything runs: the states the
// interpreter supports (Pass, Task, Choice, Wait, Succeed, Fail) with QueryLanguage JSONata, every
// field checked the way Step Functions' definition validation does, and every `{% … %}`
// expression parsed once, so a syntax error is reported at start, not in the middle of a grant.
import { isJsonObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';
import { compileExpression, expressionText, expressionsIn } from './expressions.ts';

export type StateType = 'Pass' | 'Task' | 'Choice' | 'Wait' | 'Succeed' | 'Fail';

/** A value as written: a literal, or a `{% … %}` expression to evaluate. */
export type Template = Json;

export interface Retrier {
  readonly errorEquals: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds?: number;
  readonly jitterStrategy: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly errorEquals: readonly string[];
  readonly next: string;
  readonly assign?: JsonObject;
  /** Default: `$states.errorOutput`. */
  readonly output?: Template;
}

export interface ChoiceRule {
  /** The expression text (without `{% %}`), or a boolean literal. */
  readonly condition: string | boolean;
  readonly next: string;
  readonly assign?: JsonObject;
  readonly output?: Template;
}

interface StateBase {
  readonly name: string;
  readonly comment?: string;
  /** Next state, absent on terminal states and Choice. */
  readonly next?: string;
  readonly end: boolean;
  readonly assign?: JsonObject;
  readonly output?: Template;
}

export interface PassState extends StateBase {
  readonly type: 'Pass';
}

export interface TaskState extends StateBase {
  readonly type: 'Task';
  /** The Resource ARN as written, pattern suffix included. */
  readonly resource: string;
  readonly arguments?: Template;
  /** Seconds, or an expression for them. */
  readonly timeoutSeconds?: number | string;
  readonly retry: readonly Retrier[];
  readonly catch: readonly Catcher[];
}

export interface ChoiceState extends StateBase {
  readonly type: 'Choice';
  readonly choices: readonly ChoiceRule[];
  readonly default?: string;
}

export interface WaitState extends StateBase {
  readonly type: 'Wait';
  /** Seconds (a non-negative integer) or an expression for them. */
  readonly seconds?: number | string;
  /** An RFC 3339 timestamp or an expression for one. */
  readonly timestamp?: string;
}

export interface SucceedState extends StateBase {
  readonly type: 'Succeed';
}

export interface FailState extends StateBase {
  readonly type: 'Fail';
  readonly error?: string;
  readonly cause?: string;
}

export type State = PassState | TaskState | ChoiceState | WaitState | SucceedState | FailState;

export interface StateMachine {
  readonly comment?: string;
  readonly startAt: string;
  readonly states: ReadonlyMap<string, State>;
  readonly timeoutSeconds?: number;
  /** The definition as given, for storing with executions and exporting. */
  readonly source: JsonObject;
}

export interface DefinitionProblem {
  /** Where, as a JSON path such as `/States/CreatePolicy/Retry/0/ErrorEquals`. */
  readonly path: string;
  readonly message: string;
}

export class DefinitionError extends Error {
  readonly code = 'INVALID_DEFINITION';
  readonly problems: readonly DefinitionProblem[];
  constructor(problems: readonly DefinitionProblem[]) {
    super(
      `invalid state machine definition:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

const COMMON_FIELDS = ['Type', 'Comment', 'QueryLanguage'];
const FIELDS: Record<StateType, readonly string[]> = {
  Pass: [...COMMON_FIELDS, 'Next', 'End', 'Assign', 'Output'],
  Task: [
    ...COMMON_FIELDS,
    'Next',
    'End',
    'Assign',
    'Output',
    'Resource',
    'Arguments',
    'Retry',
    'Catch',
    'TimeoutSeconds',
  ],
  Choice: [...COMMON_FIELDS, 'Choices', 'Default', 'Assign', 'Output'],
  Wait: [...COMMON_FIELDS, 'Next', 'End', 'Assign', 'Output', 'Seconds', 'Timestamp'],
  Succeed: [...COMMON_FIELDS, 'Output'],
  Fail: [...COMMON_FIELDS, 'Error', 'Cause'],
};

/** JSONPath-only fields, and what a JSONata state uses instead. */
const JSONPATH_FIELDS: Record<string, string> = {
  InputPath: 'Arguments',
  Parameters: 'Arguments',
  ResultSelector: 'Output',
  ResultPath: 'Output or Assign',
  OutputPath: 'Output',
  Result: 'Output',
  SecondsPath: 'Seconds with an expression',
  TimestampPath: 'Timestamp with an expression',
  TimeoutSecondsPath: 'TimeoutSeconds with an expression',
  HeartbeatSecondsPath: 'HeartbeatSeconds with an expression',
  ErrorPath: 'Error with an expression',
  CausePath: 'Cause with an expression',
};

const UNSUPPORTED: Record<string, string> = {
  Parallel: 'Parallel states are not supported by the embedded interpreter',
  Map: 'Map states are not supported by the embedded interpreter',
  HeartbeatSeconds: 'HeartbeatSeconds is not supported by the embedded interpreter; use TimeoutSeconds',
  Credentials: 'Credentials (cross-account task roles) is not supported by the embedded interpreter',
};

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,79}$/;
const MAX_STATE_NAME = 80;
/** Step Functions' ceiling on wait and timeout seconds. */
export const MAX_SECONDS = 99_999_999;

/** Parses and checks a definition (JSON text or object); throws DefinitionError listing every problem. */
export function parseDefinition(input: string | unknown): StateMachine {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      throw new DefinitionError([{ path: '/', message: `not valid JSON: ${(err as Error).message}` }]);
    }
  }
  const problems: DefinitionProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  if (!isJsonObject(raw)) throw new DefinitionError([{ path: '/', message: 'must be a JSON object' }]);

  for (const key of Object.keys(raw)) {
    if (!['QueryLanguage', 'Comment', 'StartAt', 'States', 'TimeoutSeconds', 'Version'].includes(key)) {
      problem(`/${key}`, 'unknown top-level field');
    }
  }
  const topLanguage = raw.QueryLanguage ?? 'JSONPath';
  if (topLanguage !== 'JSONata' && topLanguage !== 'JSONPath') {
    problem('/QueryLanguage', `must be "JSONata" or "JSONPath" (got ${JSON.stringify(raw.QueryLanguage)})`);
  }
  if (raw.Comment !== undefined && typeof raw.Comment !== 'string') problem('/Comment', 'must be a string');
  if (raw.Version !== undefined && raw.Version !== '1.0') problem('/Version', 'must be "1.0"');
  const timeoutSeconds = raw.TimeoutSeconds;
  if (timeoutSeconds !== undefined && !isSeconds(timeoutSeconds, 1)) {
    problem('/TimeoutSeconds', `must be an integer from 1 to ${MAX_SECONDS}`);
  }
  if (typeof raw.StartAt !== 'string' || raw.StartAt === '') problem('/StartAt', 'must name a state');
  if (!isJsonObject(raw.States) || Object.keys(raw.States).length === 0) {
    problem('/States', 'must be an object with at least one state');
    throw new DefinitionError(problems);
  }

  const names = new Set(Object.keys(raw.States));
  const states = new Map<string, State>();
  for (const [name, value] of Object.entries(raw.States)) {
    const path = `/States/${name}`;
    if (name.length > MAX_STATE_NAME) problem(path, `state names are at most ${MAX_STATE_NAME} characters`);
    const state = readState(name, value, path, topLanguage, names, problem);
    if (state) states.set(name, state);
  }
  if (typeof raw.StartAt === 'string' && raw.StartAt !== '' && !names.has(raw.StartAt)) {
    problem('/StartAt', `no state is named "${raw.StartAt}"`);
  }
  if (problems.length === 0) {
    for (const name of unreachable(raw.StartAt as string, states)) {
      problem(`/States/${name}`, 'the state is not reachable from StartAt');
    }
  }
  if (problems.length > 0) throw new DefinitionError(problems);
  return {
    ...(typeof raw.Comment === 'string' ? { comment: raw.Comment } : {}),
    startAt: raw.StartAt as string,
    states,
    ...(typeof timeoutSeconds === 'number' ? { timeoutSeconds } : {}),
    source: raw,
  };
}

type Report = (path: string, message: string) => void;

function isSeconds(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_SECONDS;
}

function readState(
  name: string,
  value: Json,
  path: string,
  topLanguage: Json,
  names: ReadonlySet<string>,
  problem: Report,
): State | undefined {
  if (!isJsonObject(value)) {
    problem(path, 'must be an object');
    return undefined;
  }
  const type = value.Type;
  if (typeof type === 'string' && UNSUPPORTED[type]) {
    problem(`${path}/Type`, UNSUPPORTED[type]!);
    return undefined;
  }
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) {
    problem(`${path}/Type`, `must be one of ${Object.keys(FIELDS).join(', ')} (got ${JSON.stringify(type)})`);
    return undefined;
  }
  const language = value.QueryLanguage ?? topLanguage;
  if (
    value.QueryLanguage !== undefined &&
    value.QueryLanguage !== 'JSONata' &&
    value.QueryLanguage !== 'JSONPath'
  ) {
    problem(`${path}/QueryLanguage`, 'must be "JSONata" or "JSONPath"');
  } else if (language !== 'JSONata') {
    problem(
      `${path}/QueryLanguage`,
      'the embedded interpreter runs JSONata states only: set "QueryLanguage": "JSONata" on the state or the state machine',
    );
    return undefined;
  }
  const allowed = FIELDS[type as StateType];
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    if (JSONPATH_FIELDS[key])
      problem(`${path}/${key}`, `is a JSONPath field; JSONata states use ${JSONPATH_FIELDS[key]}`);
    else if (UNSUPPORTED[key]) problem(`${path}/${key}`, UNSUPPORTED[key]!);
    else problem(`${path}/${key}`, `is not a field of a ${type} state`);
  }
  if (value.Comment !== undefined && typeof value.Comment !== 'string')
    problem(`${path}/Comment`, 'must be a string');

  const target = (field: string, next: Json | undefined): string | undefined => {
    if (next === undefined) return undefined;
    if (typeof next !== 'string' || !names.has(next)) {
      problem(`${path}/${field}`, `must name a state of this state machine (got ${JSON.stringify(next)})`);
      return undefined;
    }
    return next;
  };

  const base = {
    name,
    ...(typeof value.Comment === 'string' ? { comment: value.Comment } : {}),
    ...readAssign(value.Assign, `${path}/Assign`, problem),
    ...readOutput(value.Output, `${path}/Output`, problem),
  };

  let next: string | undefined;
  let end: boolean;
  if (type === 'Choice' || type === 'Succeed' || type === 'Fail') {
    end = type !== 'Choice';
  } else {
    if (value.End !== undefined && value.End !== true) problem(`${path}/End`, 'must be true when present');
    end = value.End === true;
    if (end && value.Next !== undefined) problem(path, 'has both Next and End; use one');
    if (!end && value.Next === undefined) problem(path, 'needs Next or "End": true');
    next = target('Next', value.Next);
  }

  switch (type as StateType) {
    case 'Pass':
      return { ...base, type: 'Pass', next, end };
    case 'Succeed':
      return { ...base, type: 'Succeed', end };
    case 'Fail': {
      for (const field of ['Error', 'Cause'] as const) {
        const v = value[field];
        if (v !== undefined && typeof v !== 'string')
          problem(`${path}/${field}`, 'must be a string or an expression');
        else if (v !== undefined) checkExpressions(v, `${path}/${field}`, problem);
      }
      return {
        ...base,
        type: 'Fail',
        end,
        ...(typeof value.Error === 'string' ? { error: value.Error } : {}),
        ...(typeof value.Cause === 'string' ? { cause: value.Cause } : {}),
      };
    }
    case 'Wait': {
      const { Seconds: seconds, Timestamp: timestamp } = value;
      if ((seconds === undefined) === (timestamp === undefined))
        problem(path, 'needs exactly one of Seconds or Timestamp');
      if (seconds !== undefined && !isSeconds(seconds, 0) && expressionText(seconds) === undefined) {
        problem(`${path}/Seconds`, `must be an integer from 0 to ${MAX_SECONDS} or an expression`);
      }
      if (timestamp !== undefined) {
        if (
          typeof timestamp !== 'string' ||
          (expressionText(timestamp) === undefined && !isTimestamp(timestamp))
        ) {
          problem(
            `${path}/Timestamp`,
            'must be an RFC 3339 timestamp such as 2026-01-01T00:00:00Z, or an expression',
          );
        }
      }
      checkExpressions(seconds, `${path}/Seconds`, problem);
      checkExpressions(timestamp, `${path}/Timestamp`, problem);
      return {
        ...base,
        type: 'Wait',
        next,
        end,
        ...(seconds !== undefined ? { seconds: seconds as number | string } : {}),
        ...(typeof timestamp === 'string' ? { timestamp } : {}),
      };
    }
    case 'Choice': {
      const choices: ChoiceRule[] = [];
      if (!Array.isArray(value.Choices) || value.Choices.length === 0) {
        problem(`${path}/Choices`, 'must be a non-empty array of rules');
      } else {
        value.Choices.forEach((rule, i) => {
          const rulePath = `${path}/Choices/${i}`;
          const read = readChoiceRule(rule, rulePath, problem, (next) => target(`Choices/${i}/Next`, next));
          if (read) choices.push(read);
        });
      }
      const fallback = target('Default', value.Default);
      return { ...base, type: 'Choice', end, choices, ...(fallback ? { default: fallback } : {}) };
    }
    case 'Task': {
      const resource = value.Resource;
      // An integration ARN, or a Lambda function ARN (called directly, with the Arguments as its event).
      const arn = /^arn:[a-z-]+:(states:::[^\s]+|lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_:$-]+)$/;
      if (typeof resource !== 'string' || !arn.test(resource)) {
        problem(
          `${path}/Resource`,
          'must be a Step Functions integration ARN such as arn:aws:states:::sns:publish',
        );
      }
      if (value.Arguments !== undefined) checkExpressions(value.Arguments, `${path}/Arguments`, problem);
      const timeout = value.TimeoutSeconds;
      if (timeout !== undefined && !isSeconds(timeout, 1) && expressionText(timeout) === undefined) {
        problem(`${path}/TimeoutSeconds`, `must be an integer from 1 to ${MAX_SECONDS} or an expression`);
      }
      checkExpressions(timeout, `${path}/TimeoutSeconds`, problem);
      const retry = readList(value.Retry, `${path}/Retry`, problem, readRetrier);
      const catchers = readList(value.Catch, `${path}/Catch`, problem, (c, p, report) =>
        readCatcher(c, p, report, (next) => target(`${p.slice(path.length + 1)}/Next`, next)),
      );
      return {
        ...base,
        type: 'Task',
        next,
        end,
        resource: resource as string,
        ...(value.Arguments !== undefined ? { arguments: value.Arguments } : {}),
        ...(timeout !== undefined ? { timeoutSeconds: timeout as number | string } : {}),
        retry,
        catch: catchers,
      };
    }
  }
}

function isTimestamp(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) &&
    !Number.isNaN(Date.parse(text))
  );
}

function readAssign(value: Json | undefined, path: string, problem: Report): { assign?: JsonObject } {
  if (value === undefined) return {};
  if (!isJsonObject(value)) {
    problem(path, 'must be an object of variable names to values');
    return {};
  }
  for (const name of Object.keys(value)) {
    if (!VARIABLE_NAME.test(name)) {
      problem(
        `${path}/${name}`,
        'variable names start with a letter or _, hold letters, digits and _, and are at most 80 characters',
      );
    } else if (name === 'states') {
      problem(`${path}/${name}`, '"states" is reserved for $states');
    }
  }
  checkExpressions(value, path, problem);
  return { assign: value };
}

function readOutput(value: Json | undefined, path: string, problem: Report): { output?: Template } {
  if (value === undefined) return {};
  checkExpressions(value, path, problem);
  return { output: value };
}

function checkExpressions(value: unknown, path: string, problem: Report): void {
  for (const { text, field } of expressionsIn(value, path)) {
    if (text.trim() === '') {
      problem(field, 'the expression is empty');
      continue;
    }
    try {
      compileExpression(text);
    } catch (err) {
      const e = err as { code?: string; message?: string; position?: number };
      problem(
        field,
        `the JSONata expression does not parse: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`,
      );
    }
  }
}

function readErrorEquals(value: Json | undefined, path: string, problem: Report): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) {
    problem(path, 'must be a non-empty array of error names');
    return [];
  }
  const names = value as string[];
  if (names.includes('States.ALL') && names.length > 1) problem(path, 'States.ALL must appear alone');
  return names;
}

function readList<T>(
  value: Json | undefined,
  path: string,
  problem: Report,
  read: (item: Json, path: string, problem: Report) => T | undefined,
): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problem(path, 'must be an array');
    return [];
  }
  const out: T[] = [];
  value.forEach((item, i) => {
    const r = read(item, `${path}/${i}`, problem);
    if (r) out.push(r);
    if (
      isJsonObject(item) &&
      Array.isArray(item.ErrorEquals) &&
      item.ErrorEquals.includes('States.ALL') &&
      i !== value.length - 1
    ) {
      problem(`${path}/${i}/ErrorEquals`, 'States.ALL must be in the last element');
    }
  });
  return out;
}

function readRetrier(value: Json, path: string, problem: Report): Retrier | undefined {
  if (!isJsonObject(value)) {
    problem(path, 'must be an object');
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (
      ![
        'ErrorEquals',
        'IntervalSeconds',
        'MaxAttempts',
        'BackoffRate',
        'MaxDelaySeconds',
        'JitterStrategy',
        'Comment',
      ].includes(key)
    ) {
      problem(`${path}/${key}`, 'is not a field of a retrier');
    }
  }
  const errorEquals = readErrorEquals(value.ErrorEquals, `${path}/ErrorEquals`, problem);
  const interval = value.IntervalSeconds ?? 1;
  if (!isSeconds(interval, 1))
    problem(`${path}/IntervalSeconds`, `must be an integer from 1 to ${MAX_SECONDS}`);
  const maxAttempts = value.MaxAttempts ?? 3;
  if (
    typeof maxAttempts !== 'number' ||
    !Number.isInteger(maxAttempts) ||
    maxAttempts < 0 ||
    maxAttempts > MAX_SECONDS
  ) {
    problem(`${path}/MaxAttempts`, 'must be a non-negative integer');
  }
  const backoff = value.BackoffRate ?? 2;
  if (typeof backoff !== 'number' || backoff < 1)
    problem(`${path}/BackoffRate`, 'must be a number of at least 1.0');
  const maxDelay = value.MaxDelaySeconds;
  if (maxDelay !== undefined && !isSeconds(maxDelay, 1)) {
    problem(`${path}/MaxDelaySeconds`, `must be an integer from 1 to ${MAX_SECONDS}`);
  }
  const jitter = value.JitterStrategy ?? 'NONE';
  if (jitter !== 'FULL' && jitter !== 'NONE') problem(`${path}/JitterStrategy`, 'must be "FULL" or "NONE"');
  return {
    errorEquals,
    intervalSeconds: interval as number,
    maxAttempts: maxAttempts as number,
    backoffRate: backoff as number,
    ...(typeof maxDelay === 'number' ? { maxDelaySeconds: maxDelay } : {}),
    jitterStrategy: jitter as 'FULL' | 'NONE',
  };
}

function readCatcher(
  value: Json,
  path: string,
  problem: Report,
  target: (next: Json | undefined) => string | undefined,
): Catcher | undefined {
  if (!isJsonObject(value)) {
    problem(path, 'must be an object');
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!['ErrorEquals', 'Next', 'Assign', 'Output', 'Comment'].includes(key)) {
      problem(
        `${path}/${key}`,
        key === 'ResultPath'
          ? 'is a JSONPath field; JSONata catchers use Output and Assign'
          : 'is not a field of a catcher',
      );
    }
  }
  const errorEquals = readErrorEquals(value.ErrorEquals, `${path}/ErrorEquals`, problem);
  if (value.Next === undefined) problem(`${path}/Next`, 'is required');
  const next = target(value.Next);
  if (!next) return undefined;
  return {
    errorEquals,
    next,
    ...readAssign(value.Assign, `${path}/Assign`, problem),
    ...readOutput(value.Output, `${path}/Output`, problem),
  };
}

function readChoiceRule(
  value: Json,
  path: string,
  problem: Report,
  target: (next: Json | undefined) => string | undefined,
): ChoiceRule | undefined {
  if (!isJsonObject(value)) {
    problem(path, 'must be an object');
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!['Condition', 'Next', 'Assign', 'Output', 'Comment'].includes(key)) {
      problem(`${path}/${key}`, 'is not a field of a JSONata choice rule (JSONata rules use Condition)');
    }
  }
  const condition = value.Condition;
  const text = expressionText(condition);
  if (typeof condition !== 'boolean' && text === undefined) {
    problem(`${path}/Condition`, 'must be a JSONata expression {% … %} or a boolean');
  }
  checkExpressions(condition, `${path}/Condition`, problem);
  if (value.Next === undefined) problem(`${path}/Next`, 'is required');
  const next = target(value.Next);
  if (!next) return undefined;
  return {
    condition: typeof condition === 'boolean' ? condition : (text ?? ''),
    next,
    ...readAssign(value.Assign, `${path}/Assign`, problem),
    ...readOutput(value.Output, `${path}/Output`, problem),
  };
}

function unreachable(startAt: string, states: ReadonlyMap<string, State>): string[] {
  const seen = new Set<string>();
  const queue = [startAt];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const state = states.get(name);
    if (!state) continue;
    if (state.next) queue.push(state.next);
    if (state.type === 'Choice') {
      for (const rule of state.choices) queue.push(rule.next);
      if (state.default) queue.push(state.default);
    }
    if (state.type === 'Task') for (const c of state.catch) queue.push(c.next);
  }
  return [...states.keys()].filter((n) => !seen.has(n));
}
