// Records the nondeterministic values an evaluation draws ($now/$millis, $uuid, $random, task
// tokens) under keys that name the state entry, the phase and the call, and replays them when the
// same phase is evaluated again after a restart, so the second evaluation sees the first one's values.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Nondeterminism } from './expressions.ts';
import type { Json } from './json.ts';

/** Where fresh values come from (injectable for tests). */
export interface RandomSources {
  /** Epoch milliseconds. */
  now(): number;
  uuid(): string;
  /** [0, 1). */
  random(): number;
  /** An opaque task token. */
  token(): string;
}

export function defaultSources(clock: () => Date): RandomSources {
  return {
    now: () => clock().getTime(),
    uuid: () => randomUUID(),
    random: () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48,
    token: () => randomBytes(32).toString('base64url'),
  };
}

export class Recorder implements Nondeterminism {
  readonly #prefix: string;
  readonly #replay: Readonly<Record<string, Json>>;
  readonly #sources: RandomSources;
  readonly #counts = new Map<string, number>();
  /** Values drawn fresh in this phase, to be committed with its effect. */
  readonly recorded: Record<string, Json> = {};

  /** `prefix` names the phase, e.g. `7/CreatePolicy/arguments#0/`. */
  constructor(prefix: string, sources: RandomSources, replay: Readonly<Record<string, Json>> = {}) {
    this.#prefix = prefix;
    this.#sources = sources;
    this.#replay = replay;
  }

  #take<T extends Json>(name: string, make: () => T): T {
    const n = (this.#counts.get(name) ?? 0) + 1;
    this.#counts.set(name, n);
    const key = `${this.#prefix}${name}#${n}`;
    if (Object.hasOwn(this.#replay, key)) return this.#replay[key] as T;
    const value = make();
    this.recorded[key] = value;
    return value;
  }

  clock(): number {
    return this.#take('$millis', () => this.#sources.now());
  }

  uuid(): string {
    return this.#take('$uuid', () => this.#sources.uuid());
  }

  random(): number {
    return this.#take('$random', () => this.#sources.random());
  }

  token(): string {
    return this.#take('taskToken', () => this.#sources.token());
  }

  /** Jitter for a retry's backoff. */
  jitter(): number {
    return this.#take('jitter', () => this.#sources.random());
  }
}
