// Checks on the IAM credential report: root access keys and MFA, console users without MFA, old,
// unused and doubled access keys, unused passwords. Ages are measured from the scan's clock.
import type { CredentialReport, CredentialReportRow } from '../../analyze/index.ts';
import type { AuditFinding, ReportEvidence } from '../types.ts';
import { makeFinding } from './registry.ts';

const DAY_MS = 86_400_000;
export const KEY_ROTATION_DAYS = 90;
export const UNUSED_DAYS = 45;
const ROOT = '<root_account>';

function date(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function days(from: Date, now: Date): number {
  return Math.floor((now.getTime() - from.getTime()) / DAY_MS);
}

function evidence(row: CredentialReportRow, ...fields: string[]): ReportEvidence[] {
  return fields
    .filter((f) => row.fields[f] !== undefined)
    .map((field) => ({ kind: 'credential-report', user: row.user, field, value: row.fields[field]! }));
}

export function credentialChecks(report: CredentialReport, now: Date): AuditFinding[] {
  const out: AuditFinding[] = [];
  for (const row of report.rows) {
    const f = row.fields;
    const root = row.user === ROOT;
    const base = { principal: row.arn, principalType: root ? 'root' : 'user' } as const;
    const who = root ? 'The root user' : `User ${row.user}`;
    if (root) {
      if (f.mfa_active === 'false') {
        out.push(
          makeFinding({
            ...base,
            check: 'root-without-mfa',
            title: 'The root user has no MFA',
            details: 'Anyone with the root password can sign in as root, which no policy restricts.',
            evidence: evidence(row, 'mfa_active'),
          }),
        );
      }
    } else if (f.password_enabled === 'true' && f.mfa_active === 'false') {
      out.push(
        makeFinding({
          ...base,
          check: 'console-without-mfa',
          title: `${who} signs in to the console without MFA`,
          details: `${row.user} has a console password and no MFA device: the password alone gives console access.`,
          evidence: evidence(row, 'password_enabled', 'mfa_active'),
        }),
      );
    }
    const active = [1, 2].filter((n) => f[`access_key_${n}_active`] === 'true');
    for (const n of active) {
      const prefix = `access_key_${n}`;
      const rotated = date(f[`${prefix}_last_rotated`]);
      // The rotation date identifies the key: a new key in the same slot is a new finding.
      const key = [`key ${n}`, f[`${prefix}_last_rotated`] ?? ''];
      if (root) {
        out.push(
          makeFinding({
            ...base,
            check: 'root-access-key',
            essentials: key,
            title: `The root user has an active access key (key ${n})`,
            details:
              'A root access key has every permission in the account and cannot be limited by any policy.',
            evidence: evidence(row, `${prefix}_active`, `${prefix}_last_rotated`, `${prefix}_last_used_date`),
          }),
        );
        continue;
      }
      if (rotated && days(rotated, now) > KEY_ROTATION_DAYS) {
        out.push(
          makeFinding({
            ...base,
            check: 'access-key-not-rotated',
            essentials: key,
            title: `${who}'s access key ${n} is ${days(rotated, now)} days old`,
            details: `The key was created or last rotated on ${f[`${prefix}_last_rotated`]}, more than ${KEY_ROTATION_DAYS} days ago.`,
            evidence: evidence(row, `${prefix}_active`, `${prefix}_last_rotated`),
          }),
        );
      }
      const used = date(f[`${prefix}_last_used_date`]);
      const idleSince = used ?? rotated;
      if (idleSince && days(idleSince, now) >= UNUSED_DAYS) {
        out.push(
          makeFinding({
            ...base,
            check: 'access-key-unused',
            essentials: key,
            title: used
              ? `${who}'s access key ${n} has not been used for ${days(used, now)} days`
              : `${who}'s access key ${n} has never been used`,
            details: used
              ? `Last used on ${f[`${prefix}_last_used_date`]}.`
              : `The key was created on ${f[`${prefix}_last_rotated`]} and has not been used since.`,
            evidence: evidence(row, `${prefix}_active`, `${prefix}_last_rotated`, `${prefix}_last_used_date`),
          }),
        );
      }
    }
    if (!root && active.length === 2) {
      out.push(
        makeFinding({
          ...base,
          check: 'two-active-access-keys',
          title: `${who} has two active access keys`,
          details: 'Both access keys are active; one of them is usually a key that rotation left behind.',
          evidence: evidence(row, 'access_key_1_active', 'access_key_2_active'),
        }),
      );
    }
    if (!root && f.password_enabled === 'true') {
      const used = date(f.password_last_used);
      const since = used ?? date(f.password_last_changed) ?? date(f.user_creation_time);
      if (since && days(since, now) >= UNUSED_DAYS) {
        out.push(
          makeFinding({
            ...base,
            check: 'password-unused',
            title: used
              ? `${who} has not used the console password for ${days(used, now)} days`
              : `${who} has never used the console password`,
            details: used
              ? `The password was last used on ${f.password_last_used}.`
              : `The password, set on ${f.password_last_changed ?? f.user_creation_time}, has not been used.`,
            evidence: evidence(row, 'password_enabled', 'password_last_used', 'password_last_changed'),
          }),
        );
      }
    }
  }
  return out;
}
