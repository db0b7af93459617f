// What a definition asks of AWS: its Task states (at any depth: Parallel branches and Map item
// processors included) and its JSONata expressions, read from the raw JSON so that a definition
// the embedded interpreter does not run (e.g. with Map) still exports.
import jsonata from 'jsonata';
import { expressionsIn } from '../expressions.ts';

export interface TaskRef {
  /** The state's name, with its enclosing states for nested ones (`Outer/Inner`). */
  readonly state: string;
  readonly resource: string;
  readonly arguments: unknown;
}

export interface ExpressionProblem {
  readonly state: string;
  /** Where in the state: `/Arguments/PolicyName`, `/Choices[0]/Condition`. */
  readonly field: string;
  readonly expression: string;
  readonly message: string;
  /** Character offset in the expression, when jsonata reports one. */
  readonly position?: number;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every state of a definition, nested ones included, with its qualified name. */
export function* statesOf(definition: unknown, prefix = ''): Generator<{ name: string; state: JsonObject }> {
  if (!isObject(definition) || !isObject(definition.States)) return;
  for (const [name, state] of Object.entries(definition.States)) {
    if (!isObject(state)) continue;
    const qualified = `${prefix}${name}`;
    yield { name: qualified, state };
    if (Array.isArray(state.Branches)) {
      for (const [i, branch] of state.Branches.entries()) yield* statesOf(branch, `${qualified}[${i}]/`);
    }
    for (const key of ['ItemProcessor', 'Iterator']) {
      if (isObject(state[key])) yield* statesOf(state[key], `${qualified}/`);
    }
  }
}

export function tasksOf(definition: unknown): TaskRef[] {
  const tasks: TaskRef[] = [];
  for (const { name, state } of statesOf(definition)) {
    if (state.Type === 'Task' && typeof state.Resource === 'string') {
      tasks.push({ state: name, resource: state.Resource, arguments: state.Arguments ?? state.Parameters });
    }
  }
  return tasks;
}

/** Fields Step Functions does not evaluate. */
const NOT_EVALUATED = new Set([
  'Type',
  'Comment',
  'Next',
  'End',
  'Resource',
  'Default',
  'Branches',
  'ItemProcessor',
  'Iterator',
]);

/** Parses every `{% … %}` expression with the jsonata library grantflow pins (the 2.0.x line Step Functions runs). */
export function checkExpressions(definition: unknown): { checked: number; problems: ExpressionProblem[] } {
  let checked = 0;
  const problems: ExpressionProblem[] = [];
  for (const { name, state } of statesOf(definition)) {
    for (const [key, value] of Object.entries(state)) {
      if (NOT_EVALUATED.has(key)) continue;
      for (const { text, field } of expressionsIn(value, `/${key}`)) {
        checked++;
        try {
          jsonata(text);
        } catch (err) {
          const e = err as { message?: string; position?: number; code?: string };
          problems.push({
            state: name,
            field,
            expression: text.trim().slice(0, 200),
            message: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`,
            ...(typeof e.position === 'number' ? { position: e.position } : {}),
          });
        }
      }
    }
  }
  return { checked, problems };
}

/**
 * The literal text an expression's value starts with, when it is `'literal' & …` (e.g. the seed's
 * `'generated_by_workflow_' & $millis()`), so a name can be scoped by its prefix.
 */
export function literalPrefix(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\{%([\s\S]*)%\}$/.exec(value);
  if (!match) return value;
  try {
    let node = jsonata(match[1]!).ast() as { type: string; value?: unknown; lhs?: unknown };
    while (node.type === 'binary' && node.value === '&' && node.lhs) node = node.lhs as typeof node;
    return node.type === 'string' && typeof node.value === 'string' ? `${node.value}*` : undefined;
  } catch {
    return undefined;
  }
}
