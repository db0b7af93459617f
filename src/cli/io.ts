// What a command needs from the process, passed in so commands are testable in-process.
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';

export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Reads all of standard input. */
  readStdin(): Promise<string>;
  /** Standard input as it arrives, for commands that stream (absent: use readStdin). */
  readonly stdinStream?: () => AsyncIterable<string | Uint8Array>;
  /**
   * Standard input's file descriptor, for commands that read a regular file given as standard
   * input (`< FILE`) as they read a named one (absent: stdinStream or readStdin).
   */
  readonly stdinFd?: number;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ends long-running commands (serve) when aborted, besides SIGINT and SIGTERM. */
  readonly signal?: AbortSignal;
}

/** Exit codes shared by every command (ARCHITECTURE.md). */
export const EXIT = { ok: 0, checkFailed: 1, usage: 2, runtime: 3 } as const;

/** A problem with how the command was called or with its input: exit 2 with this message. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinStream: () => process.stdin,
    stdinFd: 0,
    cwd: process.cwd(),
    env: process.env,
  };
}

/** Reads an input file, turning the usual failures into a UsageError that names the file. */
export async function readInputFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
}

/** Parses a comma-separated option value into its trimmed, non-empty parts. */
export function listOption(values: string | string[] | undefined): string[] {
  const all = Array.isArray(values) ? values : values === undefined ? [] : [values];
  return all
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** Validates an enumerated option value. */
export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
}

/** Who runs the command, for records that name an actor: the OS user name, or "cli". */
export function osUserName(): string {
  try {
    return userInfo().username || 'cli';
  } catch {
    return 'cli';
  }
}

/** An option giving a number of days, at least `minimum` (fractions allowed: 1.5 is a day and a half). */
export function daysOption(name: string, raw: string | undefined, minimum: number): number {
  const days = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  if (!(days >= minimum) || !Number.isFinite(days))
    throw new UsageError(`--${name} must be a number of days of at least ${minimum} (got "${raw ?? ''}")`);
  return days;
}
