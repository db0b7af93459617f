// Running every check over an account snapshot. Administrators are found first (full, then
// effective: a user can become one by joining an administrators group, so groups go first),
// because the escalation checks rank their targets by it; then each principal's escalation paths,
// exposure, trust and hygiene; then the credential report and grantflow's leftovers.
import { AccountAnalysis } from '../analyze/index.ts';
import type { AccountSnapshot, Entity } from '../analyze/index.ts';
import { credentialChecks } from './checks/credentials.ts';
import { leftoverChecks, roleUsageCheck } from './checks/hygiene.ts';
import {
  effectiveAdminCheck,
  escalationCheck,
  exposureChecks,
  fullAdminCheck,
  unreadableChecks,
} from './checks/permissions.ts';
import { AUDIT_CHECKS } from './checks/registry.ts';
import { trustChecks } from './checks/trust.ts';
import { SEVERITIES } from './types.ts';
import type { AuditFinding, ProgressListener } from './types.ts';

export interface AuditOptions {
  /** The scan's clock: key ages, expiry, aws:CurrentTime. Default: now. */
  readonly now?: Date;
  readonly onProgress?: ProgressListener;
  /** Give the event loop a turn every this many principals (a server keeps answering). Default 25. */
  readonly yieldEvery?: number;
}

export interface AuditResult {
  readonly accountId: string;
  readonly source: string;
  /** The scan's clock. */
  readonly scannedAt: Date;
  readonly durationMs: number;
  readonly counts: {
    readonly users: number;
    readonly groups: number;
    readonly roles: number;
    readonly policies: number;
  };
  /** Most severe first. */
  readonly findings: readonly AuditFinding[];
  /** The checks that ran: a finding of a check that did not run is not resolved by this scan. */
  readonly checksRun: readonly string[];
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function compareFindings(a: AuditFinding, b: AuditFinding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.check.localeCompare(b.check) ||
    a.principal.localeCompare(b.principal) ||
    a.title.localeCompare(b.title)
  );
}

export async function runAudit(snapshot: AccountSnapshot, options: AuditOptions = {}): Promise<AuditResult> {
  const started = performance.now();
  const now = options.now ?? new Date();
  const analysis = new AccountAnalysis(snapshot, now);
  const entities: Entity[] = analysis.entities;
  const total = entities.length * 3;
  const yieldEvery = Math.max(1, options.yieldEvery ?? 25);
  let done = 0;
  const progress = async (phase: string) => {
    done++;
    options.onProgress?.({ phase, done, total });
    if (done % yieldEvery === 0) await nextTurn();
  };

  const findings: AuditFinding[] = [];
  const fullAdmins = new Set<string>();
  const reported = new Map<string, ReadonlySet<string>>();
  for (const entity of entities) {
    const result = fullAdminCheck(analysis, analysis.principal(entity));
    findings.push(...result.findings);
    if (result.full) {
      fullAdmins.add(entity.arn);
      analysis.admins.set(entity.arn, 'full');
    }
    await progress('finding administrators');
  }
  for (const entity of entities) {
    if (!fullAdmins.has(entity.arn)) {
      const verdict = effectiveAdminCheck(analysis, analysis.principal(entity));
      findings.push(...verdict.findings);
      reported.set(entity.arn, verdict.reported);
      if (verdict.kind) analysis.admins.set(entity.arn, verdict.kind);
    }
    await progress('finding administrators');
  }
  for (const entity of entities) {
    const principal = analysis.principal(entity);
    findings.push(...unreadableChecks(principal));
    if (!fullAdmins.has(entity.arn)) {
      findings.push(...escalationCheck(analysis, principal, reported.get(entity.arn) ?? new Set()));
      findings.push(...exposureChecks(analysis, principal));
    }
    if (entity.kind === 'role') {
      findings.push(...trustChecks(analysis, entity));
      findings.push(...roleUsageCheck(entity, now));
    }
    analysis.release(entity);
    await progress('checking principals');
  }
  findings.push(...leftoverChecks(analysis));
  if (snapshot.credentialReport) findings.push(...credentialChecks(snapshot.credentialReport, now));

  const checksRun = AUDIT_CHECKS.filter((c) => c.family !== 'credentials' || snapshot.credentialReport).map(
    (c) => c.id,
  );
  return {
    accountId: snapshot.accountId,
    source: snapshot.source,
    scannedAt: now,
    durationMs: performance.now() - started,
    counts: {
      users: snapshot.users.length,
      groups: snapshot.groups.length,
      roles: snapshot.roles.length,
      policies: snapshot.policies.size,
    },
    findings: dedupe(findings).sort(compareFindings),
    checksRun,
  };
}

/** One finding per fingerprint (the same problem reached twice is one problem). */
function dedupe(findings: readonly AuditFinding[]): AuditFinding[] {
  const seen = new Map<string, AuditFinding>();
  for (const f of findings) if (!seen.has(f.fingerprint)) seen.set(f.fingerprint, f);
  return [...seen.values()];
}
