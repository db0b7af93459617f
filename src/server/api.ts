// The /v1 HTTP API over the lifecycle service: a table of routes, each with the roles it admits
// and a handler. Who may do what beyond roles (a requester asks only for itself, revokes only its
// own request) is checked here; the service enforces the rest (no self-approval, configured
// approvers, the approval bound to the policy's hash).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_LIMITS, RequestValidationError, parseAccessRequest } from '../generate/request.ts';
import type { RequestLimits } from '../generate/request.ts';
import type { LifecycleService, RequestView } from '../workflow/lifecycle/index.ts';
import { authenticate } from './auth.ts';
import type { Principal, Role, TokenTable } from './auth.ts';
import { ApiError, optionalFields, readJsonBody, sendError, sendJson } from './http.ts';
import openapi from './openapi.json' with { type: 'json' };

export interface ApiOptions {
  readonly service: LifecycleService;
  readonly tokens: TokenTable;
  /** The request limits the service applies (checked here first so errors name the field). */
  readonly limits?: RequestLimits;
  /** Where server errors (5xx) are told; tokens and bodies are never passed to it. */
  readonly log?: (line: string) => void;
}

interface Context {
  readonly req: IncomingMessage;
  readonly principal: Principal;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly options: ApiOptions;
}

interface Route {
  readonly method: 'GET' | 'POST';
  /** An OpenAPI path template, e.g. /v1/requests/{id}. */
  readonly path: string;
  /** Roles admitted (any of them); undefined: no authentication. */
  readonly roles?: readonly Role[];
  readonly handle: (ctx: Context) => Promise<{ status: number; body: unknown }>;
}

const ANY_ROLE: readonly Role[] = ['requester', 'approver', 'admin'];

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/openapi.json', handle: async () => ({ status: 200, body: openapi }) },
  { method: 'POST', path: '/v1/requests', roles: ['requester', 'admin'], handle: createRequest },
  { method: 'GET', path: '/v1/requests/{id}', roles: ANY_ROLE, handle: getRequest },
  { method: 'POST', path: '/v1/requests/{id}/approve', roles: ['approver'], handle: approve },
  { method: 'POST', path: '/v1/requests/{id}/deny', roles: ['approver'], handle: deny },
  { method: 'POST', path: '/v1/requests/{id}/revoke', roles: ['requester', 'admin'], handle: revoke },
  { method: 'POST', path: '/v1/requests/{id}/extend', roles: ['requester', 'admin'], handle: extend },
  { method: 'GET', path: '/v1/grants', roles: ANY_ROLE, handle: listGrants },
];

const has = (p: Principal, role: Role) => p.roles.includes(role);

// ── handlers ──────────────────────────────────────────────────────────────────────────────

async function createRequest({ req, principal, options }: Context) {
  const body = await readJsonBody(req);
  if (body === undefined)
    throw new ApiError(400, 'invalid_input', 'the body must be the access request as JSON', {
      field: '(body)',
    });
  let arn: string;
  try {
    arn = parseAccessRequest(body, options.limits ?? DEFAULT_LIMITS).target_iam_identity_arn;
  } catch (err) {
    if (!(err instanceof RequestValidationError)) throw err;
    throw new ApiError(400, 'invalid_input', err.message, { field: err.problems[0]?.field ?? '(body)' });
  }
  if (arn !== principal.identity && !has(principal, 'admin'))
    throw new ApiError(
      403,
      'forbidden',
      `${principal.identity} may request access only for itself, not for ${arn}`,
      { field: 'target_iam_identity_arn' },
    );
  const view = await lifecycle(() => options.service.submitRequest(body, principal.identity));
  return {
    status: 201,
    body: {
      id: view.id,
      status: view.status,
      outcome: view.outcome,
      ...(view.policyDocument ? { policy: policyOf(view) } : {}),
      ...(view.expiresAt ? { expiresAt: view.expiresAt } : {}),
      message: statusMessage(view),
    },
  };
}

async function getRequest(ctx: Context) {
  const view = await visibleRequest(ctx);
  const history = view.execution ? await ctx.options.service.history(view.id) : [];
  return { status: 200, body: { ...requestBody(view), history } };
}

async function approve({ req, principal, params, options }: Context) {
  const { policyHash } = optionalFields(await readJsonBody(req), { policyHash: 64 });
  const view = await lifecycle(() =>
    options.service.approve(params.id!, principal.identity, policyHash !== undefined ? { policyHash } : {}),
  );
  return { status: 200, body: requestBody(view) };
}

async function deny({ req, principal, params, options }: Context) {
  const { reason } = optionalFields(await readJsonBody(req), { reason: 1000 });
  const view = await lifecycle(() => options.service.deny(params.id!, principal.identity, reason));
  return { status: 200, body: requestBody(view) };
}

async function revoke(ctx: Context) {
  optionalFields(await readJsonBody(ctx.req), {});
  const current = await visibleRequest(ctx);
  if (current.requester !== ctx.principal.identity && !has(ctx.principal, 'admin'))
    throw new ApiError(403, 'forbidden', 'only the requester of this request or an admin may revoke it');
  const view = await lifecycle(() => ctx.options.service.revoke(current.id, ctx.principal.identity));
  return { status: 200, body: requestBody(view) };
}

async function extend(ctx: Context) {
  const body = await readJsonBody(ctx.req);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'invalid_input', 'the body must be a JSON object with "seconds"', {
      field: '(body)',
    });
  for (const key of Object.keys(body))
    if (key !== 'seconds')
      throw new ApiError(400, 'invalid_input', 'unknown field; this operation takes seconds', { field: key });
  const { seconds } = body as { seconds?: unknown };
  if (typeof seconds !== 'number')
    throw new ApiError(400, 'invalid_input', 'must be a whole number of seconds', { field: 'seconds' });
  const current = await visibleRequest(ctx);
  if (current.requester !== ctx.principal.identity && !has(ctx.principal, 'admin'))
    throw new ApiError(403, 'forbidden', 'only the requester of this grant or an admin may extend it');
  const view = await lifecycle(() => ctx.options.service.extend(current.id, ctx.principal.identity, seconds));
  return { status: 201, body: requestBody(view) };
}

const MAX_PAGE = 500;
const DEFAULT_PAGE = 100;

async function listGrants({ principal, query, options }: Context) {
  const active = query.get('active');
  if (active !== null && active !== 'true' && active !== 'false')
    throw new ApiError(400, 'invalid_input', `must be true or false (got ${JSON.stringify(active)})`, {
      field: 'active',
    });
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE : /^\d+$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE))
    throw new ApiError(400, 'invalid_input', `must be a whole number from 1 to ${MAX_PAGE}`, {
      field: 'limit',
    });
  const before = query.get('before') ?? undefined;
  // Requesters see their own requests; approvers and admins see everyone's.
  const seesAll = has(principal, 'approver') || has(principal, 'admin');
  if (before !== undefined) {
    // The cursor is the caller's input: an unknown one (or, for a requester, someone else's) is a 400.
    const cursor = await options.service.getRequest(before).catch(() => undefined);
    if (cursor === undefined || (!seesAll && cursor.requester !== principal.identity))
      throw new ApiError(400, 'invalid_input', `no request ${before} to page after`, { field: 'before' });
  }
  const page = await options.service.listGrants({
    active: active === 'true',
    limit,
    ...(seesAll ? {} : { requester: principal.identity }),
    ...(before !== undefined ? { before } : {}),
  });
  return {
    status: 200,
    body: { grants: page.map(requestBody), next: page.length === limit ? page.at(-1)!.id : null },
  };
}

/** The request, if the caller may see it: its requester, approvers and admins. */
async function visibleRequest({ principal, params, options }: Context): Promise<RequestView> {
  const view = await lifecycle(() => options.service.getRequest(params.id!));
  if (view.requester !== principal.identity && !has(principal, 'approver') && !has(principal, 'admin'))
    throw new ApiError(403, 'forbidden', `${principal.identity} may not see request ${view.id}`);
  return view;
}

// ── shapes ────────────────────────────────────────────────────────────────────────────────

function policyOf(v: RequestView) {
  return { name: v.policyName, arn: v.policyArn, sha256: v.policyHash, document: v.policyDocument };
}

function requestBody(v: RequestView) {
  return {
    id: v.id,
    status: v.status,
    terminal: v.terminal,
    outcome: v.outcome,
    requester: v.requester,
    request: v.request,
    policy: v.policyDocument ? policyOf(v) : null,
    expiresAt: v.expiresAt,
    extendsRequestId: v.extendsRequestId,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    approvals: v.approvals,
    ...(v.execution ? { execution: v.execution } : {}),
    message: statusMessage(v),
  };
}

const STATUS_MESSAGES: Record<string, string> = {
  received: 'The request was received; its policy is being drafted.',
  drafted: 'The policy was drafted and checked.',
  pending_approval: 'The policy needs an approval before it is attached.',
  approved: 'The policy was approved and is being attached.',
  active: 'The policy is attached until it expires.',
  revoking: 'The policy is being detached and deleted.',
  refused: 'The request was refused: the guardrails forbid what it needs.',
  needs_info: 'The request needs more detail before a policy can be drafted.',
  denied: 'The request was denied or withdrawn.',
  expired: 'The request expired before it was approved.',
  revoked: 'The grant ended: the policy was detached and deleted.',
  failed: 'The request failed; nothing is attached.',
  revocation_failed: 'Revoking the policy failed; the reconciler keeps trying and IAM ends it at expiry.',
};

function statusMessage(v: RequestView): string {
  return STATUS_MESSAGES[v.status] ?? `The request is ${v.status}.`;
}

// ── errors ────────────────────────────────────────────────────────────────────────────────

const LIFECYCLE_STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  INVALID_INPUT: 400,
  SELF_APPROVAL: 403,
  NOT_APPROVER: 403,
  NO_APPROVERS: 403,
  NOT_PENDING: 409,
  POLICY_CHANGED: 409,
  ALREADY_DECIDED: 409,
  NOT_REVOCABLE: 409,
  GRANT_EXPIRED: 409,
  NOT_EXTENDABLE: 409,
  EXTENSION_PENDING: 409,
};

/** Runs a service call, turning its LifecycleError into the matching HTTP error. */
async function lifecycle<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string };
    if (e?.name !== 'LifecycleError' || !e.code) throw err;
    const message = e.message ?? e.code;
    // INVALID_INPUT messages read "field: problem".
    const field = e.code === 'INVALID_INPUT' ? /^([\w().-]+):/.exec(message)?.[1] : undefined;
    throw new ApiError(LIFECYCLE_STATUS[e.code] ?? 400, e.code.toLowerCase(), message, {
      ...(field ? { field } : {}),
    });
  }
}

// ── dispatch ──────────────────────────────────────────────────────────────────────────────

function match(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** A node:http request listener serving the API. */
export function createApiHandler(options: ApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const log = options.log ?? (() => {});
  return (req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      log(`${req.method} ${req.url?.split('?')[0]} failed: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendError(res, new ApiError(500, 'internal', 'the server failed; see its log'));
      else res.destroy();
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ApiOptions): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const candidates = ROUTES.flatMap((route) => {
      const params = match(route.path, url.pathname);
      return params ? [{ route, params }] : [];
    });
    if (candidates.length === 0) throw new ApiError(404, 'not_found', `no such resource: ${url.pathname}`);
    const found = candidates.find((c) => c.route.method === req.method);
    if (!found)
      throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`, {
        headers: { allow: candidates.map((c) => c.route.method).join(', ') },
      });
    const { route, params } = found;
    let principal: Principal = { identity: 'anonymous', roles: [] };
    if (route.roles) {
      const auth = authenticate(options.tokens, req.headers.authorization);
      if ('problem' in auth)
        throw new ApiError(401, 'unauthorized', auth.problem, {
          headers: { 'www-authenticate': 'Bearer realm="grantflow"' },
        });
      principal = auth.principal;
      if (!route.roles.some((r) => principal.roles.includes(r)))
        throw new ApiError(
          403,
          'forbidden',
          `${route.method} ${route.path} needs the role ${route.roles.join(' or ')}; ${principal.identity} has ${principal.roles.join(', ')}`,
        );
    }
    const { status, body } = await route.handle({ req, principal, params, query: url.searchParams, options });
    sendJson(res, status, body);
  } catch (err) {
    if (err instanceof ApiError) return sendError(res, err);
    throw err;
  }
}
