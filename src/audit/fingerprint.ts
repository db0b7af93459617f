// Fingerprints: the identity of a finding across scans. They hash what the problem IS (the check,
// the principal, and the check's essentials such as the escalation method or the trusted
// account), never how it is worded, which policy or statement currently grants it, or in what
// order things were listed, so rewording a check or reordering a policy keeps the fingerprint.
import { createHash } from 'node:crypto';

export function fingerprintOf(check: string, principal: string, essentials: readonly string[] = []): string {
  const parts = ['grantflow-audit/v1', check, principal, ...[...new Set(essentials)].sort()];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}
