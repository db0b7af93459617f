// Request listings on each store engine: the approvals of every listed request come from one query
// (`request_id IN (…)`), ordered by decision time then approver, and each view equals getRequest's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, createTestDatabase } from './helpers/store-databases.ts';
import type { TestDatabase } from './helpers/store-databases.ts';
import { harness, seedRequest } from './lifecycle-helpers.ts';
import type { Harness } from './lifecycle-helpers.ts';

for (const { engine, skip, title } of ENGINES) {
  describe.skipIf(skip !== undefined)(`request listings on ${title}`, () => {
    let database: TestDatabase;
    let h: Harness;
    beforeAll(async () => {
      database = await createTestDatabase(engine);
      h = await harness(
        { guard: { autoGrantLevels: ['List', 'Read'] }, approvers: ['bob', 'carol'] },
        undefined,
        database.config,
      );
    });
    afterAll(async () => {
      await h?.close();
      await database?.drop();
    });

    it('gives each request its own approvals, newest request first', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await h.service.submitRequest(seedRequest(3600), 'alice');
        await h.service.drive(r.id);
        ids.push(r.id);
      }
      await h.service.deny(ids[1]!, 'carol', 'no');
      await h.service.deny(ids[4]!, 'bob', 'later');
      const listed = await h.service.listGrants();
      expect(listed.map((v) => v.id)).toEqual([...ids].reverse());
      for (const view of listed) expect(view).toEqual(await h.service.getRequest(view.id));
      const denials = listed.filter((v) => v.approvals.length > 0);
      expect(denials.map((v) => [v.id, v.approvals.map((a) => [a.approver, a.reason])])).toEqual([
        [ids[4], [['bob', 'later']]],
        [ids[1], [['carol', 'no']]],
      ]);
    });
  });
}
