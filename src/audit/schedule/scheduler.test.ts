import { describe, expect, it } from 'vitest';
import type { Notification, Notifier } from '../../notify/types.ts';
import { fingerprintOf } from '../fingerprint.ts';
import type { AuditFinding, Severity } from '../types.ts';
import { auditJob, startAuditScheduler } from './scheduler.ts';
import type { AuditRunOutcome, Clock } from './scheduler.ts';
import { authorizationDetailsSnapshot } from '../sources/authorization-details.ts';

/** A clock whose time moves only when told, running the timers that come due. */
class FakeClock implements Clock {
  time: number;
  private timers: { at: number; callback: () => void; id: number }[] = [];
  private nextId = 0;
  constructor(iso: string) {
    this.time = Date.parse(iso);
  }
  now = () => this.time;
  setTimer = (callback: () => void, delayMs: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + delayMs, callback, id });
    return id;
  };
  clearTimer = (handle: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  get pending(): number {
    return this.timers.length;
  }
  /** Moves time forward, firing due timers in order and letting the work they start settle. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    // Let work started before this call (an audit run at start) settle first.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.time = due.at;
      due.callback();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    this.time = end;
  }
}

class MemoryNotifier implements Notifier {
  readonly sent: Notification[] = [];
  fail = false;
  async notify(n: Notification): Promise<void> {
    if (this.fail) throw new Error('channel down');
    this.sent.push(n);
  }
}

const finding = (severity: Severity, principal: string): AuditFinding => ({
  check: 'full-admin',
  severity,
  principal,
  principalType: 'user',
  title: `${principal} is an admin`,
  details: '',
  evidence: [],
  remediation: '',
  fingerprint: fingerprintOf('full-admin', principal),
});

const outcome = (newFindings: AuditFinding[]): AuditRunOutcome => ({
  accountId: '111122223333',
  scanId: 'scan-1',
  findings: newFindings.length,
  newFindings,
  resolved: 0,
});

describe('startAuditScheduler', () => {
  it('runs on a cron schedule and notifies new findings at or above the threshold', async () => {
    const clock = new FakeClock('2025-06-01T08:00:00Z');
    const notifier = new MemoryNotifier();
    const runs: number[] = [];
    const results = [
      outcome([
        finding('critical', 'arn:aws:iam::111122223333:user/a'),
        finding('low', 'arn:aws:iam::111122223333:user/b'),
      ]),
      outcome([finding('medium', 'arn:aws:iam::111122223333:user/c')]),
    ];
    const scheduler = startAuditScheduler({
      schedules: [{ name: 'daily', expression: 'cron(0 9 * * ? *)' }],
      audit: async () => {
        runs.push(clock.now());
        return results.shift() ?? outcome([]);
      },
      notifier,
      clock,
    });
    expect(scheduler.upcoming()).toEqual([
      { name: 'daily', expression: 'cron(0 9 * * ? *)', at: new Date('2025-06-01T09:00:00Z') },
    ]);
    await clock.advance(59 * 60_000);
    expect(runs).toEqual([]);
    await clock.advance(60_000);
    expect(runs.map((t) => new Date(t).toISOString())).toEqual(['2025-06-01T09:00:00.000Z']);
    expect(notifier.sent).toHaveLength(1);
    const [n] = notifier.sent;
    expect(n).toMatchObject({ event: 'audit.new-findings', audience: ['admins'], severity: 'critical' });
    expect(n!.subject).toBe('grantflow audit: 1 new finding in account 111122223333 (1 critical)');
    expect(n!.text).toContain('user/a is an admin');
    expect(n!.text).not.toContain('user/b');
    expect((n!.data as { findings: unknown[] }).findings).toHaveLength(1);
    // The next day's run finds only a medium finding: below the default threshold (high).
    await clock.advance(24 * 3600_000);
    expect(runs).toHaveLength(2);
    expect(notifier.sent).toHaveLength(1);
    expect(scheduler.upcoming()[0]!.at).toEqual(new Date('2025-06-03T09:00:00Z'));
    await scheduler.stop();
    expect(clock.pending).toBe(0);
  });

  it('runs rate schedules from when it started, with each schedule its own threshold', async () => {
    const clock = new FakeClock('2025-06-01T10:00:20Z');
    const notifier = new MemoryNotifier();
    const audited: string[] = [];
    const scheduler = startAuditScheduler({
      schedules: [
        { name: 'often', expression: 'rate(5 minutes)', notifyMinSeverity: 'medium' },
        { name: 'hourly', expression: 'rate(1 hour)', notifyMinSeverity: 'critical' },
      ],
      audit: async (s) => {
        audited.push(`${s.name}@${new Date(clock.now()).toISOString().slice(11, 19)}`);
        return outcome([finding('medium', `arn:aws:iam::111122223333:user/${audited.length}`)]);
      },
      notifier,
      clock,
    });
    await clock.advance(60 * 60_000);
    expect(audited.filter((a) => a.startsWith('often'))).toHaveLength(12);
    expect(audited[0]).toBe('often@10:05:20');
    expect(audited).toContain('hourly@11:00:20');
    // Medium findings reach the notifier only from the schedule that asked for them.
    expect(notifier.sent).toHaveLength(12);
    await scheduler.stop();
  });

  it('runs every schedule once at start when asked, then on its expression', async () => {
    const clock = new FakeClock('2025-06-01T10:00:20Z');
    const notifier = new MemoryNotifier();
    const audited: string[] = [];
    const scheduler = startAuditScheduler({
      schedules: [{ name: 'daily', expression: 'rate(1 day)' }],
      audit: async (s) => {
        audited.push(`${s.name}@${new Date(clock.now()).toISOString().slice(11, 19)}`);
        return outcome([finding('critical', 'arn:aws:iam::111122223333:user/root-like')]);
      },
      notifier,
      clock,
      runAtStart: true,
    });
    await clock.advance(1000);
    expect(audited).toEqual(['daily@10:00:20']);
    expect(notifier.sent.map((n) => n.event)).toEqual(['audit.new-findings']);
    await clock.advance(24 * 3600_000);
    expect(audited).toEqual(['daily@10:00:20', 'daily@10:00:20']);
    expect(scheduler.upcoming()[0]!.at?.toISOString()).toBe('2025-06-03T10:00:20.000Z');
    await scheduler.stop();
  });

  it('skips an occurrence while the previous run is still going, and stop() waits for it', async () => {
    const clock = new FakeClock('2025-06-01T10:00:00Z');
    let release: () => void = () => {};
    let started = 0;
    let finished = 0;
    const scheduler = startAuditScheduler({
      schedules: [{ name: 'slow', expression: 'rate(1 minute)' }],
      audit: async () => {
        started++;
        await new Promise<void>((r) => (release = r));
        finished++;
        return outcome([]);
      },
      notifier: new MemoryNotifier(),
      clock,
    });
    await clock.advance(3 * 60_000);
    expect(started).toBe(1);
    const stopping = scheduler.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(1);
    await clock.advance(10 * 60_000);
    expect(started).toBe(1);
  });

  it('reports failed audits and failed notifications, and keeps the schedule', async () => {
    const clock = new FakeClock('2025-06-01T10:00:00Z');
    const notifier = new MemoryNotifier();
    notifier.fail = true;
    const errors: string[] = [];
    let calls = 0;
    const scheduler = startAuditScheduler({
      schedules: [{ name: 's', expression: 'rate(1 minute)' }],
      audit: async () => {
        if (calls++ === 0) throw new Error('backend down');
        return outcome([finding('critical', 'arn:aws:iam::111122223333:user/x')]);
      },
      notifier,
      clock,
      onError: (s, err) => errors.push(`${s.name}: ${(err as Error).message}`),
    });
    await clock.advance(2 * 60_000);
    expect(errors).toEqual(['s: backend down', 's: channel down']);
    await scheduler.stop();
  });

  it('refuses bad expressions and duplicate names before starting anything', () => {
    const clock = new FakeClock('2025-06-01T10:00:00Z');
    const base = { audit: async () => outcome([]), notifier: new MemoryNotifier(), clock };
    expect(() =>
      startAuditScheduler({ ...base, schedules: [{ name: 'x', expression: 'cron(0 9 * * * *)' }] }),
    ).toThrow(/must be "\?"/);
    expect(() =>
      startAuditScheduler({
        ...base,
        schedules: [
          { name: 'x', expression: 'rate(1 day)' },
          { name: 'x', expression: 'rate(2 days)' },
        ],
      }),
    ).toThrow(/two schedules are named "x"/);
    expect(clock.pending).toBe(0);
  });
});

describe('auditJob', () => {
  const account = (admin: boolean) =>
    authorizationDetailsSnapshot([
      {
        UserDetailList: [
          {
            UserName: 'a',
            Arn: 'arn:aws:iam::111122223333:user/a',
            UserPolicyList: admin
              ? [
                  {
                    PolicyName: 'all',
                    PolicyDocument:
                      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
                  },
                ]
              : [],
          },
        ],
      },
    ]);

  it('without a store, says what is new compared with its previous run', async () => {
    const snapshots = [account(true), account(true), account(false), account(true)];
    const job = auditJob({
      load: async () => snapshots.shift()!,
      now: () => new Date('2025-06-01T00:00:00Z'),
    });
    const schedule = { name: 's', expression: 'rate(1 day)' };
    expect((await job(schedule)).newFindings.map((f) => f.check)).toEqual(['full-admin']);
    expect((await job(schedule)).newFindings).toEqual([]);
    expect(await job(schedule)).toMatchObject({ newFindings: [], resolved: 1 });
    expect((await job(schedule)).newFindings.map((f) => f.check)).toEqual(['full-admin']);
  });
});
