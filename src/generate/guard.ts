// Guardrails, in code, after drafting: they judge the policy itself, whoever or whatever wrote it,
// and nothing in the request's text reaches them (ARCHITECTURE decision 5).
import type { AccessLevel, ActionInfo, Catalog } from '../catalog/index.ts';
import {
  credentialsExposureAction,
  dataExfiltrationAction,
  PRIVILEGE_ESCALATION_COMBINATIONS,
  privilegeEscalationAction,
} from '../catalog/risk.ts';
import { compilePolicySet, decide } from '../evaluate/index.ts';
import type { CompiledPolicySet } from '../evaluate/index.ts';
import { actionMatches } from '../policy/index.ts';
import type { PolicyDocument, PolicyStatement } from './policy-document.ts';
import { asList } from './policy-document.ts';
import { probeRequest } from './probe.ts';
import type { AccessRequest } from './request.ts';

export type GuardOutcome = 'grant' | 'needs_approval' | 'refuse';

export type GuardRule =
  | 'full-admin'
  | 'not-action-allow'
  | 'not-resource-allow'
  | 'forbidden-service'
  | 'privilege-escalation-combination'
  | 'privilege-escalation-action'
  | 'assume-any-role'
  | 'account-level-change'
  | 'identity-change'
  | 'credentials-exposure'
  | 'access-level-ceiling'
  | 'permissions-management'
  | 'write-on-any-resource'
  | 'data-read-on-any-resource'
  | 'outside-permission-ceiling'
  | 'unknown-action'
  | 'validation-warning'
  | 'suspected-injection';

export interface GuardReason {
  readonly rule: GuardRule;
  readonly outcome: Exclude<GuardOutcome, 'grant'>;
  readonly message: string;
  readonly actions: readonly string[];
}

export interface GuardVerdict {
  readonly outcome: GuardOutcome;
  readonly reasons: readonly GuardReason[];
}

export interface GuardConfig {
  /**
   * Access levels that may be granted without approval. Permissions management is never granted
   * automatically, whatever this says.
   */
  readonly autoGrantLevels: readonly AccessLevel[];
  /** A policy every drafted policy must stay within, if set. */
  readonly permissionCeiling?: string | object;
}

export const DEFAULT_GUARD_CONFIG: GuardConfig = { autoGrantLevels: ['List', 'Read', 'Write', 'Tagging'] };

/** Services whose every action changes who can do what, or the account itself. */
const FORBIDDEN_SERVICE_WILDCARDS = ['iam', 'sts', 'organizations', 'account', 'sso', 'identitystore'];
/**
 * Services that administer identities: any change there (a new IAM user, a renamed role, a tag an
 * ABAC policy reads) changes who exists or what they may do, which an approver must see, even when
 * no single action is an escalation path.
 */
const IDENTITY_SERVICES = new Set(['iam', 'sso', 'identitystore']);
/** Services whose write actions change the account or organization as a whole. */
const ACCOUNT_LEVEL_SERVICES = new Set([
  'organizations',
  'account',
  'billing',
  'aws-portal',
  'iam-access-control',
]);

interface AllowedEntry {
  readonly statement: PolicyStatement;
  readonly actions: ActionInfo[];
  readonly resources: string[];
}

/** Judges a drafted identity policy for the given request. */
export function guardPolicy(
  policy: PolicyDocument,
  request: AccessRequest,
  catalog: Catalog,
  config: GuardConfig = DEFAULT_GUARD_CONFIG,
  now: Date = new Date(),
): GuardVerdict {
  const reasons: GuardReason[] = [];
  const flag = (
    rule: GuardRule,
    outcome: GuardReason['outcome'],
    message: string,
    actions: string[] = [],
  ) => {
    reasons.push({ rule, outcome, message, actions: [...new Set(actions)].sort() });
  };

  const entries: AllowedEntry[] = [];
  for (const statement of policy.Statement) {
    if (statement.Effect !== 'Allow') continue;
    if (statement.NotAction !== undefined) {
      flag(
        'not-action-allow',
        'refuse',
        'An Allow with NotAction grants every action not listed, including any added to AWS later.',
      );
      continue;
    }
    if (statement.NotResource !== undefined) {
      flag(
        'not-resource-allow',
        'needs_approval',
        'An Allow with NotResource grants the actions on every resource not listed.',
      );
    }
    const patterns = asList(statement.Action);
    if (patterns.some((p) => p === '*' || /^\*:\*?$/.test(p))) {
      flag(
        'full-admin',
        'refuse',
        'Full administrator access (every action) is never granted through grantflow.',
        ['*'],
      );
      continue;
    }
    for (const p of patterns) {
      const service = p.slice(0, p.indexOf(':')).toLowerCase();
      if (FORBIDDEN_SERVICE_WILDCARDS.includes(service) && /[*?]/.test(p)) {
        flag(
          'forbidden-service',
          'refuse',
          `${p} grants ${service} actions by wildcard, which include changing permissions.`,
          [p],
        );
      }
    }
    const actions: ActionInfo[] = [];
    for (const p of patterns) {
      const expanded = catalog.expandAction(p);
      if (expanded.length === 0) {
        flag(
          'unknown-action',
          'refuse',
          `${p} is not an action grantflow knows, so it cannot judge what it grants.`,
          [p],
        );
      }
      actions.push(...expanded);
    }
    entries.push({ statement, actions, resources: asList(statement.Resource ?? statement.NotResource) });
  }

  const allActions = [...new Map(entries.flatMap((e) => e.actions).map((a) => [a.key, a])).values()];

  // iam:PassRole granted on every role (or every role under a path), not on roles named.
  const passesAnyRole = entries.some(
    (e) =>
      e.actions.some((a) => a.key === 'iam:PassRole') &&
      e.resources.some((r) => r === '*' || /:role\/(?:[^*]*\/)?\*$/.test(r)),
  );
  for (const combo of PRIVILEGE_ESCALATION_COMBINATIONS) {
    const present = combo.steps.map((step) =>
      allActions.filter((a) => step.some((s) => actionMatches(s, a.key))),
    );
    if (present.every((found) => found.length > 0)) {
      flag(
        'privilege-escalation-combination',
        'refuse',
        `Together these actions let the holder raise its own privileges: it ${combo.reason}.`,
        present.flat().map((a) => a.key),
      );
    } else if (
      // Passing any role to what the holder creates is the escalation itself; the way to start
      // that compute (an invoke, a trigger) is one more permission away, so it is not waited for.
      combo.steps[0]!.includes('iam:PassRole') &&
      passesAnyRole &&
      present.slice(0, 2).every((found) => found.length > 0)
    ) {
      flag(
        'privilege-escalation-combination',
        'refuse',
        `iam:PassRole on every role with ${present[1]!.map((a) => a.key).join(', ')} is one step from ` +
          `raising the holder's privileges: it ${combo.reason}.`,
        present
          .slice(0, 2)
          .flat()
          .map((a) => a.key),
      );
    }
  }

  for (const entry of entries) {
    const anyResource = entry.resources.includes('*');
    for (const action of entry.actions) {
      const escalation = privilegeEscalationAction(action.key);
      // Anything but reading: write, tagging, permissions management.
      const changes = action.accessLevel !== 'List' && action.accessLevel !== 'Read';
      if (
        action.key === 'sts:AssumeRole' &&
        entry.resources.some((r) => r === '*' || r.endsWith(':role/*'))
      ) {
        flag(
          'assume-any-role',
          'refuse',
          'sts:AssumeRole on every role lets the holder become any role that trusts the account.',
          [action.key],
        );
      } else if (escalation) {
        // On every resource of its kind the action lets the holder grant itself anything; on a
        // named resource an approver can judge it.
        const wildcard = entry.resources.some((r) => r.includes('*'));
        flag(
          'privilege-escalation-action',
          escalation.standalone && wildcard ? 'refuse' : 'needs_approval',
          `${action.key} ${escalation.reason}${wildcard ? ' (granted on resources given by wildcard)' : ''}.`,
          [action.key],
        );
      } else if (changes && IDENTITY_SERVICES.has(action.service)) {
        flag(
          'identity-change',
          'needs_approval',
          `${action.key} changes identities or their access, which is never granted automatically.`,
          [action.key],
        );
      }
      if (changes && ACCOUNT_LEVEL_SERVICES.has(action.service)) {
        flag(
          'account-level-change',
          'refuse',
          `${action.key} changes the account or organization as a whole.`,
          [action.key],
        );
      }
      const credentials = credentialsExposureAction(action.key);
      if (credentials?.grants === 'other') {
        flag('credentials-exposure', 'needs_approval', `${action.key} ${credentials.reason}.`, [action.key]);
      }
      if (action.accessLevel === 'Permissions management') {
        flag(
          'permissions-management',
          'needs_approval',
          'Permissions management actions are never granted automatically.',
          [action.key],
        );
      } else if (!config.autoGrantLevels.includes(action.accessLevel)) {
        flag(
          'access-level-ceiling',
          'needs_approval',
          `${action.accessLevel} access is above the level granted automatically.`,
          [action.key],
        );
      }
      if (changes && anyResource && needsResource(action)) {
        flag(
          'write-on-any-resource',
          'needs_approval',
          `${action.key} supports resource-level permissions but is granted on every resource ("*").`,
          [action.key],
        );
      }
      const data = dataExfiltrationAction(action.key);
      if (anyResource && data) {
        flag(
          'data-read-on-any-resource',
          'needs_approval',
          `${action.key} ${data.reason}, and is granted on every resource ("*").`,
          [action.key],
        );
      }
    }
  }

  if (config.permissionCeiling !== undefined) {
    const ceiling = compilePolicySet({ identityPolicies: [config.permissionCeiling as never] });
    const outside = entries.flatMap((e) => actionsOutsideCeiling(e, ceiling, request, now));
    if (outside.length > 0) {
      flag(
        'outside-permission-ceiling',
        'refuse',
        'The policy grants actions the permission ceiling does not allow.',
        outside,
      );
    }
  }

  return { outcome: worst(reasons), reasons: mergeReasons(reasons) };
}

/**
 * Each action must be allowed by the ceiling on each resource the statement names. A resource
 * pattern is asked about as written: the ceiling's wildcards cover the draft's only if they
 * match its text, which errs towards "outside".
 */
function actionsOutsideCeiling(
  entry: AllowedEntry,
  ceiling: CompiledPolicySet,
  request: AccessRequest,
  now: Date,
): string[] {
  const outside: string[] = [];
  for (const action of entry.actions) {
    for (const resource of entry.resources) {
      if (decide(ceiling, probeRequest(request, action.key, resource, now)) !== 'Allowed') {
        outside.push(action.key);
        break;
      }
    }
  }
  return outside;
}

/**
 * Whether a call of the action always names a resource, so `*` widens it to every resource. The
 * service reference marks resource types optional when a call may omit them (translate:TranslateText
 * with or without a terminology), and also where it lists alternatives: S3 object actions name
 * either an object or an access-point object, never neither.
 */
function needsResource(action: ActionInfo): boolean {
  if (action.wildcardOnly) return false;
  return action.resourceTypes.some((t) => t.required) || action.service === 's3';
}

function worst(reasons: readonly GuardReason[]): GuardOutcome {
  if (reasons.some((r) => r.outcome === 'refuse')) return 'refuse';
  return reasons.length > 0 ? 'needs_approval' : 'grant';
}

/** One reason per rule and message, with the actions it concerns gathered. */
function mergeReasons(reasons: readonly GuardReason[]): GuardReason[] {
  const byRule = new Map<string, GuardReason>();
  for (const r of reasons) {
    const key = `${r.rule}|${r.actions.length === 1 && r.message.startsWith(r.actions[0]!) ? r.actions[0] : r.message}`;
    const prior = byRule.get(key);
    byRule.set(key, prior ? { ...prior, actions: [...new Set([...prior.actions, ...r.actions])].sort() } : r);
  }
  return [...byRule.values()];
}
