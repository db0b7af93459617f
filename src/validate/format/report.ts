// What the formatters take: the findings of one input, with where it came from.
import type { PolicyType } from '../../policy/index.ts';
import type { Finding, FindingType } from '../finding.ts';

export interface FileReport {
  /** The path as the user gave it, or `<stdin>`. */
  readonly file: string;
  readonly policyType: PolicyType;
  readonly text: string;
  readonly findings: Finding[];
}

/** `1 error, 2 security warnings` style counts, most severe first. */
export function countFindings(findings: readonly Finding[]): string {
  const names: Record<FindingType, [string, string]> = {
    ERROR: ['error', 'errors'],
    SECURITY_WARNING: ['security warning', 'security warnings'],
    WARNING: ['warning', 'warnings'],
    SUGGESTION: ['suggestion', 'suggestions'],
  };
  const parts: string[] = [];
  for (const type of Object.keys(names) as FindingType[]) {
    const n = findings.filter((f) => f.findingType === type).length;
    if (n > 0) parts.push(`${n} ${names[type][n === 1 ? 0 : 1]}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'no findings';
}
