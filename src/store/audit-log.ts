// The append-only, hash-chained audit log. Every entry carries a sequence number (1, 2, 3, …) and
//
//   hash = hex(SHA-256(UTF-8(prev_hash + canonical JSON of {actor, at, details, seq, subject, type})))
//
// where prev_hash is the previous entry's hash (64 zeros before entry 1) and canonical JSON has
// object keys sorted by UTF-16 code units, no insignificant whitespace and numbers as JavaScript
// prints them (RFC 8785's form for the values we accept). `details` is stored in that canonical
// form, so anyone can recompute the chain from the rows alone.
//
// Appends are serialized so no two entries share a sequence and none is lost: on SQLite the
// append runs in a BEGIN IMMEDIATE transaction (one writer at a time, other processes wait on the
// busy timeout); on PostgreSQL and MySQL it takes a row lock (SELECT … FOR UPDATE) on the single
// `audit_log_head` row, which records the last sequence and hash. A row lock rather than an
// advisory lock because it is the same SQL on both, it is released by commit, rollback or a dropped
// connection without a release call that could be missed (MySQL's GET_LOCK is held by the session,
// not the transaction), and it composes with a caller's own transaction. The head also lets
// `verifyAuditLog` notice entries deleted from the end, which the chain alone cannot show.
//
// Nothing here updates or deletes an audit_log row; there is no code path that could.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AUDIT_GENESIS_HASH } from './migrations/lifecycle.ts';
import type { AuditLogRow } from './migrations/lifecycle.ts';
import type { StoreTables } from './migrations/index.ts';
import { sqlFamily, storedTime } from './schema.ts';

export { AUDIT_GENESIS_HASH };

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** Something that happened, to record. */
export interface AuditEvent {
  /** What happened, a stable dotted name, e.g. 'request.created', 'policy.detached'. */
  readonly type: string;
  /** Who did it: an identity, or 'grantflow' for the system itself. */
  readonly actor: string;
  /** What it is about: a request id, an execution id, a policy ARN. */
  readonly subject?: string | null;
  readonly details?: JsonObject;
  /** When it happened; default now. */
  readonly at?: Date;
}

/** A recorded entry. */
export interface AuditEntry {
  readonly seq: number;
  /** ISO 8601 UTC. */
  readonly at: string;
  readonly type: string;
  readonly actor: string;
  readonly subject: string | null;
  readonly details: JsonObject;
  readonly prevHash: string;
  readonly hash: string;
}

export class AuditLogError extends Error {
  readonly code = 'AUDIT_LOG';
}

export const MAX_TYPE_LENGTH = 128;
export const MAX_ACTOR_LENGTH = 2048;
export const MAX_SUBJECT_LENGTH = 512;
export const MAX_DETAILS_LENGTH = 1_000_000;

type Db = Kysely<StoreTables>;

/**
 * Appends an event and returns the entry as recorded. Given a transaction, the entry is part of
 * it (and the chain stays locked until it commits or rolls back); otherwise the append is a
 * transaction of its own.
 */
export async function appendAuditEvent(
  db: Db,
  event: AuditEvent,
  options: { readonly now?: () => Date } = {},
): Promise<AuditEntry> {
  const draft = draftEntry(event, options.now ?? (() => new Date()));
  if (db.isTransaction) return appendWithin(db, draft);
  return auditTransaction(db).execute((trx) => appendWithin(trx, draft));
}

/**
 * A transaction that may append to the audit log. SQLite: our driver begins every write
 * transaction IMMEDIATE. Elsewhere, READ COMMITTED makes the locking read see the head as the
 * previous appender committed it, whatever the server's default isolation (under REPEATABLE
 * READ/SERIALIZABLE, PostgreSQL would fail the second appender with a serialization error instead).
 */
export function auditTransaction<DB>(db: Kysely<DB>) {
  return sqlFamily(db) === 'sqlite' ? db.transaction() : db.transaction().setIsolationLevel('read committed');
}

type Draft = Omit<AuditLogRow, 'seq' | 'prev_hash' | 'hash'>;

async function appendWithin(trx: Db, draft: Draft): Promise<AuditEntry> {
  let read = trx.selectFrom('audit_log_head').select(['seq', 'hash']).where('id', '=', 1);
  if (sqlFamily(trx) !== 'sqlite') read = read.forUpdate();
  const head = await read.executeTakeFirst();
  if (!head)
    throw new AuditLogError('the audit log head row is missing: the table was altered outside grantflow');
  const row: AuditLogRow = { ...draft, seq: head.seq + 1, prev_hash: head.hash, hash: '' };
  row.hash = entryHash(row);
  await trx.insertInto('audit_log').values(row).execute();
  await trx.updateTable('audit_log_head').set({ seq: row.seq, hash: row.hash }).where('id', '=', 1).execute();
  return toEntry(row);
}

function draftEntry(event: AuditEvent, now: () => Date): Draft {
  const problems: string[] = [];
  const text = (name: string, value: unknown, max: number, optional = false) => {
    if (optional && (value === undefined || value === null)) return;
    if (typeof value !== 'string' || value.length === 0) problems.push(`${name} must be a non-empty string`);
    else if (value.length > max) problems.push(`${name} is longer than ${max} characters`);
    else if (!value.isWellFormed()) problems.push(`${name} contains an unpaired surrogate`);
  };
  text('type', event.type, MAX_TYPE_LENGTH);
  text('actor', event.actor, MAX_ACTOR_LENGTH);
  text('subject', event.subject, MAX_SUBJECT_LENGTH, true);
  let details = '{}';
  if (event.details !== undefined) {
    if (!isPlainObject(event.details)) problems.push('details must be a JSON object');
    else {
      try {
        details = canonicalJson(event.details);
        if (details.length > MAX_DETAILS_LENGTH) {
          problems.push(`details are longer than ${MAX_DETAILS_LENGTH} characters as JSON`);
        }
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  let at = '';
  try {
    at = storedTime(event.at ?? now());
  } catch (err) {
    problems.push(`at: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw new AuditLogError(`invalid audit event: ${problems.join('; ')}`);
  return { at, type: event.type, actor: event.actor, subject: event.subject ?? null, details };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * JSON with object keys sorted and no whitespace. Accepts only what JSON can say exactly: null,
 * booleans, finite numbers, well-formed strings, arrays and plain objects (undefined members are
 * left out, as JSON.stringify does).
 */
export function canonicalJson(value: unknown, path = 'details'): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AuditLogError(`${path} is ${value}, which JSON cannot represent`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw new AuditLogError(`${path} contains an unpaired surrogate`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v, i) => canonicalJson(v === undefined ? null : v, `${path}[${i}]`)).join(',')}]`;
  }
  if (isPlainObject(value)) {
    const members = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${canonicalJson(k, `${path} key`)}:${canonicalJson(value[k], `${path}.${k}`)}`);
    return `{${members.join(',')}}`;
  }
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new AuditLogError(
    `${path} is a ${kind}, which is not JSON (use strings, numbers, arrays, plain objects)`,
  );
}

/** The hash of an entry as stored: its `details` column is already canonical JSON. */
export function entryHash(row: Omit<AuditLogRow, 'hash'>): string {
  const subject = row.subject === null ? 'null' : JSON.stringify(row.subject);
  const canonical =
    `{"actor":${JSON.stringify(row.actor)},"at":${JSON.stringify(row.at)},"details":${row.details},` +
    `"seq":${row.seq},"subject":${subject},"type":${JSON.stringify(row.type)}}`;
  return createHash('sha256')
    .update(row.prev_hash + canonical, 'utf8')
    .digest('hex');
}

function toEntry(row: AuditLogRow): AuditEntry {
  let details: JsonObject;
  try {
    details = JSON.parse(row.details) as JsonObject;
  } catch {
    throw new AuditLogError(
      `audit log entry ${row.seq} has malformed details; run \`grantflow audit-log verify\``,
    );
  }
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    actor: row.actor,
    subject: row.subject,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export type AuditBreakKind = 'sequence' | 'previous-hash' | 'hash' | 'head' | 'anchor';

/** The first place the chain does not hold. */
export interface AuditBreak {
  readonly kind: AuditBreakKind;
  /** The sequence number of the entry where the break shows. */
  readonly seq: number;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

export interface AuditVerification {
  readonly intact: boolean;
  /** Entries checked. */
  readonly entries: number;
  /** The chain head as recorded when verification began. */
  readonly head: { readonly seq: number; readonly hash: string };
  readonly broken?: AuditBreak;
}

export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Walks the chain from entry 1 to the head and reports the first broken link: an edited entry
 * (its hash no longer matches its content), a deleted one (a gap in the sequence, or a log ending
 * before its head), reordered or inserted ones (an entry whose prev_hash is not its predecessor's
 * hash). Entries appended while it runs are left for the next verification. A chain recomputed
 * from scratch by someone with write access to the database would still verify: compare the head
 * with a copy kept elsewhere (`anchor`) to rule that out.
 */
export async function verifyAuditLog(
  db: Db,
  options: { readonly anchor?: AuditAnchor; readonly pageSize?: number } = {},
): Promise<AuditVerification> {
  const head = await db
    .selectFrom('audit_log_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirst();
  if (!head)
    throw new AuditLogError('the audit log head row is missing: the table was altered outside grantflow');
  const pageSize = options.pageSize ?? 1000;
  const anchor = options.anchor;
  let entries = 0;
  let expectedSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  const result = (broken?: AuditBreak): AuditVerification => ({
    intact: broken === undefined,
    entries,
    head: { seq: head.seq, hash: head.hash },
    ...(broken ? { broken } : {}),
  });

  if (anchor && anchor.seq > head.seq) {
    return result({
      kind: 'anchor',
      seq: anchor.seq,
      expected: anchor.hash,
      found: '(no such entry)',
      message: `the anchor names entry ${anchor.seq}, but the log's head is entry ${head.seq}: entries were removed`,
    });
  }
  let after: number | undefined;
  for (;;) {
    let page = db.selectFrom('audit_log').selectAll().where('seq', '<=', head.seq);
    if (after !== undefined) page = page.where('seq', '>', after);
    const rows = await page.orderBy('seq').limit(pageSize).execute();
    for (const row of rows) {
      if (row.seq !== expectedSeq) {
        return result({
          kind: 'sequence',
          seq: row.seq,
          expected: String(expectedSeq),
          found: String(row.seq),
          message:
            row.seq > expectedSeq
              ? `entry ${expectedSeq}${row.seq - expectedSeq > 1 ? `–${row.seq - 1}` : ''} is missing: the log goes from ${expectedSeq - 1} to ${row.seq}`
              : `entry ${row.seq} is out of sequence: expected ${expectedSeq}`,
        });
      }
      if (row.prev_hash !== prevHash) {
        return result({
          kind: 'previous-hash',
          seq: row.seq,
          expected: prevHash,
          found: row.prev_hash,
          message: `entry ${row.seq} does not follow entry ${row.seq - 1}: its prev_hash is not that entry's hash (entries were reordered, inserted or replaced)`,
        });
      }
      const computed = entryHash(row);
      if (computed !== row.hash) {
        return result({
          kind: 'hash',
          seq: row.seq,
          expected: computed,
          found: row.hash,
          message: `entry ${row.seq} was altered: its content no longer matches its hash`,
        });
      }
      if (anchor && anchor.seq === row.seq && anchor.hash !== row.hash) {
        return result({
          kind: 'anchor',
          seq: row.seq,
          expected: anchor.hash,
          found: row.hash,
          message: `entry ${row.seq} does not have the anchored hash: the chain was rewritten up to it`,
        });
      }
      prevHash = row.hash;
      entries += 1;
      expectedSeq += 1;
    }
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1]!.seq;
  }
  const lastSeq = expectedSeq - 1;
  if (lastSeq !== head.seq || prevHash !== head.hash) {
    return result({
      kind: 'head',
      seq: head.seq,
      expected: `${lastSeq}:${prevHash}`,
      found: `${head.seq}:${head.hash}`,
      message:
        lastSeq < head.seq
          ? `the log ends at entry ${lastSeq}, but its head records entry ${head.seq}: entries were deleted from the end`
          : `the head does not record the last entry's hash`,
    });
  }
  // Every append moves the head in the same transaction, so a row beyond the head as it is now
  // was written by something else. (The highest sequence is read first: an append landing between
  // the two reads moves the head past it.)
  const beyond = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  const now = await db.selectFrom('audit_log_head').select(['seq']).where('id', '=', 1).executeTakeFirst();
  const highest = beyond?.seq ?? null;
  if (highest !== null && now && Number(highest) > now.seq) {
    return result({
      kind: 'head',
      seq: Number(highest),
      expected: `at most ${now.seq}`,
      found: String(highest),
      message: `entry ${highest} lies beyond the head (entry ${now.seq}): it was inserted outside grantflow`,
    });
  }
  return result();
}

export interface AuditListOptions {
  /** Entries at or after this time. */
  readonly since?: Date;
  /** Entries with a sequence number above this (for paging). */
  readonly afterSeq?: number;
  readonly subject?: string;
  readonly type?: string;
  /** At most this many (default 1000). */
  readonly limit?: number;
}

/** Entries in sequence order. */
export async function listAuditLog(db: Db, options: AuditListOptions = {}): Promise<AuditEntry[]> {
  let query = db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('seq')
    .limit(options.limit ?? 1000);
  if (options.since) query = query.where('at', '>=', storedTime(options.since));
  if (options.afterSeq !== undefined) query = query.where('seq', '>', options.afterSeq);
  if (options.subject !== undefined) query = query.where('subject', '=', options.subject);
  if (options.type !== undefined) query = query.where('type', '=', options.type);
  return (await query.execute()).map(toEntry);
}
