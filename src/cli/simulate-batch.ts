// `grantflow simulate --batch`: JSON Lines requests in, one result line per request out, in order.
//
// The main thread reads the input in blocks of whole lines (1 MiB by default), each in a buffer of
// its own, and writes the results in input order as they come. With N threads, N - 1 workers each
// own a BatchEvaluator; a block's buffer is transferred to a worker and back, never copied, and a
// worker holds at most three blocks. The main thread is the Nth evaluating thread: it takes a block
// when every worker has enough, and all of them while the workers start, when the input comes slower
// than a block at a time, or when it is too short for workers to pay off (WORKER_PAYOFF_MS). Blocks
// read and not yet written are bounded, so memory stays flat whatever the input's size.
import { fstatSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { BatchEvaluator } from '../evaluate/index.ts';
import { EXIT, UsageError } from './io.ts';
import type { CliIo } from './io.ts';

type BatchBlockResult = ReturnType<BatchEvaluator['evaluateBlock']>;

/** A block sent to a worker: `buffer[0..length)` holds whole lines. */
export interface BlockTask {
  readonly seq: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
}

/** What a worker sends back: that it has started, or a block's results (or why it failed). */
export type BlockReply =
  | { readonly ready: true }
  | { readonly seq: number; readonly result: BatchBlockResult; readonly buffer: ArrayBuffer }
  | { readonly seq: number; readonly error: string; readonly buffer: ArrayBuffer };

export interface BatchOptions {
  /** Evaluating threads, the main thread included: 1 starts no worker. */
  readonly threads: number;
  /** Bytes per block (a longer line gets a block of its own). */
  readonly blockSize?: number;
  /** The worker script (tests give one that fails). */
  readonly workerUrl?: URL;
  /** Counts kept as the run goes, for tests and measurements. */
  readonly stats?: BatchStats;
  /**
   * Workers start only for an input that would take the main thread alone at least this long
   * (default WORKER_PAYOFF_MS; tests give 0 to start them as soon as the input holds a few blocks).
   */
  readonly workerPayoffMs?: number;
}

export interface BatchStats {
  blocks: number;
  /** Blocks evaluated by worker threads (the others were evaluated on the main thread). */
  workerBlocks: number;
  workersStarted: number;
  workersReady: number;
}

export const MAX_THREADS = 64;
const DEFAULT_BLOCK_SIZE = 1 << 20;
/**
 * Blocks a worker holds at once: the one it evaluates and two waiting, so that it does not idle
 * while the main thread, which sends them, evaluates a block of its own (and reads and writes).
 */
const BLOCKS_PER_WORKER = 3;
/**
 * Blocks the main thread may evaluate past the oldest one still out: a worker that the system
 * does not run for a while (a busy machine) must not stop the main thread, which writes in order.
 */
const MAIN_THREAD_LEAD = 32;
/**
 * Workers start once this many blocks of input are known to be there (a file's size says so at
 * once; a stream has to fill them): for less, starting them costs more than they would save.
 */
const BLOCKS_FOR_WORKERS = 4;
/**
 * Workers start only when the input would keep the main thread alone busy at least this long
 * (estimated once it has evaluated ESTIMATE_AFTER_BLOCKS blocks, from its quickest block). A worker
 * is slow to pay off: it takes 50–200 ms to start, then runs its first tens of thousands of lines
 * in code that V8 has not optimized yet, while compiling it on background threads (0.25–0.4 s of
 * CPU for the evaluator's code, per thread), and those compiler threads, the worker's and the main
 * thread's, need the same cores. On 2 cores, 100,000 lines (~0.4 s on one thread) ran no faster
 * with a worker than without, and 500,000 lines (~1.7 s) about as fast (bench/RESULTS.md).
 */
export const WORKER_PAYOFF_MS = 1000;
/** Blocks the main thread evaluates before it estimates how long the input will take. */
const ESTIMATE_AFTER_BLOCKS = 16;
/** How long a block of standard input waits for more lines once it holds one. */
const STREAM_PATIENCE_MS = 20;

/**
 * Evaluating threads when --threads is not given: the main thread and one per idle core (cores less
 * the one-minute load average), at most one per core and 8. A worker costs CPU time of its own (it
 * starts, and compiles the evaluator's code again): on cores that other processes keep busy it
 * slows the command down instead of speeding it up.
 */
export function defaultThreads(cores = availableParallelism(), load = loadavg()[0]!): number {
  return Math.max(1, Math.min(cores, 8, 1 + Math.round(cores - load)));
}

/** `--threads N`: a whole number from 1 to MAX_THREADS. */
export function parseThreads(value: string | undefined): number {
  if (value === undefined) return defaultThreads();
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_THREADS)) {
    throw new UsageError(`--threads must be a whole number from 1 to ${MAX_THREADS} (got "${value}")`);
  }
  return n;
}

// The command runs compiled JavaScript (dist/cli-bundle, or tsc's dist/cli); tests run the sources, which
// Node runs with type stripping.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './simulate-batch-worker.ts' : './simulate-batch-worker.js',
  import.meta.url,
);

/** Where bytes come from: `read` fills `target` from `offset` and says how many bytes came. */
interface ByteSource {
  /**
   * Resolves 0 at the end of input. With `patienceMs`, resolves -1 when nothing came in that time
   * (a later read gets what was awaited).
   */
  read(target: Buffer, offset: number, patienceMs?: number): Promise<number>;
  close(): Promise<void>;
  /** The size in bytes, when known in advance. */
  readonly size?: number;
}

/**
 * A regular file, read synchronously: a read from the page cache takes a fraction of a millisecond,
 * and an asynchronous one waits for a thread of libuv's pool, which on a busy machine takes longer
 * than the read itself.
 */
function fileSource(fd: number, size: number, close: () => Promise<void>): ByteSource {
  return {
    // From the file's current position: standard input may have been read from already.
    read: async (target, offset) => readSync(fd, target, offset, target.length - offset, null),
    close,
    size,
  };
}

/** Standard input when it is a regular file (`< FILE`): its size, or undefined for anything else. */
function stdinFileSize(fd: number): number | undefined {
  try {
    const info = fstatSync(fd);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined; // closed: the stream path says so
  }
}

function streamSource(chunks: AsyncIterable<string | Uint8Array>): ByteSource {
  const iterator = chunks[Symbol.asyncIterator]();
  let pending: Buffer | undefined;
  let next: Promise<IteratorResult<string | Uint8Array>> | undefined;
  let ended = false;
  return {
    async read(target, offset, patienceMs) {
      while (pending === undefined || pending.length === 0) {
        if (ended) return 0;
        next ??= iterator.next();
        let result: IteratorResult<string | Uint8Array> | undefined;
        if (patienceMs === undefined) result = await next;
        else {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<undefined>(
            (done) => (timer = setTimeout(() => done(undefined), patienceMs)),
          );
          result = await Promise.race([next, timeout]);
          clearTimeout(timer);
          if (result === undefined) return -1;
        }
        next = undefined;
        if (result.done) ended = true;
        else
          pending =
            typeof result.value === 'string' ? Buffer.from(result.value, 'utf8') : asBuffer(result.value);
      }
      const n = pending.copy(target, offset);
      pending = pending.subarray(n);
      return n;
    },
    close: async () => {
      if (!ended) await iterator.return?.();
    },
  };
}

/** A Buffer view of the bytes (Buffer's indexOf is a memchr; Uint8Array's is not). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function cannotRead(file: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  throw new UsageError(`cannot read ${file}: ${why}`);
}

async function openSource(source: string, io: CliIo): Promise<{ bytes: ByteSource; patienceMs?: number }> {
  if (source === '-') {
    // A file given as standard input is read as a named file is: synchronously, in whole blocks
    // (a stream of it comes in 64 KiB chunks, each a promise and a copy). Not closed: not ours.
    const fd = io.stdinFd;
    const size = fd === undefined ? undefined : stdinFileSize(fd);
    if (fd !== undefined && size !== undefined) return { bytes: fileSource(fd, size, async () => {}) };
    const stream = io.stdinStream?.();
    if (stream !== undefined) return { bytes: streamSource(stream), patienceMs: STREAM_PATIENCE_MS };
    const whole = async function* () {
      yield await io.readStdin();
    };
    return { bytes: streamSource(whole()) };
  }
  const path = resolve(io.cwd, source);
  const info = await stat(path).catch((err: unknown) => cannotRead(source, err));
  if (info.isDirectory()) throw new UsageError(`cannot read ${source}: it is a directory`);
  const handle = await open(path, 'r').catch((err: unknown) => cannotRead(source, err));
  if (info.isFile()) return { bytes: fileSource(handle.fd, info.size, () => handle.close()) };
  // A named pipe or a device: its writer may be slow, so read it as standard input is read.
  const stream = streamSource(handle.createReadStream());
  return { bytes: { read: stream.read, close: async () => handle.close() }, patienceMs: STREAM_PATIENCE_MS };
}

interface Block {
  readonly buffer: ArrayBuffer;
  readonly length: number;
  /** Cut because the buffer was full: more input is at hand. */
  readonly full: boolean;
}

/**
 * Cuts the input into blocks of whole lines, each in a buffer of its own so that it can be handed to
 * another thread. The part of a line cut at a block's end starts the next block.
 */
class BlockReader {
  private carry: Buffer | undefined;
  private ended = false;
  private readonly source: ByteSource;
  private readonly patienceMs: number | undefined;

  constructor(source: ByteSource, patienceMs: number | undefined) {
    this.source = source;
    this.patienceMs = patienceMs;
  }

  /** The next block, read into `buffer` (or a larger one for a line longer than it), or undefined at the end. */
  async next(buffer: ArrayBuffer): Promise<Block | undefined> {
    if (this.ended) return undefined;
    let target = Buffer.from(buffer);
    let filled = 0;
    let hasLine = false;
    if (this.carry !== undefined) {
      if (this.carry.length >= target.length) target = Buffer.from(new ArrayBuffer(this.carry.length * 2));
      filled = this.carry.copy(target);
      this.carry = undefined;
    }
    for (;;) {
      if (filled === target.length) {
        const last = target.lastIndexOf(10);
        if (last >= 0) return this.cut(target, last + 1, filled, true);
        // One line longer than the block: give it a larger one.
        const larger = Buffer.from(new ArrayBuffer(target.length * 2));
        target.copy(larger);
        target = larger;
      }
      const n = await this.source.read(target, filled, hasLine ? this.patienceMs : undefined);
      if (n === 0) {
        this.ended = true;
        return filled === 0 ? undefined : { buffer: target.buffer, length: filled, full: false };
      }
      if (n < 0) return this.cut(target, target.lastIndexOf(10, filled - 1) + 1, filled, false);
      hasLine ||= target.subarray(filled, filled + n).includes(10);
      filled += n;
    }
  }

  private cut(target: Buffer, length: number, filled: number, full: boolean): Block {
    if (length < filled) this.carry = Buffer.from(target.subarray(length, filled));
    return { buffer: target.buffer as ArrayBuffer, length, full };
  }
}

interface Evaluator {
  readonly worker: Worker;
  ready: boolean;
  /** Blocks sent and not yet answered. */
  held: number;
}

interface PoolEvents {
  ready(): void;
  result(seq: number, result: BatchBlockResult, buffer: ArrayBuffer): void;
  failure(err: Error): void;
}

/** Workers started on demand, each evaluating the blocks it is given. */
class WorkerPool {
  readonly evaluators: Evaluator[] = [];
  private readonly url: URL;
  private readonly events: PoolEvents;
  private closing = false;

  constructor(url: URL, events: PoolEvents) {
    this.url = url;
    this.events = events;
  }

  start(count: number): void {
    for (let i = 0; i < count; i++) {
      const evaluator: Evaluator = { worker: new Worker(this.url), ready: false, held: 0 };
      const { worker } = evaluator;
      worker.on('message', (reply: BlockReply) => {
        if ('ready' in reply) {
          evaluator.ready = true;
          this.events.ready();
          return;
        }
        evaluator.held--;
        if ('error' in reply) this.events.failure(new Error(`a batch worker failed: ${reply.error}`));
        else {
          // The result's bytes arrive as a plain Uint8Array: give them Buffer's methods back.
          const out = reply.result.out;
          const result = { ...reply.result, out: Buffer.from(out.buffer, out.byteOffset, out.length) };
          this.events.result(reply.seq, result, reply.buffer);
        }
      });
      worker.on('error', (err) => this.events.failure(err));
      worker.on('messageerror', (err) => this.events.failure(err));
      worker.on('exit', (code) => {
        if (!this.closing) this.events.failure(new Error(`a batch worker stopped (exit code ${code})`));
      });
      this.evaluators.push(evaluator);
    }
  }

  /** A started worker with room for another block, the least busy one, if any. */
  available(): Evaluator | undefined {
    let best: Evaluator | undefined;
    for (const e of this.evaluators) {
      if (e.ready && e.held < BLOCKS_PER_WORKER && (best === undefined || e.held < best.held)) best = e;
    }
    return best;
  }

  send(evaluator: Evaluator, task: BlockTask): void {
    evaluator.held++;
    evaluator.worker.postMessage(task, [task.buffer]);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.evaluators.map((e) => e.worker.terminate()));
  }
}

/** Resolves waiters when something they may be waiting for happened. */
class Signal {
  private waiting: (() => void) | undefined;
  wait(): Promise<void> {
    return new Promise((done) => (this.waiting = done));
  }
  notify(): void {
    const done = this.waiting;
    this.waiting = undefined;
    done?.();
  }
}

/**
 * Reads lines from a file or standard input and writes one result line per request, in order.
 * Exit 0 when every line was evaluated, 2 when some could not be (their results say why).
 */
export async function runBatch(source: string, io: CliIo, options: BatchOptions): Promise<number> {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const { bytes, patienceMs } = await openSource(source, io);
  const reader = new BlockReader(bytes, patienceMs);
  const stdout = io.stdout as { write(text: string): unknown; once?: (e: string, f: () => void) => unknown };
  // Results come as UTF-8 bytes: a Node stream (process.stdout) takes them as they are.
  const write: (bytes: Buffer) => unknown =
    stdout instanceof Writable
      ? (bytes) => stdout.write(bytes)
      : (bytes) => stdout.write(bytes.toString('utf8'));
  const signal = new Signal();
  const spare: ArrayBuffer[] = [];
  const done = new Map<number, BatchBlockResult>();
  let failure: Error | undefined;
  let sent = 0;
  let written = 0;
  let lines = 0;
  let bad = 0;
  let draining = false;
  let fullBlocks = 0;

  // Results are written in input order: a block done early waits for those before it.
  const deliver = (seq: number, result: BatchBlockResult) => {
    done.set(seq, result);
    for (let r = done.get(written); r !== undefined; r = done.get(written)) {
      done.delete(written++);
      const out = BatchEvaluator.renumberErrors(r, lines);
      lines += r.lines;
      bad += r.bad;
      if (out.length > 0 && write(out) === false && !draining && typeof stdout.once === 'function') {
        draining = true;
        stdout.once('drain', () => {
          draining = false;
          signal.notify();
        });
      }
    }
  };
  const stats = options.stats ?? { blocks: 0, workerBlocks: 0, workersStarted: 0, workersReady: 0 };
  const pool = new WorkerPool(options.workerUrl ?? WORKER_URL, {
    ready: () => {
      stats.workersReady++;
      signal.notify();
    },
    result: (seq, result, buffer) => {
      if (buffer.byteLength >= blockSize) spare.push(buffer);
      deliver(seq, result);
      signal.notify();
    },
    failure: (err) => {
      failure ??= err;
      signal.notify();
    },
  });
  let local: BatchEvaluator | undefined;

  // Whether workers would pay off: the main thread's quickest block so far (the first ones run
  // code that V8 has not optimized yet) times the input left, or for a stream, whose length is not
  // known, the time the main thread has spent on it already.
  const payoffMs = options.workerPayoffMs ?? WORKER_PAYOFF_MS;
  let localBlocks = 0;
  let localMs = 0;
  let bestMsPerByte = Infinity;
  let bytesRead = 0;
  const workersPayOff = () => {
    if (payoffMs <= 0) return true;
    // Too early to tell, unless the main thread has already spent that long.
    if (localBlocks < ESTIMATE_AFTER_BLOCKS && localMs < payoffMs) return false;
    if (bytes.size === undefined) return localMs >= payoffMs;
    return (bytes.size - bytesRead) * bestMsPerByte >= payoffMs;
  };

  // Blocks read and not yet written: those the workers hold, and those done that wait for them.
  const limit = BLOCKS_PER_WORKER * (options.threads - 1) + MAIN_THREAD_LEAD;
  try {
    for (;;) {
      for (;;) {
        if (failure !== undefined) throw failure;
        if (!draining && sent - written < limit) break;
        await signal.wait();
      }
      const block = await reader.next(spare.pop() ?? new ArrayBuffer(blockSize));
      if (block === undefined) break;
      if (block.full) fullBlocks++;
      bytesRead += block.length;
      const enough =
        bytes.size === undefined
          ? fullBlocks >= BLOCKS_FOR_WORKERS
          : bytes.size >= BLOCKS_FOR_WORKERS * blockSize;
      if (enough && pool.evaluators.length === 0 && options.threads > 1 && workersPayOff()) {
        pool.start(options.threads - 1);
        stats.workersStarted = options.threads - 1;
      }
      const seq = sent++;
      stats.blocks++;
      const worker = pool.available();
      if (worker !== undefined) {
        pool.send(worker, { seq, buffer: block.buffer, length: block.length });
        stats.workerBlocks++;
      } else {
        // The main thread is one of the evaluating threads: it takes a block when every worker has
        // enough (or none has started yet, or the input is small or comes slowly).
        local ??= new BatchEvaluator();
        const start = performance.now();
        const result = local.evaluateBlock(Buffer.from(block.buffer, 0, block.length), 1);
        const ms = performance.now() - start;
        localBlocks++;
        localMs += ms;
        if (block.full) bestMsPerByte = Math.min(bestMsPerByte, ms / block.length);
        deliver(seq, result);
        if (block.buffer.byteLength >= blockSize) spare.push(block.buffer);
      }
      // Files are read synchronously: let the workers' answers in between blocks.
      if (pool.evaluators.length > 0) await new Promise((done) => setImmediate(done));
    }
    while (written < sent || draining) {
      if (failure !== undefined) throw failure;
      await signal.wait();
    }
    if (failure !== undefined) throw failure;
  } finally {
    await pool.close();
    await bytes.close();
  }
  if (bad > 0) {
    io.stderr.write(
      `grantflow simulate: ${bad} of ${lines} lines could not be evaluated (see their error results)\n`,
    );
    return EXIT.usage;
  }
  return EXIT.ok;
}
