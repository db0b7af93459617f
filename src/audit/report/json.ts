// JSON: `{"findings": [...], "summary": {...}}`, for scripts and other tools.
import type { AuditReport } from './report.ts';

export function formatAuditJson(report: AuditReport): string {
  return `${JSON.stringify({ findings: report.findings, summary: report.summary }, null, 2)}\n`;
}
