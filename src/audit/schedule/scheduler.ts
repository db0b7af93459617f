// Running audits on EventBridge schedules and telling people about what is new. The scheduler
// owns only timing: what an audit is (which account, which store) is the `audit` function it is
// given (auditJob builds the usual one), and notifications go through the Notifier interface, so
// `grantflow serve` wires in the configured channels and tests an in-memory one. The clock is
// injectable; one run of a schedule at a time (an occurrence that comes while the previous run
// is still going is skipped); stop() waits for runs in progress.
import type { Notification, Notifier } from '../../notify/types.ts';
import type { AccountSnapshot } from '../../analyze/index.ts';
import { runAudit } from '../scan.ts';
import type { AuditOptions } from '../scan.ts';
import { recordScan } from '../store.ts';
import type { AuditTables } from '../../store/migrations/audit.ts';
import { SEVERITIES, atLeast } from '../types.ts';
import type { AuditFinding, Severity } from '../types.ts';
import { nextRun, parseSchedule } from './expression.ts';
import type { ScheduleExpression } from './expression.ts';
import type { Kysely } from 'kysely';

export interface Clock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface AuditSchedule {
  readonly name: string;
  /** `cron(0 9 * * ? *)`, `rate(1 day)`… */
  readonly expression: string;
  /** Notify new findings at or above this severity; default `high`. */
  readonly notifyMinSeverity?: Severity;
}

/** What one scheduled audit found. */
export interface AuditRunOutcome {
  readonly accountId: string;
  readonly scanId?: string;
  readonly findings: number;
  readonly newFindings: readonly AuditFinding[];
  readonly resolved: number;
}

export interface SchedulerOptions {
  readonly schedules: readonly AuditSchedule[];
  readonly audit: (schedule: AuditSchedule) => Promise<AuditRunOutcome>;
  readonly notifier: Notifier;
  readonly clock?: Clock;
  /** Called after each run (for logs); errors in it are ignored. */
  readonly onRun?: (schedule: AuditSchedule, outcome: AuditRunOutcome) => void;
  /** Called when an audit or a notification fails. */
  readonly onError?: (schedule: AuditSchedule, error: unknown) => void;
  /** Also run every schedule once at start, then on its expression. */
  readonly runAtStart?: boolean;
}

export interface AuditScheduler {
  /** When each schedule runs next (undefined: never again). */
  upcoming(): { readonly name: string; readonly expression: string; readonly at: Date | undefined }[];
  /** Cancels the timers and waits for audits in progress. */
  stop(): Promise<void>;
}

/** Timers longer than this overflow in Node; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const NOTIFICATION_SEVERITY: Record<Severity, Notification['severity']> = {
  critical: 'critical',
  high: 'critical',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

/** The notification for new findings of a scheduled audit. */
export function newFindingsNotification(
  schedule: AuditSchedule,
  outcome: AuditRunOutcome,
  findings: readonly AuditFinding[],
): Notification {
  const worst = SEVERITIES.find((s) => findings.some((f) => f.severity === s)) ?? 'info';
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const lines = findings.map(
    (f) => `[${f.severity.toUpperCase()}] ${f.title}\n  ${f.principal} (${f.check}, ${f.fingerprint})`,
  );
  return {
    event: 'audit.new-findings',
    audience: ['admins'],
    severity: NOTIFICATION_SEVERITY[worst],
    subject: `grantflow audit: ${findings.length} new finding${findings.length === 1 ? '' : 's'} in account ${outcome.accountId} (${counts})`,
    text: `The scheduled audit "${schedule.name}" (${schedule.expression}) found ${findings.length} new finding${findings.length === 1 ? '' : 's'} at or above ${schedule.notifyMinSeverity ?? 'high'}:\n\n${lines.join('\n')}\n`,
    data: {
      schedule: schedule.name,
      accountId: outcome.accountId,
      ...(outcome.scanId ? { scanId: outcome.scanId } : {}),
      findings: findings.map((f) => ({
        check: f.check,
        severity: f.severity,
        principal: f.principal,
        title: f.title,
        fingerprint: f.fingerprint,
      })),
    },
  };
}

export function startAuditScheduler(options: SchedulerOptions): AuditScheduler {
  const clock = options.clock ?? systemClock;
  const started = new Date(clock.now());
  const entries = options.schedules.map((schedule) => ({
    schedule,
    expression: parseSchedule(schedule.expression) as ScheduleExpression,
    next: undefined as Date | undefined,
    timer: undefined as unknown,
    running: undefined as Promise<void> | undefined,
  }));
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.schedule.name)) throw new Error(`two schedules are named "${e.schedule.name}"`);
    names.add(e.schedule.name);
  }
  let stopped = false;

  const arm = (entry: (typeof entries)[number]) => {
    if (stopped) return;
    const now = new Date(clock.now());
    entry.next = nextRun(entry.expression, now, started);
    if (entry.next === undefined) return;
    const wait = entry.next.getTime() - now.getTime();
    entry.timer = clock.setTimer(() => fire(entry), Math.min(Math.max(0, wait), MAX_TIMER_MS));
  };

  const fire = (entry: (typeof entries)[number]) => {
    entry.timer = undefined;
    if (stopped) return;
    if (entry.next && clock.now() < entry.next.getTime()) {
      // A long wait taken in steps: not there yet.
      const wait = entry.next.getTime() - clock.now();
      entry.timer = clock.setTimer(() => fire(entry), Math.min(wait, MAX_TIMER_MS));
      return;
    }
    if (!entry.running) {
      entry.running = run(entry.schedule).finally(() => {
        entry.running = undefined;
      });
    }
    arm(entry);
  };

  const run = async (schedule: AuditSchedule) => {
    try {
      const outcome = await options.audit(schedule);
      try {
        options.onRun?.(schedule, outcome);
      } catch {
        // a logging callback must not stop the schedule
      }
      const threshold = schedule.notifyMinSeverity ?? 'high';
      const worth = outcome.newFindings.filter((f) => atLeast(f.severity, threshold));
      if (worth.length > 0) await options.notifier.notify(newFindingsNotification(schedule, outcome, worth));
    } catch (err) {
      options.onError?.(schedule, err);
    }
  };

  for (const entry of entries) {
    // A service that starts should not wait a whole period to learn where the account stands.
    if (options.runAtStart) entry.running = run(entry.schedule).finally(() => (entry.running = undefined));
    arm(entry);
  }

  return {
    upcoming: () =>
      entries.map((e) => ({ name: e.schedule.name, expression: e.schedule.expression, at: e.next })),
    async stop() {
      stopped = true;
      for (const e of entries) {
        if (e.timer !== undefined) clock.clearTimer(e.timer);
        e.timer = undefined;
      }
      await Promise.all(entries.map((e) => e.running));
    },
  };
}

/**
 * The usual scheduled audit: load the account, scan it, record the scan in the store (which says
 * what is new). Without a store, findings are new when this job has not seen them before.
 */
export function auditJob(options: {
  readonly load: () => Promise<AccountSnapshot>;
  readonly db?: Kysely<AuditTables>;
  readonly now?: () => Date;
  readonly audit?: Omit<AuditOptions, 'now'>;
}): (schedule: AuditSchedule) => Promise<AuditRunOutcome> {
  const seen = new Set<string>();
  return async () => {
    const snapshot = await options.load();
    const result = await runAudit(snapshot, { ...options.audit, now: options.now?.() ?? new Date() });
    if (options.db) {
      const recorded = await recordScan(options.db, result);
      return {
        accountId: result.accountId,
        scanId: recorded.scan.id,
        findings: result.findings.length,
        newFindings: recorded.newFindings,
        resolved: recorded.resolved.length,
      };
    }
    const current = new Set(result.findings.map((f) => f.fingerprint));
    const fresh = result.findings.filter((f) => !seen.has(f.fingerprint));
    const resolved = [...seen].filter((fp) => !current.has(fp)).length;
    seen.clear();
    for (const fp of current) seen.add(fp);
    return { accountId: result.accountId, findings: result.findings.length, newFindings: fresh, resolved };
  };
}
