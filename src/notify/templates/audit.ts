// Notifications for account audits (the monitoring job): new findings since the last scan, and a
// scan that could not run. Findings speak Access Analyzer's language (findingType, issueCode).
import type { Notification, NotificationSeverity } from '../types.ts';
import { bullets, formatTime, lines, untrusted } from './format.ts';
import type { Lang } from './format.ts';

export interface AuditFacts {
  readonly scanId: string;
  readonly accountId: string;
  /** The admins' language. */
  readonly lang: Lang;
  /** When the scan ran (ISO 8601). */
  readonly scannedAt?: string;
}

export interface AuditFindingSummary {
  readonly findingType: string;
  readonly issueCode: string;
  /** The user, role, group or policy ARN the finding is about. */
  readonly resource: string;
  /** Overrides the severity derived from the finding type (e.g. critical for an escalation path). */
  readonly severity?: NotificationSeverity;
}

const RANK: Record<NotificationSeverity, number> = { info: 0, warning: 1, critical: 2 };

function findingSeverity(f: AuditFindingSummary): NotificationSeverity {
  if (f.severity) return f.severity;
  return f.findingType === 'SECURITY_WARNING' || f.findingType === 'ERROR' ? 'warning' : 'info';
}

/** New findings in a scan; severity is the highest of theirs. */
export function auditFindings(
  facts: AuditFacts,
  details: {
    readonly newFindings: readonly AuditFindingSummary[];
    readonly resolved?: number;
    readonly total?: number;
  },
): Notification {
  const severity = details.newFindings
    .map(findingSeverity)
    .reduce<NotificationSeverity>((max, s) => (RANK[s] > RANK[max] ? s : max), 'info');
  const ordered = [...details.newFindings].sort(
    (a, b) => RANK[findingSeverity(b)] - RANK[findingSeverity(a)],
  );
  const items = ordered.map((f) => `${f.findingType} ${f.issueCode}: ${untrusted(f.resource, 300)}`);
  const n = details.newFindings.length;
  const ko = facts.lang === 'ko';
  const when = facts.scannedAt !== undefined ? formatTime(facts.scannedAt) : undefined;
  return {
    event: 'audit.new-findings',
    audience: ['admins'],
    severity,
    subject: ko
      ? `[grantflow] 계정 ${facts.accountId} 감사: 새 발견 항목 ${n}건`
      : `[grantflow] Audit of account ${facts.accountId}: ${n} new finding${n === 1 ? '' : 's'}`,
    text: ko
      ? lines(
          `계정 ${facts.accountId}의 IAM 감사(${facts.scanId}${when ? `, ${when}` : ''})에서 새 발견 항목 ${n}건이 나왔습니다.`,
          details.resolved !== undefined && `해결된 항목: ${details.resolved}건`,
          details.total !== undefined && `전체 미해결 항목: ${details.total}건`,
          '',
          bullets(items, 'ko'),
        )
      : lines(
          `The IAM audit of account ${facts.accountId} (${facts.scanId}${when ? `, ${when}` : ''}) found ${n} new finding${n === 1 ? '' : 's'}.`,
          details.resolved !== undefined && `Resolved since the last scan: ${details.resolved}`,
          details.total !== undefined && `Open findings in total: ${details.total}`,
          '',
          bullets(items, 'en'),
        ),
    data: {
      scanId: facts.scanId,
      accountId: facts.accountId,
      ...(facts.scannedAt !== undefined ? { scannedAt: facts.scannedAt } : {}),
      newFindings: details.newFindings,
      ...(details.resolved !== undefined ? { resolved: details.resolved } : {}),
      ...(details.total !== undefined ? { total: details.total } : {}),
    },
  };
}

/** A scan that could not run or finish. */
export function auditFailed(facts: AuditFacts, details: { readonly error: string }): Notification {
  const ko = facts.lang === 'ko';
  return {
    event: 'audit.failed',
    audience: ['admins'],
    severity: 'warning',
    subject: ko
      ? `[grantflow] 계정 ${facts.accountId} 감사 실패`
      : `[grantflow] Audit of account ${facts.accountId} failed`,
    text: ko
      ? lines(
          `계정 ${facts.accountId}의 IAM 감사(${facts.scanId})를 완료하지 못했습니다. 이 기간의 위험한 권한 변경이 확인되지 않았을 수 있습니다.`,
          `오류: ${untrusted(details.error, 1_000)}`,
        )
      : lines(
          `The IAM audit of account ${facts.accountId} (${facts.scanId}) did not complete, so risky permission changes in this period may have gone unnoticed.`,
          `Error: ${untrusted(details.error, 1_000)}`,
        ),
    data: { scanId: facts.scanId, accountId: facts.accountId, error: details.error },
  };
}
