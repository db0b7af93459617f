import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AuditLogError,
  appendAuditEvent,
  canonicalJson,
  listAuditLog,
  openStore,
  verifyAuditLog,
} from './index.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth, by UTF-16 code units, with no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 0, y: null }], c: 'x' }, B: true, é: 'é', Z: false })).toBe(
      '{"B":true,"Z":false,"a":{"c":"x","d":[3,{"y":null,"z":0}]},"b":1,"é":"é"}',
    );
  });

  it('writes numbers and strings as JSON.stringify does, leaves undefined members out', () => {
    expect(
      canonicalJson({ n: 1e21, f: 0.1, neg: -0, s: 'line\n"q"\u2028', u: undefined, a: [undefined] }),
    ).toBe('{"a":[null],"f":0.1,"n":1e+21,"neg":0,"s":"line\\n\\"q\\"\u2028"}');
  });

  it('refuses what JSON cannot say exactly, naming where it is', () => {
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow(
      'details.a.b is NaN, which JSON cannot represent',
    );
    expect(() => canonicalJson({ x: [1, Infinity] })).toThrow('details.x[1] is Infinity');
    expect(() => canonicalJson({ when: new Date(0) })).toThrow('details.when is a Date, which is not JSON');
    expect(() => canonicalJson({ m: new Map() })).toThrow('details.m is a Map');
    expect(() => canonicalJson({ big: 1n })).toThrow('details.big is a bigint');
    expect(() => canonicalJson({ s: 'a\ud800' })).toThrow('details.s contains an unpaired surrogate');
    expect(() => canonicalJson({ ['\udc00']: 1 })).toThrow('details key contains an unpaired surrogate');
  });
});

describe('appendAuditEvent', () => {
  it('hashes the previous hash and the canonical entry exactly as documented', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const entry = await appendAuditEvent(store.db, {
      type: 'request.created',
      actor: 'alice',
      subject: 'req-1',
      details: { b: [true, null], a: 1 },
      at: new Date('2025-01-01T00:00:00Z'),
    });
    const canonical =
      '{"actor":"alice","at":"2025-01-01T00:00:00.000Z","details":{"a":1,"b":[true,null]},"seq":1,"subject":"req-1","type":"request.created"}';
    expect(entry.hash).toBe(
      createHash('sha256')
        .update('0'.repeat(64) + canonical)
        .digest('hex'),
    );
    const second = await appendAuditEvent(store.db, {
      type: 't',
      actor: 'bob',
      at: new Date('2025-01-01T00:00:01Z'),
    });
    expect(second.hash).toBe(
      createHash('sha256')
        .update(
          entry.hash +
            '{"actor":"bob","at":"2025-01-01T00:00:01.000Z","details":{},"seq":2,"subject":null,"type":"t"}',
        )
        .digest('hex'),
    );
    await store.close();
  });

  it('refuses an invalid event, listing every problem, and records nothing', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const err = await appendAuditEvent(store.db, {
      type: '',
      actor: 7 as unknown as string,
      subject: 's'.repeat(513),
      details: ['x'] as unknown as Record<string, never>,
      at: new Date('nope'),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditLogError);
    expect((err as Error).message).toBe(
      'invalid audit event: type must be a non-empty string; actor must be a non-empty string; ' +
        'subject is longer than 512 characters; details must be a JSON object; at: invalid time: not a date',
    );
    await expect(
      appendAuditEvent(store.db, { type: 't', actor: 'a', details: { n: Number.NaN } }),
    ).rejects.toThrow('invalid audit event: details.n is NaN');
    await expect(appendAuditEvent(store.db, { type: 't', actor: 'a\udfff' })).rejects.toThrow(
      'actor contains an unpaired surrogate',
    );
    expect(await listAuditLog(store.db)).toEqual([]);
    expect(await verifyAuditLog(store.db)).toEqual({
      intact: true,
      entries: 0,
      head: { seq: 0, hash: '0'.repeat(64) },
    });
    await store.close();
  });

  it('stamps entries with the injected clock', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    const entry = await appendAuditEvent(
      store.db,
      { type: 't', actor: 'a' },
      { now: () => new Date('2030-06-01T12:00:00.5Z') },
    );
    expect(entry.at).toBe('2030-06-01T12:00:00.500Z');
    await store.close();
  });
});

describe('listAuditLog', () => {
  it('reports details it cannot read, pointing at verify', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    await appendAuditEvent(store.db, { type: 't', actor: 'a' });
    await store.db.updateTable('audit_log').set({ details: '{broken' }).execute();
    await expect(listAuditLog(store.db)).rejects.toThrow(
      'audit log entry 1 has malformed details; run `grantflow audit-log verify`',
    );
    expect((await verifyAuditLog(store.db)).broken).toMatchObject({ kind: 'hash', seq: 1 });
    await store.close();
  });
});
