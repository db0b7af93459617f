// The hash-chained audit log on every engine (SQLite always; PostgreSQL and MySQL/MariaDB when
// GRANTFLOW_TEST_PG_URL / GRANTFLOW_TEST_MYSQL_URL are set): concurrent appenders in this process
// and in two others never break the chain, and every kind of tampering is caught where it is.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuditLogError,
  appendAuditEvent,
  entryHash,
  listAuditLog,
  openStore,
  verifyAuditLog,
} from '../src/store/index.ts';
import type { AuditEntry, AuditLogRow, Store, StoreTables } from '../src/store/index.ts';
import { ENGINES, createTestDatabase } from './helpers/store-databases.ts';
import type { TestDatabase } from './helpers/store-databases.ts';

const run = promisify(execFile);
const appender = fileURLToPath(new URL('./helpers/audit-appender.ts', import.meta.url));

const databases: TestDatabase[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const database of databases.splice(0)) await database.drop();
});

async function freshStore(engine: TestDatabase['engine']): Promise<{ store: Store; database: TestDatabase }> {
  const database = await createTestDatabase(engine);
  databases.push(database);
  const store = await openStore(database.config);
  stores.push(store);
  return { store, database };
}

/** Five entries, returned as recorded. */
async function fiveEntries(db: Kysely<StoreTables>): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let i = 1; i <= 5; i++) {
    entries.push(
      await appendAuditEvent(db, {
        type: 'request.step',
        actor: i % 2 ? 'alice' : 'grantflow',
        subject: 'req-1',
        details: { step: i, note: '승인 대기' },
        at: new Date(Date.UTC(2025, 0, 1, 0, i)),
      }),
    );
  }
  return entries;
}

const row = (db: Kysely<StoreTables>, seq: number) =>
  db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();

/** Moves a row to another sequence number (seq is the key, so this is delete + insert). */
async function renumber(db: Kysely<StoreTables>, from: number, to: number): Promise<void> {
  const r = await row(db, from);
  await db.deleteFrom('audit_log').where('seq', '=', from).execute();
  await db
    .insertInto('audit_log')
    .values({ ...r, seq: to })
    .execute();
}

for (const target of ENGINES) {
  describe.skipIf(target.skip !== undefined)(`audit log on ${target.title}`, () => {
    it('numbers entries 1, 2, 3… and links each to the one before', async () => {
      const { store } = await freshStore(target.engine);
      const entries = await fiveEntries(store.db);
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(entries[0]!.prevHash).toBe('0'.repeat(64));
      for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
      const listed = await listAuditLog(store.db);
      expect(listed).toEqual(entries);
      expect(await verifyAuditLog(store.db)).toEqual({
        intact: true,
        entries: 5,
        head: { seq: 5, hash: entries[4]!.hash },
      });
    });

    it('keeps one unbroken chain under concurrent appenders here and in two other processes', async () => {
      const { store, database } = await freshStore(target.engine);
      const config = JSON.stringify(database.config);
      const perChild = 60;
      const writers = 4;
      const perWriter = 30;
      const children = [
        run(process.execPath, [appender, config, 'child-a', String(perChild)]),
        run(process.execPath, [appender, config, 'child-b', String(perChild)]),
      ];
      const local = Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          await appendAuditEvent(store.db, {
            type: 'test.append',
            actor: `writer-${w}`,
            subject: `writer-${w}-${i}`,
            details: { i },
          });
        }
      });
      const [, ...finished] = await Promise.all([Promise.all(local), ...children]);
      for (const child of finished) expect(child.stdout.trim()).toBe('done');

      const total = 2 * perChild + writers * perWriter;
      const verification = await verifyAuditLog(store.db, { pageSize: 37 });
      expect(verification).toMatchObject({ intact: true, entries: total, head: { seq: total } });
      const all = await listAuditLog(store.db, { limit: total + 10 });
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const subjects = all.map((e) => e.subject).sort();
      const expected = [
        ...['child-a', 'child-b'].flatMap((t) => Array.from({ length: perChild }, (_, i) => `${t}-${i}`)),
        ...Array.from({ length: writers }, (_, w) =>
          Array.from({ length: perWriter }, (_, i) => `writer-${w}-${i}`),
        ).flat(),
      ].sort();
      expect(subjects).toEqual(expected);
    });

    it.runIf(target.engine === 'postgres')(
      'appends concurrently even where the server defaults to SERIALIZABLE transactions',
      async () => {
        const { database } = await freshStore(target.engine);
        if (database.config.kind !== 'postgres') throw new Error('postgres only');
        const url = new URL(database.config.url);
        url.searchParams.set('options', '-c default_transaction_isolation=serializable');
        const store = await openStore({ ...database.config, url: url.toString() });
        stores.push(store);
        const { rows } = await sql<{
          level: string;
        }>`select current_setting('default_transaction_isolation') as level`.execute(store.db);
        expect(rows[0]?.level).toBe('serializable');
        await Promise.all(
          Array.from({ length: 6 }, async (_, w) => {
            for (let i = 0; i < 20; i++)
              await appendAuditEvent(store.db, { type: 't', actor: `w${w}`, details: { i } });
          }),
        );
        expect(await verifyAuditLog(store.db)).toMatchObject({ intact: true, entries: 120 });
      },
    );

    it('records an entry made in a transaction only if the transaction commits', async () => {
      const { store } = await freshStore(target.engine);
      await appendAuditEvent(store.db, { type: 'a', actor: 'x' });
      await expect(
        store.db.transaction().execute(async (trx) => {
          await appendAuditEvent(trx, { type: 'rolled.back', actor: 'x' });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const committed = await store.db
        .transaction()
        .execute((trx) => appendAuditEvent(trx, { type: 'committed', actor: 'x', subject: 's' }));
      expect(committed.seq).toBe(2);
      expect((await listAuditLog(store.db)).map((e) => e.type)).toEqual(['a', 'committed']);
      expect((await verifyAuditLog(store.db)).intact).toBe(true);
    });

    it('lists by time, subject, type and page', async () => {
      const { store } = await freshStore(target.engine);
      await fiveEntries(store.db);
      await appendAuditEvent(store.db, {
        type: 'other',
        actor: 'bob',
        subject: 'req-2',
        at: new Date(Date.UTC(2025, 0, 1, 0, 10)),
      });
      const seqs = (entries: AuditEntry[]) => entries.map((e) => e.seq);
      expect(seqs(await listAuditLog(store.db, { since: new Date(Date.UTC(2025, 0, 1, 0, 4)) }))).toEqual([
        4, 5, 6,
      ]);
      expect(seqs(await listAuditLog(store.db, { subject: 'req-2' }))).toEqual([6]);
      expect(seqs(await listAuditLog(store.db, { type: 'request.step', afterSeq: 2, limit: 2 }))).toEqual([
        3, 4,
      ]);
    });

    describe('tampering', () => {
      it('catches an edited field at the entry edited', async () => {
        const { store } = await freshStore(target.engine);
        const entries = await fiveEntries(store.db);
        await store.db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 3).execute();
        const result = await verifyAuditLog(store.db);
        expect(result.intact).toBe(false);
        expect(result.broken).toMatchObject({ kind: 'hash', seq: 3, found: entries[2]!.hash });
        expect(result.broken!.expected).not.toBe(entries[2]!.hash);
        expect(result.broken!.message).toContain('entry 3 was altered');
      });

      it('catches re-formatted details, even when the JSON means the same', async () => {
        const { store } = await freshStore(target.engine);
        await fiveEntries(store.db);
        const original = (await row(store.db, 2)).details;
        await store.db
          .updateTable('audit_log')
          .set({ details: JSON.stringify(JSON.parse(original), null, 1) })
          .where('seq', '=', 2)
          .execute();
        expect((await verifyAuditLog(store.db)).broken).toMatchObject({ kind: 'hash', seq: 2 });
      });

      it('catches an edit whose hash was recomputed, at the next entry', async () => {
        const { store } = await freshStore(target.engine);
        const entries = await fiveEntries(store.db);
        const edited: AuditLogRow = { ...(await row(store.db, 3)), actor: 'mallory' };
        const hash = entryHash(edited);
        await store.db
          .updateTable('audit_log')
          .set({ actor: 'mallory', hash })
          .where('seq', '=', 3)
          .execute();
        expect((await verifyAuditLog(store.db)).broken).toMatchObject({
          kind: 'previous-hash',
          seq: 4,
          expected: hash,
          found: entries[2]!.hash,
        });
      });

      it('catches a deleted entry as a gap', async () => {
        const { store } = await freshStore(target.engine);
        await fiveEntries(store.db);
        await store.db.deleteFrom('audit_log').where('seq', '=', 3).execute();
        const result = await verifyAuditLog(store.db, { pageSize: 2 });
        expect(result.broken).toMatchObject({ kind: 'sequence', seq: 4, expected: '3', found: '4' });
        expect(result.broken!.message).toBe('entry 3 is missing: the log goes from 2 to 4');
        expect(result.entries).toBe(2);
      });

      it('catches entries deleted from the end, which the chain alone cannot show', async () => {
        const { store } = await freshStore(target.engine);
        const entries = await fiveEntries(store.db);
        await store.db.deleteFrom('audit_log').where('seq', '>=', 4).execute();
        expect((await verifyAuditLog(store.db)).broken).toMatchObject({
          kind: 'head',
          seq: 5,
          expected: `3:${entries[2]!.hash}`,
          found: `5:${entries[4]!.hash}`,
        });
      });

      it('catches reordered entries', async () => {
        const { store } = await freshStore(target.engine);
        const entries = await fiveEntries(store.db);
        await renumber(store.db, 2, 100);
        await renumber(store.db, 3, 2);
        await renumber(store.db, 100, 3);
        expect((await verifyAuditLog(store.db)).broken).toMatchObject({
          kind: 'previous-hash',
          seq: 2,
          expected: entries[0]!.hash,
          found: entries[1]!.hash,
        });
      });

      it('catches an entry inserted in the middle', async () => {
        const { store } = await freshStore(target.engine);
        const entries = await fiveEntries(store.db);
        for (const seq of [5, 4, 3]) await renumber(store.db, seq, seq + 1);
        const forged = {
          seq: 3,
          at: '2025-01-01T00:02:30.000Z',
          type: 'request.step',
          actor: 'mallory',
          subject: 'req-1',
          details: '{}',
          prev_hash: entries[1]!.hash,
        };
        await store.db
          .insertInto('audit_log')
          .values({ ...forged, hash: entryHash(forged) })
          .execute();
        expect((await verifyAuditLog(store.db)).broken).toMatchObject({ kind: 'previous-hash', seq: 4 });
      });

      it('catches a well-formed entry appended past the head', async () => {
        const { store } = await freshStore(target.engine);
        const entries = await fiveEntries(store.db);
        const forged = {
          seq: 6,
          at: '2025-01-01T01:00:00.000Z',
          type: 'policy.detached',
          actor: 'mallory',
          subject: 'req-1',
          details: '{}',
          prev_hash: entries[4]!.hash,
        };
        await store.db
          .insertInto('audit_log')
          .values({ ...forged, hash: entryHash(forged) })
          .execute();
        expect((await verifyAuditLog(store.db)).broken).toMatchObject({ kind: 'head', seq: 6, found: '6' });
      });

      it('catches a chain rewritten from scratch only against an anchor kept elsewhere', async () => {
        const { store } = await freshStore(target.engine);
        const entries = await fiveEntries(store.db);
        let prev = '0'.repeat(64);
        for (let seq = 1; seq <= 5; seq++) {
          const r = { ...(await row(store.db, seq)), prev_hash: prev };
          if (seq === 2) r.actor = 'mallory';
          r.hash = entryHash(r);
          await store.db
            .updateTable('audit_log')
            .set({ actor: r.actor, prev_hash: r.prev_hash, hash: r.hash })
            .where('seq', '=', seq)
            .execute();
          prev = r.hash;
        }
        await store.db.updateTable('audit_log_head').set({ hash: prev }).where('id', '=', 1).execute();
        expect((await verifyAuditLog(store.db)).intact).toBe(true);
        expect(
          (await verifyAuditLog(store.db, { anchor: { seq: 4, hash: entries[3]!.hash } })).broken,
        ).toMatchObject({
          kind: 'anchor',
          seq: 4,
          expected: entries[3]!.hash,
        });
        expect(
          (await verifyAuditLog(store.db, { anchor: { seq: 9, hash: entries[3]!.hash } })).broken,
        ).toMatchObject({
          kind: 'anchor',
          seq: 9,
        });
      });

      it('refuses to append or verify without the head row', async () => {
        const { store } = await freshStore(target.engine);
        await fiveEntries(store.db);
        await store.db.deleteFrom('audit_log_head').execute();
        await expect(verifyAuditLog(store.db)).rejects.toThrow(AuditLogError);
        await expect(appendAuditEvent(store.db, { type: 'a', actor: 'b' })).rejects.toThrow(
          /head row is missing/,
        );
      });
    });
  });
}
