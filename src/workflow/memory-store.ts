// An ExecutionStore in memory, for unit tests and throwaway runs. Same semantics as the Kysely
// store: atomic commits checked against the version, values copied in and out.
import type { Json } from './json.ts';
import { ExecutionConflictError, ExecutionExistsError } from './store.ts';
import type {
  Commit,
  DueExecution,
  ExecutionRow,
  ExecutionStore,
  ExecutionTail,
  HistoryEvent,
  TokenResolution,
  WaitRecord,
} from './store.ts';

interface Entry {
  execution: ExecutionRow;
  events: HistoryEvent[];
  waits: WaitRecord[];
  recorded: Map<string, Json>;
}

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryExecutionStore implements ExecutionStore {
  readonly #definitions = new Map<string, string>();
  readonly #executions = new Map<string, Entry>();

  async putDefinition(definition: { hash: string; document: string }): Promise<void> {
    if (!this.#definitions.has(definition.hash)) this.#definitions.set(definition.hash, definition.document);
  }

  async getDefinition(hash: string): Promise<string | undefined> {
    return this.#definitions.get(hash);
  }

  async createExecution(execution: ExecutionRow, events: readonly HistoryEvent[]): Promise<void> {
    if (this.#executions.has(execution.id)) {
      throw new ExecutionExistsError(`an execution named ${execution.id} already exists`);
    }
    if (!this.#definitions.has(execution.definitionHash)) {
      throw new Error(`no definition with hash ${execution.definitionHash}`);
    }
    this.#executions.set(execution.id, {
      execution: copy(execution),
      events: copy([...events]),
      waits: [],
      recorded: new Map(),
    });
  }

  async getExecution(id: string): Promise<ExecutionRow | undefined> {
    const entry = this.#executions.get(id);
    return entry ? copy(entry.execution) : undefined;
  }

  async loadTail(id: string): Promise<ExecutionTail | undefined> {
    const entry = this.#executions.get(id);
    if (!entry) return undefined;
    let from = 0;
    for (let i = entry.events.length - 1; i >= 0; i--) {
      if (entry.events[i]!.type.endsWith('StateEntered')) {
        from = i;
        break;
      }
    }
    const first = entry.events[from]?.id ?? 0;
    return {
      execution: copy(entry.execution),
      events: copy(entry.events.slice(from)),
      waits: copy(entry.waits.filter((w) => w.sequence >= first)),
    };
  }

  async commit(commit: Commit): Promise<number> {
    const entry = this.#executions.get(commit.id);
    if (!entry) throw new ExecutionConflictError(`no execution ${commit.id}`);
    if (entry.execution.version !== commit.expectedVersion) {
      throw new ExecutionConflictError(
        `execution ${commit.id} is at version ${entry.execution.version}, not ${commit.expectedVersion}`,
      );
    }
    for (const wait of commit.insertWaits ?? []) {
      if (wait.taskToken && this.#findToken(wait.taskToken)) throw new Error(`duplicate task token`);
      if (entry.waits.some((w) => w.sequence === wait.sequence))
        throw new Error(`duplicate wait ${wait.sequence}`);
    }
    // As the databases' primary key on (execution, sequence) refuses it.
    for (const event of commit.events ?? []) {
      if (entry.events.some((e) => e.id === event.id)) throw new Error(`duplicate history event ${event.id}`);
    }
    const { clear = [], ...fields } = commit.update ?? {};
    const next: Record<string, unknown> = {
      ...entry.execution,
      ...copy(fields),
      updatedAt: commit.now,
      version: entry.execution.version + 1,
    };
    for (const key of clear) delete next[key];
    entry.execution = next as unknown as ExecutionRow;
    entry.events.push(...copy([...(commit.events ?? [])]));
    const moved = new Map((commit.updateWaits ?? []).map((u) => [u.sequence, u.wakeAt]));
    entry.waits = entry.waits.map((w) => {
      if (w.completedAt !== undefined || !moved.has(w.sequence)) return w;
      const { wakeAt: _old, ...rest } = w;
      const wakeAt = moved.get(w.sequence);
      return wakeAt === null || wakeAt === undefined ? rest : { ...rest, wakeAt };
    });
    const complete = new Set(commit.completeWaits ?? []);
    entry.waits = entry.waits.map((w) =>
      w.completedAt === undefined && (commit.completeAllWaits || complete.has(w.sequence))
        ? { ...w, completedAt: commit.now }
        : w,
    );
    entry.waits.push(...copy([...(commit.insertWaits ?? [])]));
    for (const [key, value] of Object.entries(commit.recorded ?? {})) {
      if (!entry.recorded.has(key)) entry.recorded.set(key, copy(value));
    }
    return entry.execution.version;
  }

  async heartbeat(id: string, version: number, now: string): Promise<boolean> {
    const entry = this.#executions.get(id);
    if (!entry || entry.execution.version !== version) return false;
    entry.execution = { ...entry.execution, updatedAt: now };
    return true;
  }

  async history(id: string): Promise<HistoryEvent[]> {
    return copy(this.#executions.get(id)?.events ?? []);
  }

  async recordedValues(id: string, prefix: string): Promise<Record<string, Json>> {
    const out: Record<string, Json> = {};
    for (const [key, value] of this.#executions.get(id)?.recorded ?? []) {
      if (key.startsWith(prefix)) out[key] = copy(value);
    }
    return out;
  }

  #findToken(token: string): { entry: Entry; wait: WaitRecord } | undefined {
    for (const entry of this.#executions.values()) {
      const wait = entry.waits.find((w) => w.taskToken === token);
      if (wait) return { entry, wait };
    }
    return undefined;
  }

  async resolveTaskToken(
    token: string,
    answer: (wait: WaitRecord & { executionId: string }) => { key: string; value: Json },
    now: string,
  ): Promise<TokenResolution> {
    const found = this.#findToken(token);
    if (!found) return 'unknown';
    if (found.wait.completedAt !== undefined || found.entry.execution.status !== 'RUNNING') return 'finished';
    const { key, value } = answer({ ...found.wait, executionId: found.entry.execution.id });
    if (found.entry.recorded.has(key)) return 'already-answered';
    found.entry.recorded.set(key, copy(value));
    found.entry.waits = found.entry.waits.map((w) => (w === found.wait ? { ...w, wakeAt: now } : w));
    return 'resolved';
  }

  async dueExecutions(now: string, staleBefore: string, limit: number): Promise<DueExecution[]> {
    const due: DueExecution[] = [];
    for (const { execution, waits } of this.#executions.values()) {
      if (execution.status !== 'RUNNING') continue;
      const pending = waits.filter((w) => w.completedAt === undefined);
      const ready =
        pending.length === 0
          ? execution.updatedAt < staleBefore
          : pending.some((w) => w.wakeAt !== undefined && w.wakeAt <= now);
      if (ready) due.push({ id: execution.id, version: execution.version });
      if (due.length >= limit) break;
    }
    return due;
  }

  async nextWakeAt(): Promise<string | undefined> {
    let next: string | undefined;
    for (const { execution, waits } of this.#executions.values()) {
      if (execution.status !== 'RUNNING') continue;
      for (const w of waits) {
        if (
          w.completedAt === undefined &&
          w.wakeAt !== undefined &&
          (next === undefined || w.wakeAt < next)
        ) {
          next = w.wakeAt;
        }
      }
    }
    return next;
  }

  async deleteEndedExecutions(stoppedBefore: string, limit: number): Promise<string[]> {
    const ids = [...this.#executions.values()]
      .map((e) => e.execution)
      .filter((e) => e.status !== 'RUNNING' && e.stoppedAt !== undefined && e.stoppedAt < stoppedBefore)
      .sort((a, b) => (a.stoppedAt! < b.stoppedAt! ? -1 : a.stoppedAt! > b.stoppedAt! ? 1 : 0))
      .slice(0, limit)
      .map((e) => e.id);
    for (const id of ids) this.#executions.delete(id);
    return ids;
  }

  async listExecutions(
    filter: { status?: string; requestId?: string; limit?: number } = {},
  ): Promise<ExecutionRow[]> {
    const rows = [...this.#executions.values()]
      .map((e) => e.execution)
      .filter(
        (e) =>
          (filter.status === undefined || e.status === filter.status) &&
          (filter.requestId === undefined || e.requestId === filter.requestId),
      )
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
    return copy(rows.slice(0, filter.limit ?? rows.length));
  }
}
