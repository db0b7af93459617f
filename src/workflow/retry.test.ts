import { describe, expect, it } from 'vitest';
import type { Retrier } from './definition.ts';
import { StatesError, errorMatches, toStatesError } from './errors.ts';
import { Recorder } from './recorder.ts';
import type { RandomSources } from './recorder.ts';
import { decideRetry, jitteredDelay } from './retry.ts';

const retrier = (fields: Partial<Retrier> & Pick<Retrier, 'errorEquals'>): Retrier => ({
  intervalSeconds: 1,
  maxAttempts: 3,
  backoffRate: 2,
  jitterStrategy: 'NONE',
  ...fields,
});

describe('error matching', () => {
  it('matches names exactly, States.ALL anything, States.TaskFailed anything but States.Timeout', () => {
    expect(errorMatches(['Iam.NoSuchEntityException'], 'Iam.NoSuchEntityException')).toBe(true);
    expect(errorMatches(['Iam.NoSuchEntityException'], 'Iam.DeleteConflictException')).toBe(false);
    expect(errorMatches(['States.ALL'], 'States.Timeout')).toBe(true);
    expect(errorMatches(['States.TaskFailed'], 'Iam.ServiceFailureException')).toBe(true);
    expect(errorMatches(['States.TaskFailed'], 'States.Timeout')).toBe(false);
    expect(errorMatches(['States.Timeout'], 'States.Timeout')).toBe(true);
  });

  it('never matches the terminal errors, not even with States.ALL', () => {
    for (const name of ['States.Runtime', 'States.DataLimitExceeded']) {
      expect(errorMatches(['States.ALL'], name)).toBe(false);
      expect(errorMatches([name], name)).toBe(false);
    }
  });

  it('turns unexpected exceptions into States.TaskFailed with the message as cause', () => {
    const err = toStatesError(new TypeError('boom'));
    expect([err.error, err.cause]).toEqual(['States.TaskFailed', 'boom']);
    const same = new StatesError('X.Y', 'z');
    expect(toStatesError(same)).toBe(same);
  });
});

describe('decideRetry', () => {
  const retriers = [
    retrier({
      errorEquals: ['Iam.LimitExceededException'],
      intervalSeconds: 2,
      maxAttempts: 2,
      backoffRate: 3,
    }),
    retrier({ errorEquals: ['States.ALL'], maxAttempts: 5, backoffRate: 2, maxDelaySeconds: 5 }),
  ];

  it('uses the first retrier whose ErrorEquals matches, with its own count and backoff', () => {
    expect(decideRetry(retriers, [0, 0], 'Iam.LimitExceededException')).toEqual({
      retrier: 0,
      delaySeconds: 2,
    });
    expect(decideRetry(retriers, [1, 0], 'Iam.LimitExceededException')).toEqual({
      retrier: 0,
      delaySeconds: 6,
    });
    expect(decideRetry(retriers, [0, 3], 'Other')).toEqual({ retrier: 1, delaySeconds: 5 });
    expect(decideRetry(retriers, [0, 2], 'Other')).toEqual({ retrier: 1, delaySeconds: 4 });
  });

  it('gives up when the matching retrier used its attempts, without trying later ones', () => {
    expect(decideRetry(retriers, [2, 0], 'Iam.LimitExceededException')).toBeUndefined();
    expect(decideRetry([retrier({ errorEquals: ['X'], maxAttempts: 0 })], [0], 'X')).toBeUndefined();
    expect(decideRetry([retrier({ errorEquals: ['X'] })], [0], 'Y')).toBeUndefined();
    expect(decideRetry(retriers, [0, 0], 'States.Runtime')).toBeUndefined();
  });

  it('applies FULL jitter as a fraction of the delay', () => {
    expect(jitteredDelay(retrier({ errorEquals: ['X'], jitterStrategy: 'FULL' }), 8, () => 0.25)).toBe(2);
    expect(jitteredDelay(retrier({ errorEquals: ['X'] }), 8, () => 0.25)).toBe(8);
  });
});

describe('Recorder', () => {
  const sources = (): RandomSources & { n: number } => {
    const s = {
      n: 0,
      now: () => 1000 + s.n++,
      uuid: () => `u${s.n++}`,
      random: () => (s.n++ % 10) / 10,
      token: () => `t${s.n++}`,
    };
    return s;
  };

  it('records fresh values under phase-scoped keys, counted per kind', () => {
    const r = new Recorder('7/S/arguments#0/', sources());
    expect([r.clock(), r.uuid(), r.uuid(), r.random(), r.token()]).toEqual([1000, 'u1', 'u2', 0.3, 't4']);
    expect(r.recorded).toEqual({
      '7/S/arguments#0/$millis#1': 1000,
      '7/S/arguments#0/$uuid#1': 'u1',
      '7/S/arguments#0/$uuid#2': 'u2',
      '7/S/arguments#0/$random#1': 0.3,
      '7/S/arguments#0/taskToken#1': 't4',
    });
  });

  it('replays recorded values in the same order and records only what is new', () => {
    const first = new Recorder('7/S/arguments#0/', sources());
    first.uuid();
    first.clock();
    const fresh = { ...sources(), uuid: () => 'fresh' };
    const again = new Recorder('7/S/arguments#0/', fresh, first.recorded);
    expect([again.uuid(), again.clock(), again.uuid()]).toEqual(['u0', 1001, 'fresh']);
    expect(again.recorded).toEqual({ '7/S/arguments#0/$uuid#2': 'fresh' });
  });
});
