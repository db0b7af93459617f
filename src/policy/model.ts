// The typed policy model. It is read leniently from the parsed JSON: every element keeps the
// node it came from and its Access Analyzer path, so checks can point at the text, and a
// malformed element is kept (as `invalid`) for the structure checks to report rather than lost.
import type { JsonArray, JsonMember, JsonNode, JsonObject, ParsedJson } from './json.ts';
import { parseJson } from './json.ts';

/** The policy kinds IAM and Organizations accept, each with its own grammar and quotas. */
export type PolicyType = 'identity' | 'resource' | 'trust' | 'scp' | 'rcp' | 'boundary' | 'session';

export const POLICY_TYPES: readonly PolicyType[] = [
  'identity',
  'resource',
  'trust',
  'scp',
  'rcp',
  'boundary',
  'session',
];

/** One step of an Access Analyzer location path. */
export type PathElement =
  | { readonly value: string }
  | { readonly key: string }
  | { readonly index: number }
  | { readonly substring: { readonly start: number; readonly length: number } };

export type Path = readonly PathElement[];

/** A string element of the policy with where it came from. */
export interface PolicyString {
  readonly value: string;
  readonly node: JsonNode;
  readonly path: Path;
}

/** A value list element such as Action: a single string or an array of strings in the text. */
export interface ValueList {
  readonly node: JsonNode;
  readonly path: Path;
  readonly isArray: boolean;
  /** The string entries; entries of another JSON type are in `invalid`. */
  readonly values: PolicyString[];
  readonly invalid: { readonly node: JsonNode; readonly path: Path }[];
}

export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';

export interface PrincipalEntry {
  /** `AWS`, `Service`, `Federated`, `CanonicalUser`, or whatever unknown key was written. */
  readonly type: string;
  readonly keyPath: Path;
  readonly values: ValueList;
}

export interface PrincipalElement {
  readonly node: JsonNode;
  readonly path: Path;
  /** `"Principal": "*"`: everyone, including anonymous callers. */
  readonly wildcard: PolicyString | undefined;
  readonly entries: PrincipalEntry[];
}

export interface ConditionValue {
  /** The value as IAM compares it: strings as written, numbers and booleans as their text. */
  readonly value: string;
  readonly jsonType: 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';
  readonly node: JsonNode;
  readonly path: Path;
}

export interface ConditionEntry {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  readonly operatorPath: Path;
  readonly operatorMember: JsonMember;
  readonly key: string;
  readonly keyPath: Path;
  readonly keyMember: JsonMember;
  readonly valueNode: JsonNode;
  readonly valuePath: Path;
  readonly valueIsArray: boolean;
  readonly values: ConditionValue[];
}

export interface Statement {
  readonly index: number;
  readonly node: JsonNode;
  readonly path: Path;
  /** All members in order, to find unknown and misplaced elements. */
  readonly members: readonly JsonMember[];
  readonly sid?: PolicyString;
  readonly effect?: PolicyString;
  readonly action?: ValueList;
  readonly notAction?: ValueList;
  readonly resource?: ValueList;
  readonly notResource?: ValueList;
  readonly principal?: PrincipalElement;
  readonly notPrincipal?: PrincipalElement;
  /** Present when the Condition element exists; entries are the operator/key pairs. */
  readonly condition?: { readonly node: JsonNode; readonly path: Path; readonly entries: ConditionEntry[] };
}

export interface Policy {
  readonly json: ParsedJson;
  readonly root: JsonNode;
  readonly version?: PolicyString;
  readonly id?: PolicyString;
  /** Present when the document has a Statement element. */
  readonly statementElement?: { readonly node: JsonNode; readonly path: Path; readonly isArray: boolean };
  readonly statements: Statement[];
}

const STATEMENT_PATH: Path = [{ value: 'Statement' }];

function member(obj: JsonObject, name: string): JsonMember | undefined {
  // IAM element names are case-sensitive; the first occurrence wins (duplicates are reported).
  for (const m of obj.members) if (m.key === name) return m;
  return undefined;
}

function asString(node: JsonNode, path: Path): PolicyString | undefined {
  return node.type === 'string' ? { value: node.value, node, path } : undefined;
}

export function readValueList(node: JsonNode, path: Path): ValueList {
  const values: PolicyString[] = [];
  const invalid: { node: JsonNode; path: Path }[] = [];
  if (node.type === 'array') {
    node.items.forEach((item, index) => {
      const itemPath = [...path, { index }];
      if (item.type === 'string') values.push({ value: item.value, node: item, path: itemPath });
      else invalid.push({ node: item, path: itemPath });
    });
  } else if (node.type === 'string') {
    values.push({ value: node.value, node, path });
  } else {
    invalid.push({ node, path });
  }
  return { node, path, isArray: node.type === 'array', values, invalid };
}

function readPrincipal(node: JsonNode, path: Path): PrincipalElement {
  const entries: PrincipalEntry[] = [];
  let wildcard: PolicyString | undefined;
  if (node.type === 'string') wildcard = { value: node.value, node, path };
  else if (node.type === 'object') {
    for (const m of node.members) {
      entries.push({
        type: m.key,
        keyPath: [...path, { key: m.key }],
        values: readValueList(m.value, [...path, { value: m.key }]),
      });
    }
  }
  return { node, path, wildcard, entries };
}

function conditionValue(node: JsonNode, path: Path): ConditionValue {
  const value =
    node.type === 'string'
      ? node.value
      : node.type === 'number'
        ? node.raw
        : node.type === 'boolean'
          ? String(node.value)
          : '';
  return { value, jsonType: node.type, node, path };
}

function readCondition(node: JsonNode, path: Path): NonNullable<Statement['condition']> {
  const entries: ConditionEntry[] = [];
  if (node.type === 'object') {
    for (const opMember of node.members) {
      const opValuePath = [...path, { value: opMember.key }];
      if (opMember.value.type !== 'object') continue; // reported by the structure checks
      for (const keyMember of opMember.value.members) {
        const valuePath = [...opValuePath, { value: keyMember.key }];
        const v = keyMember.value;
        const values =
          v.type === 'array'
            ? v.items.map((item, index) => conditionValue(item, [...valuePath, { index }]))
            : [conditionValue(v, valuePath)];
        entries.push({
          operator: opMember.key,
          operatorPath: [...path, { key: opMember.key }],
          operatorMember: opMember,
          key: keyMember.key,
          keyPath: [...opValuePath, { key: keyMember.key }],
          keyMember,
          valueNode: v,
          valuePath,
          valueIsArray: v.type === 'array',
          values,
        });
      }
    }
  }
  return { node, path, entries };
}

function readStatement(node: JsonNode, index: number, path: Path): Statement {
  if (node.type !== 'object') return { index, node, path, members: [] };
  const at = (name: string): [JsonMember | undefined, Path] => [
    member(node, name),
    [...path, { value: name }],
  ];
  const str = (name: string) => {
    const [m, p] = at(name);
    return m ? asString(m.value, p) : undefined;
  };
  const list = (name: string) => {
    const [m, p] = at(name);
    return m ? readValueList(m.value, p) : undefined;
  };
  const principal = (name: string) => {
    const [m, p] = at(name);
    return m ? readPrincipal(m.value, p) : undefined;
  };
  const [cond, condPath] = at('Condition');
  return {
    index,
    node,
    path,
    members: node.members,
    sid: str('Sid'),
    effect: str('Effect'),
    action: list('Action'),
    notAction: list('NotAction'),
    resource: list('Resource'),
    notResource: list('NotResource'),
    principal: principal('Principal'),
    notPrincipal: principal('NotPrincipal'),
    condition: cond ? readCondition(cond.value, condPath) : undefined,
  };
}

/** Builds the model from parsed JSON. Never throws: what is malformed is left for the checks. */
export function readPolicy(json: ParsedJson): Policy {
  const root = json.root;
  if (root.type !== 'object') return { json, root, statements: [] };
  const version = member(root, 'Version');
  const id = member(root, 'Id');
  const stmt = member(root, 'Statement');
  let statements: Statement[] = [];
  let statementElement: Policy['statementElement'];
  if (stmt) {
    const v = stmt.value;
    statementElement = { node: v, path: STATEMENT_PATH, isArray: v.type === 'array' };
    statements =
      v.type === 'array'
        ? (v as JsonArray).items.map((item, i) => readStatement(item, i, [...STATEMENT_PATH, { index: i }]))
        : [readStatement(v, 0, STATEMENT_PATH)];
  }
  return {
    json,
    root,
    version: version ? asString(version.value, [{ value: 'Version' }]) : undefined,
    id: id ? asString(id.value, [{ value: 'Id' }]) : undefined,
    statementElement,
    statements,
  };
}

/** Parses policy text into the model. Throws JsonSyntaxError on malformed JSON. */
export function parsePolicy(text: string): Policy {
  return readPolicy(parseJson(text));
}

/** The Effect of a statement when it is one IAM accepts. */
export function effectOf(s: Statement): 'Allow' | 'Deny' | undefined {
  const e = s.effect?.value;
  return e === 'Allow' || e === 'Deny' ? e : undefined;
}
