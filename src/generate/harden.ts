// Hardening applied to every policy that may be attached, whoever drafted it: IAM itself ends the
// access at expiresAt (ARCHITECTURE decision 4) and the policy grants nothing to anyone but the
// requester, even if it were attached elsewhere.
import type { ConditionBlock, PolicyDocument, PolicyStatement } from './policy-document.ts';

export interface HardenOptions {
  /** When access ends; written as `DateLessThan aws:CurrentTime`. */
  readonly expiresAt: Date;
  /** The user or role the policy is for; written as `ArnEquals aws:PrincipalArn`. */
  readonly principalArn: string;
}

/** ISO 8601 to the second, the form IAM documents for date conditions. */
export function iamDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function withCondition(
  condition: ConditionBlock | undefined,
  operator: string,
  key: string,
  value: string,
): ConditionBlock {
  const out: ConditionBlock = {};
  for (const [op, entries] of Object.entries(condition ?? {})) out[op] = { ...entries };
  // The same key under another letter case would be a second, independent condition: drop it.
  const block = Object.fromEntries(
    Object.entries(out[operator] ?? {}).filter(([k]) => k.toLowerCase() !== key.toLowerCase()),
  );
  out[operator] = { ...block, [key]: value };
  return out;
}

/** The earliest of the expiry and any `DateLessThan aws:CurrentTime` the draft already had. */
function earliestExpiry(statement: PolicyStatement, expiresAt: Date): Date {
  const existing = Object.entries(statement.Condition?.DateLessThan ?? {}).find(
    ([k]) => k.toLowerCase() === 'aws:currenttime',
  )?.[1];
  const candidates = (Array.isArray(existing) ? existing : existing === undefined ? [] : [existing])
    .map((v) => new Date(v))
    .filter((d) => !Number.isNaN(d.getTime()));
  return candidates.reduce((min, d) => (d < min ? d : min), expiresAt);
}

function sidFor(index: number, taken: Set<string>): string {
  let sid = `Grant${index + 1}`;
  for (let n = 2; taken.has(sid); n++) sid = `Grant${index + 1}x${n}`;
  return sid;
}

/**
 * Returns a new policy: Version 2012-10-17, a unique alphanumeric Sid on every statement, and on
 * every Allow statement the expiry and requester conditions. Deny statements are kept as they
 * are (a deny should not end early).
 */
export function hardenPolicy(policy: PolicyDocument, options: HardenOptions): PolicyDocument {
  const taken = new Set<string>();
  const statements = policy.Statement.map((original, index) => {
    const statement: PolicyStatement = { ...original };
    const validSid =
      typeof statement.Sid === 'string' && /^[A-Za-z0-9]+$/.test(statement.Sid) && !taken.has(statement.Sid);
    statement.Sid = validSid ? statement.Sid! : sidFor(index, taken);
    taken.add(statement.Sid);
    if (statement.Effect === 'Allow') {
      const expiry = iamDate(earliestExpiry(statement, options.expiresAt));
      let condition = withCondition(statement.Condition, 'DateLessThan', 'aws:CurrentTime', expiry);
      condition = withCondition(condition, 'ArnEquals', 'aws:PrincipalArn', options.principalArn);
      statement.Condition = condition;
    }
    return statement;
  });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * The policy of a grant extended from `from` to `to`: every Allow statement whose expiry condition
 * ends at `from` ends at `to` instead. A statement the draft had ended earlier keeps its own end, and
 * the result is hardened again, so no Allow statement can lack the expiry or principal condition.
 */
export function extendPolicy(
  policy: PolicyDocument,
  options: HardenOptions & { readonly previousExpiresAt: Date },
): PolicyDocument {
  const previous = iamDate(options.previousExpiresAt);
  const next = iamDate(options.expiresAt);
  const statements = policy.Statement.map((original) => {
    const entries = original.Condition?.DateLessThan;
    if (original.Effect !== 'Allow' || entries === undefined) return original;
    const moved = Object.fromEntries(
      Object.entries(entries).map(([key, value]) =>
        key.toLowerCase() === 'aws:currenttime' && value === previous ? [key, next] : [key, value],
      ),
    );
    return { ...original, Condition: { ...original.Condition, DateLessThan: moved } };
  });
  return hardenPolicy({ ...policy, Statement: statements }, options);
}
