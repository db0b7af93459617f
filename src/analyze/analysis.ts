// What the checks share about the account: each principal's compiled policy set (built once),
// who is an administrator, which roles a service can assume, which customer managed policies
// are attached where, and the resources to probe.
import { compilePolicySet } from '../evaluate/index.ts';
import type { CompiledPolicySet, ContextScalar } from '../evaluate/index.ts';
import { matchesWildcard, substituteVariables } from '../policy/index.ts';
import type { Policy } from '../policy/index.ts';
import type { AccountSnapshot, Entity, ManagedPolicy, RoleEntity } from './account.ts';
import { Principals, fixedContext } from './principals.ts';
import type { Principal } from './principals.ts';
import { IDENTITY_TYPE, Prober, RESOURCE_TYPE } from './prober.ts';
import type { Grant } from './prober.ts';
import { ProbeResources, instantiatePattern } from './resources.ts';

/** An action of a service no policy names: only a grant of every action ("*", NotAction) covers it. */
export const ANY_ACTION = 'grantflow-audit-probe:AnyAction';

export type AdminKind = 'full' | 'effective';

export class AccountAnalysis {
  readonly snapshot: AccountSnapshot;
  readonly now: Date;
  readonly probes: ProbeResources;
  readonly principals: Principals;
  /** Who is an administrator, filled by the admin checks before the others run. */
  readonly admins = new Map<string, AdminKind>();
  private readonly built = new Map<string, Principal>();
  private readonly trustSets = new Map<string, CompiledPolicySet>();
  private readonly servicesTrust = new Map<string, RoleEntity[]>();
  private readonly attachedTo = new Map<string, Entity[]>();
  private readonly openBoundaries = new Map<string, boolean>();
  private adminPolicyList: string[] | undefined;
  private readonly memos = new Map<string, unknown>();
  readonly usersByName: ReadonlyMap<string, Entity>;
  readonly groupsByName: ReadonlyMap<string, Entity>;

  constructor(snapshot: AccountSnapshot, now: Date) {
    this.snapshot = snapshot;
    this.now = now;
    this.probes = new ProbeResources({ account: snapshot.accountId, partition: snapshot.partition });
    this.principals = new Principals(snapshot, now);
    this.usersByName = new Map(snapshot.users.map((u) => [u.name, u]));
    this.groupsByName = new Map(snapshot.groups.map((g) => [g.name, g]));
    for (const entity of [...snapshot.users, ...snapshot.groups, ...snapshot.roles]) {
      for (const arn of entity.attached) {
        const list = this.attachedTo.get(arn) ?? [];
        list.push(entity);
        this.attachedTo.set(arn, list);
      }
    }
  }

  get entities(): Entity[] {
    return [...this.snapshot.groups, ...this.snapshot.users, ...this.snapshot.roles];
  }

  principal(entity: Entity): Principal {
    let p = this.built.get(entity.arn);
    if (p === undefined) {
      p = this.principals.build(entity);
      this.built.set(entity.arn, p);
    }
    return p;
  }

  /** Drops compiled sets that are no longer needed, to bound memory on large accounts. */
  release(entity: Entity): void {
    this.built.delete(entity.arn);
  }

  isAdmin(arn: string): boolean {
    return this.admins.has(arn);
  }

  /** Entities a managed policy is attached to. */
  attachments(policyArn: string): readonly Entity[] {
    return this.attachedTo.get(policyArn) ?? [];
  }

  /** Customer managed policies that apply to the principal: its own and, for a user, its groups'. */
  ownCustomerPolicies(entity: Entity): ManagedPolicy[] {
    const owners: Entity[] = [entity];
    if (entity.kind === 'user') {
      for (const g of entity.groups) {
        const group = this.groupsByName.get(g);
        if (group) owners.push(group);
      }
    }
    const out: ManagedPolicy[] = [];
    for (const owner of owners) {
      for (const arn of owner.attached) {
        const p = this.snapshot.policies.get(arn);
        if (p && !p.awsManaged && !out.includes(p)) out.push(p);
      }
    }
    return out;
  }

  /** The groups a user is in (for a group: itself). */
  ownGroups(entity: Entity): Entity[] {
    if (entity.kind === 'group') return [entity];
    if (entity.kind !== 'user') return [];
    return entity.groups.map((g) => this.groupsByName.get(g)).filter((g): g is Entity => g !== undefined);
  }

  /**
   * ARNs of policies that grant everything: AWS's AdministratorAccess, and customer managed
   * policies whose document alone allows every action (computed on first use).
   */
  adminPolicies(): string[] {
    if (this.adminPolicyList === undefined) {
      const list = [`arn:${this.snapshot.partition}:iam::aws:policy/AdministratorAccess`];
      for (const p of this.snapshot.policies.values()) {
        if (p.awsManaged || !p.document?.policy) continue;
        if (this.grantsEverything(p.document.policy)) list.push(p.arn);
      }
      this.adminPolicyList = list;
    }
    return this.adminPolicyList;
  }

  /** Whether a policy on its own allows every action (e.g. a boundary that caps nothing). */
  grantsEverything(policy: Policy): boolean {
    const probeUser = `arn:${this.snapshot.partition}:iam::${this.snapshot.accountId}:user/grantflow-audit-probe`;
    const set = compilePolicySet({ identityPolicies: [policy] });
    const prober = new Prober(set, (t, i) => (t === IDENTITY_TYPE && i === 0 ? policy : undefined), {
      principal: probeUser,
      fixed: fixedContext(undefined, this.now),
    });
    return prober.find(ANY_ACTION, '*') !== undefined;
  }

  /** Whether the principal's boundary (if any) lets everything through. */
  boundaryIsOpen(principal: Principal): boolean {
    const b = principal.boundary;
    if (b === undefined) return principal.unreadable.every((u) => !u.boundary);
    const key = b.arn ?? b.name;
    let open = this.openBoundaries.get(key);
    if (open === undefined) {
      open = this.grantsEverything(b.document.policy!);
      this.openBoundaries.set(key, open);
    }
    return open;
  }

  /** The role's trust policy as the only policy of a set, to ask who may assume the role. */
  trustProber(role: RoleEntity, principal: string): Prober | undefined {
    const policy = role.trust.policy;
    if (!policy) return undefined;
    let set = this.trustSets.get(role.arn);
    if (set === undefined) {
      set = compilePolicySet({ resourcePolicy: policy });
      this.trustSets.set(role.arn, set);
    }
    return new Prober(
      set,
      (t) => (t === RESOURCE_TYPE ? policy : undefined),
      { principal, fixed: fixedContext(undefined, this.now) },
      [RESOURCE_TYPE],
    );
  }

  /** Roles whose trust policy lets a service principal assume them. */
  rolesTrustedBy(service: string): RoleEntity[] {
    let roles = this.servicesTrust.get(service);
    if (roles === undefined) {
      roles = this.snapshot.roles.filter(
        (r) => this.trustProber(r, service)?.find('sts:AssumeRole', r.arn) !== undefined,
      );
      this.servicesTrust.set(service, roles);
    }
    return roles;
  }

  /** Admins first, keeping the input order otherwise. */
  adminsFirst<T extends { readonly arn: string }>(items: readonly T[]): T[] {
    return [...items.filter((i) => this.isAdmin(i.arn)), ...items.filter((i) => !this.isAdmin(i.arn))];
  }

  /**
   * A list computed once, on first use. The escalation checks rank targets by who is an
   * administrator, so their lists are built after the administrators are known.
   */
  memo<T>(key: string, build: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, build());
    return this.memos.get(key) as T;
  }

  /**
   * The first of the candidate resources the principal may use the action on (admins are tried
   * first by the caller's ordering). Candidates no Allow statement's Resource could match are
   * skipped before asking the engine, which makes scanning thousands of users or roles cheap.
   */
  firstAllowed(
    prober: Prober,
    action: string,
    candidates: readonly string[],
    choices: Readonly<Record<string, readonly ContextScalar[]>> = {},
  ): Grant | undefined {
    if (candidates.length === 0 || !prober.mayAllow(action)) return undefined;
    // When every statement about the action says Resource "*", one answer holds for all candidates.
    if (prober.resourceIndependent(action)) return prober.find(action, candidates[0]!, choices);
    const patterns = this.resourcePatterns(prober, action);
    for (const arn of candidates) {
      if (patterns !== undefined && !patterns.some((p) => matchesWildcard(p, arn))) continue;
      const grant = prober.find(action, arn, choices);
      if (grant) return grant;
    }
    return undefined;
  }

  /**
   * Resource patterns of the Allow statements covering the action, with the principal's own
   * variables filled in; undefined when one is open-ended (NotResource, a variable the request
   * chooses). A pattern with a variable the principal does not have matches nothing, as in IAM.
   */
  private resourcePatterns(prober: Prober, action: string): string[] | undefined {
    const out: string[] = [];
    let open = false;
    const value = (key: string) => {
      const v = prober.fixedValue(key);
      if (v === undefined && !prober.isFixed(key.toLowerCase())) open = true;
      return v;
    };
    for (const c of prober.allowStatements(action)) {
      if (!c.statement.resource) return undefined;
      for (const v of c.statement.resource.values) {
        const text = substituteVariables(v.value, value);
        if (open) return undefined;
        if (text !== undefined) out.push(text);
      }
    }
    return out;
  }

  /**
   * A grant of the action on "any resource of its kind": the probe resources (all of them when the
   * action needs several), or else a concrete instance of one of the principal's own Resource
   * patterns when `ownPatterns` is set (for actions on resources the snapshot does not list).
   */
  anyResource(
    prober: Prober,
    action: string,
    options: {
      readonly ownPatterns?: boolean;
      readonly choices?: Readonly<Record<string, readonly ContextScalar[]>>;
    } = {},
  ): Grant | undefined {
    if (!prober.mayAllow(action)) return undefined;
    const probe = this.probes.for(action);
    let first: Grant | undefined;
    let every = true;
    for (const arn of probe.arns) {
      const grant = prober.find(action, arn, options.choices);
      if (grant) {
        first ??= grant;
        if (!probe.all) return grant;
      } else every = false;
    }
    if (every && first) return first;
    if (!options.ownPatterns) return undefined;
    const scope = { account: this.snapshot.accountId, partition: this.snapshot.partition };
    const tried = new Set(probe.arns);
    for (const c of prober.allowStatements(action)) {
      for (const v of c.statement.resource?.values ?? []) {
        const arn = instantiatePattern(v.value, scope);
        if (tried.has(arn)) continue;
        tried.add(arn);
        const grant = prober.find(action, arn, options.choices);
        if (grant) return grant;
      }
    }
    return undefined;
  }
}
