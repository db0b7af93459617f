// The shapes an audit produces: findings with a severity, the principal they are about, the
// evidence that supports them (policy statements with spans, or credential report fields) and a
// fingerprint that stays the same from one scan to the next while the problem does.
import type { PolicyEvidence } from '../analyze/index.ts';

export type { PolicyEvidence };

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** 4 for critical down to 0 for info, so `rank(a) >= rank(b)` reads "a is at least as severe as b". */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(severity);
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

/** A field of the IAM credential report. */
export interface ReportEvidence {
  readonly kind: 'credential-report';
  readonly user: string;
  readonly field: string;
  readonly value: string;
}

/** A fact about an entity that is not a policy statement (a tag, a last-used date…). */
export interface AttributeEvidence {
  readonly kind: 'attribute';
  readonly entity: string;
  readonly name: string;
  readonly value: string;
}

export type Evidence = PolicyEvidence | ReportEvidence | AttributeEvidence;

export type PrincipalType = 'user' | 'group' | 'role' | 'root' | 'policy';

export interface AuditFinding {
  /** The check's id, e.g. `privilege-escalation`. */
  readonly check: string;
  readonly severity: Severity;
  /** The ARN of the user, group or role (or the root user, or a policy) the finding is about. */
  readonly principal: string;
  readonly principalType: PrincipalType;
  readonly title: string;
  /** A paragraph saying what was found and why it matters. */
  readonly details: string;
  readonly evidence: readonly Evidence[];
  readonly remediation: string;
  /** Hash of the check, the principal and the essentials (not wording or order). */
  readonly fingerprint: string;
}

/** Progress of a scan, for progress bars: `done` out of `total` units of the named phase. */
export type ProgressListener = (progress: {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
}) => void;
