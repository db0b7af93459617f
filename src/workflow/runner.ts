// Drives executions: resumes what is due when it starts (waits whose wake_at passed, executions
// whose driver died), then polls for due waits, and wakes precisely at the wake times it knows of
// and when a task token is answered in this process.
import type { DriveResult, WorkflowEngine } from './engine.ts';
import type { ExecutionStatus } from './store.ts';

export interface RunnerOptions {
  /** How often to look for due executions (default 1 s). */
  readonly pollIntervalMs?: number;
  /** Executions driven at once (default 8). */
  readonly concurrency?: number;
  /** Executions fetched per poll (default 100). */
  readonly batchSize?: number;
  /** How long a silent driver keeps an execution (must match the engine's; default 60 s). */
  readonly leaseMs?: number;
  /** A drive failed unexpectedly (a store or programming error); the execution is retried later. */
  readonly onError?: (executionId: string, error: unknown) => void;
  readonly clock?: () => Date;
}

export class WorkflowRunner {
  readonly #engine: WorkflowEngine;
  readonly #pollMs: number;
  readonly #concurrency: number;
  readonly #batch: number;
  readonly #leaseMs: number;
  readonly #onError: (executionId: string, error: unknown) => void;
  readonly #clock: () => Date;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Set<Promise<void>>();
  readonly #settled = new Map<string, Set<(status: ExecutionStatus) => void>>();
  #poller: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = true;
  #unsubscribe: (() => void) | undefined;

  constructor(engine: WorkflowEngine, options: RunnerOptions = {}) {
    this.#engine = engine;
    this.#pollMs = options.pollIntervalMs ?? 1000;
    this.#concurrency = options.concurrency ?? 8;
    this.#batch = options.batchSize ?? 100;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#onError = options.onError ?? (() => undefined);
    this.#clock = options.clock ?? (() => new Date());
  }

  /** Starts polling; the first poll runs at once, so due work is resumed on start. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#unsubscribe = this.#engine.onWake((id) => this.wake(id));
    this.#schedulePoll(0);
  }

  /** Stops polling and waits for the drives in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearTimeout(this.#poller);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued.clear();
    await this.#polling;
    await Promise.allSettled([...this.#running]);
  }

  /** Drives an execution as soon as a slot is free. */
  wake(id: string): void {
    if (this.#stopped || this.#queued.has(id)) return;
    this.#queued.add(id);
    this.#queue.push(id);
    this.#pump();
  }

  /** Resolves with the execution's final status once it ended (driven by this runner or another). */
  settled(id: string): Promise<ExecutionStatus> {
    return new Promise((resolve, reject) => {
      let set = this.#settled.get(id);
      if (!set) this.#settled.set(id, (set = new Set()));
      set.add(resolve);
      // It may have ended already.
      this.#engine.store.getExecution(id).then((row) => {
        if (!row) reject(new Error(`no execution ${id}`));
        else if (row.status !== 'RUNNING') this.#resolve(id, row.status);
        else this.wake(id);
      }, reject);
    });
  }

  #resolve(id: string, status: ExecutionStatus): void {
    const waiting = this.#settled.get(id);
    if (!waiting) return;
    this.#settled.delete(id);
    for (const resolve of waiting) resolve(status);
  }

  /** Looks for due executions once and queues them. */
  async pollOnce(): Promise<number> {
    const now = this.#clock();
    const due = await this.#engine.store.dueExecutions(
      now.toISOString(),
      new Date(now.getTime() - this.#leaseMs).toISOString(),
      this.#batch,
    );
    for (const { id } of due) if (!this.#engine.isDriving(id)) this.wake(id);
    return due.length;
  }

  #schedulePoll(delay: number): void {
    if (this.#stopped) return;
    this.#poller = setTimeout(() => {
      this.#polling = this.pollOnce()
        .catch((err: unknown) => this.#onError('*', err))
        .then(async () => {
          // Sleep until the next wake time we know of, but at most one poll interval.
          const next = await this.#engine.store.nextWakeAt().catch(() => undefined);
          const until = next === undefined ? this.#pollMs : Date.parse(next) - this.#clock().getTime();
          this.#schedulePoll(Math.max(10, Math.min(this.#pollMs, until)));
        });
    }, delay);
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < this.#concurrency && this.#queue.length > 0) {
      const id = this.#queue.shift()!;
      this.#queued.delete(id);
      const task = this.#engine
        .drive(id)
        .then((result) => this.#after(id, result))
        .catch((err: unknown) => this.#onError(id, err))
        .finally(() => {
          this.#running.delete(task);
          this.#pump();
        });
      this.#running.add(task);
    }
  }

  #after(id: string, result: DriveResult): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    if (result.kind === 'ended') {
      this.#resolve(id, result.status);
      return;
    }
    if (result.kind === 'parked' && result.wakeAt !== undefined) {
      const delay = Math.max(0, Date.parse(result.wakeAt) - this.#clock().getTime());
      // Long waits are found by polling; short ones get a timer of their own.
      if (delay <= this.#pollMs * 60) {
        const timer = setTimeout(() => {
          this.#timers.delete(id);
          this.wake(id);
        }, delay);
        this.#timers.set(id, timer);
      }
    } else if (result.kind === 'busy' && this.#settled.has(id)) {
      // Another driver has it; look again later so that `settled` sees it end.
      const timer = setTimeout(() => {
        this.#timers.delete(id);
        this.wake(id);
      }, this.#pollMs);
      this.#timers.set(id, timer);
    }
  }
}
