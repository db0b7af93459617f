// Reading the request member of a batch line straight from the line's UTF-8 bytes.
//
// Decoding the request to a string, JSON.parse and checking the result took more time than
// deciding the request (about 1.2 µs of the 3 µs a line took). This reader walks the bytes once
// and gives the request for the shapes requests have in practice, and undefined for anything else:
// then the caller decodes the line and takes the general path (JSON.parse and readRequest in
// batch.ts), which also words the errors. So the reader never has to match JSON.parse's error
// handling, only its results: every text it accepts, JSON.parse accepts and readRequest would
// accept, giving an equal request.
//
// Values repeat from line to line (principals, actions, context keys, whole contexts), so strings
// and context objects come from tables keyed by their exact bytes: a repeated value is neither
// decoded nor allocated again, and Map lookups by a repeated string (callers, action plans, IP
// addresses) find its hash already computed. A value is looked up by the bytes up to the first
// byte that can end it (a quote, a closing brace) before it is read in full: JSON values end where
// their text says, so bytes equal to those of a value read before, end included, are that value.
// Only values that end at that first byte are kept; any other is read in full every time.
import { PRINCIPAL_KINDS } from './types.ts';
import type { ContextScalar, ContextValue, EvaluationRequest, PrincipalKind } from './types.ts';

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

// Request fields, told apart by their bytes.
const PRINCIPAL = 0;
const PRINCIPAL_KIND = 1;
const SESSION_ISSUER = 2;
const ACTION = 3;
const RESOURCE = 4;
const RESOURCE_ACCOUNT = 5;
const CONTEXT = 6;
/** A request's fields, in the order of the constants above. */
export const REQUEST_FIELD_NAMES = [
  'principal',
  'principalKind',
  'sessionIssuer',
  'action',
  'resource',
  'resourceAccount',
  'context',
] as const;
/**
 * Each field's name followed by its closing quote, as little-endian words and the bytes after the
 * last whole word: a name is recognized by comparing a few words. The quote makes it exact: bytes
 * equal to `principal"` are the string "principal", not a longer or an escaped one.
 */
interface FieldKey {
  readonly words: Int32Array;
  readonly tail: Uint8Array;
  readonly length: number;
}
const FIELD_KEYS: readonly FieldKey[] = REQUEST_FIELD_NAMES.map((name) => {
  const bytes = Buffer.from(`${name}"`, 'latin1');
  const whole = bytes.length >> 2;
  const words = new Int32Array(whole);
  for (let i = 0; i < whole; i++) words[i] = bytes.readInt32LE(i * 4);
  return { words, tail: bytes.subarray(whole * 4), length: bytes.length };
});

const P_FIELDS = [PRINCIPAL, PRINCIPAL_KIND];
const R_FIELDS = [RESOURCE, RESOURCE_ACCOUNT];
const A_FIELDS = [ACTION];
const C_FIELDS = [CONTEXT];
const S_FIELDS = [SESSION_ISSUER];
const NO_FIELDS: readonly number[] = [];

/** The fields whose name starts with this byte. */
function fieldsStartingWith(first: number): readonly number[] {
  switch (first) {
    case 112 /* p */:
      return P_FIELDS;
    case 114 /* r */:
      return R_FIELDS;
    case 97 /* a */:
      return A_FIELDS;
    case 99 /* c */:
      return C_FIELDS;
    case 115 /* s */:
      return S_FIELDS;
    default:
      return NO_FIELDS;
  }
}

/** The request read, its fields all present (undefined for those the line does not give). */
interface RequestFields {
  principal: string;
  principalKind: PrincipalKind | undefined;
  sessionIssuer: string | undefined;
  action: string;
  resource: string;
  resourceAccount: string | undefined;
  context: Record<string, ContextValue> | undefined;
}

/**
 * Whether any of the four bytes of `w` is a quote, a backslash, below 0x20 or above 0x7f (the
 * classic tests for a zero byte and for a byte below n, on four bytes at once).
 */
export function isSpecial(w: number): boolean {
  return ((w | zeroIn(w ^ 0x22222222) | zeroIn(w ^ 0x5c5c5c5c) | ((w - 0x20202020) & ~w)) & 0x80808080) !== 0;
}

/** Not zero when a byte of `x` is zero (its top bit is set, in the classic test). */
function zeroIn(x: number): number {
  return (x - 0x01010101) & ~x;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A hash of `length` bytes at `start`: the length and up to eight words spread over them. */
function hashBytes(view: DataView, start: number, length: number): number {
  let hash = length;
  if (length < 4) {
    for (let i = 0; i < length; i++) hash = Math.imul(hash ^ view.getUint8(start + i), 0x01000193);
  } else {
    // Reading every byte would cost more than the rest of the reading; the table compares the
    // bytes in full anyway. The last word is always read: values sharing a prefix differ there.
    const last = start + length - 4;
    const step = Math.max(4, ((length >> 3) + 3) & ~3);
    for (let i = start; i < last; i += step) hash = Math.imul(hash ^ view.getInt32(i, true), 0x01000193);
    hash = Math.imul(hash ^ view.getInt32(last, true), 0x01000193);
  }
  return hash ^ (hash >>> 15);
}

/**
 * Values by the exact bytes they were read from: open addressing, emptied when half full or when
 * its copy of the bytes is. A lookup that probes more than a few slots gives up (the caller then
 * builds the value anew), so a run of colliding hashes cannot make lookups slow.
 */
class ByteTable<T> {
  private readonly hashes: Int32Array;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly values: (T | undefined)[];
  private readonly arena: Uint8Array;
  private readonly arenaView: DataView;
  private used = 0;
  private count = 0;
  /** Where find() stopped: the free slot for add(), or -1. */
  private free = -1;

  private readonly slots: number;
  /** Longer byte strings are neither looked up nor kept. */
  readonly maxLength: number;

  constructor(slots: number, arenaBytes: number, maxLength: number) {
    this.slots = slots;
    this.maxLength = maxLength;
    this.hashes = new Int32Array(slots);
    this.offsets = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    this.values = new Array<T | undefined>(slots).fill(undefined);
    this.arena = new Uint8Array(arenaBytes);
    this.arenaView = new DataView(this.arena.buffer);
  }

  /** The value kept for the bytes `view[start..start + length)`, whose hash is `hash`. */
  find(view: DataView, start: number, length: number, hash: number): T | undefined {
    const mask = this.slots - 1;
    let slot = hash & mask;
    for (let probes = 0; probes < 8; probes++, slot = (slot + 1) & mask) {
      const value = this.values[slot];
      if (value === undefined) {
        this.free = slot;
        return undefined;
      }
      if (this.hashes[slot] === hash && this.lengths[slot] === length && this.same(slot, view, start, length))
        return value;
    }
    this.free = -1;
    return undefined;
  }

  /** Keeps `value` for the bytes that the last find() did not find. */
  add(bytes: Uint8Array, start: number, length: number, hash: number, value: T): void {
    if (this.free < 0) return;
    if (this.count >= this.slots >> 1 || this.used + length > this.arena.length) {
      this.values.fill(undefined);
      this.count = 0;
      this.used = 0;
      this.free = hash & (this.slots - 1);
    }
    const slot = this.free;
    this.arena.set(bytes.subarray(start, start + length), this.used);
    this.hashes[slot] = hash;
    this.offsets[slot] = this.used;
    this.lengths[slot] = length;
    this.values[slot] = value;
    this.used += length;
    this.count++;
    this.free = -1;
  }

  private same(slot: number, view: DataView, start: number, length: number): boolean {
    const kept = this.arenaView;
    const at = this.offsets[slot]!;
    let i = 0;
    for (; i + 4 <= length; i += 4)
      if (kept.getInt32(at + i, true) !== view.getInt32(start + i, true)) return false;
    for (; i < length; i++) if (kept.getUint8(at + i) !== view.getUint8(start + i)) return false;
    return true;
  }
}

/**
 * Reads requests from bytes; one per BatchEvaluator (its tables are not shared between threads).
 * Not reentrant: `pos` is the reading position, shared by its methods.
 */
export class RequestReader {
  private bytes: Buffer = Buffer.alloc(0);
  /** The same bytes, read four at a time (DataView reads compile to plain loads). */
  private view = new DataView(this.bytes.buffer, this.bytes.byteOffset, 0);
  /** Where reading stops: the request never reaches past the line's end, which comes before. */
  private limit = 0;
  /** The reading position; after read(), just past the request. */
  pos = 0;
  private readonly request: RequestFields = {
    principal: '',
    principalKind: undefined,
    sessionIssuer: undefined,
    action: '',
    resource: '',
    resourceAccount: undefined,
    context: undefined,
  };
  private readonly strings = new ByteTable<string>(1 << 12, 1 << 18, 512);
  /** Context objects, never changed once read: evaluating a request only reads its context. */
  private readonly contexts = new ByteTable<Record<string, ContextValue>>(1 << 10, 1 << 18, 2048);

  /**
   * The request object at `bytes[at..)`, ending before `limit`, with `pos` just past it; or
   * undefined when it is not in the shapes read here (the caller then parses the line in full).
   * The object is the same on every call, with new values: use it before the next call.
   */
  read(bytes: Buffer, at: number, limit: number): EvaluationRequest | undefined {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.limit = Math.min(limit, bytes.length);
    this.pos = at;
    if (this.byteAt(at) !== OPEN_BRACE) return undefined;
    let principal: string | undefined;
    let principalKind: PrincipalKind | undefined;
    let sessionIssuer: string | undefined;
    let action: string | undefined;
    let resource: string | undefined;
    let resourceAccount: string | undefined;
    let context: Record<string, ContextValue> | undefined;
    let seen = 0;
    this.pos = at + 1;
    if (this.nextToken() === CLOSE_BRACE) return undefined; // {}: principal is missing
    for (;;) {
      const field = this.field();
      if (field < 0 || (seen & (1 << field)) !== 0) return undefined; // unknown, or given twice
      seen |= 1 << field;
      if (this.nextToken() !== COLON) return undefined;
      this.pos++;
      this.nextToken();
      if (field === CONTEXT) {
        context = this.context();
        if (context === undefined) return undefined;
      } else {
        const s = this.string();
        if (s === undefined) return undefined;
        switch (field) {
          case PRINCIPAL:
            principal = s;
            break;
          case PRINCIPAL_KIND:
            if (!(PRINCIPAL_KINDS as readonly string[]).includes(s)) return undefined;
            principalKind = s as PrincipalKind;
            break;
          case SESSION_ISSUER:
            sessionIssuer = s;
            break;
          case ACTION:
            action = s;
            break;
          case RESOURCE:
            resource = s;
            break;
          default:
            resourceAccount = s;
        }
      }
      const c = this.nextToken();
      this.pos++;
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return undefined;
      this.nextToken();
    }
    // readRequest's rule: these three are non-empty strings.
    if (!principal || !action || !resource) return undefined;
    // One object serves every line: evaluating a request reads it and keeps nothing of it.
    const request = this.request;
    request.principal = principal;
    request.principalKind = principalKind;
    request.sessionIssuer = sessionIssuer;
    request.action = action;
    request.resource = resource;
    request.resourceAccount = resourceAccount;
    request.context = context;
    // Absent fields are undefined rather than missing: the same to whatever reads a request.
    return request as EvaluationRequest;
  }

  /** The byte at `i`, or -1 at the limit. */
  private byteAt(i: number): number {
    return i < this.limit ? this.bytes[i]! : -1;
  }

  /**
   * Skips spaces and tabs and gives the byte there (-1 at the limit). Carriage returns, also JSON
   * whitespace, are left to the general path: a line's last one is not part of the line.
   */
  private nextToken(): number {
    let i = this.pos;
    let c = this.byteAt(i);
    while (c === 32 || c === 9) c = this.byteAt(++i);
    this.pos = i;
    return c;
  }

  /** The request field whose quoted name is at `pos`, with `pos` past it; -1 for any other. */
  private field(): number {
    const at = this.pos + 1;
    if (this.byteAt(at - 1) !== QUOTE) return -1;
    const candidates = fieldsStartingWith(this.byteAt(at));
    for (let c = 0; c < candidates.length; c++) {
      const key = FIELD_KEYS[candidates[c]!]!;
      if (this.isKey(at, key)) {
        this.pos = at + key.length;
        return candidates[c]!;
      }
    }
    // Another name, or an escaped one: the general path reads (or refuses) it.
    return -1;
  }

  /** Whether the bytes at `at` are the key's, before the limit. */
  private isKey(at: number, key: FieldKey): boolean {
    if (at + key.length > this.limit) return false;
    const view = this.view;
    const words = key.words;
    for (let i = 0; i < words.length; i++) if (view.getInt32(at + i * 4, true) !== words[i]) return false;
    const bytes = this.bytes;
    const tail = key.tail;
    const from = at + words.length * 4;
    for (let i = 0; i < tail.length; i++) if (bytes[from + i] !== tail[i]) return false;
    return true;
  }

  /**
   * Index of the first `byte` at or after `i`, before the limit, or -1. Four bytes at a time, as
   * stringEnd.
   */
  private indexOfByte(byte: number, i: number): number {
    const word = Math.imul(byte, 0x01010101);
    const view = this.view;
    const limit = this.limit;
    while (i + 4 <= limit && (zeroIn(view.getInt32(i, true) ^ word) & 0x80808080) === 0) i += 4;
    const bytes = this.bytes;
    for (; i < limit; i++) if (bytes[i] === byte) return i;
    return -1;
  }

  /** Index just past the string that opens at `at` (escapes skipped, not read), or -1. */
  private stringEnd(at: number): number {
    const bytes = this.bytes;
    const view = this.view;
    const limit = this.limit;
    let i = at + 1;
    for (;;) {
      // Four bytes at a time while none is a quote, a backslash, a control character or non-ASCII.
      while (i + 4 <= limit && !isSpecial(view.getInt32(i, true))) i += 4;
      if (i >= limit) return -1;
      const c = bytes[i]!;
      if (c === QUOTE) return i + 1;
      if (c < 32) return -1; // invalid JSON
      i += c === BACKSLASH ? 2 : 1;
    }
  }

  /** The JSON string at `pos`, with `pos` past it; undefined when there is none. */
  private string(): string | undefined {
    const at = this.pos;
    if (this.byteAt(at) !== QUOTE) return undefined;
    const start = at + 1;
    const quote = this.indexOfByte(QUOTE, start);
    if (quote < 0) return undefined;
    const length = quote - start;
    const strings = this.strings;
    const kept = length <= strings.maxLength;
    let hash = 0;
    if (kept) {
      hash = hashBytes(this.view, start, length);
      const s = strings.find(this.view, start, length, hash);
      if (s !== undefined) {
        this.pos = quote + 1;
        return s;
      }
    }
    const end = this.stringEnd(at);
    if (end < 0) return undefined;
    this.pos = end;
    const s = this.decode(at, end);
    // Kept when its first quote byte closes it (an escaped quote inside would not be found again).
    if (s !== undefined && kept && end === quote + 1) strings.add(this.bytes, start, length, hash, s);
    return s;
  }

  /**
   * The text of the string `bytes[at..end)` (quotes included) as JSON.parse of the decoded line
   * would give it: the bytes around a string are ASCII, so decoding it alone decodes it alike.
   */
  private decode(at: number, end: number): string | undefined {
    const bytes = this.bytes;
    let plain = true;
    for (let i = at + 1; i < end - 1; i++) {
      const c = bytes[i]!;
      if (c === BACKSLASH || c > 127) {
        plain = false;
        break;
      }
    }
    if (plain) return bytes.toString('latin1', at + 1, end - 1);
    const text = bytes.toString('utf8', at, end);
    if (!text.includes('\\')) return text.slice(1, -1);
    try {
      return JSON.parse(text) as string;
    } catch {
      return undefined;
    }
  }

  /**
   * The context object at `pos`. Its values are scalars or lists of them, so it usually ends at its
   * first closing brace: one whose bytes up to there were read before is that same object (the
   * bytes of a kept context were checked by reading them).
   */
  private context(): Record<string, ContextValue> | undefined {
    const start = this.pos;
    const brace = this.indexOfByte(CLOSE_BRACE, start);
    const contexts = this.contexts;
    const length = brace + 1 - start;
    if (brace < 0 || length > contexts.maxLength) return this.readContext();
    const hash = hashBytes(this.view, start, length);
    const kept = contexts.find(this.view, start, length, hash);
    if (kept !== undefined) {
      this.pos = brace + 1;
      return kept;
    }
    const context = this.readContext();
    // Kept when it ends at that brace (not when one of its strings holds a brace).
    if (context !== undefined && this.pos === brace + 1)
      contexts.add(this.bytes, start, length, hash, context);
    return context;
  }

  /** Reads the context object at `pos`: keys with a string, number or boolean, or a list of them. */
  private readContext(): Record<string, ContextValue> | undefined {
    if (this.byteAt(this.pos) !== OPEN_BRACE) return undefined;
    this.pos++;
    const context: Record<string, ContextValue> = {};
    if (this.nextToken() === CLOSE_BRACE) {
      this.pos++;
      return context;
    }
    for (;;) {
      const key = this.string();
      // A key given twice is read by the general path (JSON.parse keeps the last value), and so is
      // __proto__, which assigning would not make an own member.
      if (key === undefined || key === '__proto__' || Object.hasOwn(context, key)) return undefined;
      if (this.nextToken() !== COLON) return undefined;
      this.pos++;
      this.nextToken();
      let value: ContextValue | undefined;
      if (this.byteAt(this.pos) === OPEN_BRACKET) {
        this.pos++;
        const list: ContextScalar[] = [];
        if (this.nextToken() === CLOSE_BRACKET) this.pos++;
        else {
          for (;;) {
            const item = this.scalar();
            if (item === undefined) return undefined;
            list.push(item);
            const c = this.nextToken();
            this.pos++;
            if (c === CLOSE_BRACKET) break;
            if (c !== COMMA) return undefined;
            this.nextToken();
          }
        }
        value = list;
      } else value = this.scalar();
      if (value === undefined) return undefined;
      context[key] = value;
      const c = this.nextToken();
      this.pos++;
      if (c === CLOSE_BRACE) return context;
      if (c !== COMMA) return undefined;
      this.nextToken();
    }
  }

  /** A string, number, true or false at `pos` (null, objects and lists are not context values). */
  private scalar(): ContextScalar | undefined {
    const c = this.byteAt(this.pos);
    if (c === QUOTE) return this.string();
    if (c === 116 /* t */ && this.word('true')) return true;
    if (c === 102 /* f */ && this.word('false')) return false;
    return this.number();
  }

  private word(w: string): boolean {
    if (this.pos + w.length > this.limit) return false;
    for (let i = 0; i < w.length; i++) if (this.bytes[this.pos + i] !== w.charCodeAt(i)) return false;
    this.pos += w.length;
    return true;
  }

  /** A number in JSON's grammar (Number() of its text is what JSON.parse gives), or undefined. */
  private number(): number | undefined {
    const start = this.pos;
    let i = start;
    if (this.byteAt(i) === 45 /* - */) i++;
    if (this.byteAt(i) === 48 /* 0 */) i++;
    else if (isDigit(this.byteAt(i))) while (isDigit(this.byteAt(i))) i++;
    else return undefined;
    if (this.byteAt(i) === 46 /* . */) {
      i++;
      if (!isDigit(this.byteAt(i))) return undefined;
      while (isDigit(this.byteAt(i))) i++;
    }
    const e = this.byteAt(i);
    if (e === 101 || e === 69 /* e E */) {
      i++;
      const sign = this.byteAt(i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(this.byteAt(i))) return undefined;
      while (isDigit(this.byteAt(i))) i++;
    }
    this.pos = i;
    return Number(this.bytes.toString('latin1', start, i));
  }
}
