// Runs `grantflow` in-process with captured output, or as a real child process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/io.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  options: { stdin?: string; cwd?: string; tty?: boolean; env?: Record<string, string> } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t), isTTY: options.tty ?? false },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => options.stdin ?? '',
    cwd: options.cwd ?? process.cwd(),
    env: { ...options.env },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const binPath = fileURLToPath(new URL('../../bin/grantflow.js', import.meta.url));

/**
 * Runs the built command (`bin/grantflow.js` → dist/) with the Node running the tests. Standard
 * input is `input`, or the open file `stdinFd` (as `< FILE` gives it).
 */
export function spawnCli(
  argv: string[],
  options: { input?: string; stdinFd?: number; cwd?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, [binPath, ...argv], {
    ...(options.stdinFd === undefined
      ? { input: options.input ?? '' }
      : { stdio: [options.stdinFd, 'pipe', 'pipe'] }),
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * For an in-process command that runs until stopped (`serve`): its io, what it has written to
 * standard error so far, and `stop()`, which aborts it as SIGTERM would.
 */
export function stoppableIo(options: { cwd?: string; env?: Record<string, string> } = {}): {
  io: CliIo;
  stderr: () => string;
  stop: () => void;
} {
  let stderr = '';
  const controller = new AbortController();
  const io: CliIo = {
    stdout: { write: () => true },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => '',
    cwd: options.cwd ?? process.cwd(),
    env: { ...options.env },
    signal: controller.signal,
  };
  return { io, stderr: () => stderr, stop: () => controller.abort() };
}
