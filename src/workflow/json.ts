// JSON values as the interpreter passes them between states, and the size rules Step Functions
// applies to them.
import { STATES_ERRORS, StatesError } from './errors.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Step Functions' limit on a state's input, output, result and on one variable: 256 KiB. */
export const MAX_PAYLOAD_BYTES = 262_144;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jsonBytes(value: Json): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** Throws States.DataLimitExceeded when a payload is over 256 KiB. */
export function checkPayloadSize(value: Json, what: string, limit = MAX_PAYLOAD_BYTES): void {
  const size = jsonBytes(value);
  if (size > limit) {
    throw new StatesError(
      STATES_ERRORS.DataLimitExceeded,
      `The ${what} is ${size} bytes; the limit is ${limit} bytes.`,
    );
  }
}

/**
 * A copy of a value as plain JSON: Dates become ISO strings, undefined members are left out,
 * anything else that JSON cannot hold (functions, non-finite numbers, cycles) is an error.
 */
export function toJson(value: unknown, path = '', seen: Set<object> = new Set()): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path || 'the value'} is not a finite number`);
    return value;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') {
    if (seen.has(value)) throw new TypeError(`${path || 'the value'} refers to itself`);
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const out: Json[] = [];
        value.forEach((item, i) => {
          if (item !== undefined) out.push(toJson(item, `${path}[${i}]`, seen));
        });
        return out;
      }
      const out: JsonObject = {};
      for (const [key, item] of Object.entries(value)) {
        if (item !== undefined) out[key] = toJson(item, path ? `${path}.${key}` : key, seen);
      }
      return out;
    } finally {
      seen.delete(value);
    }
  }
  throw new TypeError(`${path || 'the value'} is a ${typeof value}, which JSON cannot hold`);
}
