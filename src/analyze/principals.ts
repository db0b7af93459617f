// Each principal's policy set, compiled once: a user's inline and attached policies plus its
// groups' policies, a role's or group's own, and the permissions boundary. Everything the checks
// ask about a principal goes through its Prober, i.e. through the evaluation engine.
import { compilePolicySet } from '../evaluate/index.ts';
import type { ContextValue, Explanation, PolicySetInput } from '../evaluate/index.ts';
import { parsePolicy } from '../policy/index.ts';
import type { Policy } from '../policy/index.ts';
import type { AccountSnapshot, Entity, LoadedDocument } from './account.ts';
import { BOUNDARY_TYPE, IDENTITY_TYPE, Prober, RESOURCE_TYPE } from './prober.ts';
import type { Grant } from './prober.ts';
import { PROBE_NAME } from './resources.ts';
import type { PolicyEvidence } from './evidence.ts';

/** A policy as it applies to a principal: where it comes from and its document. */
export interface PolicySource {
  readonly name: string;
  /** Managed policies only. */
  readonly arn?: string;
  /** The user, group or role it is inline in or attached to. */
  readonly attachedTo: string;
  readonly inline: boolean;
  readonly document: LoadedDocument;
}

/** A policy that could not be evaluated: missing from the input, or not a valid document. */
export interface UnreadablePolicy {
  readonly name: string;
  readonly arn?: string;
  readonly attachedTo: string;
  readonly reason: string;
  readonly boundary: boolean;
}

export interface Principal {
  readonly entity: Entity;
  /** Who findings are about. */
  readonly arn: string;
  /** Who the engine is asked about: the entity, or for a group a member with no other policies. */
  readonly requestPrincipal: string;
  readonly identity: readonly PolicySource[];
  readonly boundary?: PolicySource;
  readonly unreadable: readonly UnreadablePolicy[];
  readonly prober: Prober;
}

/**
 * The resource policy every principal's set carries: keys with the default key policy and roles
 * that trust the account delegate to IAM policies. Without it the engine would (rightly) deny
 * every KMS and AssumeRole request for lack of a key or trust policy, and checks on "any key" or
 * "any role" would never see the identity policies.
 */
function delegationPolicy(partition: string, account: string): Policy {
  return parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DefaultKeyPolicyAndAccountTrust',
          Effect: 'Allow',
          Principal: { AWS: `arn:${partition}:iam::${account}:root` },
          Action: ['kms:*', 'sts:AssumeRole'],
          Resource: '*',
        },
      ],
    }),
  );
}

/** Context keys whose values are facts about the principal and the time of the scan. */
export function fixedContext(entity: Entity | undefined, now: Date): Record<string, ContextValue> {
  const fixed: Record<string, ContextValue> = {
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
  };
  if (entity === undefined || entity.kind === 'group') return fixed;
  if (entity.id !== '') {
    fixed['aws:userid'] = entity.kind === 'user' ? entity.id : `${entity.id}:${PROBE_NAME}`;
  }
  for (const [key, value] of entity.tags) fixed[`aws:PrincipalTag/${key}`] = value;
  return fixed;
}

export class Principals {
  private readonly snapshot: AccountSnapshot;
  private readonly now: Date;
  private readonly groupsByName: ReadonlyMap<string, Entity>;
  private readonly delegation: Policy;

  constructor(snapshot: AccountSnapshot, now: Date) {
    this.snapshot = snapshot;
    this.now = now;
    this.groupsByName = new Map(snapshot.groups.map((g) => [g.name, g]));
    this.delegation = delegationPolicy(snapshot.partition, snapshot.accountId);
  }

  build(entity: Entity): Principal {
    const identity: PolicySource[] = [];
    const unreadable: UnreadablePolicy[] = [];
    const add = (owner: Entity) => {
      for (const p of owner.inline) {
        const source = { name: p.name, attachedTo: owner.arn, inline: true, document: p.document };
        if (p.document.policy) identity.push(source);
        else unreadable.push({ ...source, reason: p.document.error ?? 'unreadable', boundary: false });
      }
      for (const arn of owner.attached) {
        const r = this.managed(arn, owner.arn, false);
        if ('reason' in r) unreadable.push(r);
        else identity.push(r);
      }
    };
    add(entity);
    if (entity.kind === 'user') {
      for (const name of entity.groups) {
        const group = this.groupsByName.get(name);
        if (group) add(group);
        else {
          unreadable.push({
            name,
            attachedTo: entity.arn,
            reason: `the user is in group "${name}", which is not in the input`,
            boundary: false,
          });
        }
      }
    }
    let boundary: PolicySource | undefined;
    if (entity.kind !== 'group' && entity.boundary !== undefined) {
      const r = this.managed(entity.boundary, entity.arn, true);
      if ('reason' in r) unreadable.push(r);
      else boundary = r;
    }
    const requestPrincipal =
      entity.kind === 'group'
        ? `arn:${this.snapshot.partition}:iam::${this.snapshot.accountId}:user/${PROBE_NAME}-member-of-${entity.name}`
        : entity.arn;
    const set: PolicySetInput = {
      identityPolicies: identity.map((s) => ({ name: label(s), document: s.document.policy! })),
      permissionsBoundaries: boundary ? [{ name: label(boundary), document: boundary.document.policy! }] : [],
      resourcePolicy: { name: 'default key policy and account trust', document: this.delegation },
    };
    const models = (type: number, index: number): Policy | undefined =>
      type === IDENTITY_TYPE
        ? identity[index]?.document.policy
        : type === BOUNDARY_TYPE
          ? boundary?.document.policy
          : type === RESOURCE_TYPE
            ? this.delegation
            : undefined;
    const prober = new Prober(compilePolicySet(set), models, {
      principal: requestPrincipal,
      fixed: fixedContext(entity, this.now),
      fixedPrefixes: entity.kind === 'group' ? [] : ['aws:principaltag/'],
    });
    return {
      entity,
      arn: entity.arn,
      requestPrincipal,
      identity,
      ...(boundary ? { boundary } : {}),
      unreadable,
      prober,
    };
  }

  /**
   * The principal's identity policies and boundary together with a resource policy (a role's
   * trust policy), for questions the resource policy has a say in.
   */
  withResourcePolicy(principal: Principal, resource: Policy): Prober {
    const set: PolicySetInput = {
      identityPolicies: principal.identity.map((s) => ({ name: label(s), document: s.document.policy! })),
      permissionsBoundaries: principal.boundary
        ? [{ name: label(principal.boundary), document: principal.boundary.document.policy! }]
        : [],
      resourcePolicy: resource,
    };
    const models = (type: number, index: number): Policy | undefined =>
      type === IDENTITY_TYPE
        ? principal.identity[index]?.document.policy
        : type === BOUNDARY_TYPE
          ? principal.boundary?.document.policy
          : type === RESOURCE_TYPE
            ? resource
            : undefined;
    return new Prober(compilePolicySet(set), models, principal.prober.subject, [
      IDENTITY_TYPE,
      RESOURCE_TYPE,
    ]);
  }

  private managed(arn: string, attachedTo: string, boundary: boolean): PolicySource | UnreadablePolicy {
    const policy = this.snapshot.policies.get(arn);
    const name = policy?.name ?? arn.slice(arn.lastIndexOf('/') + 1);
    if (!policy?.document) {
      return { name, arn, attachedTo, boundary, reason: 'its document is not in the input' };
    }
    if (!policy.document.policy) {
      return { name, arn, attachedTo, boundary, reason: policy.document.error ?? 'unreadable' };
    }
    return { name, arn, attachedTo, inline: false, document: policy.document };
  }
}

function label(s: PolicySource): string {
  return s.arn ?? `${s.attachedTo}#${s.name}`;
}

/** The statements that granted a request, as evidence. */
export function grantEvidence(
  principal: Principal,
  explanation: Explanation,
  grant: Grant,
  options: { readonly withRequest?: boolean } = {},
): PolicyEvidence[] {
  const out: PolicyEvidence[] = [];
  for (const m of explanation.matchedStatements) {
    if (m.effect !== 'Allow') continue;
    const source =
      m.policyType === 'identity'
        ? principal.identity[m.policyIndex]
        : m.policyType === 'boundary'
          ? principal.boundary
          : undefined;
    if (source === undefined) continue;
    out.push({
      kind: 'policy',
      policy: source.name,
      ...(source.arn ? { policyArn: source.arn } : {}),
      attachedTo: source.attachedTo,
      policyType: m.policyType === 'boundary' ? 'boundary' : 'identity',
      ...(source.inline ? { inline: true } : {}),
      statement: m.statementIndex,
      ...(m.sid !== undefined ? { sid: m.sid } : {}),
      span: m.span,
      ...(options.withRequest === false
        ? {}
        : {
            action: grant.request.action,
            resource: grant.request.resource,
            ...(Object.keys(grant.chosen).length > 0 ? { context: grant.chosen } : {}),
          }),
    });
  }
  return out;
}
