// Plain text for terminals and logs: a summary, then each finding with its evidence and fix.
import type { AuditReport } from './report.ts';
import { countsLine, describeEvidence } from './report.ts';

export function formatAuditText(report: AuditReport): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`grantflow audit of account ${s.account} (${s.source}) at ${s.scannedAt}`);
  lines.push(
    `${s.principals.users} users, ${s.principals.groups} groups, ${s.principals.roles} roles, ${s.policies} managed policies; ${countsLine(s)}` +
      (s.hidden > 0 ? `; ${s.hidden} below ${s.minSeverity} not shown` : ''),
  );
  if (s.new !== undefined) {
    lines.push(`${s.new} new since the last scan, ${s.resolved?.length ?? 0} resolved`);
  }
  for (const f of report.findings) {
    lines.push('');
    lines.push(
      `${f.severity.toUpperCase()}  ${f.check}  ${f.principal}${f.status === 'new' ? '  [new]' : ''}`,
    );
    lines.push(`  ${f.title}`);
    lines.push(`  ${f.details}`);
    for (const e of f.evidence) lines.push(`  - ${describeEvidence(e)}`);
    lines.push(`  fix: ${f.remediation}`);
  }
  if (s.resolved && s.resolved.length > 0) {
    lines.push('');
    lines.push('Resolved since the last scan:');
    for (const r of s.resolved)
      lines.push(`  ${r.severity.toUpperCase()}  ${r.check}  ${r.principal}: ${r.title}`);
  }
  if (report.findings.length === 0) {
    lines.push('');
    lines.push(`No findings at or above ${s.minSeverity}.`);
  }
  return `${lines.join('\n')}\n`;
}
