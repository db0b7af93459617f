// The /v1 HTTP API over the lifecycle service on the embedded IAM: every route's success and error
// answers, bearer-token authentication and roles, and the OpenAPI document matching the routes.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ROUTES, hashToken, parseTokenTable, startApiServer } from '../src/server/index.ts';
import type { ApiServer } from '../src/server/index.ts';
import { verifyAuditLog } from '../src/store/index.ts';
import type { LifecycleOptions } from '../src/workflow/lifecycle/index.ts';
import { attachedPolicies, grantflowPolicies, harness, seedRequest } from './lifecycle-helpers.ts';
import type { Harness } from './lifecycle-helpers.ts';

const KIM = 'arn:aws:iam::123456789012:user/dev-kim';
const LEE = 'arn:aws:iam::123456789012:user/ops-lee';
const PARK = 'arn:aws:iam::123456789012:user/dev-park';
const TOKENS = {
  kim: 'tok-kim-requester',
  lee: 'tok-lee-approver',
  park: 'tok-park-requester',
  admin: 'tok-admin',
  leeBoth: 'tok-lee-requester-and-approver',
};
const tokenTable = () =>
  parseTokenTable(
    JSON.stringify({
      [hashToken(TOKENS.kim)]: { identity: KIM, roles: ['requester'] },
      [hashToken(TOKENS.lee)]: { identity: LEE, roles: ['approver'] },
      [hashToken(TOKENS.park)]: { identity: PARK, roles: ['requester'] },
      [hashToken(TOKENS.leeBoth)]: { identity: LEE, roles: ['requester', 'approver'] },
      [hashToken(TOKENS.admin)]: { identity: 'arn:aws:iam::123456789012:user/root-ops', roles: ['admin'] },
    }),
    'test tokens',
  );

/** Guardrails that let only List and Read through without an approval: the seed's request then needs one. */
const STRICT: Partial<LifecycleOptions> = { guard: { autoGrantLevels: ['List', 'Read'] } };

let h: Harness | undefined;
let api: ApiServer | undefined;
let logged: string[] = [];
afterEach(async () => {
  await api?.close();
  await h?.close();
  api = h = undefined;
});

async function setup(options: Partial<LifecycleOptions> = {}, start = true) {
  h = await harness({ approvers: [LEE], ...options });
  await h.backend.createUser({ UserName: 'dev-park' });
  if (start) h.service.start();
  logged = [];
  api = await startApiServer({ service: h.service, tokens: tokenTable(), log: (l) => logged.push(l) });
  return { h, api };
}

interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${api!.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function until(path: string, token: string, ok: (body: Answer['body']) => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await call('GET', path, { token });
    if (r.status === 200 && ok(r.body)) return r.body;
    if (Date.now() > end) throw new Error(`timed out; last answer ${JSON.stringify(r.body)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function expectError(r: Answer, status: number, code: string, field?: string) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.body.error.code).toBe(code);
  expect(typeof r.body.error.message).toBe('string');
  if (field !== undefined) expect(r.body.error.field).toBe(field);
}

describe('POST /v1/requests and GET /v1/requests/{id}', () => {
  it('a requester asks for itself; the grant is attached, then revoked at expiry with its history', async () => {
    await setup();
    const created = await call('POST', '/v1/requests', { token: TOKENS.kim, body: seedRequest(2) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^req-/), message: expect.any(String) });
    expect(created.body).toHaveProperty('status');
    expect(created.body).toHaveProperty('outcome');
    const id = created.body.id as string;

    const active = await until(`/v1/requests/${id}`, TOKENS.kim, (b) => b.status === 'active');
    expect(active.outcome).toBe('grant');
    expect(active.requester).toBe(KIM);
    expect(active.policy.arn).toMatch(/:policy\/grantflow\/grantflow-req-/);
    expect(active.policy.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(active.policy.document).Statement.length).toBeGreaterThan(0);
    expect(Date.parse(active.expiresAt)).toBeGreaterThan(Date.now() - 5_000);
    expect(await attachedPolicies(h!.backend)).toEqual([active.policy.arn]);

    const done = await until(`/v1/requests/${id}`, TOKENS.kim, (b) => b.terminal);
    expect(done.status).toBe('revoked');
    expect(done.history[0]).toMatchObject({ type: 'ExecutionStarted', timestamp: expect.any(String) });
    expect(done.history.at(-1).type).toBe('ExecutionSucceeded');
    const states = done.history.map((e: { stateName?: string }) => e.stateName);
    expect(states).toContain('HoldUntilExpiry');
    for (const e of done.history)
      expect(Object.keys(e).sort()).toEqual(
        e.stateName === undefined ? ['timestamp', 'type'] : ['stateName', 'timestamp', 'type'],
      );
    expect(await grantflowPolicies(h!.backend)).toEqual([]);
    expect((await verifyAuditLog(h!.store.db)).intact).toBe(true);
  });

  it('invalid input is 400 naming the field, and nothing is recorded', async () => {
    await setup();
    const cases: [unknown, string][] = [
      [{ ...seedRequest(60), target_iam_identity: 'GROUP' }, 'target_iam_identity'],
      [{ ...seedRequest(60), required_attach_time: -5 }, 'required_attach_time'],
      [{ ...seedRequest(60), account_id: 12 }, 'account_id'],
      [{ ...seedRequest(60), extra: true }, 'extra'],
      [[1, 2], '(request)'],
    ];
    for (const [body, field] of cases)
      expectError(
        await call('POST', '/v1/requests', { token: TOKENS.admin, body }),
        400,
        'invalid_input',
        field,
      );
    expectError(
      await call('POST', '/v1/requests', {
        token: TOKENS.kim,
        raw: '{"requested_task": ',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid_json',
    );
    expectError(await call('POST', '/v1/requests', { token: TOKENS.kim }), 400, 'invalid_input', '(body)');
    expect(await h!.store.db.selectFrom('access_requests').selectAll().execute()).toEqual([]);
  });

  it('415 for a body that is not JSON, 413 over 64 KiB', async () => {
    await setup();
    expectError(
      await call('POST', '/v1/requests', {
        token: TOKENS.kim,
        raw: 'task=x',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'unsupported_media_type',
    );
    const huge = { ...seedRequest(60), requested_task: 'x'.repeat(70 * 1024) };
    expectError(
      await call('POST', '/v1/requests', { token: TOKENS.kim, body: huge }),
      413,
      'payload_too_large',
    );
    // Streamed without a Content-Length: still cut off at the limit.
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        controller.close();
      },
    });
    const res = await fetch(`${api!.url}/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.kim}`, 'content-type': 'application/json' },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(await h!.store.db.selectFrom('access_requests').selectAll().execute()).toEqual([]);
  });

  it('a requester may not ask for another identity; an admin may', async () => {
    await setup({}, false);
    const forOther = { ...seedRequest(60), target_iam_identity_arn: PARK };
    expectError(
      await call('POST', '/v1/requests', { token: TOKENS.kim, body: forOther }),
      403,
      'forbidden',
      'target_iam_identity_arn',
    );
    expectError(
      await call('POST', '/v1/requests', { token: TOKENS.lee, body: seedRequest(60) }),
      403,
      'forbidden',
    );
    const byAdmin = await call('POST', '/v1/requests', { token: TOKENS.admin, body: forOther });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body.status).toBe('received');
    expect((await h!.service.getRequest(byAdmin.body.id)).request.target_iam_identity_arn).toBe(PARK);
  });

  it('GET: 404 for an unknown id, 403 for another requester, visible to approvers and admins', async () => {
    await setup({}, false);
    const { body } = await call('POST', '/v1/requests', { token: TOKENS.kim, body: seedRequest(60) });
    expectError(await call('GET', '/v1/requests/req-nope', { token: TOKENS.kim }), 404, 'not_found');
    expectError(await call('GET', `/v1/requests/${body.id}`, { token: TOKENS.park }), 403, 'forbidden');
    for (const token of [TOKENS.kim, TOKENS.lee, TOKENS.admin]) {
      const r = await call('GET', `/v1/requests/${body.id}`, { token });
      expect(r.status).toBe(200);
      expect(r.body.id).toBe(body.id);
      expect(Array.isArray(r.body.history)).toBe(true);
    }
  });
});

describe('authentication', () => {
  it('401 without a token, with a malformed header or an unknown token; the token never reaches the log', async () => {
    await setup({}, false);
    for (const headers of [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer not-a-token' },
    ] as Record<string, string>[]) {
      const r = await call('GET', '/v1/grants', { headers });
      expectError(r, 401, 'unauthorized');
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expectError(
      await call('POST', '/v1/requests', { token: 'wrong', body: seedRequest(60) }),
      401,
      'unauthorized',
    );
    expect(JSON.stringify(logged)).not.toContain('not-a-token');
    // The document is public.
    expect((await call('GET', '/v1/openapi.json')).status).toBe(200);
  });

  it('token configuration is checked: hashes, identities and roles', () => {
    const bad: [string, RegExp][] = [
      ['[]', /JSON object/],
      ['{"abc": {"identity": "x", "roles": ["admin"]}}', /64 hex digits/],
      [`{"${'a'.repeat(64)}": {"identity": "", "roles": ["admin"]}}`, /identity/],
      [`{"${'a'.repeat(64)}": {"identity": "x", "roles": ["root"]}}`, /"root" is not a role/],
      [`{"${'a'.repeat(64)}": {"identity": "x", "roles": []}}`, /non-empty array/],
      [`{"${'a'.repeat(64)}": {"identity": "x", "roles": ["admin"], "extra": 1}}`, /extra: unknown field/],
      ['{', /not valid JSON/],
    ];
    for (const [text, message] of bad) expect(() => parseTokenTable(text, 'T')).toThrow(message);
    const table = tokenTable();
    expect(table.size).toBe(5);
    expect(table.lookup(TOKENS.lee)).toEqual({ identity: LEE, roles: ['approver'] });
    expect(table.lookup('tok-lee-approve')).toBeUndefined();
  });
});

describe('approvals through the API', () => {
  async function pending() {
    await setup(STRICT);
    const { body } = await call('POST', '/v1/requests', { token: TOKENS.kim, body: seedRequest(3600) });
    const view = await until(`/v1/requests/${body.id}`, TOKENS.kim, (b) => b.status === 'pending_approval');
    return view as { id: string; policy: { sha256: string } };
  }

  it('approve: approver role needed, bound to the hash, no self-approval; then revoke by the requester', async () => {
    const view = await pending();
    const path = `/v1/requests/${view.id}`;
    expectError(await call('POST', `${path}/approve`, { token: TOKENS.kim }), 403, 'forbidden');
    expectError(await call('POST', `${path}/approve`, { token: TOKENS.admin }), 403, 'forbidden');
    expectError(
      await call('POST', `${path}/approve`, { token: TOKENS.lee, body: { policyHash: 'f'.repeat(64) } }),
      409,
      'policy_changed',
    );
    expectError(
      await call('POST', `${path}/approve`, { token: TOKENS.lee, body: { hash: 'x' } }),
      400,
      'invalid_input',
      'hash',
    );
    expectError(
      await call('POST', `${path}/approve`, { token: TOKENS.lee, body: { policyHash: 7 } }),
      400,
      'invalid_input',
      'policyHash',
    );
    expectError(await call('POST', '/v1/requests/req-nope/approve', { token: TOKENS.lee }), 404, 'not_found');
    expect(await grantflowPolicies(h!.backend)).toEqual([]);

    const ok = await call('POST', `${path}/approve`, {
      token: TOKENS.lee,
      body: { policyHash: view.policy.sha256 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.approvals).toEqual([expect.objectContaining({ approver: LEE, decision: 'approve' })]);
    const active = await until(path, TOKENS.kim, (b) => b.status === 'active');
    expect(await attachedPolicies(h!.backend)).toEqual([active.policy.arn]);
    expectError(await call('POST', `${path}/approve`, { token: TOKENS.lee }), 409, 'not_pending');

    // Revoke: not by another requester, nor by an approver; by the requester.
    expectError(await call('POST', `${path}/revoke`, { token: TOKENS.park }), 403, 'forbidden');
    expectError(await call('POST', `${path}/revoke`, { token: TOKENS.lee }), 403, 'forbidden');
    // Seeing a request (as an approver) and holding the requester role is not owning it.
    expectError(await call('POST', `${path}/revoke`, { token: TOKENS.leeBoth }), 403, 'forbidden');
    expect((await call('POST', `${path}/revoke`, { token: TOKENS.kim })).status).toBe(200);
    const done = await until(path, TOKENS.kim, (b) => b.terminal);
    expect(done.status).toBe('revoked');
    expect(await attachedPolicies(h!.backend)).toEqual([]);
    expectError(await call('POST', `${path}/revoke`, { token: TOKENS.kim }), 409, 'not_revocable');
    expectError(
      await call('POST', '/v1/requests/req-nope/revoke', { token: TOKENS.admin }),
      404,
      'not_found',
    );
  });

  it('an approver missing from the configured approvers is refused (403); revoke takes no fields', async () => {
    await setup({ ...STRICT, approvers: ['arn:aws:iam::123456789012:user/someone-else'] });
    const { body } = await call('POST', '/v1/requests', { token: TOKENS.kim, body: seedRequest(3600) });
    await until(`/v1/requests/${body.id}`, TOKENS.kim, (b) => b.status === 'pending_approval');
    expectError(
      await call('POST', `/v1/requests/${body.id}/approve`, { token: TOKENS.lee }),
      403,
      'not_approver',
    );
    expectError(
      await call('POST', `/v1/requests/${body.id}/revoke`, { token: TOKENS.kim, body: { reason: 'done' } }),
      400,
      'invalid_input',
      'reason',
    );
    expect((await call('GET', `/v1/requests/${body.id}`, { token: TOKENS.kim })).body.status).toBe(
      'pending_approval',
    );
  });

  it('self-approval is refused by the service (403)', async () => {
    await setup({ ...STRICT, approvers: [LEE, KIM] });
    const both = parseTokenTable(
      JSON.stringify({ [hashToken('tok-kim-both')]: { identity: KIM, roles: ['requester', 'approver'] } }),
      'T',
    );
    await api!.close();
    api = await startApiServer({ service: h!.service, tokens: both });
    const { body } = await call('POST', '/v1/requests', { token: 'tok-kim-both', body: seedRequest(3600) });
    await until(`/v1/requests/${body.id}`, 'tok-kim-both', (b) => b.status === 'pending_approval');
    expectError(
      await call('POST', `/v1/requests/${body.id}/approve`, { token: 'tok-kim-both' }),
      403,
      'self_approval',
    );
  });

  it('deny with a reason; an admin revokes (withdraws) another pending request', async () => {
    const view = await pending();
    expectError(
      await call('POST', `/v1/requests/${view.id}/deny`, { token: TOKENS.lee, body: { reason: 5 } }),
      400,
      'invalid_input',
      'reason',
    );
    const denied = await call('POST', `/v1/requests/${view.id}/deny`, {
      token: TOKENS.lee,
      body: { reason: 'not this week' },
    });
    expect(denied.status).toBe(200);
    expect(denied.body.approvals[0]).toMatchObject({ decision: 'deny', reason: 'not this week' });
    expect((await until(`/v1/requests/${view.id}`, TOKENS.kim, (b) => b.terminal)).status).toBe('denied');
    expectError(
      await call('POST', `/v1/requests/${view.id}/deny`, { token: TOKENS.lee }),
      409,
      'not_pending',
    );

    const second = await call('POST', '/v1/requests', { token: TOKENS.kim, body: seedRequest(3600) });
    await until(`/v1/requests/${second.body.id}`, TOKENS.kim, (b) => b.status === 'pending_approval');
    expect(
      (await call('POST', `/v1/requests/${second.body.id}/revoke`, { token: TOKENS.admin })).status,
    ).toBe(200);
    expect((await until(`/v1/requests/${second.body.id}`, TOKENS.kim, (b) => b.terminal)).status).toBe(
      'denied',
    );
    expect(await grantflowPolicies(h!.backend)).toEqual([]);
  });
});

describe('POST /v1/requests/{id}/extend', () => {
  it('the requester asks, an approver approves the new policy, both are attached; revoke ends both', async () => {
    await setup();
    const { body } = await call('POST', '/v1/requests', { token: TOKENS.kim, body: seedRequest(3600) });
    const grant = await until(`/v1/requests/${body.id}`, TOKENS.kim, (b) => b.status === 'active');
    const path = `/v1/requests/${grant.id}/extend`;
    expectError(await call('POST', path, { token: TOKENS.park, body: { seconds: 600 } }), 403, 'forbidden');
    expectError(await call('POST', path, { token: TOKENS.lee, body: { seconds: 600 } }), 403, 'forbidden');
    expectError(await call('POST', path, { token: TOKENS.kim }), 400, 'invalid_input', '(body)');
    expectError(
      await call('POST', path, { token: TOKENS.kim, body: { seconds: '600' } }),
      400,
      'invalid_input',
      'seconds',
    );
    expectError(
      await call('POST', path, { token: TOKENS.kim, body: { seconds: 0 } }),
      400,
      'invalid_input',
      'seconds',
    );
    expectError(
      await call('POST', path, { token: TOKENS.kim, body: { seconds: 60, why: 'x' } }),
      400,
      'invalid_input',
      'why',
    );
    expectError(
      await call('POST', '/v1/requests/req-nope/extend', { token: TOKENS.admin, body: { seconds: 60 } }),
      404,
      'not_found',
    );

    const created = await call('POST', path, { token: TOKENS.kim, body: { seconds: 600 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ extendsRequestId: grant.id, requester: KIM });
    expectError(
      await call('POST', path, { token: TOKENS.kim, body: { seconds: 60 } }),
      409,
      'extension_pending',
    );
    const ext = await until(
      `/v1/requests/${created.body.id}`,
      TOKENS.kim,
      (b) => b.status === 'pending_approval',
    );
    expect(Date.parse(ext.expiresAt)).toBe(Date.parse(grant.expiresAt) + 600_000);
    expect(
      (
        await call('POST', `/v1/requests/${ext.id}/approve`, {
          token: TOKENS.lee,
          body: { policyHash: ext.policy.sha256 },
        })
      ).status,
    ).toBe(200);
    const active = await until(`/v1/requests/${ext.id}`, TOKENS.kim, (b) => b.status === 'active');
    expect((await attachedPolicies(h!.backend)).sort()).toEqual([grant.policy.arn, active.policy.arn].sort());

    expect((await call('POST', `/v1/requests/${grant.id}/revoke`, { token: TOKENS.kim })).status).toBe(200);
    expect((await until(`/v1/requests/${ext.id}`, TOKENS.kim, (b) => b.terminal)).status).toBe('revoked');
    expect((await until(`/v1/requests/${grant.id}`, TOKENS.kim, (b) => b.terminal)).status).toBe('revoked');
    expect(await grantflowPolicies(h!.backend)).toEqual([]);
    expectError(
      await call('POST', path, { token: TOKENS.kim, body: { seconds: 60 } }),
      409,
      'not_extendable',
    );
  });
});

describe('GET /v1/grants', () => {
  it('active filter, requesters see their own, approvers all; bad filter is 400', async () => {
    await setup();
    const kim = await call('POST', '/v1/requests', { token: TOKENS.kim, body: seedRequest(60) });
    const park = await call('POST', '/v1/requests', {
      token: TOKENS.park,
      body: { ...seedRequest(60), target_iam_identity_arn: PARK },
    });
    await until(`/v1/requests/${kim.body.id}`, TOKENS.kim, (b) => b.status === 'active');
    await until(`/v1/requests/${park.body.id}`, TOKENS.park, (b) => b.status === 'active');
    const ids = (r: Answer) => r.body.grants.map((g: { id: string }) => g.id).sort();
    expect(ids(await call('GET', '/v1/grants?active=true', { token: TOKENS.kim }))).toEqual([kim.body.id]);
    expect(ids(await call('GET', '/v1/grants?active=true', { token: TOKENS.lee }))).toEqual(
      [kim.body.id, park.body.id].sort(),
    );
    await call('POST', `/v1/requests/${kim.body.id}/revoke`, { token: TOKENS.kim });
    await until(`/v1/requests/${kim.body.id}`, TOKENS.kim, (b) => b.terminal);
    expect(ids(await call('GET', '/v1/grants?active=true', { token: TOKENS.admin }))).toEqual([park.body.id]);
    expect(ids(await call('GET', '/v1/grants', { token: TOKENS.admin }))).toEqual(
      [kim.body.id, park.body.id].sort(),
    );
    expectError(
      await call('GET', '/v1/grants?active=yes', { token: TOKENS.kim }),
      400,
      'invalid_input',
      'active',
    );
  });

  it('pages newest first with limit and before; a requester pages through its own only', async () => {
    await setup();
    const made: string[] = [];
    for (let i = 0; i < 3; i++)
      made.push((await call('POST', '/v1/requests', { token: TOKENS.kim, body: seedRequest(3600) })).body.id);
    // Park's is the newest, and must not take a place in Kim's pages.
    const parks = await call('POST', '/v1/requests', {
      token: TOKENS.park,
      body: { ...seedRequest(3600), target_iam_identity_arn: PARK },
    });
    const ids = (r: Answer) => r.body.grants.map((g: { id: string }) => g.id);
    const first = await call('GET', '/v1/grants?limit=2', { token: TOKENS.kim });
    expect(ids(first)).toEqual([made[2], made[1]]);
    expect(first.body.next).toBe(made[1]);
    const second = await call('GET', `/v1/grants?limit=2&before=${first.body.next}`, { token: TOKENS.kim });
    expect(ids(second)).toEqual([made[0]]);
    expect(second.body.next).toBeNull();
    const all = await call('GET', '/v1/grants?limit=500', { token: TOKENS.admin });
    expect(ids(all)).toEqual([parks.body.id, ...[...made].reverse()]);
    for (const bad of ['0', '501', 'ten', '-1'])
      expectError(
        await call('GET', `/v1/grants?limit=${bad}`, { token: TOKENS.kim }),
        400,
        'invalid_input',
        'limit',
      );
    expectError(
      await call('GET', '/v1/grants?before=req-nope', { token: TOKENS.admin }),
      400,
      'invalid_input',
      'before',
    );
    // Someone else's request is no cursor for a requester.
    expectError(
      await call('GET', `/v1/grants?before=${parks.body.id}`, { token: TOKENS.kim }),
      400,
      'invalid_input',
      'before',
    );
    for (const id of [...made, parks.body.id])
      await call('POST', `/v1/requests/${id}/revoke`, { token: TOKENS.admin });
  });
});

describe('routing and failures', () => {
  it('404 for unknown paths, 405 with Allow for a wrong method', async () => {
    await setup({}, false);
    expectError(await call('GET', '/v1/nothing', { token: TOKENS.kim }), 404, 'not_found');
    expectError(await call('GET', '/v2/grants', { token: TOKENS.kim }), 404, 'not_found');
    const r = await call('DELETE', '/v1/grants', { token: TOKENS.kim });
    expectError(r, 405, 'method_not_allowed');
    expect(r.headers.get('allow')).toBe('GET');
  });

  it('500 as JSON when the service fails, with the cause in the log only', async () => {
    await setup({}, false);
    const service = h!.service;
    const original = service.listGrants.bind(service);
    service.listGrants = async () => {
      throw new Error('database went away');
    };
    try {
      const r = await call('GET', '/v1/grants', { token: TOKENS.admin });
      expectError(r, 500, 'internal');
      expect(JSON.stringify(r.body)).not.toContain('database went away');
      expect(logged.join('\n')).toContain('database went away');
    } finally {
      service.listGrants = original;
    }
  });

  it('binds 127.0.0.1 by default', async () => {
    await setup({}, false);
    expect(api!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('the OpenAPI document', () => {
  it('is served, equals src/server/openapi.json, and lists exactly the routes the server answers', async () => {
    await setup({}, false);
    const served = await call('GET', '/v1/openapi.json');
    const file = JSON.parse(readFileSync(new URL('../src/server/openapi.json', import.meta.url), 'utf8'));
    expect(served.body).toEqual(file);
    expect(file.openapi).toBe('3.1.0');
    const documented = Object.entries(file.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const routed = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(routed);
    // Each documented operation is answered (not 404/405) by the running server.
    for (const key of documented) {
      const [method, path] = key.split(' ') as [string, string];
      const r = await call(method, path.replace('{id}', 'req-nope'), { token: TOKENS.admin });
      expect(r.status).not.toBe(405);
      if (r.status === 404) expect(r.body.error.message).not.toMatch(/no such resource/);
    }
    // An undocumented path is not answered.
    expect((await call('GET', '/v1/requests', { token: TOKENS.admin })).status).toBe(405);
    // Every $ref resolves, and each operation's roles match the route's.
    const text = JSON.stringify(file);
    for (const m of text.matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g))
      expect(file.components[m[1]!][m[2]!], m[0]).toBeDefined();
    for (const route of ROUTES) {
      const op = file.paths[route.path][route.method.toLowerCase()];
      if (route.roles) {
        expect(op.security).toEqual([{ bearer: [] }]);
        expect(op.description).toContain(`Roles: ${route.roles.join(', ')}.`);
      } else expect(op.security).toEqual([]);
    }
  });
});
