// The AWS Query protocol's request side: form parameters such as `Tags.member.1.Key=k` or
// `MessageAttributes.entry.1.Value.DataType=String` turned back into the input object.
import { CloudError } from '../errors.ts';

/** Members whose values are numbers or booleans on the wire; everything else stays a string. */
const NUMBERS = new Set(['MaxItems', 'MaxSessionDuration']);
const BOOLEANS = new Set(['OnlyAttached', 'SetAsDefault']);
/** Members that are lists even when sent empty (`TagKeys=`). */
const LISTS = new Set(['Tags', 'TagKeys', 'Filter']);

type Node = { [key: string]: Node | string };

/** Parses the parameters of one request (without Action and Version) into a plain object. */
export function parseQueryParams(params: URLSearchParams): {
  action: string | undefined;
  version: string | undefined;
  input: Record<string, unknown>;
} {
  const root: Node = {};
  let action: string | undefined;
  let version: string | undefined;
  for (const [name, value] of params) {
    if (name === 'Action') action = value;
    else if (name === 'Version') version = value;
    else setPath(root, name.split('.'), value, name);
  }
  return { action, version, input: convert(root, '') as Record<string, unknown> };
}

function setPath(node: Node, parts: string[], value: string, name: string): void {
  let current = node;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const next = current[part];
    if (typeof next === 'string') throw badParameter(name);
    current = next ?? (current[part] = {});
  }
  const last = parts[parts.length - 1]!;
  if (typeof current[last] === 'object') throw badParameter(name);
  current[last] = value;
}

function badParameter(name: string): CloudError {
  return new CloudError('ValidationError', `The request parameter ${name} is malformed or repeated.`);
}

function convert(node: Node | string, name: string): unknown {
  if (typeof node === 'string') {
    if (LISTS.has(name) && node === '') return [];
    if (NUMBERS.has(name)) {
      const n = Number(node);
      if (node.trim() === '' || !Number.isFinite(n)) {
        throw new CloudError(
          'ValidationError',
          `Value '${node}' at '${lowerFirst(name)}' failed to satisfy constraint: Member must be a number`,
        );
      }
      return n;
    }
    if (BOOLEANS.has(name)) {
      if (node !== 'true' && node !== 'false') {
        throw new CloudError(
          'ValidationError',
          `Value '${node}' at '${lowerFirst(name)}' failed to satisfy constraint: Member must be true or false`,
        );
      }
      return node === 'true';
    }
    return node;
  }
  const keys = Object.keys(node);
  if (keys.length === 1 && (keys[0] === 'member' || keys[0] === 'entry')) {
    const items = node[keys[0]!];
    if (items === undefined || typeof items === 'string') throw badParameter(name);
    const ordered = Object.keys(items)
      .map((k) => {
        const index = Number(k);
        if (!Number.isInteger(index) || index < 1) throw badParameter(`${name}.${keys[0]}.${k}`);
        return index;
      })
      .sort((a, b) => a - b)
      .map((index) => items[String(index)]!);
    if (keys[0] === 'member') return ordered.map((item) => convert(item, ''));
    // A map: each entry has Name (or key) and Value.
    const map: Record<string, unknown> = {};
    for (const entry of ordered) {
      if (typeof entry === 'string') throw badParameter(name);
      const key = entry.Name ?? entry.key;
      const value = entry.Value ?? entry.value;
      if (typeof key !== 'string' || value === undefined) throw badParameter(name);
      map[key] = convert(value, '');
    }
    return map;
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = convert(node[key]!, key);
  return out;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
