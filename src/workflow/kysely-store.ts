// The ExecutionStore over the lifecycle tables (store/migrations/lifecycle.ts), on any database the
// store opens (SQLite, PostgreSQL, MySQL/MariaDB). A commit is one transaction whose execution
// update is conditioned on the version read (`where version = ?`), so two drivers can never both
// advance an execution.
import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { LifecycleTables, WorkflowExecutionRow, WorkflowWaitRow } from '../store/index.ts';
import type { Json, JsonObject } from './json.ts';
import { ExecutionConflictError, ExecutionExistsError, TERMINAL_STATUSES } from './store.ts';
import type {
  Commit,
  DueExecution,
  ExecutionRow,
  ExecutionStatus,
  ExecutionStore,
  ExecutionTail,
  HistoryEvent,
  TokenResolution,
  WaitKind,
  WaitRecord,
} from './store.ts';

type Db = Kysely<LifecycleTables>;
type Trx = Transaction<LifecycleTables>;

const parse = (text: string | null): Json | undefined =>
  text === null ? undefined : (JSON.parse(text) as Json);

function toExecution(row: WorkflowExecutionRow): ExecutionRow {
  return {
    id: row.id,
    ...(row.request_id !== null ? { requestId: row.request_id } : {}),
    definitionName: row.definition_name,
    definitionHash: row.definition_hash,
    status: row.status,
    input: parse(row.input) ?? null,
    ...(row.output !== null ? { output: parse(row.output)! } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.cause !== null ? { cause: row.cause } : {}),
    ...(row.current_state !== null ? { currentState: row.current_state } : {}),
    ...(row.state_input !== null ? { stateInput: parse(row.state_input)! } : {}),
    variables: (parse(row.variables) ?? {}) as Record<string, Json>,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    ...(row.stopped_at !== null ? { stoppedAt: row.stopped_at } : {}),
    version: Number(row.version),
  };
}

function toWait(row: WorkflowWaitRow): WaitRecord {
  return {
    sequence: Number(row.sequence),
    stateName: row.state_name,
    kind: row.kind as WaitKind,
    ...(row.wake_at !== null ? { wakeAt: row.wake_at } : {}),
    ...(row.task_token !== null ? { taskToken: row.task_token } : {}),
    createdAt: row.created_at,
    ...(row.completed_at !== null ? { completedAt: row.completed_at } : {}),
  };
}

function toEvent(row: {
  sequence: number;
  type: string;
  state_name: string | null;
  timestamp: string;
  details: string;
}): HistoryEvent {
  return {
    id: Number(row.sequence),
    type: row.type,
    ...(row.state_name !== null ? { stateName: row.state_name } : {}),
    timestamp: row.timestamp,
    details: JSON.parse(row.details) as JsonObject,
  };
}

/** A LIKE pattern matching text that starts with `prefix`, with `!` as the escape character. */
function startsWith(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** Commits written in one transaction at most (a bound on how long the others wait for it). */
const MAX_COMMITS_PER_TRANSACTION = 64;

interface PendingCommit {
  readonly commit: Commit;
  readonly resolve: (version: number) => void;
  readonly reject: (error: unknown) => void;
}

export class KyselyExecutionStore implements ExecutionStore {
  readonly #db: Db;
  readonly #pending: PendingCommit[] = [];
  #flushing = false;

  constructor(db: Kysely<LifecycleTables> | Kysely<unknown>) {
    this.#db = db as Db;
  }

  async putDefinition(definition: {
    hash: string;
    name: string;
    document: string;
    createdAt: string;
  }): Promise<void> {
    const exists = await this.#db
      .selectFrom('workflow_definitions')
      .select('hash')
      .where('hash', '=', definition.hash)
      .executeTakeFirst();
    if (exists) return;
    try {
      await this.#db
        .insertInto('workflow_definitions')
        .values({
          hash: definition.hash,
          name: definition.name,
          document: definition.document,
          created_at: definition.createdAt,
        })
        .execute();
    } catch (err) {
      // Another writer stored the same definition first.
      const again = await this.getDefinition(definition.hash);
      if (again === undefined) throw err;
    }
  }

  async getDefinition(hash: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('workflow_definitions')
      .select('document')
      .where('hash', '=', hash)
      .executeTakeFirst();
    return row?.document;
  }

  async createExecution(execution: ExecutionRow, events: readonly HistoryEvent[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const taken = await trx
        .selectFrom('workflow_executions')
        .select('id')
        .where('id', '=', execution.id)
        .executeTakeFirst();
      if (taken) throw new ExecutionExistsError(`an execution named ${execution.id} already exists`);
      await trx
        .insertInto('workflow_executions')
        .values({
          id: execution.id,
          request_id: execution.requestId ?? null,
          definition_name: execution.definitionName,
          definition_hash: execution.definitionHash,
          status: execution.status,
          input: JSON.stringify(execution.input),
          output: execution.output === undefined ? null : JSON.stringify(execution.output),
          error: execution.error ?? null,
          cause: execution.cause ?? null,
          current_state: execution.currentState ?? null,
          state_input: execution.stateInput === undefined ? null : JSON.stringify(execution.stateInput),
          variables: JSON.stringify(execution.variables),
          started_at: execution.startedAt,
          updated_at: execution.updatedAt,
          stopped_at: execution.stoppedAt ?? null,
          version: execution.version,
        })
        .execute();
      await this.#insertEvents(trx, execution.id, events);
    });
  }

  async #insertEvents(trx: Trx, id: string, events: readonly HistoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    await trx
      .insertInto('workflow_history_events')
      .values(
        events.map((e) => ({
          execution_id: id,
          sequence: e.id,
          type: e.type,
          state_name: e.stateName ?? null,
          timestamp: e.timestamp,
          details: JSON.stringify(e.details),
        })),
      )
      .execute();
  }

  async getExecution(id: string): Promise<ExecutionRow | undefined> {
    const row = await this.#db
      .selectFrom('workflow_executions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toExecution(row) : undefined;
  }

  async loadTail(id: string): Promise<ExecutionTail | undefined> {
    return this.#db
      .transaction()
      .setAccessMode('read only')
      .execute(async (trx) => {
        const row = await trx
          .selectFrom('workflow_executions')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) return undefined;
        const entered = await trx
          .selectFrom('workflow_history_events')
          .select((eb) => eb.fn.max('sequence').as('sequence'))
          .where('execution_id', '=', id)
          .where('type', 'like', '%StateEntered')
          .executeTakeFirst();
        const from = Number(entered?.sequence ?? 0);
        const events = await trx
          .selectFrom('workflow_history_events')
          .select(['sequence', 'type', 'state_name', 'timestamp', 'details'])
          .where('execution_id', '=', id)
          .where('sequence', '>=', from)
          .orderBy('sequence')
          .execute();
        const waits = await trx
          .selectFrom('workflow_waits')
          .selectAll()
          .where('execution_id', '=', id)
          .where('sequence', '>=', from)
          .orderBy('sequence')
          .execute();
        return { execution: toExecution(row), events: events.map(toEvent), waits: waits.map(toWait) };
      });
  }

  /**
   * Commits are grouped: those that arrive while a transaction is being written go into the next
   * one, each in a savepoint of its own, so one commit that fails (a version conflict) fails alone.
   * The runner drives many executions at once, so a burst makes several transactions one. On
   * SQLite, where a commit costs about what it writes, the burst benchmark showed no gain from it;
   * on PostgreSQL and MySQL each commit is also a round trip and a log flush (not measured here).
   */
  commit(commit: Commit): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ commit, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#pending.length > 0) {
        const group = this.#pending.splice(0, MAX_COMMITS_PER_TRANSACTION);
        if (group.length === 1) {
          const [only] = group as [PendingCommit];
          await this.#db
            .transaction()
            .execute((trx) => this.#apply(trx, only.commit))
            .then(only.resolve, only.reject);
          continue;
        }
        const outcomes: ({ version: number } | { error: unknown })[] = [];
        try {
          await this.#db.transaction().execute(async (trx) => {
            for (const { commit } of group) {
              await sql`savepoint grantflow_commit`.execute(trx);
              try {
                outcomes.push({ version: await this.#apply(trx, commit) });
              } catch (error) {
                await sql`rollback to savepoint grantflow_commit`.execute(trx);
                outcomes.push({ error });
              }
              await sql`release savepoint grantflow_commit`.execute(trx);
            }
          });
        } catch (error) {
          for (const p of group) p.reject(error);
          continue;
        }
        group.forEach((p, i) => {
          const outcome = outcomes[i]!;
          if ('version' in outcome) p.resolve(outcome.version);
          else p.reject(outcome.error);
        });
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** The statements of one commit, inside a transaction; throws ExecutionConflictError. */
  async #apply(trx: Trx, commit: Commit): Promise<number> {
    const { clear = [], ...fields } = commit.update ?? {};
    const set: Record<string, unknown> = { updated_at: commit.now, version: commit.expectedVersion + 1 };
    if (fields.status !== undefined) set.status = fields.status;
    if (fields.output !== undefined) set.output = JSON.stringify(fields.output);
    if (fields.error !== undefined) set.error = fields.error;
    if (fields.cause !== undefined) set.cause = fields.cause;
    if (fields.currentState !== undefined) set.current_state = fields.currentState;
    if (fields.stateInput !== undefined) set.state_input = JSON.stringify(fields.stateInput);
    if (fields.variables !== undefined) set.variables = JSON.stringify(fields.variables);
    if (fields.stoppedAt !== undefined) set.stopped_at = fields.stoppedAt;
    const column = {
      currentState: 'current_state',
      stateInput: 'state_input',
      output: 'output',
      error: 'error',
      cause: 'cause',
    } as const;
    for (const key of clear) set[column[key]] = null;
    const updated = await trx
      .updateTable('workflow_executions')
      .set(set)
      .where('id', '=', commit.id)
      .where('version', '=', commit.expectedVersion)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      throw new ExecutionConflictError(
        `execution ${commit.id} changed since version ${commit.expectedVersion}`,
      );
    }
    await this.#insertEvents(trx, commit.id, commit.events ?? []);
    for (const { sequence, wakeAt } of commit.updateWaits ?? []) {
      await trx
        .updateTable('workflow_waits')
        .set({ wake_at: wakeAt })
        .where('execution_id', '=', commit.id)
        .where('sequence', '=', sequence)
        .where('completed_at', 'is', null)
        .execute();
    }
    if (commit.completeAllWaits || (commit.completeWaits?.length ?? 0) > 0) {
      let q = trx
        .updateTable('workflow_waits')
        .set({ completed_at: commit.now })
        .where('execution_id', '=', commit.id)
        .where('completed_at', 'is', null);
      if (!commit.completeAllWaits) q = q.where('sequence', 'in', [...commit.completeWaits!]);
      await q.execute();
    }
    if ((commit.insertWaits?.length ?? 0) > 0) {
      await trx
        .insertInto('workflow_waits')
        .values(
          commit.insertWaits!.map((w) => ({
            execution_id: commit.id,
            sequence: w.sequence,
            state_name: w.stateName,
            kind: w.kind,
            wake_at: w.wakeAt ?? null,
            task_token: w.taskToken ?? null,
            created_at: w.createdAt,
            completed_at: w.completedAt ?? null,
          })),
        )
        .execute();
    }
    const recorded = Object.entries(commit.recorded ?? {});
    if (recorded.length > 0) {
      const existing = new Set(
        (
          await trx
            .selectFrom('workflow_recorded_values')
            .select('key')
            .where('execution_id', '=', commit.id)
            .where(
              'key',
              'in',
              recorded.map(([k]) => k),
            )
            .execute()
        ).map((r) => r.key),
      );
      const fresh = recorded.filter(([k]) => !existing.has(k));
      if (fresh.length > 0) {
        await trx
          .insertInto('workflow_recorded_values')
          .values(
            fresh.map(([key, value]) => ({
              execution_id: commit.id,
              key,
              value: JSON.stringify(value),
              recorded_at: commit.now,
            })),
          )
          .execute();
      }
    }
    return commit.expectedVersion + 1;
  }

  async heartbeat(id: string, version: number, now: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('workflow_executions')
      .set({ updated_at: now })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async history(id: string): Promise<HistoryEvent[]> {
    const rows = await this.#db
      .selectFrom('workflow_history_events')
      .select(['sequence', 'type', 'state_name', 'timestamp', 'details'])
      .where('execution_id', '=', id)
      .orderBy('sequence')
      .execute();
    return rows.map(toEvent);
  }

  async recordedValues(id: string, prefix: string): Promise<Record<string, Json>> {
    const rows = await this.#db
      .selectFrom('workflow_recorded_values')
      .select(['key', 'value'])
      .where('execution_id', '=', id)
      .where(sql<boolean>`${sql.ref('key')} like ${startsWith(prefix)} escape '!'`)
      .execute();
    const out: Record<string, Json> = {};
    for (const row of rows) if (row.key.startsWith(prefix)) out[row.key] = JSON.parse(row.value) as Json;
    return out;
  }

  async resolveTaskToken(
    token: string,
    answer: (wait: WaitRecord & { executionId: string }) => { key: string; value: Json },
    now: string,
  ): Promise<TokenResolution> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('workflow_waits')
        .innerJoin('workflow_executions', 'workflow_executions.id', 'workflow_waits.execution_id')
        .selectAll('workflow_waits')
        .select('workflow_executions.status')
        .where('workflow_waits.task_token', '=', token)
        .executeTakeFirst();
      if (!row) return 'unknown';
      if (row.completed_at !== null || row.status !== 'RUNNING') return 'finished';
      const { key, value } = answer({ ...toWait(row), executionId: row.execution_id });
      const existing = await trx
        .selectFrom('workflow_recorded_values')
        .select('key')
        .where('execution_id', '=', row.execution_id)
        .where('key', '=', key)
        .executeTakeFirst();
      if (existing) return 'already-answered';
      await trx
        .insertInto('workflow_recorded_values')
        .values({ execution_id: row.execution_id, key, value: JSON.stringify(value), recorded_at: now })
        .execute();
      await trx
        .updateTable('workflow_waits')
        .set({ wake_at: now })
        .where('execution_id', '=', row.execution_id)
        .where('sequence', '=', row.sequence)
        .execute();
      return 'resolved';
    });
  }

  async dueExecutions(now: string, staleBefore: string, limit: number): Promise<DueExecution[]> {
    const waiting = await this.#db
      .selectFrom('workflow_waits')
      .innerJoin('workflow_executions', 'workflow_executions.id', 'workflow_waits.execution_id')
      .select(['workflow_executions.id', 'workflow_executions.version'])
      .where('workflow_waits.completed_at', 'is', null)
      .where('workflow_waits.wake_at', '<=', now)
      .where('workflow_executions.status', '=', 'RUNNING')
      .orderBy('workflow_waits.wake_at')
      .limit(limit)
      .execute();
    const due = new Map<string, number>(waiting.map((r) => [r.id, Number(r.version)]));
    if (due.size < limit) {
      const stale = await this.#db
        .selectFrom('workflow_executions as e')
        .select(['e.id', 'e.version'])
        .where('e.status', '=', 'RUNNING')
        .where('e.updated_at', '<', staleBefore)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('workflow_waits as w')
                .select('w.sequence')
                .whereRef('w.execution_id', '=', 'e.id')
                .where('w.completed_at', 'is', null),
            ),
          ),
        )
        .orderBy('e.updated_at')
        .limit(limit - due.size)
        .execute();
      for (const r of stale) due.set(r.id, Number(r.version));
    }
    return [...due].map(([id, version]) => ({ id, version }));
  }

  async nextWakeAt(): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('workflow_waits')
      .innerJoin('workflow_executions', 'workflow_executions.id', 'workflow_waits.execution_id')
      .select((eb) => eb.fn.min('workflow_waits.wake_at').as('wake_at'))
      .where('workflow_waits.completed_at', 'is', null)
      .where('workflow_executions.status', '=', 'RUNNING')
      .executeTakeFirst();
    return row?.wake_at ?? undefined;
  }

  /** Within the caller's transaction when the store was made on one (an audit entry can join it). */
  async deleteEndedExecutions(stoppedBefore: string, limit: number): Promise<string[]> {
    const run = async (trx: Db) => {
      const ids = (
        await trx
          .selectFrom('workflow_executions')
          .select('id')
          .where('status', 'in', [...TERMINAL_STATUSES])
          .where('stopped_at', '<', stoppedBefore)
          .orderBy('stopped_at')
          .limit(limit)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return [];
      // The children first, whether or not the database enforces the foreign keys' cascade.
      await trx.deleteFrom('workflow_recorded_values').where('execution_id', 'in', ids).execute();
      await trx.deleteFrom('workflow_waits').where('execution_id', 'in', ids).execute();
      await trx.deleteFrom('workflow_history_events').where('execution_id', 'in', ids).execute();
      await trx.deleteFrom('workflow_executions').where('id', 'in', ids).execute();
      return ids;
    };
    return this.#db.isTransaction ? run(this.#db) : this.#db.transaction().execute(run);
  }

  async listExecutions(
    filter: { status?: ExecutionStatus; requestId?: string; limit?: number } = {},
  ): Promise<ExecutionRow[]> {
    let q = this.#db.selectFrom('workflow_executions').selectAll().orderBy('started_at', 'desc');
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    if (filter.requestId !== undefined) q = q.where('request_id', '=', filter.requestId);
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    return (await q.execute()).map(toExecution);
  }
}
