// Findings in exactly the shape IAM Access Analyzer's ValidatePolicy returns them.
import type { Path, Span } from '../policy/index.ts';

export type FindingType = 'ERROR' | 'SECURITY_WARNING' | 'WARNING' | 'SUGGESTION';

export const FINDING_TYPES: readonly FindingType[] = ['ERROR', 'SECURITY_WARNING', 'WARNING', 'SUGGESTION'];

export interface Location {
  readonly path: Path;
  readonly span: Span;
}

export interface Finding {
  readonly findingDetails: string;
  readonly findingType: FindingType;
  readonly issueCode: string;
  readonly learnMoreLink: string;
  readonly locations: Location[];
}

const AWS_CHECKS_PAGE =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html';

const TYPE_ANCHOR: Record<FindingType, string> = {
  ERROR: 'error',
  SECURITY_WARNING: 'security-warning',
  WARNING: 'general-warning',
  SUGGESTION: 'suggestion',
};

/**
 * The Access Analyzer reference anchor for one of its checks, e.g.
 * `#access-analyzer-reference-policy-checks-error-invalid-action` from a slug `invalid-action`.
 */
export function awsCheckLink(findingType: FindingType, slug: string): string {
  return `${AWS_CHECKS_PAGE}#access-analyzer-reference-policy-checks-${TYPE_ANCHOR[findingType]}-${slug}`;
}

/** grantflow's own checks are documented in docs/checks.md of the grantflow repository. */
export function grantflowCheckLink(issueCode: string): string {
  return `docs/checks.md#${issueCode.toLowerCase().replace(/_/g, '-')}`;
}
