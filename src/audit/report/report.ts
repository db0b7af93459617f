// What every output format shows: the findings at or above the chosen severity (with whether
// each is new, when the scan was stored), and a summary of the scan.
import type { AuditResult } from '../scan.ts';
import type { RecordedScan } from '../store.ts';
import { SEVERITIES, atLeast } from '../types.ts';
import type { AuditFinding, Evidence, Severity } from '../types.ts';

export interface ReportedFinding extends AuditFinding {
  /** Set when the scan was stored: `new` the first time the store sees the finding. */
  readonly status?: 'new' | 'existing';
  readonly firstSeen?: string;
}

export interface ResolvedSummary {
  readonly fingerprint: string;
  readonly check: string;
  readonly severity: Severity;
  readonly principal: string;
  readonly title: string;
}

export interface AuditSummary {
  readonly account: string;
  readonly source: string;
  readonly scannedAt: string;
  readonly durationMs: number;
  readonly scanId?: string;
  readonly principals: { readonly users: number; readonly groups: number; readonly roles: number };
  readonly policies: number;
  readonly minSeverity: Severity;
  /** Findings shown (at or above minSeverity). */
  readonly findings: number;
  /** Findings below minSeverity, left out. */
  readonly hidden: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
  readonly byCheck: Readonly<Record<string, number>>;
  /** Shown findings the store had not seen before (when stored). */
  readonly new?: number;
  /** Findings of earlier scans that this one no longer sees (when stored; all severities). */
  readonly resolved?: readonly ResolvedSummary[];
}

export interface AuditReport {
  readonly findings: readonly ReportedFinding[];
  readonly summary: AuditSummary;
}

export function buildReport(
  result: AuditResult,
  options: { readonly minSeverity?: Severity; readonly recorded?: RecordedScan } = {},
): AuditReport {
  const minSeverity = options.minSeverity ?? 'info';
  const status = new Map(options.recorded?.findings.map((f) => [f.finding.fingerprint, f]) ?? []);
  const shown = result.findings.filter((f) => atLeast(f.severity, minSeverity));
  const findings: ReportedFinding[] = shown.map((f) => {
    const s = status.get(f.fingerprint);
    return s ? { ...f, status: s.status, firstSeen: s.firstSeen } : f;
  });
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCheck: Record<string, number> = {};
  for (const f of findings) {
    bySeverity[f.severity]++;
    byCheck[f.check] = (byCheck[f.check] ?? 0) + 1;
  }
  const recorded = options.recorded;
  const summary: AuditSummary = {
    account: result.accountId,
    source: result.source,
    scannedAt: result.scannedAt.toISOString(),
    durationMs: Math.round(result.durationMs),
    ...(recorded ? { scanId: recorded.scan.id } : {}),
    principals: { users: result.counts.users, groups: result.counts.groups, roles: result.counts.roles },
    policies: result.counts.policies,
    minSeverity,
    findings: findings.length,
    hidden: result.findings.length - findings.length,
    bySeverity,
    byCheck,
    ...(recorded
      ? {
          new: findings.filter((f) => f.status === 'new').length,
          resolved: recorded.resolved.map((r) => ({
            fingerprint: r.fingerprint,
            check: r.check,
            severity: r.severity,
            principal: r.principal,
            title: r.title,
          })),
        }
      : {}),
  };
  return { findings, summary };
}

/** `arn:aws:iam::123456789012:user/path/name` → `user/path/name`. */
export function shortArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length >= 6 ? parts.slice(5).join(':') : arn;
}

/** One line saying what a piece of evidence is and where. */
export function describeEvidence(e: Evidence): string {
  switch (e.kind) {
    case 'policy': {
      const where = e.span
        ? e.span.start.line === e.span.end.line
          ? `line ${e.span.start.line}`
          : `lines ${e.span.start.line}–${e.span.end.line}`
        : undefined;
      const statement = `statement ${e.statement}${e.sid ? ` (${e.sid})` : ''}${where ? `, ${where}` : ''}`;
      const policy =
        e.policyType === 'trust'
          ? `trust policy of ${shortArn(e.attachedTo ?? '')}`
          : `${e.policyType === 'boundary' ? 'boundary ' : ''}${e.inline ? 'inline policy' : 'policy'} ${e.policy}${e.attachedTo && (e.inline || !e.policyArn) ? ` of ${shortArn(e.attachedTo)}` : e.attachedTo ? ` (attached to ${shortArn(e.attachedTo)})` : ''}`;
      const grants = e.action
        ? `: ${e.action}${e.resource && e.resource !== '*' ? ` on ${e.resource}` : ''}`
        : '';
      const context = e.context
        ? ` when ${Object.entries(e.context)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(', ')}`
        : '';
      return `${policy}, ${statement}${grants}${context}`;
    }
    case 'credential-report':
      return `credential report: ${e.user} ${e.field} = ${e.value}`;
    case 'attribute':
      return `${shortArn(e.entity)}: ${e.name} = ${e.value}`;
  }
}

export function countsLine(summary: AuditSummary): string {
  const parts = SEVERITIES.filter((s) => summary.bySeverity[s] > 0).map(
    (s) => `${summary.bySeverity[s]} ${s}`,
  );
  return `${summary.findings} finding${summary.findings === 1 ? '' : 's'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}
