// Amazon Resource Names: arn:partition:service:region:account-id:resource
import { matchesWildcard } from './wildcard.ts';

export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the fifth colon; may itself contain colons and slashes. */
  readonly resource: string;
}

export const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
];

/** Splits an ARN into its parts, or returns undefined when it is not `arn:` with six parts. */
export function parseArn(text: string): Arn | undefined {
  if (!text.startsWith('arn:')) return undefined;
  const parts: string[] = [];
  let from = 4;
  for (let i = 0; i < 4; i++) {
    const colon = text.indexOf(':', from);
    if (colon < 0) return undefined;
    parts.push(text.slice(from, colon));
    from = colon + 1;
  }
  return {
    partition: parts[0]!,
    service: parts[1]!,
    region: parts[2]!,
    account: parts[3]!,
    resource: text.slice(from),
  };
}

export function formatArn(arn: Arn): string {
  return `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:${arn.resource}`;
}

/**
 * IAM's Resource matching: case-sensitive, `*` and `?` wildcards. When the pattern is an ARN its
 * first five parts are matched one by one (a wildcard does not run across a colon there), the
 * resource part as a whole; a pattern that is not a six-part ARN is matched as a plain string.
 */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = parseArn(pattern);
  const a = parseArn(arn);
  if (!p || !a) return matchesWildcard(pattern, arn);
  return (
    matchesWildcard(p.partition, a.partition) &&
    matchesWildcard(p.service, a.service) &&
    matchesWildcard(p.region, a.region) &&
    matchesWildcard(p.account, a.account) &&
    matchesWildcard(p.resource, a.resource)
  );
}

/** 12 digits, as IAM account ids are. */
export function isAccountId(text: string): boolean {
  return /^\d{12}$/.test(text);
}
