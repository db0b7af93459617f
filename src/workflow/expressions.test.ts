import { describe, expect, it } from 'vitest';
import { StatesError } from './errors.ts';
import { evaluateExpression, evaluateTemplate, expressionText, expressionsIn } from './expressions.ts';
import type { EvaluationScope, Nondeterminism } from './expressions.ts';
import type { Json } from './json.ts';

function source(overrides: Partial<Nondeterminism> = {}): Nondeterminism & { calls: string[] } {
  const calls: string[] = [];
  let n = 0;
  return {
    calls,
    clock: () => {
      calls.push('clock');
      return Date.parse('2030-01-02T03:04:05.678Z') + 1000 * n++;
    },
    uuid: () => {
      calls.push('uuid');
      return `00000000-0000-4000-8000-00000000000${n++}`;
    },
    random: () => {
      calls.push('random');
      return 0.25;
    },
    ...overrides,
  };
}

function scope(extra: Partial<EvaluationScope> = {}): EvaluationScope {
  return {
    stateName: 'S',
    enteredEventId: 7,
    input: { a: 1, list: [1, 2, 3], name: 'dev' },
    context: {
      Execution: {
        Id: 'arn:aws:states:us-east-1:123456789012:execution:m:e1',
        Input: { a: 1 },
        Name: 'e1',
        RoleArn: 'arn:aws:iam::123456789012:role/r',
        StartTime: '2030-01-01T00:00:00.000Z',
        RedriveCount: 0,
      },
      State: { EnteredTime: '2030-01-01T00:00:01.000Z', Name: 'S', RetryCount: 2 },
      StateMachine: { Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:m', Name: 'm' },
    },
    variables: { x: 10, who: 'kim' },
    nondeterminism: source(),
    ...extra,
  };
}

async function evaluate(text: string, extra: Partial<EvaluationScope> = {}): Promise<Json> {
  return evaluateExpression(text, scope(extra), 'Output');
}

async function failure(text: string, extra: Partial<EvaluationScope> = {}): Promise<StatesError> {
  try {
    await evaluate(text, extra);
  } catch (err) {
    expect(err).toBeInstanceOf(StatesError);
    return err as StatesError;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('expression strings', () => {
  it('recognizes only strings that start with {% and end with %}', () => {
    expect(expressionText('{% $x %}')).toBe(' $x ');
    expect(expressionText(' {% $x %}')).toBeUndefined();
    expect(expressionText('{% $x %} ')).toBeUndefined();
    expect(expressionText('$x')).toBeUndefined();
    expect(expressionText(3)).toBeUndefined();
  });

  it('lists every expression in a template with its field path', () => {
    const found = [...expressionsIn({ a: '{% 1 %}', b: ['x', { c: '{% 2 %}' }], d: 4 }, 'Arguments')];
    expect(found).toEqual([
      { text: ' 1 ', field: 'Arguments/a' },
      { text: ' 2 ', field: 'Arguments/b[1]/c' },
    ]);
  });
});

describe('evaluating', () => {
  it('reads $states.input, $states.context and variables', async () => {
    expect(await evaluate('$states.input.a + $x')).toBe(11);
    expect(await evaluate('$states.context.State.RetryCount')).toBe(2);
    expect(await evaluate('$states.context.Execution.Name')).toBe('e1');
    expect(await evaluate("$split('arn:aws:iam::1:user/a/b', '/')[-1]")).toBe('b');
  });

  it('exposes $states.result and $states.errorOutput only when given', async () => {
    expect(await evaluate('$states.result.v', { result: { v: 5 } })).toBe(5);
    expect(await evaluate('$states.errorOutput.Error', { errorOutput: { Error: 'E', Cause: 'c' } })).toBe(
      'E',
    );
    expect((await failure('$states.result')).cause).toContain('returned nothing (undefined)');
  });

  it('gives expressions no context value: $ and bare field names are empty', async () => {
    expect((await failure('$')).error).toBe('States.QueryEvaluationError');
    expect((await failure('a')).cause).toContain('returned nothing');
  });

  it('evaluates templates at any depth and keeps literals', async () => {
    const out = await evaluateTemplate(
      { static: 'Hello', n: '{% $x * 2 %}', nested: [{ who: '{% $who %}' }, null, true, '{%x'] },
      scope(),
      'Arguments',
    );
    expect(out).toEqual({ static: 'Hello', n: 20, nested: [{ who: 'kim' }, null, true, '{%x'] });
  });

  it('fails with States.QueryEvaluationError naming the state, event and field', async () => {
    const err = await evaluateTemplate({ v: { w: '{% $states.input.missing %}' } }, scope(), 'Output').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StatesError);
    expect((err as StatesError).error).toBe('States.QueryEvaluationError');
    expect((err as StatesError).cause).toBe(
      "An error occurred while executing the state 'S' (entered at the event id #7). The JSONata expression ' $states.input.missing ' specified for the field 'Output/v/w' returned nothing (undefined).",
    );
  });

  it('reports JSONata errors and syntax errors as States.QueryEvaluationError', async () => {
    const runtime = await failure("$number('abc') + 1 & $foo()");
    expect(runtime.error).toBe('States.QueryEvaluationError');
    expect(runtime.cause).toMatch(/threw an error: [A-Z]\d{4}/);
    const syntax = await failure('(1 + ');
    expect(syntax.cause).toContain('could not be parsed');
  });

  it('refuses results that are not JSON', async () => {
    expect((await failure('function($v) { $v }')).cause).toContain('not JSON');
  });

  it('keeps arrays and objects plain (no jsonata sequences)', async () => {
    const out = await evaluate('$states.input.list[$ > 1]');
    expect(out).toEqual([2, 3]);
    expect(Object.keys(out as object)).toEqual(['0', '1']);
  });
});

describe('the functions Step Functions adds', () => {
  it('$partition splits an array into chunks', async () => {
    expect(await evaluate('$partition([1,2,3,4,5,6,7,8,9], 4)')).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
    expect((await failure('$partition([1], 0)')).cause).toContain('chunk size');
    expect((await failure("$partition('x', 1)")).cause).toContain('must be an array');
  });

  it('$range counts from start to end by step, ends included, at most 1000 items', async () => {
    expect(await evaluate('$range(0, 10, 2)')).toEqual([0, 2, 4, 6, 8, 10]);
    expect(await evaluate('$range(5, 1, -2)')).toEqual([5, 3, 1]);
    expect(await evaluate('$range(1, 0, 1)')).toEqual([]);
    expect((await failure('$range(0, 5000, 1)')).cause).toContain('limit is 1000');
    expect((await failure('$range(0, 5, 0)')).cause).toContain('step must not be 0');
    expect((await failure('$range(0, 5.5, 1)')).cause).toContain('end must be an integer');
  });

  it('$hash computes the digests Step Functions supports', async () => {
    expect(await evaluate("$hash('abc', 'SHA-256')")).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await evaluate("$hash('abc', 'MD5')")).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(await evaluate("$hash('abc', 'SHA-1')")).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(((await evaluate("$hash('abc', 'SHA-512')")) as string).length).toBe(128);
    expect((await failure("$hash('abc', 'SHA3')")).cause).toContain('must be one of');
  });

  it('$random draws from the nondeterminism source, or repeats for a seed', async () => {
    const s = source();
    expect(await evaluate('$random()', { nondeterminism: s })).toBe(0.25);
    expect(s.calls).toEqual(['random']);
    const a = await evaluate('$random(42)');
    const b = await evaluate('$random(42)');
    const c = await evaluate('$random(43)');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a as number).toBeGreaterThanOrEqual(0);
    expect(a as number).toBeLessThan(1);
  });

  it('$uuid draws from the nondeterminism source', async () => {
    const s = source();
    expect(await evaluate('[$uuid(), $uuid()]', { nondeterminism: s })).toEqual([
      '00000000-0000-4000-8000-000000000000',
      '00000000-0000-4000-8000-000000000001',
    ]);
  });

  it('$parse reads JSON text; $eval is not available', async () => {
    expect(await evaluate('$parse(\'{"policy": "x", "n": [1]}\').n')).toEqual([1]);
    expect((await failure("$parse('{nope')")).cause).toContain('not valid JSON');
    expect((await failure("$eval('1 + 1')")).cause).toContain('$eval is not available');
  });

  it('$now and $millis read the clock once per evaluation', async () => {
    const s = source();
    expect(await evaluate('[$millis(), $millis(), $now()]', { nondeterminism: s })).toEqual([
      Date.parse('2030-01-02T03:04:05.678Z'),
      Date.parse('2030-01-02T03:04:05.678Z'),
      '2030-01-02T03:04:05.678Z',
    ]);
    expect(s.calls).toEqual(['clock']);
    expect(await evaluate("$now('[Y0001]-[M01]-[D01]')")).toBe('2030-01-02');
  });
});

describe('evaluation limits', () => {
  const limits = { timeoutMs: 200, maxDepth: 100, maxStringLength: 10_000, maxArrayLength: 1000 };

  it('stops an endless loop after the time limit', async () => {
    const started = Date.now();
    const err = await failure('($loop := function($n) { $n < 0 ? $n : $loop($n + 1) }; $loop(0))', {
      limits,
    });
    expect(err.error).toBe('States.QueryEvaluationError');
    expect(err.cause).toMatch(/ran longer than 200 ms|nests deeper than 100/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops runaway recursion at the depth limit', async () => {
    const err = await failure('($f := function($n) { 1 + $f($n + 1) }; $f(0))', { limits });
    expect(err.cause).toContain('nests deeper than 100 steps');
  });

  it('stops strings and arrays that grow past their limits', async () => {
    const grow = await failure(
      "($d := function($s, $n) { $n = 0 ? $s : $d($s & $s, $n - 1) }; $d('x', 30))",
      { limits: { ...limits, maxDepth: 10_000 } },
    );
    expect(grow.cause).toContain('string grew past 10000 characters');
    const many = await failure('[1..5000]', { limits });
    expect(many.cause).toContain('array grew past 1000 items');
  });

  it('does not get in the way of ordinary expressions', async () => {
    expect(await evaluate('$sum($map([1..100], function($v) { $v * 2 }))', { limits })).toBe(10100);
  });
});
