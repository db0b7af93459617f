import { describe, expect, it } from 'vitest';
import { ScheduleExpressionError } from '../errors.ts';
import { nextRun, nextRuns, parseSchedule } from './expression.ts';

const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) =>
  nextRun(parseSchedule(expression), at(after))?.toISOString();
const runs = (expression: string, after: string, n: number) =>
  nextRuns(parseSchedule(expression), at(after), n).map((d) => d.toISOString().slice(0, 16));

describe('cron expressions', () => {
  it('runs every day at 09:00 UTC', () => {
    expect(next('cron(0 9 * * ? *)', '2025-06-01T08:30:00Z')).toBe('2025-06-01T09:00:00.000Z');
    expect(next('cron(0 9 * * ? *)', '2025-06-01T09:00:00Z')).toBe('2025-06-02T09:00:00.000Z');
    expect(next('cron(0 9 * * ? *)', '2025-12-31T10:00:00Z')).toBe('2026-01-01T09:00:00.000Z');
  });

  it('takes lists, ranges, steps and names', () => {
    expect(runs('cron(0/15 * * * ? *)', '2025-06-01T10:05:00Z', 3)).toEqual([
      '2025-06-01T10:15',
      '2025-06-01T10:30',
      '2025-06-01T10:45',
    ]);
    expect(runs('cron(1/10 8 * * ? *)', '2025-06-01T07:00:00Z', 3)).toEqual([
      '2025-06-01T08:01',
      '2025-06-01T08:11',
      '2025-06-01T08:21',
    ]);
    expect(runs('cron(0 10,15 ? * MON-FRI *)', '2025-05-30T16:00:00Z', 3)).toEqual([
      '2025-06-02T10:00',
      '2025-06-02T15:00',
      '2025-06-03T10:00',
    ]);
    expect(runs('cron(30 6 1 JAN,jul ? 2026-2027)', '2025-06-01T00:00:00Z', 5)).toEqual([
      '2026-01-01T06:30',
      '2026-07-01T06:30',
      '2027-01-01T06:30',
      '2027-07-01T06:30',
    ]);
    expect(runs('cron(0 0 10-20/5 * ? *)', '2025-06-01T00:00:00Z', 3)).toEqual([
      '2025-06-10T00:00',
      '2025-06-15T00:00',
      '2025-06-20T00:00',
    ]);
  });

  it('L, LW and W in Day-of-month', () => {
    expect(runs('cron(0 0 L * ? *)', '2024-01-31T12:00:00Z', 3)).toEqual([
      '2024-02-29T00:00',
      '2024-03-31T00:00',
      '2024-04-30T00:00',
    ]);
    // May 2025 ends on a Saturday: its last weekday is Friday the 30th.
    expect(next('cron(0 0 LW * ? *)', '2025-05-01T00:00:00Z')).toBe('2025-05-30T00:00:00.000Z');
    // June 15th 2025 is a Sunday: Monday the 16th. February 15th 2025 is a Saturday: Friday the 14th.
    expect(next('cron(0 0 15W * ? *)', '2025-06-01T00:00:00Z')).toBe('2025-06-16T00:00:00.000Z');
    expect(next('cron(0 0 15W * ? *)', '2025-02-01T00:00:00Z')).toBe('2025-02-14T00:00:00.000Z');
    // February 1st 2025 is a Saturday: the nearest weekday in the month is Monday the 3rd.
    expect(next('cron(0 0 1W * ? *)', '2025-01-20T00:00:00Z')).toBe('2025-02-03T00:00:00.000Z');
    // 31W has no run in a 30-day month.
    expect(next('cron(0 0 31W * ? *)', '2025-06-01T00:00:00Z')).toBe('2025-07-31T00:00:00.000Z');
  });

  it('L and # in Day-of-week', () => {
    expect(next('cron(0 0 ? * 6L *)', '2025-06-01T00:00:00Z')).toBe('2025-06-27T00:00:00.000Z');
    expect(next('cron(0 0 ? * FRIL *)', '2025-06-01T00:00:00Z')).toBe('2025-06-27T00:00:00.000Z');
    expect(next('cron(0 0 ? * 3#2 *)', '2025-06-01T00:00:00Z')).toBe('2025-06-10T00:00:00.000Z');
    expect(next('cron(0 0 ? * MON#5 *)', '2025-06-01T00:00:00Z')).toBe('2025-06-30T00:00:00.000Z');
    expect(next('cron(0 0 ? * L *)', '2025-06-01T00:00:00Z')).toBe('2025-06-07T00:00:00.000Z');
  });

  it('finds a run years away, and none when the years are over', () => {
    expect(next('cron(0 0 29 2 ? *)', '2025-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2020)', '2025-01-01T00:00:00Z')).toBeUndefined();
  });

  it.each([
    ['0 9 * * ? *', /expected cron\(/],
    ['cron(0 9 * * ?)', /cron has 6 fields .* not 5/],
    ['cron()', /not 0/],
    ['cron(0 9 * * * *)', /one of Day-of-month and Day-of-week must be "\?"/],
    ['cron(0 9 ? * ? *)', /only one of Day-of-month and Day-of-week can be "\?"/],
    ['cron(60 9 * * ? *)', /Minutes: 60 is out of range \(0-59\)/],
    ['cron(0 24 * * ? *)', /Hours: 24 is out of range/],
    ['cron(0 9 * FOO ? *)', /Month: "FOO" is not a number from 1 to 12 or JAN-DEC/],
    ['cron(0 9 ? * 1/2 *)', /Day-of-week does not take "\/" increments/],
    ['cron(0/0 9 * * ? *)', /increment in "0\/0" must be a positive whole number/],
    ['cron(0 20-10 * * ? *)', /the range "20-10" starts after it ends/],
    ['cron(0 9 ? * 3#1,6#3 *)', /with "#" the field holds one expression/],
    ['cron(0 9 ? * 3#6 *)', /occurrence must be 1 to 5/],
    ['cron(0 9 L,15 * ? *)', /L, LW and nW stand alone/],
    ['cron(0 9 * * ? 2300)', /Year: 2300 is out of range \(1970-2199\)/],
    ['cron(0 9 ? * ? *)', /only one/],
    ['cron(? 9 * * ? *)', /Minutes does not take "\?"/],
    ['cron(0 0 30 2 ? *)', /never matches a date/],
    ['rate(1 minutes)', /with a value of 1 the unit is singular: rate\(1 minute\)/],
    ['rate(5 minute)', /with a value above 1 the unit is plural: rate\(5 minutes\)/],
    ['rate(0 minutes)', /positive whole number/],
    ['rate(2 weeks)', /the unit "weeks" must be minute\(s\), hour\(s\) or day\(s\)/],
    ['rate(five minutes)', /write rate\(VALUE UNIT\)/],
  ])('rejects %s with a clear error', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(message);
    expect(() => parseSchedule(expression)).toThrow(ScheduleExpressionError);
  });
});

describe('rate expressions', () => {
  it('runs every period from when the schedule started', () => {
    const every5 = parseSchedule('rate(5 minutes)');
    expect(every5).toMatchObject({ kind: 'rate', value: 5, unit: 'minute', periodMs: 300_000 });
    const since = at('2025-06-01T10:00:00Z');
    expect(nextRun(every5, at('2025-06-01T10:00:00Z'), since)?.toISOString()).toBe(
      '2025-06-01T10:05:00.000Z',
    );
    expect(nextRun(every5, at('2025-06-01T10:07:30Z'), since)?.toISOString()).toBe(
      '2025-06-01T10:10:00.000Z',
    );
    expect(nextRun(every5, at('2025-06-01T10:10:00Z'), since)?.toISOString()).toBe(
      '2025-06-01T10:15:00.000Z',
    );
    expect(nextRun(parseSchedule('rate(1 day)'), since)?.toISOString()).toBe('2025-06-02T10:00:00.000Z');
    expect(parseSchedule(' RATE(2 Hours) ')).toMatchObject({ unit: 'hour', periodMs: 7_200_000 });
  });
});
