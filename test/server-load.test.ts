// 1,000 concurrent access requests through the HTTP API, each for its own user, on the embedded IAM
// with the offline drafter: every one reaches a terminal state, none is lost, none is done twice
// (one CreatePolicy, AttachUserPolicy and DeletePolicy per request), and the audit log verifies.
import { afterAll, describe, expect, it } from 'vitest';
import { listAuditLog, verifyAuditLog } from '../src/store/index.ts';
import { hashToken, parseTokenTable, startApiServer } from '../src/server/index.ts';
import type { ApiServer } from '../src/server/index.ts';
import { grantflowPolicies, harness, seedRequest } from './lifecycle-helpers.ts';
import type { Harness } from './lifecycle-helpers.ts';

const COUNT = 1000;
const ACCOUNT = '123456789012';
const user = (i: number) => `load-${String(i).padStart(4, '0')}`;
const arn = (i: number) => `arn:aws:iam::${ACCOUNT}:user/${user(i)}`;
const token = (i: number) => `load-token-${i}-secret`;

let h: Harness | undefined;
let api: ApiServer | undefined;
afterAll(async () => {
  await api?.close();
  await h?.close();
}, 60_000);

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

describe('the HTTP API under load', () => {
  it(
    `${COUNT} concurrent POST /v1/requests all end, none lost or done twice`,
    { timeout: 240_000 },
    async () => {
      h = await harness({ waitScale: 1, pollIntervalMs: 100 });
      for (let i = 0; i < COUNT; i++) await h.backend.createUser({ UserName: user(i) });
      // Count the IAM calls that must happen exactly once per request.
      const calls = {
        createPolicy: new Map<string, number>(),
        attach: new Map<string, number>(),
        del: new Map<string, number>(),
      };
      const count = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);
      const backend = h.backend;
      const createPolicy = backend.createPolicy.bind(backend);
      const attachUserPolicy = backend.attachUserPolicy.bind(backend);
      const deletePolicy = backend.deletePolicy.bind(backend);
      backend.createPolicy = (input) => (count(calls.createPolicy, input.PolicyName), createPolicy(input));
      backend.attachUserPolicy = (input) => (count(calls.attach, input.PolicyArn), attachUserPolicy(input));
      backend.deletePolicy = (input) => (count(calls.del, input.PolicyArn), deletePolicy(input));

      const table: Record<string, unknown> = {};
      for (let i = 0; i < COUNT; i++) table[hashToken(token(i))] = { identity: arn(i), roles: ['requester'] };
      api = await startApiServer({
        service: h.service,
        tokens: parseTokenTable(JSON.stringify(table), 'load'),
      });
      h.service.start();

      const t0 = performance.now();
      const created = await Promise.all(
        Array.from({ length: COUNT }, async (_, i) => {
          const res = await fetch(`${api!.url}/v1/requests`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token(i)}`, 'content-type': 'application/json' },
            body: JSON.stringify({ ...seedRequest(2), target_iam_identity_arn: arn(i) }),
          });
          if (res.status !== 201) throw new Error(`POST ${i}: ${res.status} ${await res.text()}`);
          return ((await res.json()) as { id: string }).id;
        }),
      );
      const submittedMs = performance.now() - t0;
      expect(new Set(created).size).toBe(COUNT);

      // Poll each request until it is terminal.
      const final = new Map<string, string>();
      const deadline = Date.now() + 200_000;
      while (final.size < COUNT) {
        if (Date.now() > deadline) throw new Error(`only ${final.size} of ${COUNT} requests ended`);
        const open = created.map((id, i) => ({ id, i })).filter(({ id }) => !final.has(id));
        await pool(open, 16, async ({ id, i }) => {
          const res = await fetch(`${api!.url}/v1/requests/${id}`, {
            headers: { authorization: `Bearer ${token(i)}` },
          });
          expect(res.status).toBe(200);
          const body = (await res.json()) as { status: string; terminal: boolean };
          if (body.terminal) final.set(id, body.status);
        });
        if (final.size < COUNT) await new Promise((r) => setTimeout(r, 500));
      }
      const endedMs = performance.now() - t0;
      console.log(
        `[server-load] ${COUNT} requests: all 201 after ${(submittedMs / 1000).toFixed(1)} s, all terminal after ${(endedMs / 1000).toFixed(1)} s`,
      );

      expect([...final.values()].filter((s) => s !== 'revoked')).toEqual([]);
      // Nothing lost: one stored request and one execution per 201.
      const rows = await h.store.db
        .selectFrom('access_requests')
        .select(['id', 'policy_name', 'policy_arn'])
        .execute();
      expect(rows.map((r) => r.id).sort()).toEqual([...created].sort());
      // Nothing done twice: each policy created, attached and deleted once, and none left.
      expect(calls.createPolicy.size).toBe(COUNT);
      expect(calls.attach.size).toBe(COUNT);
      expect(calls.del.size).toBe(COUNT);
      for (const m of [calls.createPolicy, calls.attach, calls.del])
        expect([...m.values()].every((n) => n === 1)).toBe(true);
      expect([...calls.createPolicy.keys()].sort()).toEqual(rows.map((r) => r.policy_name).sort());
      expect(await grantflowPolicies(h.backend)).toEqual([]);
      // The audit log: intact, one request.created per request.
      expect((await verifyAuditLog(h.store.db)).intact).toBe(true);
      const createdEvents = (
        await listAuditLog(h.store.db, { type: 'request.created', limit: COUNT * 2 })
      ).map((e) => e.subject);
      expect(createdEvents.sort()).toEqual([...created].sort());
    },
  );
});
