// Who is calling, and whether a Principal/NotPrincipal element names them.
//
// Principal values match exactly (IAM allows no partial wildcards there), after normalizing each to
// an identity key: an account id and `arn:…:iam::ACCOUNT:root` both mean the account; a role ARN
// means every session of the role, so it is keyed by partition, account and role name (a session
// ARN carries no path); user, session and federated-user ARNs stand for themselves. A caller has a
// short list of such keys, strongest first, and how strongly a statement names the caller decides
// what a same-account resource policy can grant on its own (see decide.ts).
import { parseArn } from '../policy/index.ts';
import type { PrincipalElement } from '../policy/index.ts';
import { RequestError } from './errors.ts';
import { PRINCIPAL_KINDS } from './types.ts';
import type { PrincipalKind } from './types.ts';

/** How a Principal element named the caller. */
export const NOT_NAMED = 0;
/** By its account: a delegation to the account's own identity policies. */
export const BY_ACCOUNT = 1;
/** By the role of the session, or the IAM user who federated: limited by boundaries and session policies. */
export const BY_ROLE = 2;
/** By the caller itself (user, session, federated user, service), or by a wildcard. */
export const DIRECTLY = 3;

export interface Caller {
  readonly kind: PrincipalKind;
  readonly principal: string;
  readonly partition: string | undefined;
  readonly account: string | undefined;
  /** An IAM identity of an account: user, role, role session, federated user or root. */
  readonly isAwsAccountPrincipal: boolean;
  /** A role session or federated user session, to which session policies apply. */
  readonly isSession: boolean;
  /** A service-linked role session: SCPs and RCPs do not apply to it. */
  readonly isServiceLinkedRole: boolean;
  readonly identityKeys: readonly string[];
  readonly identityStrengths: readonly number[];
  /** Values of context keys derived from the principal. */
  readonly principalArn: string | undefined;
  readonly principalType: string | undefined;
  readonly username: string | undefined;
  readonly serviceName: string | undefined;
}

const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/i;
const ACCOUNT_ID = /^\d{12}$/;

function inferKind(principal: string): PrincipalKind | undefined {
  if (principal === '*' || principal.toLowerCase() === 'anonymous') return 'anonymous';
  if (ACCOUNT_ID.test(principal)) return 'root';
  const arn = parseArn(principal);
  if (!arn) return SERVICE_PRINCIPAL.test(principal) ? 'service' : undefined;
  if (arn.service === 'iam') {
    if (arn.resource === 'root') return 'root';
    if (arn.resource.startsWith('user/')) return 'user';
    if (arn.resource.startsWith('role/')) return 'role';
    if (arn.resource.startsWith('saml-provider/') || arn.resource.startsWith('oidc-provider/')) {
      return 'identity-provider';
    }
  }
  if (arn.service === 'sts') {
    if (arn.resource.startsWith('assumed-role/')) return 'role-session';
    if (arn.resource.startsWith('federated-user/')) return 'federated-user';
  }
  return undefined;
}

/** The ARN shape each kind needs, to reject e.g. a role ARN passed as a user. */
const ARN_SHAPES: Partial<Record<PrincipalKind, [service: string, resourcePrefix: string, example: string]>> =
  {
    user: ['iam', 'user/', 'arn:aws:iam::111122223333:user/name'],
    role: ['iam', 'role/', 'arn:aws:iam::111122223333:role/name'],
    'role-session': ['sts', 'assumed-role/', 'arn:aws:sts::111122223333:assumed-role/role-name/session-name'],
    'federated-user': ['sts', 'federated-user/', 'arn:aws:sts::111122223333:federated-user/name'],
  };

function lastSegment(text: string): string {
  return text.slice(text.lastIndexOf('/') + 1);
}

function roleKey(partition: string, account: string, name: string): string {
  return `role:${partition}:${account}:${name}`;
}

function buildCaller(principal: string, kind: PrincipalKind, sessionIssuer: string | undefined): Caller {
  const keys: string[] = [];
  const strengths: number[] = [];
  const add = (key: string, strength: number) => {
    keys.push(key);
    strengths.push(strength);
  };
  const base = {
    kind,
    principal,
    partition: undefined as string | undefined,
    account: undefined as string | undefined,
    isAwsAccountPrincipal: false,
    isSession: false,
    isServiceLinkedRole: false,
    identityKeys: keys,
    identityStrengths: strengths,
    principalArn: undefined as string | undefined,
    principalType: undefined as string | undefined,
    username: undefined as string | undefined,
    serviceName: undefined as string | undefined,
  };
  if (kind === 'anonymous') return { ...base, principalType: 'Anonymous' };
  if (kind === 'service') {
    add(`service:${principal.toLowerCase()}`, DIRECTLY);
    return { ...base, serviceName: principal };
  }
  if (kind === 'identity-provider') {
    add(`federated:${principal}`, DIRECTLY);
    return base;
  }
  if (kind === 'root') {
    const account = ACCOUNT_ID.test(principal) ? principal : parseArn(principal)?.account;
    const partition = ACCOUNT_ID.test(principal) ? 'aws' : parseArn(principal)?.partition;
    if (!account || !ACCOUNT_ID.test(account)) {
      throw new RequestError('principal', `"${principal}" is not an account id or arn:aws:iam::ACCOUNT:root`);
    }
    add(`account:${account}`, BY_ACCOUNT);
    return {
      ...base,
      partition,
      account,
      isAwsAccountPrincipal: true,
      principalArn: `arn:${partition}:iam::${account}:root`,
      principalType: 'Account',
    };
  }
  const shape = ARN_SHAPES[kind]!;
  const arn = parseArn(principal);
  if (!arn || arn.service !== shape[0] || !arn.resource.startsWith(shape[1])) {
    throw new RequestError(
      'principal',
      `"${principal}" is not a ${kind} ARN (expected the form ${shape[2]})`,
    );
  }
  if (!ACCOUNT_ID.test(arn.account)) {
    throw new RequestError('principal', `"${principal}" does not carry a 12-digit account id`);
  }
  const common = {
    ...base,
    partition: arn.partition,
    account: arn.account,
    isAwsAccountPrincipal: true,
  };
  const accountKey = `account:${arn.account}`;
  switch (kind) {
    case 'user':
      add(`arn:${principal}`, DIRECTLY);
      add(accountKey, BY_ACCOUNT);
      return {
        ...common,
        principalArn: principal,
        principalType: 'User',
        username: lastSegment(arn.resource),
      };
    case 'role':
    case 'role-session': {
      // assumed-role/ROLE/SESSION for sessions; role/PATH/ROLE for roles.
      const roleName =
        kind === 'role'
          ? lastSegment(arn.resource)
          : arn.resource.slice('assumed-role/'.length).split('/')[0]!;
      const roleArn =
        kind === 'role'
          ? principal
          : (sessionIssuer ?? `arn:${arn.partition}:iam::${arn.account}:role/${roleName}`);
      if (kind === 'role-session') add(`arn:${principal}`, DIRECTLY);
      add(roleKey(arn.partition, arn.account, roleName), BY_ROLE);
      add(accountKey, BY_ACCOUNT);
      return {
        ...common,
        isSession: true,
        isServiceLinkedRole:
          roleArn.includes(':role/aws-service-role/') || roleName.startsWith('AWSServiceRoleFor'),
        principalArn: roleArn,
        principalType: 'AssumedRole',
      };
    }
    default: {
      add(`arn:${principal}`, DIRECTLY);
      if (sessionIssuer) add(`arn:${sessionIssuer}`, BY_ROLE);
      add(accountKey, BY_ACCOUNT);
      return { ...common, isSession: true, principalArn: principal, principalType: 'FederatedUser' };
    }
  }
}

// Callers repeat across requests (an audit asks about one principal thousands of times), so their
// identity keys are built once: one cache per declared kind, and one for inferred kinds.
const callerCaches = new Map<PrincipalKind | undefined, Map<string, Caller>>();

/** Reads the request's principal; throws RequestError when it cannot be understood. */
export function callerOf(principal: string, kind: PrincipalKind | undefined, sessionIssuer?: string): Caller {
  let cache: Map<string, Caller> | undefined;
  if (sessionIssuer === undefined) {
    cache = callerCaches.get(kind);
    if (cache === undefined) callerCaches.set(kind, (cache = new Map()));
    const hit = cache.get(principal);
    if (hit !== undefined) return hit;
  }
  const resolved = kind ?? inferKind(principal);
  if (resolved === undefined) {
    throw new RequestError(
      'principal',
      `cannot tell what kind of principal "${principal}" is; give principalKind (one of ${PRINCIPAL_KINDS.join(', ')})`,
    );
  }
  const caller = buildCaller(principal, resolved, sessionIssuer);
  if (cache !== undefined) {
    if (cache.size >= 20_000) cache.clear();
    cache.set(principal, caller);
  }
  return caller;
}

/** A compiled Principal or NotPrincipal element. */
export class PrincipalMatcher {
  /** `"Principal": "*"`: everyone, anonymous callers included. */
  readonly everyone: boolean;
  /** `{"AWS": "*"}`: every IAM identity of every account. */
  readonly everyAwsPrincipal: boolean;
  private readonly keys: ReadonlySet<string>;

  constructor(element: PrincipalElement) {
    const keys = new Set<string>();
    let everyAws = false;
    for (const entry of element.entries) {
      for (const { value } of entry.values.values) {
        if (entry.type === 'AWS') {
          if (value === '*') everyAws = true;
          else keys.add(awsPrincipalKey(value));
        } else if (entry.type === 'Service') keys.add(`service:${value.toLowerCase()}`);
        else if (entry.type === 'Federated') keys.add(`federated:${value}`);
        else if (entry.type === 'CanonicalUser') keys.add(`canonical:${value}`);
      }
    }
    this.everyone = element.wildcard?.value === '*';
    this.everyAwsPrincipal = everyAws;
    this.keys = keys;
  }

  /** How strongly the element names the caller (NOT_NAMED when it does not). */
  names(caller: Caller): number {
    if (this.everyone || (this.everyAwsPrincipal && caller.isAwsAccountPrincipal)) return DIRECTLY;
    const keys = caller.identityKeys;
    for (let i = 0; i < keys.length; i++) if (this.keys.has(keys[i]!)) return caller.identityStrengths[i]!;
    return NOT_NAMED;
  }

  /**
   * NotPrincipal leaves the caller out only when it lists every identity the caller has: a session
   * is excluded only if the session, its role and its account are all listed.
   */
  excludes(caller: Caller): boolean {
    if (this.everyone || (this.everyAwsPrincipal && caller.isAwsAccountPrincipal)) return true;
    const keys = caller.identityKeys;
    if (keys.length === 0) return false;
    for (let i = 0; i < keys.length; i++) if (!this.keys.has(keys[i]!)) return false;
    return true;
  }
}

function awsPrincipalKey(value: string): string {
  if (ACCOUNT_ID.test(value)) return `account:${value}`;
  const arn = parseArn(value);
  if (arn?.service === 'iam') {
    if (arn.resource === 'root') return `account:${arn.account}`;
    if (arn.resource.startsWith('role/'))
      return roleKey(arn.partition, arn.account, lastSegment(arn.resource));
  }
  return `arn:${value}`;
}
