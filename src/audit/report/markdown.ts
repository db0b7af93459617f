// Markdown, for pull requests, wikis and tickets: a summary table, findings by severity with
// their evidence, and what was resolved since the last scan.
import { SEVERITIES } from '../types.ts';
import type { AuditReport } from './report.ts';
import { describeEvidence, shortArn } from './report.ts';

/** Escapes text for a Markdown paragraph or table cell. */
function md(text: string): string {
  return text.replace(/([\\`*_[\]<>|#])/g, '\\$1').replace(/\n/g, ' ');
}

export function formatAuditMarkdown(report: AuditReport): string {
  const s = report.summary;
  const out: string[] = [];
  out.push(`# grantflow audit: account ${md(s.account)}`);
  out.push('');
  out.push('| | |');
  out.push('|---|---|');
  out.push(`| Source | ${md(s.source)} |`);
  out.push(`| Scanned at | ${s.scannedAt} |`);
  out.push(
    `| Principals | ${s.principals.users} users, ${s.principals.groups} groups, ${s.principals.roles} roles |`,
  );
  out.push(`| Managed policies | ${s.policies} |`);
  out.push(
    `| Findings | ${s.findings}${s.hidden > 0 ? ` (${s.hidden} below ${s.minSeverity} not shown)` : ''} |`,
  );
  if (s.new !== undefined) out.push(`| New / resolved | ${s.new} / ${s.resolved?.length ?? 0} |`);
  out.push('');
  out.push('| Severity | Findings |');
  out.push('|---|---:|');
  for (const sev of SEVERITIES) out.push(`| ${sev} | ${s.bySeverity[sev]} |`);
  for (const sev of SEVERITIES) {
    const findings = report.findings.filter((f) => f.severity === sev);
    if (findings.length === 0) continue;
    out.push('');
    out.push(`## ${sev[0]!.toUpperCase()}${sev.slice(1)}`);
    for (const f of findings) {
      out.push('');
      out.push(`### ${md(shortArn(f.principal))}: ${md(f.title)}`);
      out.push('');
      out.push(
        `\`${f.check}\` · principal \`${f.principal}\` · fingerprint \`${f.fingerprint}\`${f.status === 'new' ? ' · **new**' : ''}`,
      );
      out.push('');
      out.push(md(f.details));
      if (f.evidence.length > 0) {
        out.push('');
        out.push('Evidence:');
        out.push('');
        for (const e of f.evidence) out.push(`- ${md(describeEvidence(e))}`);
      }
      out.push('');
      out.push(`Remediation: ${md(f.remediation)}`);
    }
  }
  if (s.resolved && s.resolved.length > 0) {
    out.push('');
    out.push('## Resolved since the last scan');
    out.push('');
    for (const r of s.resolved) out.push(`- ${r.severity} \`${r.check}\` ${md(r.principal)}: ${md(r.title)}`);
  }
  if (report.findings.length === 0) {
    out.push('');
    out.push(`No findings at or above ${s.minSeverity}.`);
  }
  return `${out.join('\n')}\n`;
}
