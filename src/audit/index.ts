// audit/: account scans over effective permissions (sources, checks, findings store, schedules,
// reports). `grantflow audit` and `grantflow serve` use this API.
export { runAudit, compareFindings } from './scan.ts';
export type { AuditOptions, AuditResult } from './scan.ts';
export { SEVERITIES, severityRank, atLeast } from './types.ts';
export type {
  AuditFinding,
  Evidence,
  PolicyEvidence,
  ReportEvidence,
  AttributeEvidence,
  PrincipalType,
  ProgressListener,
  Severity,
} from './types.ts';
export { AuditInputError, ScheduleExpressionError } from './errors.ts';
export { readAuthorizationDetails, authorizationDetailsSnapshot } from './sources/authorization-details.ts';
export type { AuthorizationDetailsOptions } from './sources/authorization-details.ts';
export { readCredentialReport, parseCsv } from './sources/credential-report.ts';
export { loadLiveAccount } from './sources/live.ts';
export type { LiveSourceOptions } from './sources/live.ts';
export { AUDIT_CHECKS, auditCheck } from './checks/registry.ts';
export type { AuditCheck, CheckFamily } from './checks/registry.ts';
export { fingerprintOf } from './fingerprint.ts';
export { recordScan, listScans, storedFindings, scanFindings } from './store.ts';
export type { RecordedScan, ScanRecord, StoredFinding, FindingStatus } from './store.ts';
export { buildReport, describeEvidence } from './report/report.ts';
export type { AuditReport, AuditSummary, ReportedFinding, ResolvedSummary } from './report/report.ts';
export { formatAuditText } from './report/text.ts';
export { formatAuditJson } from './report/json.ts';
export { formatAuditSarif } from './report/sarif.ts';
export { formatAuditHtml } from './report/html.ts';
export { formatAuditMarkdown } from './report/markdown.ts';
export { parseSchedule, nextRun, nextRuns } from './schedule/expression.ts';
export type { CronSchedule, RateSchedule, ScheduleExpression } from './schedule/expression.ts';
export { startAuditScheduler, auditJob, newFindingsNotification, systemClock } from './schedule/scheduler.ts';
export type {
  AuditRunOutcome,
  AuditSchedule,
  AuditScheduler,
  Clock,
  SchedulerOptions,
} from './schedule/scheduler.ts';
