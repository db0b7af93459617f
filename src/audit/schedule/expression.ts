// EventBridge schedule expressions, as the EventBridge User Guide defines them, in UTC:
//
//   cron(Minutes Hours Day-of-month Month Day-of-week Year)
//     Minutes 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or JAN-DEC, Day-of-week 1-7 or
//     SUN-SAT (1 is Sunday), Year 1970-2199. Every field takes `,` lists, `-` ranges, `*` and `/`
//     increments (`1/10`: from 1, every 10), except Day-of-week, which has no `/`. One of
//     Day-of-month and Day-of-week must be `?` (and only one). Day-of-month also takes `L` (last
//     day), `LW` (last weekday) and `nW` (the weekday nearest day n, within the month); Day-of-week
//     takes `L` (Saturday, the week's last day), `nL` (the month's last such day) and `n#k` (the
//     k-th such day), and with `#` nothing else.
//   rate(Value Unit)
//     Value a positive whole number; Unit minute, hour or day, singular when Value is 1 and
//     plural otherwise. Runs every Value units from when the schedule starts.
import { ScheduleExpressionError } from '../errors.ts';

export interface RateSchedule {
  readonly kind: 'rate';
  readonly text: string;
  readonly value: number;
  readonly unit: 'minute' | 'hour' | 'day';
  readonly periodMs: number;
}

/** Day-of-month: a set of days, the last day, the last weekday, or the weekday nearest a day. */
type DayOfMonth =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'last-weekday' }
  | { readonly kind: 'nearest-weekday'; readonly day: number };

/** Day-of-week (1 = Sunday): a set of days, the month's last such day, or its k-th. */
type DayOfWeek =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last-of-month'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly nth: number };

export interface CronSchedule {
  readonly kind: 'cron';
  readonly text: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonth;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayOfWeek;
  readonly years: ReadonlySet<number>;
}

export type ScheduleExpression = CronSchedule | RateSchedule;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly steps: boolean;
}

const FIELDS = {
  minutes: { name: 'Minutes', min: 0, max: 59, steps: true },
  hours: { name: 'Hours', min: 0, max: 23, steps: true },
  dayOfMonth: { name: 'Day-of-month', min: 1, max: 31, steps: true },
  month: { name: 'Month', min: 1, max: 12, names: MONTHS, steps: true },
  dayOfWeek: { name: 'Day-of-week', min: 1, max: 7, names: DAYS, steps: false },
  year: { name: 'Year', min: MIN_YEAR, max: MAX_YEAR, steps: true },
} satisfies Record<string, FieldSpec>;

function fail(expression: string, why: string): never {
  throw new ScheduleExpressionError(`invalid schedule expression "${expression}": ${why}`);
}

function value(text: string, spec: FieldSpec, expression: string): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + spec.min;
  if (!/^\d+$/.test(text)) {
    const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
    fail(expression, `${spec.name}: "${text}" is not a number from ${spec.min} to ${spec.max}${names}`);
  }
  const n = Number(text);
  if (n < spec.min || n > spec.max) {
    fail(expression, `${spec.name}: ${n} is out of range (${spec.min}-${spec.max})`);
  }
  return n;
}

/** A field of plain values: `*`, lists, ranges and increments. */
function values(field: string, spec: FieldSpec, expression: string): Set<number> {
  const out = new Set<number>();
  for (const item of field.split(',')) {
    if (item === '') fail(expression, `${spec.name}: empty item in "${field}"`);
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) fail(expression, `${spec.name}: "${item}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!spec.steps) fail(expression, `${spec.name} does not take "/" increments`);
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        fail(expression, `${spec.name}: the increment in "${item}" must be a positive whole number`);
      }
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [spec.min, spec.max];
    else if (range!.includes('-')) {
      const [a, b, more] = range!.split('-');
      if (more !== undefined || a === '' || b === '')
        fail(expression, `${spec.name}: "${item}" is not a range`);
      from = value(a!, spec, expression);
      to = value(b!, spec, expression);
      if (from > to) fail(expression, `${spec.name}: the range "${range}" starts after it ends`);
    } else {
      from = value(range!, spec, expression);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function dayOfMonth(field: string, expression: string): DayOfMonth {
  if (field === '?') return { kind: 'any' };
  const upper = field.toUpperCase();
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'last-weekday' };
  const w = /^(\d+)W$/i.exec(field);
  if (w) return { kind: 'nearest-weekday', day: value(w[1]!, FIELDS.dayOfMonth, expression) };
  if (/[LW]/i.test(field)) {
    fail(expression, `Day-of-month: "${field}": L, LW and nW stand alone (e.g. "L", "LW", "15W")`);
  }
  return { kind: 'days', days: values(field, FIELDS.dayOfMonth, expression) };
}

function dayOfWeek(field: string, expression: string): DayOfWeek {
  if (field === '?') return { kind: 'any' };
  if (field.includes('#')) {
    const m = /^([^#,]+)#(\d+)$/.exec(field);
    if (!m) fail(expression, `Day-of-week: "${field}": with "#" the field holds one expression, e.g. "3#2"`);
    const nth = Number(m[2]);
    if (nth < 1 || nth > 5) fail(expression, `Day-of-week: in "${field}" the occurrence must be 1 to 5`);
    return { kind: 'nth', day: value(m[1]!, FIELDS.dayOfWeek, expression), nth };
  }
  if (field.toUpperCase() === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^([^,L]+)L$/i.exec(field);
  if (last) return { kind: 'last-of-month', day: value(last[1]!, FIELDS.dayOfWeek, expression) };
  if (/L/i.test(field.replace(/SUN|MON|TUE|WED|THU|FRI|SAT/gi, ''))) {
    fail(expression, `Day-of-week: "${field}": L stands alone or after one day (e.g. "L", "6L")`);
  }
  return { kind: 'days', days: values(field, FIELDS.dayOfWeek, expression) };
}

const RATE_UNITS: Record<string, { unit: RateSchedule['unit']; plural: boolean; ms: number }> = {
  minute: { unit: 'minute', plural: false, ms: 60_000 },
  minutes: { unit: 'minute', plural: true, ms: 60_000 },
  hour: { unit: 'hour', plural: false, ms: 3_600_000 },
  hours: { unit: 'hour', plural: true, ms: 3_600_000 },
  day: { unit: 'day', plural: false, ms: 86_400_000 },
  days: { unit: 'day', plural: true, ms: 86_400_000 },
};

export function parseSchedule(text: string): ScheduleExpression {
  const expression = text.trim();
  const rate = /^rate\((.*)\)$/i.exec(expression);
  if (rate) {
    const m = /^\s*(\d+)\s+([a-z]+)\s*$/i.exec(rate[1]!);
    if (!m) fail(expression, 'write rate(VALUE UNIT), e.g. rate(5 minutes) or rate(1 day)');
    const n = Number(m[1]);
    const unit = RATE_UNITS[m[2]!.toLowerCase()];
    if (!unit) fail(expression, `the unit "${m[2]}" must be minute(s), hour(s) or day(s)`);
    if (n < 1 || !Number.isSafeInteger(n)) fail(expression, 'the value must be a positive whole number');
    if (n === 1 && unit.plural)
      fail(expression, `with a value of 1 the unit is singular: rate(1 ${unit.unit})`);
    if (n > 1 && !unit.plural)
      fail(expression, `with a value above 1 the unit is plural: rate(${n} ${unit.unit}s)`);
    return { kind: 'rate', text: expression, value: n, unit: unit.unit, periodMs: n * unit.ms };
  }
  const cron = /^cron\((.*)\)$/i.exec(expression);
  if (!cron)
    fail(expression, 'expected cron(Minutes Hours Day-of-month Month Day-of-week Year) or rate(VALUE UNIT)');
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) {
    fail(
      expression,
      `cron has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), not ${fields[0] === '' ? 0 : fields.length}`,
    );
  }
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if (dom === '?' && dow === '?') fail(expression, 'only one of Day-of-month and Day-of-week can be "?"');
  if (dom !== '?' && dow !== '?') {
    fail(expression, 'one of Day-of-month and Day-of-week must be "?" (e.g. "cron(0 9 * * ? *)")');
  }
  for (const [f, spec] of [
    [min, FIELDS.minutes],
    [hour, FIELDS.hours],
    [month, FIELDS.month],
    [year, FIELDS.year],
  ] as const) {
    if (f.includes('?')) fail(expression, `${spec.name} does not take "?"`);
  }
  const schedule: CronSchedule = {
    kind: 'cron',
    text: expression,
    minutes: [...values(min, FIELDS.minutes, expression)].sort((a, b) => a - b),
    hours: [...values(hour, FIELDS.hours, expression)].sort((a, b) => a - b),
    dayOfMonth: dayOfMonth(dom, expression),
    months: values(month, FIELDS.month, expression),
    dayOfWeek: dayOfWeek(dow, expression),
    years: values(year, FIELDS.year, expression),
  };
  if (nextCronRun(schedule, new Date(Date.UTC(MIN_YEAR, 0, 1) - 60_000)) === undefined) {
    fail(expression, 'it never matches a date (e.g. a day that does not exist in the month)');
  }
  return schedule;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday … 7 = Saturday. */
function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const w = weekday(year, month, day);
  return w >= 2 && w <= 6;
}

/** The weekday nearest `day` without leaving the month (Quartz's and EventBridge's `W`). */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const d = day;
  const w = weekday(year, month, d);
  if (w === 7) return d === 1 ? 3 : d - 1; // Saturday: Friday, or Monday when the 1st
  if (w === 1) return d === last ? d - 2 : d + 1; // Sunday: Monday, or Friday when the last
  return d;
}

function dayMatches(s: CronSchedule, year: number, month: number, day: number): boolean {
  const dom = s.dayOfMonth;
  switch (dom.kind) {
    case 'days':
      if (!dom.days.has(day)) return false;
      break;
    case 'last':
      if (day !== daysInMonth(year, month)) return false;
      break;
    case 'last-weekday': {
      let d = daysInMonth(year, month);
      while (!isWeekday(year, month, d)) d--;
      if (day !== d) return false;
      break;
    }
    case 'nearest-weekday':
      if (dom.day > daysInMonth(year, month) || day !== nearestWeekday(year, month, dom.day)) return false;
      break;
    case 'any':
      break;
  }
  const dow = s.dayOfWeek;
  const w = weekday(year, month, day);
  switch (dow.kind) {
    case 'days':
      return dow.days.has(w);
    case 'last-of-month':
      return w === dow.day && day + 7 > daysInMonth(year, month);
    case 'nth':
      return w === dow.day && Math.ceil(day / 7) === dow.nth;
    case 'any':
      return true;
  }
}

/** The first minute of the cron schedule strictly after `after`, or undefined when none is left. */
function nextCronRun(s: CronSchedule, after: Date): Date | undefined {
  const start = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let fromMinute = start.getUTCHours() * 60 + start.getUTCMinutes();
  while (year <= MAX_YEAR) {
    if (!s.years.has(year)) {
      year++;
      month = 1;
      day = 1;
      fromMinute = 0;
      continue;
    }
    if (!s.months.has(month)) {
      month++;
      day = 1;
      fromMinute = 0;
      if (month > 12) {
        month = 1;
        year++;
      }
      continue;
    }
    if (day <= daysInMonth(year, month) && dayMatches(s, year, month, day)) {
      for (const h of s.hours) {
        if ((h + 1) * 60 <= fromMinute) continue;
        for (const m of s.minutes) {
          if (h * 60 + m >= fromMinute) return new Date(Date.UTC(year, month - 1, day, h, m));
        }
      }
    }
    fromMinute = 0;
    day++;
    if (day > daysInMonth(year, month)) {
      day = 1;
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
  }
  return undefined;
}

/**
 * When the schedule runs next, strictly after `after`. A rate runs every period from `since`
 * (when the schedule started; default `after`). Undefined when a cron schedule has no run left.
 */
export function nextRun(schedule: ScheduleExpression, after: Date, since: Date = after): Date | undefined {
  if (schedule.kind === 'cron') return nextCronRun(schedule, after);
  const elapsed = after.getTime() - since.getTime();
  const periods = elapsed < 0 ? 0 : Math.floor(elapsed / schedule.periodMs) + 1;
  return new Date(since.getTime() + periods * schedule.periodMs);
}

/** The next `count` runs after `after`. */
export function nextRuns(
  schedule: ScheduleExpression,
  after: Date,
  count: number,
  since: Date = after,
): Date[] {
  const out: Date[] = [];
  let at: Date | undefined = after;
  while (out.length < count) {
    at = nextRun(schedule, at, since);
    if (at === undefined) break;
    out.push(at);
  }
  return out;
}
