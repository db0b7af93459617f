// Batch evaluation of JSON Lines: each line is a request with its policies, each result a line.
//
//   in:  {"request": {"principal", "action", "resource", "resourceAccount"?, "principalKind"?,
//         "sessionIssuer"?, "context"?}, "identityPolicies"?: [...], "resourcePolicy"?: {...},
//         "permissionsBoundaries"?: [...], "sessionPolicy"?: {...},
//         "serviceControlPolicies"?: [[...per level...]], "resourceControlPolicies"?: [[...]],
//         "vpcEndpointPolicies"?: [...]}
//   out: {"decision", "blockedBy", "matchedStatements", "missingContextKeys"}
//        or, for a line that cannot be evaluated, {"line", "field", "error"}.
//
// Lines usually repeat their policies, so compiled sets are cached by the exact text of the line
// outside its request member, and only the small request is parsed: a fast scanner finds where
// each top-level member's value starts and ends without parsing it. In a block of bytes (the CLI's
// way in), a line whose bytes around the request repeat the previous line's is neither decoded nor
// searched for its end: RequestReader reads the request from the bytes, a native compare checks
// the rest, and the result line comes encoded from the set's BatchResultCache, so a block's results
// are bytes ready to write.
import { getCatalog } from '../catalog/index.ts';
import { compilePolicySet } from './compile.ts';
import type { CompileOptions } from './compile.ts';
import { REQUEST_FIELD_NAMES, RequestReader } from './batch-request.ts';
import { BatchResultCache } from './decide.ts';
import type { BatchResultLine } from './decide.ts';
import { PolicyInputError, RequestError } from './errors.ts';
import { PRINCIPAL_KINDS } from './types.ts';
import type { EvaluationRequest, PolicySetInput } from './types.ts';

const POLICY_MEMBERS = new Set([
  'identityPolicies',
  'resourcePolicy',
  'permissionsBoundaries',
  'sessionPolicy',
  'serviceControlPolicies',
  'resourceControlPolicies',
  'vpcEndpointPolicies',
]);

const REQUEST_FIELDS = new Set<string>(REQUEST_FIELD_NAMES);

class LineError extends Error {
  readonly field: string | null;
  constructor(field: string | null, message: string) {
    super(message);
    this.field = field;
  }
}

interface Member {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return i;
    i++;
  }
}

/** Index just past the string that opens at `i`, or -1 when it is not closed. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 34) return j + 1;
    if (c === 92) j++;
  }
  return -1;
}

/** Index just past the JSON value at `i` (not validated: parsing it later does that), or -1. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 34) return skipString(text, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === 34) {
        j = skipString(text, j) - 1;
        if (j < 0) return -1;
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  for (; j < text.length; j++) {
    const d = text.charCodeAt(j);
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 9 || d === 13 || d === 10) break;
  }
  return j === i ? -1 : j;
}

/** The top-level members of a line that must be a JSON object, or undefined when it is not one. */
function scanMembers(line: string): Member[] | undefined {
  let i = skipSpace(line, 0);
  if (line.charCodeAt(i) !== 123) return undefined;
  const members: Member[] = [];
  i = skipSpace(line, i + 1);
  if (line.charCodeAt(i) === 125) return skipSpace(line, i + 1) === line.length ? members : undefined;
  for (;;) {
    if (line.charCodeAt(i) !== 34) return undefined;
    const keyEnd = skipString(line, i);
    if (keyEnd < 0) return undefined;
    const raw = line.slice(i + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(line.slice(i, keyEnd)) as string) : raw;
    i = skipSpace(line, keyEnd);
    if (line.charCodeAt(i) !== 58) return undefined;
    const start = skipSpace(line, i + 1);
    const end = skipValue(line, start);
    if (end < 0) return undefined;
    members.push({ key, start, end });
    i = skipSpace(line, end);
    const c = line.charCodeAt(i);
    if (c === 44) i = skipSpace(line, i + 1);
    else if (c === 125) return skipSpace(line, i + 1) === line.length ? members : undefined;
    else return undefined;
  }
}

function describeJsonError(line: string): string {
  try {
    JSON.parse(line);
    return 'the line must be a JSON object';
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
}

function isScalar(v: unknown): boolean {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean';
}

function parseRequest(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LineError('request', `invalid JSON: ${(err as Error).message}`);
  }
}

const REQUIRED_FIELDS = ['principal', 'action', 'resource'] as const;
const OPTIONAL_STRING_FIELDS = ['resourceAccount', 'sessionIssuer'] as const;

/** The request a line gives, checked; throws a LineError naming the first field that is wrong. */
export function readRequest(value: unknown): EvaluationRequest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LineError('request', 'must be a JSON object');
  }
  const r = value as Record<string, unknown>;
  for (const key in r)
    if (!REQUEST_FIELDS.has(key)) throw new LineError(`request.${key}`, 'is not a request field');
  for (const key of REQUIRED_FIELDS) {
    if (typeof r[key] !== 'string' || r[key] === '')
      throw new LineError(`request.${key}`, 'must be a non-empty string');
  }
  for (const key of OPTIONAL_STRING_FIELDS) {
    if (r[key] !== undefined && typeof r[key] !== 'string')
      throw new LineError(`request.${key}`, 'must be a string');
  }
  if (r.principalKind !== undefined && !(PRINCIPAL_KINDS as readonly unknown[]).includes(r.principalKind)) {
    throw new LineError('request.principalKind', `must be one of ${PRINCIPAL_KINDS.join(', ')}`);
  }
  const context = r.context;
  if (context !== undefined) {
    if (context === null || typeof context !== 'object' || Array.isArray(context)) {
      throw new LineError('request.context', 'must be an object of context keys');
    }
    for (const key in context) {
      const v = (context as Record<string, unknown>)[key];
      if (!(isScalar(v) || (Array.isArray(v) && v.every(isScalar)))) {
        throw new LineError(`request.context.${key}`, 'must be a string, number, boolean, or a list of them');
      }
    }
  }
  return r as unknown as EvaluationRequest;
}

function readPolicySet(line: string, members: readonly Member[]): PolicySetInput {
  const set: Record<string, unknown> = {};
  for (const m of members) {
    if (m.key === 'request') continue;
    let value: unknown;
    try {
      value = JSON.parse(line.slice(m.start, m.end));
    } catch (err) {
      throw new LineError(m.key, `invalid JSON: ${(err as Error).message}`);
    }
    if (value !== null) set[m.key] = value;
  }
  return set as PolicySetInput;
}

function errorLine(err: unknown, lineNumber: number): string {
  let field: string | null;
  if (err instanceof RequestError) field = `request.${err.field}`;
  else if (err instanceof LineError || err instanceof PolicyInputError) field = err.field;
  else throw err;
  const detail = err instanceof LineError ? err.message : err.detail;
  // `line` comes first: BatchEvaluator.renumberErrors finds it there.
  return JSON.stringify({ line: lineNumber, field, error: field === null ? detail : `${field}: ${detail}` });
}

/** Whether `bytes` holds `expected` at `at`, before `limit`. */
function matchAt(bytes: Buffer, at: number, expected: Buffer, limit: number): boolean {
  const n = expected.length;
  if (at + n > limit) return false;
  // A native compare costs more than a loop over a short text (a line's head is often `{"request":`).
  // equals() on a view is the quickest native compare: Buffer#compare with offsets checks them in
  // JavaScript first and takes a slower call.
  if (n > 32) return expected.equals(new Uint8Array(bytes.buffer, bytes.byteOffset + at, n));
  for (let i = 0; i < n; i++) if (bytes[at + i] !== expected[i]) return false;
  return true;
}

/** What evaluating a block of whole lines gives. */
export interface BatchBlockResult {
  /**
   * The result lines in UTF-8, each ended by a newline (blank input lines get none), in a buffer
   * of their own: it may be handed to another thread.
   */
  readonly out: Buffer;
  /** How many input lines the block held, blank ones included. */
  readonly lines: number;
  /** How many lines could not be evaluated. */
  readonly bad: number;
  /** Where each error result starts in `out` (in bytes), for `renumberErrors`. */
  readonly errorOffsets: readonly number[];
}

export interface BatchLineResult {
  /** The result line, without its newline. */
  readonly json: string;
  /** False for a line that could not be evaluated. */
  readonly ok: boolean;
}

const ERROR_PREFIX = '{"line":';

const LAZY_CATALOG: CompileOptions['catalog'] = {
  supportsRcp: (service) => getCatalog().supportsRcp(service),
};

/** A block's result bytes, in a buffer that grows as needed. */
class Output {
  bytes: Buffer;
  length = 0;

  constructor(capacity: number) {
    // Not from Node's shared pool: the buffer is transferred to another thread whole.
    this.bytes = Buffer.allocUnsafeSlow(capacity);
  }

  push(line: Uint8Array): void {
    if (this.length + line.length > this.bytes.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.length + line.length));
      this.bytes.copy(larger, 0, 0, this.length);
      this.bytes = larger;
    }
    // TypedArray#set is a memcpy; the lines are a few hundred bytes.
    this.bytes.set(line, this.length);
    this.length += line.length;
  }
}

/** Evaluates lines one by one, caching compiled policy sets by their exact text. */
export class BatchEvaluator {
  private readonly options: CompileOptions;
  private readonly sets = new Map<string, BatchResultCache | PolicyInputError>();
  private lastHead: string | undefined;
  private lastRest: string | undefined;
  private lastHeadBytes: Buffer | undefined;
  private lastRestBytes: Buffer | undefined;
  private lastSet: BatchResultCache | PolicyInputError | undefined;
  private readonly reader = new RequestReader();
  /** Set by repeatedLine: where the line's text ends. */
  private lineEnd = 0;

  constructor(options: CompileOptions = {}) {
    // The shared catalog takes tens of milliseconds to build and only sets with resource control
    // policies ask it anything: build it then (this matters on every worker thread that starts).
    this.options = { catalog: LAZY_CATALOG, ...options };
  }

  /** The result for one input line (`lineNumber` from 1, for error results). */
  evaluate(line: string, lineNumber: number): BatchLineResult {
    try {
      return { json: this.evaluateLine(line).json, ok: true };
    } catch (err) {
      return { json: errorLine(err, lineNumber), ok: false };
    }
  }

  /**
   * The result for a line given as UTF-8 bytes (`bytes[start..end)`, without its newline). A line
   * whose bytes around the request repeat the previous line's is answered without decoding or
   * copying its policies: only the request is read.
   */
  evaluateBytes(bytes: Buffer, start: number, end: number, lineNumber: number): BatchLineResult {
    try {
      return { json: this.lineFromBytes(bytes, start, end).json, ok: true };
    } catch (err) {
      return { json: errorLine(err, lineNumber), ok: false };
    }
  }

  /**
   * Evaluates every line of a block (UTF-8, lines ended by \n or \r\n; the last one may lack it),
   * numbering them from `firstLine`. Blank lines (spaces and tabs only) are counted but get no result.
   */
  evaluateBlock(bytes: Buffer, firstLine: number): BatchBlockResult {
    const out = new Output(Math.max(1 << 12, bytes.length >> 2));
    let bad = 0;
    const errorOffsets: number[] = [];
    let lineNumber = firstLine;
    const length = bytes.length;
    for (let start = 0; start < length; lineNumber++) {
      // Fast path: the line repeats the previous line's policies around its request; the request
      // is read from the bytes, and the line's end is found without searching for it.
      const request = this.repeatedLine(bytes, start, length);
      if (request !== undefined) {
        const end = this.lineEnd;
        const c = end < length ? bytes[end] : 10;
        if (c === 10 || (c === 13 && (end + 1 === length || bytes[end + 1] === 10))) {
          try {
            out.push(this.answer(request).bytes);
          } catch (err) {
            errorOffsets.push(out.length);
            out.push(Buffer.from(`${errorLine(err, lineNumber)}\n`, 'utf8'));
            bad++;
          }
          start = c === 10 ? end + 1 : end + 2;
          continue;
        }
      }
      let nl = bytes.indexOf(10, start);
      if (nl < 0) nl = length;
      const end = nl > start && bytes[nl - 1] === 13 ? nl - 1 : nl;
      let first = start;
      while (first < end && (bytes[first] === 32 || bytes[first] === 9)) first++;
      if (first < end) {
        try {
          out.push(this.lineFromBytes(bytes, start, end).bytes);
        } catch (err) {
          errorOffsets.push(out.length);
          out.push(Buffer.from(`${errorLine(err, lineNumber)}\n`, 'utf8'));
          bad++;
        }
      }
      start = nl + 1;
    }
    return { out: out.bytes.subarray(0, out.length), lines: lineNumber - firstLine, bad, errorOffsets };
  }

  /**
   * A block's output with the line number of each error result raised by `offset`: a block
   * evaluated before the lines ahead of it were counted (on another thread) numbers its lines from 1.
   */
  static renumberErrors(block: BatchBlockResult, offset: number): Buffer {
    if (offset === 0 || block.errorOffsets.length === 0) return block.out;
    const out = block.out;
    const parts: Buffer[] = [];
    let from = 0;
    for (const at of block.errorOffsets) {
      const digits = at + ERROR_PREFIX.length;
      const comma = out.indexOf(44, digits);
      parts.push(
        out.subarray(from, digits),
        Buffer.from(String(Number(out.toString('latin1', digits, comma)) + offset)),
      );
      from = comma;
    }
    parts.push(out.subarray(from));
    return Buffer.concat(parts);
  }

  /**
   * The request of the line at `bytes[start..)` when the line is the previous line's text around a
   * request the reader takes (ending before `limit`), with `lineEnd` just past that text; else
   * undefined. The line may go on after `lineEnd`: the caller checks that it ends there.
   */
  private repeatedLine(bytes: Buffer, start: number, limit: number): EvaluationRequest | undefined {
    const head = this.lastHeadBytes;
    const rest = this.lastRestBytes;
    if (head === undefined || rest === undefined || !matchAt(bytes, start, head, limit)) return undefined;
    const request = this.reader.read(bytes, start + head.length, limit);
    if (request === undefined) return undefined;
    const at = this.reader.pos;
    if (!matchAt(bytes, at, rest, limit)) return undefined;
    this.lineEnd = at + rest.length;
    return request;
  }

  /** The result line for a request of the last line's policy set. */
  private answer(request: EvaluationRequest): BatchResultLine {
    const set = this.lastSet!;
    if (set instanceof PolicyInputError) throw set;
    return set.line(request);
  }

  /** The result of the line at `bytes[start..end)`; throws for a line that cannot be evaluated. */
  private lineFromBytes(bytes: Buffer, start: number, end: number): BatchResultLine {
    const request = this.repeatedLine(bytes, start, end);
    if (request !== undefined && this.lineEnd === end) return this.answer(request);
    return this.evaluateLine(bytes.toString('utf8', start, end));
  }

  private evaluateLine(line: string): BatchResultLine {
    // Fast path: the line is the previous line's text around a different request value. Whatever
    // lies between that head and rest is the request, and JSON.parse of it checks it is one value.
    const head = this.lastHead;
    const rest = this.lastRest;
    if (
      head !== undefined &&
      rest !== undefined &&
      line.length > head.length + rest.length &&
      // slice and === compare memory at once; startsWith/endsWith go character by character.
      line.slice(line.length - rest.length) === rest &&
      line.slice(0, head.length) === head
    ) {
      let request: unknown;
      let isValue = true;
      try {
        request = JSON.parse(line.slice(head.length, line.length - rest.length));
      } catch {
        // Not one JSON value there: the line has another shape, which the full scan finds out.
        isValue = false;
      }
      if (isValue) return this.answer(readRequest(request));
    }
    const members = scanMembers(line);
    if (members === undefined) throw new LineError(null, describeJsonError(line));
    let request: Member | undefined;
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      for (let j = 0; j < i; j++) if (members[j]!.key === m.key) throw new LineError(m.key, 'appears twice');
      if (m.key === 'request') request = m;
      else if (!POLICY_MEMBERS.has(m.key)) {
        throw new LineError(
          m.key,
          `is not a batch field (expected request, ${[...POLICY_MEMBERS].join(', ')})`,
        );
      }
    }
    if (request === undefined) throw new LineError('request', 'is missing');
    const set = this.policySet(line, members, request);
    if (set instanceof PolicyInputError) throw set;
    return set.line(readRequest(parseRequest(line.slice(request.start, request.end))));
  }

  private policySet(
    line: string,
    members: readonly Member[],
    request: Member,
  ): BatchResultCache | PolicyInputError {
    const head = line.slice(0, request.start);
    const rest = line.slice(request.end);
    let set = this.sets.get(`${head}\u0000${rest}`);
    if (set === undefined) {
      try {
        set = new BatchResultCache(compilePolicySet(readPolicySet(line, members), this.options));
      } catch (err) {
        if (!(err instanceof PolicyInputError)) throw err;
        set = err;
      }
      if (this.sets.size >= 1000) this.sets.clear();
      this.sets.set(`${head}\u0000${rest}`, set);
    }
    if (head !== this.lastHead || rest !== this.lastRest) {
      this.lastHead = head;
      this.lastRest = rest;
      this.lastHeadBytes = Buffer.from(head, 'utf8');
      this.lastRestBytes = Buffer.from(rest, 'utf8');
    }
    this.lastSet = set;
    return set;
  }
}
