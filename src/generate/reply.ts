// Reads what a model answered into a policy draft, a "cannot draft" reason, or a clear failure.
//
// The contract is the seed's: {"policy": <policy JSON as a string or an object>, "policy_type":
// "IDENTITY_POLICY" | "RESOURCE_POLICY", "description": "..."}, or {"error": "<why not>"}.
// Models wrap it in code fences or prose, repeat it, or return the bare policy; all of that is
// read. Leniency stops where a repair could change what the policy means:
// - accepted: code fences, prose around the JSON, several JSON objects when exactly one distinct
//   object carries the contract's keys, the policy as a JSON string or an object, a bare policy
//   document (its type inferred: a Principal makes it a resource policy), `policyType` spelled
//   in camelCase, policy_type in any letter case, trailing commas before } or ] (only one reading
//   is possible), a missing description.
// - refused: typographic quotes (“ ”) or single quotes as JSON quotes (a quote inside a value
//   would be ambiguous), comments, two different drafts or a draft plus an error (which one did
//   the model mean?), duplicate contract keys, any policy_type other than the two above, pieces
//   salvaged from inside a broken or cut-off object, and a bare policy when some other object in
//   the reply is broken (it may have been the real answer).
// Nothing is evaluated: only JSON parsing. Input is capped in size and in the work spent on it.
import { JsonSyntaxError, parseJson } from '../policy/index.ts';
import type { JsonObject, JsonNode } from '../policy/index.ts';
import type { StopReason } from './llm.ts';

export type DraftPolicyType = 'IDENTITY_POLICY' | 'RESOURCE_POLICY';

export interface DraftReply {
  readonly kind: 'draft';
  readonly policy: Record<string, unknown>;
  /**
   * The policy as JSON text: exactly as the model wrote it when it wrote text (after the trailing
   * comma repair, if any), serialized otherwise. Validate this text, not a re-serialization of
   * `policy`: it keeps duplicate keys and source positions.
   */
  readonly policyText: string;
  readonly policyType: DraftPolicyType;
  readonly description: string;
  /** Repairs and inferences applied, in plain words, for logs. */
  readonly notes: readonly string[];
}

export interface ErrorReply {
  readonly kind: 'error';
  /** The model's reason for not drafting (the seed's {"error": ...}). */
  readonly reason: string;
  readonly notes: readonly string[];
}

export type ReplyFailureCode =
  | 'EMPTY'
  | 'TOO_LARGE'
  | 'TRUNCATED'
  | 'NO_JSON'
  | 'INVALID_JSON'
  | 'NO_CONTRACT'
  | 'AMBIGUOUS'
  | 'BAD_POLICY'
  | 'BAD_POLICY_TYPE'
  | 'BAD_FIELD';

export interface ReplyFailure {
  readonly kind: 'unparseable';
  readonly code: ReplyFailureCode;
  /** What is wrong, in words that can go back to the model in a retry. */
  readonly message: string;
}

export type ParsedReply = DraftReply | ErrorReply | ReplyFailure;

export interface ReplyInput {
  readonly text: string;
  /** A provider's structured output (tool input, parsed JSON schema reply); preferred to text. */
  readonly structured?: unknown;
  /** With `max_tokens`, an unclosed JSON object is reported as TRUNCATED. */
  readonly stopReason?: StopReason;
}

export interface ReplyOptions {
  /** Longest reply text read, in UTF-16 code units (default 200,000). */
  readonly maxChars?: number;
}

const DEFAULT_MAX_CHARS = 200_000;
/** Bound on JSON parse attempts over one reply, so hostile text cannot make us scan it endlessly. */
const MAX_PARSE_ATTEMPTS = 64;
const MAX_REASON_CHARS = 4_000;

type Result<T> = { ok: true; value: T } | { ok: false; failure: ReplyFailure };

function failure(code: ReplyFailureCode, message: string): { ok: false; failure: ReplyFailure } {
  return { ok: false, failure: { kind: 'unparseable', code, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object found in text: its value, its syntax tree, and the text it was parsed from. */
interface Candidate {
  readonly value: Record<string, unknown>;
  readonly root: JsonObject;
  readonly text: string;
  readonly repaired: boolean;
}

/** Drops commas that directly precede `}` or `]` outside strings. */
function removeTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ',') {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === '}' || text[j] === ']') continue;
    }
    out += c;
  }
  return out;
}

function syntaxHint(text: string, err: unknown): string {
  if (/[\u201c\u201d\u201e\u201f]/.test(text))
    return 'it uses typographic quotes (“ ”) where JSON needs straight double quotes (")';
  const detail = err instanceof JsonSyntaxError ? err.message : String(err);
  return detail.charAt(0).toLowerCase() + detail.slice(1);
}

type Parsed = { ok: true; candidate: Candidate | undefined } | { ok: false; reason: string };

/** Parses text that should be one JSON value; objects become candidates, other values are ignored. */
function parseCandidate(text: string): Parsed {
  const attempt = (source: string, repaired: boolean): Candidate | undefined => {
    const parsed = parseJson(source);
    if (parsed.root.type !== 'object') return undefined;
    // JSON.parse gives plain own properties even for a "__proto__" key; the tree gives structure.
    return {
      value: JSON.parse(source) as Record<string, unknown>,
      root: parsed.root,
      text: source,
      repaired,
    };
  };
  try {
    return { ok: true, candidate: attempt(text, false) };
  } catch (err) {
    const repairedText = removeTrailingCommas(text);
    if (repairedText !== text) {
      try {
        return { ok: true, candidate: attempt(repairedText, true) };
      } catch {
        // Report the original problem, not one in our repaired copy.
      }
    }
    return { ok: false, reason: syntaxHint(text, err) };
  }
}

/** Index just past the `}` matching the `{` at `start`, or -1 when it never closes. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */ && --depth === 0) return i + 1;
  }
  return -1;
}

interface Scan {
  readonly candidates: Candidate[];
  /** Why balanced `{…}` spans that looked like JSON failed to parse. */
  readonly syntaxProblems: string[];
  readonly unclosed: boolean;
}

/** `{` followed by a quote: meant as JSON, unlike braces in prose such as "{bucket}". */
function looksLikeJson(text: string, start: number): boolean {
  return /^\{\s*["'\u201c\u201d]/.test(text.slice(start, start + 64));
}

/**
 * Finds the JSON objects in free text (code fences and prose are just text around them). Braces
 * in prose are skipped over. A span meant as JSON that does not parse is reported and not searched
 * for smaller objects inside: salvaging a nested piece of a broken answer could change its meaning.
 */
function scanObjects(text: string): Scan {
  const candidates: Candidate[] = [];
  const syntaxProblems: string[] = [];
  let unclosed = false;
  let pos = 0;
  let attempts = 0;
  while (attempts < MAX_PARSE_ATTEMPTS) {
    const start = text.indexOf('{', pos);
    if (start < 0) break;
    attempts++;
    const meant = looksLikeJson(text, start);
    const end = matchingBrace(text, start);
    if (end < 0) {
      if (meant) {
        // Everything after it is inside it: the reply was cut off or its braces do not match.
        unclosed = true;
        break;
      }
      pos = start + 1;
      continue;
    }
    const parsed = parseCandidate(text.slice(start, end));
    if (parsed.ok && parsed.candidate) {
      candidates.push(parsed.candidate);
      pos = end;
    } else if (meant) {
      if (!parsed.ok) syntaxProblems.push(parsed.reason);
      pos = end;
    } else {
      pos = start + 1;
    }
  }
  return { candidates, syntaxProblems, unclosed };
}

function memberNode(root: JsonObject, key: string): JsonNode | undefined {
  let found: JsonNode | undefined;
  for (const m of root.members) if (m.key === key) found = m.value;
  return found;
}

function has(value: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(value, key) && value[key] !== null && value[key] !== '';
}

/** Carries the contract's keys (even empty ones, so an empty error is reported, not skipped). */
function isContract(value: Record<string, unknown>): boolean {
  return Object.hasOwn(value, 'policy') || Object.hasOwn(value, 'error');
}

function isBarePolicy(value: Record<string, unknown>): boolean {
  return Object.hasOwn(value, 'Statement') && !isContract(value);
}

/** A policy with a Principal (or NotPrincipal) in any statement is a resource policy. */
export function inferPolicyType(policy: Record<string, unknown>): DraftPolicyType {
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return statements.some(
    (s) => isRecord(s) && (Object.hasOwn(s, 'Principal') || Object.hasOwn(s, 'NotPrincipal')),
  )
    ? 'RESOURCE_POLICY'
    : 'IDENTITY_POLICY';
}

function checkPolicyShape(policy: unknown): string | undefined {
  if (!isRecord(policy)) return 'the policy is not a JSON object';
  if (!Object.hasOwn(policy, 'Statement')) return 'the policy has no Statement';
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  if (statements.length === 0) return 'the policy has an empty Statement list';
  if (!statements.every(isRecord)) return 'every Statement entry must be a JSON object';
  if (Object.hasOwn(policy, 'Version') && typeof policy.Version !== 'string')
    return 'the policy Version must be a string';
  return undefined;
}

function stripFence(text: string): { text: string; stripped: boolean } {
  const m = /^```[\w-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/.exec(text);
  return m ? { text: m[1]!.trim(), stripped: true } : { text, stripped: false };
}

/** The policy from the contract's `policy` field: a JSON string holding it, or the object itself. */
function readPolicyField(
  value: unknown,
  node: JsonNode | undefined,
  source: string | undefined,
  notes: string[],
): Result<{ policy: Record<string, unknown>; policyText: string }> {
  let policy: unknown = value;
  let policyText: string;
  if (typeof value === 'string') {
    const fenced = stripFence(value.trim());
    if (fenced.stripped) notes.push('the policy string was wrapped in a code fence; the fence was removed');
    const parsed = parseCandidate(fenced.text);
    if (!parsed.ok) return failure('BAD_POLICY', `the "policy" string is not valid JSON: ${parsed.reason}`);
    if (!parsed.candidate) return failure('BAD_POLICY', 'the "policy" string does not hold a JSON object');
    if (parsed.candidate.repaired) notes.push('trailing commas were removed from the policy');
    policy = parsed.candidate.value;
    policyText = parsed.candidate.text;
  } else if (isRecord(value)) {
    policyText =
      source !== undefined && node ? source.slice(node.start, node.end) : JSON.stringify(value, null, 2);
  } else {
    return failure(
      'BAD_POLICY',
      `"policy" must be a JSON object or a string holding one, not ${describe(value)}`,
    );
  }
  const problem = checkPolicyShape(policy);
  if (problem) return failure('BAD_POLICY', problem);
  return { ok: true, value: { policy: policy as Record<string, unknown>, policyText } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function readPolicyType(
  wrapper: Record<string, unknown>,
  policy: Record<string, unknown>,
  notes: string[],
): Result<DraftPolicyType> {
  const key = Object.hasOwn(wrapper, 'policy_type')
    ? 'policy_type'
    : Object.hasOwn(wrapper, 'policyType')
      ? 'policyType'
      : undefined;
  const raw = key === undefined ? undefined : wrapper[key];
  if (raw === undefined || raw === null || raw === '') {
    const inferred = inferPolicyType(policy);
    notes.push(`policy_type was missing; ${inferred} was inferred from the policy`);
    return { ok: true, value: inferred };
  }
  if (key === 'policyType') notes.push('policy_type was given as policyType');
  if (typeof raw !== 'string')
    return failure('BAD_POLICY_TYPE', `policy_type must be a string, not ${describe(raw)}`);
  const normalized = raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  if (normalized === 'IDENTITY_POLICY' || normalized === 'RESOURCE_POLICY')
    return { ok: true, value: normalized };
  return failure(
    'BAD_POLICY_TYPE',
    `policy_type ${JSON.stringify(raw.slice(0, 60))} is not IDENTITY_POLICY or RESOURCE_POLICY`,
  );
}

function readErrorReason(value: unknown): string | undefined {
  const reason =
    typeof value === 'string'
      ? value
      : isRecord(value) && typeof value.message === 'string'
        ? value.message
        : isRecord(value) && typeof value.reason === 'string'
          ? value.reason
          : undefined;
  const trimmed = reason?.trim();
  if (!trimmed) return undefined;
  return trimmed.length > MAX_REASON_CHARS ? `${trimmed.slice(0, MAX_REASON_CHARS - 1)}…` : trimmed;
}

/** Reads one object that carries the contract or is a bare policy. */
function interpret(
  value: Record<string, unknown>,
  root: JsonObject | undefined,
  source: string | undefined,
  baseNotes: readonly string[],
): DraftReply | ErrorReply | ReplyFailure {
  const notes = [...baseNotes];
  if (isBarePolicy(value)) {
    const problem = checkPolicyShape(value);
    if (problem) return failure('BAD_POLICY', problem).failure;
    const policyType = inferPolicyType(value);
    notes.push(
      `the reply was a bare policy document without the policy/policy_type/description wrapper; ${policyType} was inferred`,
    );
    return {
      kind: 'draft',
      policy: value,
      policyText: source ?? JSON.stringify(value, null, 2),
      policyType,
      description: '',
      notes,
    };
  }
  if (root) {
    const contractKeys = new Set(['policy', 'policy_type', 'policyType', 'description', 'error']);
    const seen = new Set<string>();
    for (const m of root.members) {
      if (contractKeys.has(m.key) && seen.has(m.key))
        return failure('AMBIGUOUS', `the reply gives "${m.key}" more than once`).failure;
      seen.add(m.key);
    }
  }
  if (has(value, 'policy') && has(value, 'error'))
    return failure('AMBIGUOUS', 'the reply both drafts a policy and reports an error').failure;
  if (Object.hasOwn(value, 'error') && !has(value, 'policy')) {
    const reason = readErrorReason(value.error);
    if (reason === undefined)
      return failure('BAD_FIELD', '"error" must be a non-empty string saying why no policy can be drafted')
        .failure;
    return { kind: 'error', reason, notes };
  }
  const policy = readPolicyField(value.policy, root ? memberNode(root, 'policy') : undefined, source, notes);
  if (!policy.ok) return policy.failure;
  const policyType = readPolicyType(value, policy.value.policy, notes);
  if (!policyType.ok) return policyType.failure;
  const description = value.description;
  if (description !== undefined && description !== null && typeof description !== 'string')
    return failure('BAD_FIELD', `"description" must be a string, not ${describe(description)}`).failure;
  if (description === undefined || description === null) notes.push('description was missing');
  return {
    kind: 'draft',
    policy: policy.value.policy,
    policyText: policy.value.policyText,
    policyType: policyType.value,
    description: typeof description === 'string' ? description.trim() : '',
    notes,
  };
}

/** Picks the one distinct candidate of a kind; several different ones are ambiguous. */
function pick(candidates: Candidate[], what: string): Candidate | ReplyFailure | undefined {
  const distinct = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = JSON.stringify(c.value);
    if (!distinct.has(key)) distinct.set(key, c);
  }
  if (distinct.size > 1)
    return failure('AMBIGUOUS', `the reply holds ${distinct.size} different ${what}; answer with exactly one`)
      .failure;
  return distinct.values().next().value;
}

function fromText(input: ReplyInput, maxChars: number): ParsedReply {
  if (input.text.length > maxChars)
    return failure(
      'TOO_LARGE',
      `the reply is ${input.text.length} characters long, over the ${maxChars} read`,
    ).failure;
  const text = input.text.replace(/^\uFEFF/, '').trim();
  if (text === '') return failure('EMPTY', 'the reply is empty').failure;

  const scan = scanObjects(text);
  const notes: string[] = [];
  const contract = pick(
    scan.candidates.filter((c) => isContract(c.value)),
    'policy drafts or errors',
  );
  // A bare policy is only a fallback: not when a broken object might have been the real answer.
  const chosen =
    contract ??
    (scan.syntaxProblems.length > 0
      ? undefined
      : pick(
          scan.candidates.filter((c) => isBarePolicy(c.value)),
          'policy documents',
        ));
  if (chosen && 'kind' in chosen) return chosen;
  if (chosen) {
    if (scan.syntaxProblems.length > 0)
      notes.push('another JSON-looking part could not be read and was ignored');
    if (chosen.text.length < text.length) notes.push('text around the JSON was ignored');
    if (scan.candidates.length > 1)
      notes.push(
        `${scan.candidates.length} JSON objects were found; the one with the contract's keys was used`,
      );
    if (chosen.repaired) notes.push('trailing commas were removed');
    return interpret(chosen.value, chosen.root, chosen.text, notes);
  }

  if (scan.unclosed && input.stopReason === 'max_tokens')
    return failure('TRUNCATED', 'the reply was cut off at the token limit before its JSON was complete')
      .failure;
  if (scan.syntaxProblems.length > 0)
    return failure('INVALID_JSON', `the reply's JSON is not valid: ${scan.syntaxProblems[0]}`).failure;
  if (scan.unclosed)
    return failure('INVALID_JSON', 'the reply opens a JSON object that is never closed').failure;
  if (scan.candidates.length > 0)
    return failure(
      'NO_CONTRACT',
      'the reply has JSON but none with "policy" (and "policy_type", "description") or "error", nor a policy document',
    ).failure;
  if (/[{}]/.test(text) && /[\u201c\u201d]/.test(text))
    return failure(
      'INVALID_JSON',
      'the reply uses typographic quotes (“ ”) where JSON needs straight double quotes (")',
    ).failure;
  return failure('NO_JSON', 'the reply has no JSON object').failure;
}

function fromStructured(structured: unknown): ParsedReply | undefined {
  if (typeof structured === 'string') return undefined;
  if (!isRecord(structured))
    return failure('NO_CONTRACT', `the structured output is ${describe(structured)}, not a JSON object`)
      .failure;
  if (!isContract(structured) && !isBarePolicy(structured))
    return failure('NO_CONTRACT', 'the structured output has neither "policy" nor "error"').failure;
  return interpret(structured, undefined, undefined, []);
}

/**
 * Reads a model reply. Structured output is used when present and usable; otherwise (or when it
 * is unusable and the text has something better) the text is read.
 */
export function parseReply(reply: string | ReplyInput, options: ReplyOptions = {}): ParsedReply {
  const input: ReplyInput = typeof reply === 'string' ? { text: reply } : reply;
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  if (input.structured !== undefined) {
    const structured =
      typeof input.structured === 'string'
        ? fromText({ ...input, text: input.structured }, maxChars)
        : fromStructured(input.structured);
    if (structured && structured.kind !== 'unparseable') return structured;
    if (input.text.trim() !== '') {
      const text = fromText(input, maxChars);
      if (text.kind !== 'unparseable') return text;
    }
    if (structured) return structured;
  }
  return fromText(input, maxChars);
}
