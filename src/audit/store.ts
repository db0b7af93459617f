// Keeping findings across scans. Each scan is recorded with the findings it saw; a finding is
// `new` the first time its fingerprint appears (or when it comes back after being resolved),
// `existing` when it was already open, and `resolved` when an earlier scan of the same account
// saw it and this one, having run its check, did not. Plain Kysely queries only (no upserts,
// which every dialect spells differently), so SQLite, PostgreSQL and MySQL run the same code.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { storedTime } from '../store/index.ts';
import type { AuditTables } from '../store/migrations/audit.ts';
import type { AuditResult } from './scan.ts';
import type { AuditFinding, Evidence, Severity } from './types.ts';

export interface ScanRecord {
  readonly id: string;
  readonly accountId: string;
  readonly source: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly checks: readonly string[];
  readonly principals: number;
  readonly findings: number;
  readonly newFindings: number;
  readonly resolvedFindings: number;
}

/** A finding as stored, with its history. */
export interface StoredFinding {
  readonly fingerprint: string;
  readonly accountId: string;
  readonly check: string;
  readonly severity: Severity;
  readonly principal: string;
  readonly title: string;
  readonly details: string;
  readonly evidence: readonly Evidence[];
  readonly remediation: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly resolvedAt: string | null;
}

export type FindingStatus = 'new' | 'existing';

export interface RecordedScan {
  readonly scan: ScanRecord;
  /** Every finding of the scan with whether it is new, and since when it has been open. */
  readonly findings: readonly {
    readonly finding: AuditFinding;
    readonly status: FindingStatus;
    readonly firstSeen: string;
  }[];
  readonly newFindings: readonly AuditFinding[];
  /** Findings earlier scans saw that this one did not. */
  readonly resolved: readonly StoredFinding[];
}

const CHUNK = 200;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type FindingRow = AuditTables['audit_findings'];

function toStored(row: FindingRow): StoredFinding {
  return {
    fingerprint: row.fingerprint,
    accountId: row.account_id,
    check: row.check_id,
    severity: row.severity as Severity,
    principal: row.principal,
    title: row.title,
    details: row.details,
    evidence: JSON.parse(row.evidence) as Evidence[],
    remediation: row.remediation,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    resolvedAt: row.resolved_at,
  };
}

/** Records a scan and works out what is new and what was fixed since the account's last scans. */
export async function recordScan(
  db: Kysely<AuditTables>,
  result: AuditResult,
  options: { readonly id?: string; readonly finishedAt?: Date } = {},
): Promise<RecordedScan> {
  const id = options.id ?? randomUUID();
  const startedAt = storedTime(result.scannedAt);
  const finishedAt = storedTime(
    options.finishedAt ?? new Date(result.scannedAt.getTime() + result.durationMs),
  );
  const account = result.accountId;
  const ran = new Set(result.checksRun);
  return db.transaction().execute(async (trx) => {
    const known = new Map<string, FindingRow>();
    const rows = await trx
      .selectFrom('audit_findings')
      .selectAll()
      .where('account_id', '=', account)
      .execute();
    for (const row of rows) known.set(row.fingerprint, row);

    const current = new Map(result.findings.map((f) => [f.fingerprint, f]));
    const findings: { finding: AuditFinding; status: FindingStatus; firstSeen: string }[] = [];
    const inserts: FindingRow[] = [];
    const stillOpen: string[] = [];
    for (const f of current.values()) {
      const row = known.get(f.fingerprint);
      const content = {
        check_id: f.check,
        severity: f.severity,
        principal: f.principal,
        title: f.title,
        details: f.details,
        evidence: JSON.stringify(f.evidence),
        remediation: f.remediation,
      };
      if (!row) {
        inserts.push({
          fingerprint: f.fingerprint,
          account_id: account,
          ...content,
          first_seen: startedAt,
          last_seen: startedAt,
          resolved_at: null,
          first_scan_id: id,
          last_scan_id: id,
        });
        findings.push({ finding: f, status: 'new', firstSeen: startedAt });
        continue;
      }
      const reopened = row.resolved_at !== null;
      const changed =
        reopened ||
        row.severity !== content.severity ||
        row.title !== content.title ||
        row.details !== content.details ||
        row.evidence !== content.evidence ||
        row.remediation !== content.remediation;
      if (changed) {
        // A finding that comes back after being resolved starts a new life.
        await trx
          .updateTable('audit_findings')
          .set({
            ...content,
            last_seen: startedAt,
            last_scan_id: id,
            resolved_at: null,
            ...(reopened ? { first_seen: startedAt, first_scan_id: id } : {}),
          })
          .where('fingerprint', '=', f.fingerprint)
          .execute();
      } else stillOpen.push(f.fingerprint);
      findings.push({
        finding: f,
        status: reopened ? 'new' : 'existing',
        firstSeen: reopened ? startedAt : row.first_seen,
      });
    }
    for (const batch of chunks(inserts)) await trx.insertInto('audit_findings').values(batch).execute();
    for (const batch of chunks(stillOpen)) {
      await trx
        .updateTable('audit_findings')
        .set({ last_seen: startedAt, last_scan_id: id })
        .where('fingerprint', 'in', batch)
        .execute();
    }

    const resolved = [...known.values()].filter(
      (row) => row.resolved_at === null && !current.has(row.fingerprint) && ran.has(row.check_id),
    );
    for (const batch of chunks(resolved.map((r) => r.fingerprint))) {
      await trx
        .updateTable('audit_findings')
        .set({ resolved_at: startedAt })
        .where('fingerprint', 'in', batch)
        .execute();
    }

    const newFindings = findings.filter((f) => f.status === 'new').map((f) => f.finding);
    const scan: ScanRecord = {
      id,
      accountId: account,
      source: result.source,
      startedAt,
      finishedAt,
      checks: result.checksRun,
      principals: result.counts.users + result.counts.groups + result.counts.roles,
      findings: findings.length,
      newFindings: newFindings.length,
      resolvedFindings: resolved.length,
    };
    await trx
      .insertInto('audit_scans')
      .values({
        id,
        account_id: account,
        source: scan.source,
        started_at: startedAt,
        finished_at: finishedAt,
        checks: JSON.stringify(scan.checks),
        principals: scan.principals,
        findings: scan.findings,
        new_findings: scan.newFindings,
        resolved_findings: scan.resolvedFindings,
      })
      .execute();
    const links = [
      ...findings.map((f) => ({ scan_id: id, fingerprint: f.finding.fingerprint, status: f.status })),
      ...resolved.map((r) => ({ scan_id: id, fingerprint: r.fingerprint, status: 'resolved' })),
    ];
    for (const batch of chunks(links)) await trx.insertInto('audit_scan_findings').values(batch).execute();

    return {
      scan,
      findings,
      newFindings,
      resolved: resolved.map((r) => toStored({ ...r, resolved_at: startedAt })),
    };
  });
}

/** The most recent scans, newest first (of one account, or all). */
export async function listScans(
  db: Kysely<AuditTables>,
  options: { readonly accountId?: string; readonly limit?: number } = {},
): Promise<ScanRecord[]> {
  let query = db.selectFrom('audit_scans').selectAll();
  if (options.accountId !== undefined) query = query.where('account_id', '=', options.accountId);
  const rows = await query
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 20)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    source: r.source,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    checks: JSON.parse(r.checks) as string[],
    principals: Number(r.principals),
    findings: Number(r.findings),
    newFindings: Number(r.new_findings),
    resolvedFindings: Number(r.resolved_findings),
  }));
}

/** Findings of an account: the open ones, or with `resolved` also those fixed since. */
export async function storedFindings(
  db: Kysely<AuditTables>,
  accountId: string,
  options: { readonly includeResolved?: boolean } = {},
): Promise<StoredFinding[]> {
  let query = db.selectFrom('audit_findings').selectAll().where('account_id', '=', accountId);
  if (!options.includeResolved) query = query.where('resolved_at', 'is', null);
  const rows = await query.orderBy('first_seen').orderBy('fingerprint').execute();
  return rows.map(toStored);
}

/** The fingerprints a scan saw, with their status in that scan. */
export async function scanFindings(
  db: Kysely<AuditTables>,
  scanId: string,
): Promise<{ fingerprint: string; status: string }[]> {
  return db
    .selectFrom('audit_scan_findings')
    .select(['fingerprint', 'status'])
    .where('scan_id', '=', scanId)
    .orderBy('fingerprint')
    .execute();
}
