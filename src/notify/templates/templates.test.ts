import { describe, expect, it } from 'vitest';
import { checkNotification } from '../composite.ts';
import { auditFailed, auditFindings } from './audit.ts';
import { formatDuration, formatTime, identityName, untrusted } from './format.ts';
import {
  LIFECYCLE_EVENTS,
  grantAttached,
  grantExpiring,
  grantRevoked,
  lifecycleNotification,
  needsApproval,
  needsInfo,
  requestDenied,
  requestReceived,
  revocationFailed,
} from './lifecycle.ts';
import type { LifecycleDetails, LifecycleEvent, RequestFacts } from './lifecycle.ts';

const en: RequestFacts = {
  requestId: 'req-1',
  lang: 'en',
  requester: 'arn:aws:iam::123456789012:user/alice',
  identityArn: 'arn:aws:iam::123456789012:role/DataReader',
  task: 'Read the logs in s3://app-logs',
  accountId: '123456789012',
  region: 'ap-northeast-2',
};
const ko: RequestFacts = { ...en, lang: 'ko', task: 'app-logs 버킷의 로그 읽기' };

const POLICY = 'arn:aws:iam::123456789012:policy/grantflow/gf-req-1';
const EXAMPLES: { [E in LifecycleEvent]: LifecycleDetails[E] } = {
  'request.received': { durationSeconds: 3_600 },
  'request.extension-requested': {
    extends: 'req-0',
    previousExpiresAt: '2026-05-01T10:30:00Z',
    expiresAt: '2026-05-01T11:30:00Z',
    by: 'alice',
  },
  'request.needs-approval': {
    summary: 's3:GetObject on arn:aws:s3:::app-logs/*',
    reasons: ['write access to IAM', 'resource "*"'],
    policyHash: 'sha256:abc123',
    approvalDeadline: '2026-05-01T10:00:00Z',
    durationSeconds: 5_400,
  },
  'request.approved': { approver: 'bob' },
  'request.denied': { approver: 'bob', reason: 'not on call' },
  'request.expired': { waitedSeconds: 86_400 },
  'request.needs-info': { message: 'Which bucket?' },
  'request.refused': { reasons: ['iam:* is never granted'] },
  'grant.attached': { policyArn: POLICY, expiresAt: '2026-05-01T10:30:00Z', summary: 'read app-logs' },
  'grant.expiring': { policyArn: POLICY, expiresAt: '2026-05-01T10:30:00Z', now: '2026-05-01T10:20:00Z' },
  'grant.revoked': { policyArn: POLICY, reason: 'expired', revokedAt: '2026-05-01T10:30:04Z' },
  'grant.revocation-failed': {
    policyArn: POLICY,
    error: 'Throttling: Rate exceeded',
    attempts: 6,
    expiresAt: '2026-05-01T10:30:00Z',
  },
};

const HANGUL = /[\uac00-\ud7a3]/;

describe('lifecycle templates', () => {
  it('cover every event in both languages with valid notifications', () => {
    expect(LIFECYCLE_EVENTS.sort()).toEqual(Object.keys(EXAMPLES).sort());
    for (const event of LIFECYCLE_EVENTS) {
      for (const facts of [en, ko]) {
        const n = lifecycleNotification(event, facts, EXAMPLES[event] as never);
        expect(() => checkNotification(n)).not.toThrow();
        expect(n.event).toBe(event);
        expect(n.subject).toMatch(/^\[grantflow\] /);
        expect(n.subject).not.toContain('\n');
        expect(n.text).toContain(facts.requestId);
        expect(n.requester).toBe(facts.requester);
        expect(n.data).toMatchObject({
          requestId: 'req-1',
          identityArn: facts.identityArn,
          lang: facts.lang,
        });
        // English is English; Korean is Korean (the subject too).
        const withoutTask = n.text.replace(facts.task, '');
        expect(HANGUL.test(withoutTask), `${event} ${facts.lang}`).toBe(facts.lang === 'ko');
        expect(HANGUL.test(n.subject), `${event} ${facts.lang} subject`).toBe(facts.lang === 'ko');
      }
    }
  });

  it('addresses each event to the right people at the right severity', () => {
    const routing = Object.fromEntries(
      LIFECYCLE_EVENTS.map((e) => {
        const n = lifecycleNotification(e, en, EXAMPLES[e] as never);
        return [e, `${n.audience.join('+')} ${n.severity}`];
      }),
    );
    expect(routing).toEqual({
      'request.received': 'requester info',
      'request.extension-requested': 'requester info',
      'request.needs-approval': 'approvers+requester warning',
      'request.approved': 'requester+admins info',
      'request.denied': 'requester+admins info',
      'request.expired': 'requester+approvers info',
      'request.needs-info': 'requester info',
      'request.refused': 'requester+admins warning',
      'grant.attached': 'requester+admins info',
      'grant.expiring': 'requester info',
      'grant.revoked': 'requester+admins info',
      'grant.revocation-failed': 'admins critical',
    });
  });

  it('gives approvers what they need to decide', () => {
    const n = needsApproval(en, EXAMPLES['request.needs-approval']);
    expect(n.subject).toBe('[grantflow] Approval needed: access request req-1 for DataReader');
    for (const part of [
      's3:GetObject on arn:aws:s3:::app-logs/*',
      '- write access to IAM',
      '- resource "*"',
      'sha256:abc123',
      '2026-05-01 10:00:00 UTC',
      'grantflow approve req-1',
      'grantflow deny req-1',
      'Duration: 1 hour 30 minutes',
    ]) {
      expect(n.text).toContain(part);
    }
    const k = needsApproval(ko, EXAMPLES['request.needs-approval']);
    expect(k.subject).toBe('[grantflow] 승인 필요: DataReader의 접근 요청 req-1');
    expect(k.text).toContain('기간: 1시간 30분');
  });

  it('tells the requester when access ends, and how long is left', () => {
    expect(grantAttached(en, EXAMPLES['grant.attached']).subject).toBe(
      '[grantflow] Access granted to DataReader until 2026-05-01 10:30:00 UTC',
    );
    expect(grantAttached(ko, EXAMPLES['grant.attached']).subject).toBe(
      '[grantflow] DataReader에게 2026-05-01 10:30:00 UTC까지 권한 부여됨',
    );
    expect(grantExpiring(en, EXAMPLES['grant.expiring']).subject).toBe(
      '[grantflow] Access for DataReader ends in 10 minutes',
    );
    expect(grantExpiring(ko, EXAMPLES['grant.expiring']).subject).toBe(
      '[grantflow] DataReader의 권한이 10분 후 만료됨',
    );
    expect(grantRevoked(en, { policyArn: POLICY, reason: 'early', by: 'alice' }).text).toContain(
      'revoked early (by alice)',
    );
    expect(requestReceived(ko, { durationSeconds: 900 }).text).toContain('기간: 15분');
  });

  it('makes revocation failures critical and actionable, with the right CLI for roles and users', () => {
    const role = revocationFailed(en, EXAMPLES['grant.revocation-failed']);
    expect(role.severity).toBe('critical');
    expect(role.subject).toBe('[grantflow] CRITICAL: revoking access for DataReader failed (request req-1)');
    expect(role.text).toContain(`aws iam detach-role-policy --role-name DataReader --policy-arn ${POLICY}`);
    expect(role.text).toContain('after 6 attempts');
    expect(role.text).toContain('Throttling: Rate exceeded');
    const user = revocationFailed(
      { ...ko, identityArn: 'arn:aws:iam::123456789012:user/dev/alice' },
      EXAMPLES['grant.revocation-failed'],
    );
    expect(user.subject).toBe('[grantflow] 긴급: alice의 권한 회수 실패 (요청 req-1)');
    expect(user.text).toContain('aws iam detach-user-policy --user-name alice');
  });

  it('tames untrusted text: control characters gone, length capped', () => {
    const n = needsInfo(
      { ...en, task: 'read\u0007 logs\r\nBcc: x@example.com' },
      { message: 'x'.repeat(5_000) },
    );
    expect(n.text).toContain('Task: "read  logs\nBcc: x@example.com"');
    expect([...n.text].some((c) => c.charCodeAt(0) < 0x20 && c !== '\n')).toBe(false);
    expect(n.text.split('\n').find((l) => l.startsWith('xxx'))!.length).toBe(2_000);
    expect(requestDenied(en, { approver: 'bob' }).text).not.toContain('Reason:');
  });

  it('rejects an unknown event', () => {
    expect(() => lifecycleNotification('grant.exploded' as LifecycleEvent, en, {} as never)).toThrow(
      /unknown lifecycle event/,
    );
  });
});

describe('audit templates', () => {
  const facts = {
    scanId: 'scan-7',
    accountId: '123456789012',
    lang: 'en' as const,
    scannedAt: '2026-05-01T00:00:00Z',
  };
  it('summarizes new findings, most severe first, at the highest severity', () => {
    const n = auditFindings(facts, {
      newFindings: [
        {
          findingType: 'SUGGESTION',
          issueCode: 'EMPTY_OBJECT_STATEMENT',
          resource: 'arn:aws:iam::123456789012:policy/a',
        },
        {
          findingType: 'SECURITY_WARNING',
          issueCode: 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
          resource: 'arn:aws:iam::123456789012:user/bob',
        },
      ],
      resolved: 2,
      total: 9,
    });
    expect(n.event).toBe('audit.new-findings');
    expect(n.audience).toEqual(['admins']);
    expect(n.severity).toBe('warning');
    expect(n.subject).toBe('[grantflow] Audit of account 123456789012: 2 new findings');
    const lines = n.text.split('\n');
    expect(
      lines.indexOf('- SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE: arn:aws:iam::123456789012:user/bob'),
    ).toBeLessThan(lines.indexOf('- SUGGESTION EMPTY_OBJECT_STATEMENT: arn:aws:iam::123456789012:policy/a'));
    expect(n.text).toContain('Resolved since the last scan: 2');
    expect(n.data).toMatchObject({ scanId: 'scan-7', resolved: 2, total: 9 });
    expect(() => checkNotification(n)).not.toThrow();
  });

  it('escalates to critical when a finding says so, lists at most 20, and speaks Korean', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({
      findingType: 'WARNING',
      issueCode: `CODE_${i}`,
      resource: `arn:aws:iam::123456789012:role/r${i}`,
      ...(i === 24 ? { severity: 'critical' as const } : {}),
    }));
    const n = auditFindings({ ...facts, lang: 'ko' }, { newFindings: many });
    expect(n.severity).toBe('critical');
    expect(n.subject).toBe('[grantflow] 계정 123456789012 감사: 새 발견 항목 25건');
    expect(n.text.split('\n').filter((l) => l.startsWith('- ')).length).toBe(21);
    expect(n.text).toContain('- 외 5건');
    expect(n.text.split('\n').find((l) => l.startsWith('- '))).toContain('CODE_24');
    expect(auditFindings(facts, { newFindings: [] }).severity).toBe('info');
  });

  it('reports a failed scan', () => {
    const n = auditFailed({ ...facts, lang: 'ko' }, { error: 'AccessDenied' });
    expect(n.severity).toBe('warning');
    expect(n.subject).toBe('[grantflow] 계정 123456789012 감사 실패');
    expect(n.text).toContain('AccessDenied');
  });
});

describe('format helpers', () => {
  it('formats times and durations', () => {
    expect(formatTime('2026-05-01T09:30:00.123Z')).toBe('2026-05-01 09:30:00 UTC');
    expect(formatTime('later')).toBe('later');
    expect(formatDuration(0, 'en')).toBe('0 seconds');
    expect(formatDuration(45, 'en')).toBe('45 seconds');
    expect(formatDuration(60, 'en')).toBe('1 minute');
    expect(formatDuration(3_661, 'en')).toBe('1 hour 1 minute');
    expect(formatDuration(90_000, 'ko')).toBe('1일 1시간');
    expect(formatDuration(75, 'ko')).toBe('1분 15초');
  });

  it('finds identity names and tames text', () => {
    expect(identityName('arn:aws:iam::123456789012:user/path/to/alice')).toBe('alice');
    expect(identityName('arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com')).toBe(
      'alice@example.com',
    );
    expect(identityName('alice')).toBe('alice');
    expect(untrusted('a\tb\u2028c', 10)).toBe('a b c');
    expect(untrusted('가'.repeat(20), 10)).toBe(`${'가'.repeat(9)}…`);
  });
});
