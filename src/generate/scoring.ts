// Scores a generate result against a request case (shared/data/requests/README format): is the
// outcome right, does a granted policy allow what it must and nothing it must not.
import type { AccessLevel, Catalog } from '../catalog/index.ts';
import { compilePolicySet, decide } from '../evaluate/index.ts';
import { actionMatches } from '../policy/index.ts';
import type { GenerateResult, Outcome } from './generate.ts';
import { asList } from './policy-document.ts';
import { probeRequest } from './probe.ts';

export interface Probe {
  readonly action: string;
  readonly resource: string;
}

export interface RequestCase {
  readonly id: string;
  readonly lang: 'en' | 'ko';
  readonly request: Record<string, unknown>;
  readonly expect: 'grant' | 'needs_info' | 'refuse';
  readonly accept?: readonly Outcome[];
  readonly required?: readonly (string | readonly string[])[];
  readonly allow_probes?: readonly Probe[];
  readonly deny_probes?: readonly Probe[];
  readonly forbidden?: readonly string[];
  readonly allowed_access_levels?: readonly AccessLevel[];
}

export interface CaseScore {
  readonly id: string;
  readonly passed: boolean;
  readonly outcome: Outcome;
  readonly expected: readonly Outcome[];
  /** Why it failed, one line each; empty when it passed. */
  readonly failures: readonly string[];
  /** A granted policy matched a forbidden pattern. */
  readonly forbiddenGrant: boolean;
  /** Granted actions over the actions the case needs (1 is exact); undefined without a grant. */
  readonly overPermission?: number;
  readonly grantedActions: number;
}

/** The outcomes that count as correct for a case. */
export function acceptedOutcomes(c: RequestCase): readonly Outcome[] {
  if (c.accept) return c.accept;
  return c.expect === 'refuse' ? ['refuse', 'needs_approval'] : [c.expect];
}

export function scoreCase(c: RequestCase, result: GenerateResult, catalog: Catalog, now: Date): CaseScore {
  const expected = acceptedOutcomes(c);
  const failures: string[] = [];
  if (!expected.includes(result.outcome))
    failures.push(`outcome ${result.outcome}, expected ${expected.join(' or ')}`);
  let forbiddenGrant = false;
  let overPermission: number | undefined;
  let grantedActions = 0;

  if (result.outcome === 'grant' && result.policy) {
    const policy = result.policy;
    const set = compilePolicySet({ identityPolicies: [policy as unknown as Record<string, unknown>] });
    // A KMS key is usable only through its key policy; probes assume AWS's default key policy,
    // which lets the account's IAM policies decide.
    const withKeyPolicy = compilePolicySet({
      identityPolicies: [policy as unknown as Record<string, unknown>],
      resourcePolicy: defaultKeyPolicy(result.request.account_id, result.request.partition),
    });
    const allows = (action: string, resource: string) =>
      decide(
        resource.includes(':kms:') ? withKeyPolicy : set,
        probeRequest(result.request, action, resource, now),
      ) === 'Allowed';
    // An action is "allowed" when the policy allows it on "*" or on some resource it names.
    const resourcesNamed = policy.Statement.flatMap((s) => asList(s.Resource));
    const allowsAnywhere = (action: string) => ['*', ...resourcesNamed].some((r) => allows(action, r));

    for (const need of c.required ?? []) {
      const options = typeof need === 'string' ? [need] : need;
      if (!options.some(allowsAnywhere)) failures.push(`does not allow ${options.join(' or ')}`);
    }
    for (const p of c.allow_probes ?? []) {
      if (!allows(p.action, p.resource)) failures.push(`does not allow ${p.action} on ${p.resource}`);
    }
    for (const p of c.deny_probes ?? []) {
      if (allows(p.action, p.resource))
        failures.push(`allows ${p.action} on ${p.resource}, which it must not`);
    }

    const granted = new Map<string, AccessLevel>();
    for (const s of policy.Statement) {
      if (s.Effect !== 'Allow') continue;
      if (s.NotAction !== undefined || asList(s.Action).includes('*')) {
        if (c.forbidden?.includes('*')) {
          forbiddenGrant = true;
          failures.push('grants every action');
        }
      }
      for (const pattern of asList(s.Action))
        for (const a of catalog.expandAction(pattern)) granted.set(a.key, a.accessLevel);
    }
    grantedActions = granted.size;
    for (const pattern of (c.forbidden ?? []).filter((f) => f !== '*')) {
      const hits = [...granted.keys()].filter((a) => actionMatches(pattern, a));
      if (hits.length > 0) {
        forbiddenGrant = true;
        failures.push(`grants ${hits.slice(0, 3).join(', ')}, forbidden by ${pattern}`);
      }
    }
    if (c.allowed_access_levels) {
      const above = [...granted].filter(([, level]) => !c.allowed_access_levels!.includes(level));
      if (above.length > 0) {
        failures.push(
          `grants ${above
            .slice(0, 3)
            .map(([a, l]) => `${a} (${l})`)
            .join(', ')} beyond the allowed access levels`,
        );
      }
    }
    const needed = new Set([
      ...(c.required ?? []).map((n) => (typeof n === 'string' ? n : n[0]!).toLowerCase()),
      ...(c.allow_probes ?? []).map((p) => p.action.toLowerCase()),
    ]);
    overPermission = needed.size > 0 ? granted.size / needed.size : undefined;
  }
  return {
    id: c.id,
    passed: failures.length === 0,
    outcome: result.outcome,
    expected,
    failures,
    forbiddenGrant,
    overPermission,
    grantedActions,
  };
}

/** The key policy AWS gives a new KMS key: the account's IAM policies decide who may use it. */
function defaultKeyPolicy(account: string, partition: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EnableIAMUserPermissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}
