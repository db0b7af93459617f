import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DefinitionError, parseDefinition } from './definition.ts';
import type { TaskState } from './definition.ts';

const SEED = readFileSync(new URL('../../../shared/data/seed-workflow.asl.json', import.meta.url), 'utf8');

const machine = (states: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  QueryLanguage: 'JSONata',
  StartAt: Object.keys(states)[0],
  States: states,
  ...extra,
});

function problems(definition: unknown): string[] {
  try {
    parseDefinition(definition);
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return (err as DefinitionError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the definition to be refused');
}

describe('parseDefinition', () => {
  it('reads the seed definition as published', () => {
    const m = parseDefinition(SEED);
    expect(m.startAt).toBe('Temp state for variables');
    expect(m.states.size).toBe(17);
    const create = m.states.get('CreatePolicy') as TaskState;
    expect(create.type).toBe('Task');
    expect(create.resource).toBe('arn:aws:states:::aws-sdk:iam:createPolicy');
    expect(create.retry).toEqual([]);
    expect(m.states.get('Is validated policy')?.type).toBe('Choice');
  });

  it('applies the Retry defaults', () => {
    const m = parseDefinition(
      machine({
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish',
          End: true,
          Retry: [{ ErrorEquals: ['States.ALL'] }],
        },
      }),
    );
    expect((m.states.get('T') as TaskState).retry[0]).toEqual({
      errorEquals: ['States.ALL'],
      intervalSeconds: 1,
      maxAttempts: 3,
      backoffRate: 2,
      jitterStrategy: 'NONE',
    });
  });

  it('refuses text that is not JSON, and non-objects', () => {
    expect(problems('{')[0]).toMatch(/^\/: not valid JSON/);
    expect(problems([])[0]).toBe('/: must be a JSON object');
  });

  it('names a missing start state and transitions to unknown states', () => {
    expect(problems(machine({ A: { Type: 'Pass', Next: 'B' } }, { StartAt: 'Z' }))).toEqual([
      '/States/A/Next: must name a state of this state machine (got "B")',
      '/StartAt: no state is named "Z"',
    ]);
  });

  it('runs JSONata states only, and says what JSONPath fields become', () => {
    expect(problems({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } })).toEqual([
      '/States/A/QueryLanguage: the embedded interpreter runs JSONata states only: set "QueryLanguage": "JSONata" on the state or the state machine',
    ]);
    expect(problems(machine({ A: { Type: 'Pass', End: true, ResultPath: '$.x', Parameters: {} } }))).toEqual([
      '/States/A/ResultPath: is a JSONPath field; JSONata states use Output or Assign',
      '/States/A/Parameters: is a JSONPath field; JSONata states use Arguments',
    ]);
  });

  it('says which state types and fields the embedded interpreter does not support', () => {
    expect(problems(machine({ A: { Type: 'Parallel', Branches: [], End: true } }))).toEqual([
      '/States/A/Type: Parallel states are not supported by the embedded interpreter',
    ]);
    expect(problems(machine({ A: { Type: 'Bogus' } }))[0]).toMatch(
      /^\/States\/A\/Type: must be one of Pass, Task/,
    );
    expect(
      problems(
        machine({
          A: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', HeartbeatSeconds: 5, End: true },
        }),
      ),
    ).toEqual([
      '/States/A/HeartbeatSeconds: HeartbeatSeconds is not supported by the embedded interpreter; use TimeoutSeconds',
    ]);
    expect(problems(machine({ A: { Type: 'Pass', End: true, Colour: 'red' } }))).toEqual([
      '/States/A/Colour: is not a field of a Pass state',
    ]);
  });

  it('checks Next and End', () => {
    expect(problems(machine({ A: { Type: 'Pass' } }))).toEqual(['/States/A: needs Next or "End": true']);
    expect(problems(machine({ A: { Type: 'Pass', Next: 'A', End: true } }))).toEqual([
      '/States/A: has both Next and End; use one',
    ]);
    expect(problems(machine({ A: { Type: 'Succeed', Next: 'A' } }))).toEqual([
      '/States/A/Next: is not a field of a Succeed state',
    ]);
  });

  it('checks Choice rules', () => {
    expect(problems(machine({ C: { Type: 'Choice', Choices: [] } }))).toEqual([
      '/States/C/Choices: must be a non-empty array of rules',
    ]);
    expect(
      problems(
        machine({ C: { Type: 'Choice', Choices: [{ Variable: '$.x', StringEquals: 'a', Next: 'C' }] } }),
      ),
    ).toEqual([
      '/States/C/Choices/0/Variable: is not a field of a JSONata choice rule (JSONata rules use Condition)',
      '/States/C/Choices/0/StringEquals: is not a field of a JSONata choice rule (JSONata rules use Condition)',
      '/States/C/Choices/0/Condition: must be a JSONata expression {% … %} or a boolean',
    ]);
  });

  it('checks Wait fields', () => {
    expect(
      problems(machine({ W: { Type: 'Wait', Seconds: 1, Timestamp: '2030-01-01T00:00:00Z', End: true } })),
    ).toEqual(['/States/W: needs exactly one of Seconds or Timestamp']);
    expect(problems(machine({ W: { Type: 'Wait', Seconds: -1, End: true } }))).toEqual([
      '/States/W/Seconds: must be an integer from 0 to 99999999 or an expression',
    ]);
    expect(problems(machine({ W: { Type: 'Wait', Timestamp: 'tomorrow', End: true } }))).toEqual([
      '/States/W/Timestamp: must be an RFC 3339 timestamp such as 2026-01-01T00:00:00Z, or an expression',
    ]);
    parseDefinition(machine({ W: { Type: 'Wait', Seconds: '{% $n %}', End: true } }));
  });

  it('checks variable names in Assign', () => {
    expect(
      problems(machine({ A: { Type: 'Pass', End: true, Assign: { '1x': 1, states: 2, ok_1: 3 } } })),
    ).toEqual([
      '/States/A/Assign/1x: variable names start with a letter or _, hold letters, digits and _, and are at most 80 characters',
      '/States/A/Assign/states: "states" is reserved for $states',
    ]);
  });

  it('checks Retry and Catch', () => {
    const task = (fields: Record<string, unknown>) =>
      machine({
        T: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true, ...fields },
        F: { Type: 'Fail' },
      });
    expect(
      problems(
        task({ Retry: [{ ErrorEquals: [], BackoffRate: 0.5, JitterStrategy: 'SOME', MaxAttempts: -1 }] }),
      ),
    ).toEqual([
      '/States/T/Retry/0/ErrorEquals: must be a non-empty array of error names',
      '/States/T/Retry/0/MaxAttempts: must be a non-negative integer',
      '/States/T/Retry/0/BackoffRate: must be a number of at least 1.0',
      '/States/T/Retry/0/JitterStrategy: must be "FULL" or "NONE"',
    ]);
    expect(
      problems(
        task({
          Catch: [
            { ErrorEquals: ['States.ALL', 'X'], Next: 'F' },
            { ErrorEquals: ['Y'], Next: 'F' },
          ],
        }),
      ),
    ).toEqual([
      '/States/T/Catch/0/ErrorEquals: States.ALL must appear alone',
      '/States/T/Catch/0/ErrorEquals: States.ALL must be in the last element',
    ]);
    expect(problems(task({ Catch: [{ ErrorEquals: ['X'], Next: 'Nowhere', ResultPath: '$.e' }] }))).toEqual([
      '/States/T/Catch/0/ResultPath: is a JSONPath field; JSONata catchers use Output and Assign',
      '/States/T/Catch/0/Next: must name a state of this state machine (got "Nowhere")',
    ]);
  });

  it('parses every expression once, so syntax errors are found before running', () => {
    expect(
      problems(
        machine({
          A: { Type: 'Pass', End: true, Output: { x: '{% $states.input.( %}' }, Assign: { y: '{%  %}' } },
        }),
      ),
    ).toEqual([
      '/States/A/Assign/y: the expression is empty',
      expect.stringMatching(/^\/States\/A\/Output\/x: the JSONata expression does not parse: S0\d{3}/),
    ]);
  });

  it('refuses states that cannot be reached', () => {
    expect(problems(machine({ A: { Type: 'Succeed' }, B: { Type: 'Succeed' } }))).toEqual([
      '/States/B: the state is not reachable from StartAt',
    ]);
  });

  it('checks Task resources and timeouts', () => {
    expect(
      problems(machine({ T: { Type: 'Task', Resource: 'lambda', End: true, TimeoutSeconds: 0 } })),
    ).toEqual([
      '/States/T/Resource: must be a Step Functions integration ARN such as arn:aws:states:::sns:publish',
      '/States/T/TimeoutSeconds: must be an integer from 1 to 99999999 or an expression',
    ]);
  });
});
