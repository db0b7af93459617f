// Forgetting ended executions after a retention period, as Step Functions forgets closed ones after
// 90 days. The embedded store otherwise keeps every execution's history for ever (88 KiB of SQLite
// pages for the demo's request). What a request was, who approved it and what happened to its policy stay in the
// access_requests and access_approvals tables and in the hash-chained audit log, which are never
// pruned; a pruned request's view simply has no execution, as one on Step Functions has after 90 days.
import type { Kysely } from 'kysely';
import { appendAuditEvent, auditTransaction } from '../store/audit-log.ts';
import type { LifecycleTables, Store } from '../store/index.ts';
import { storedTime } from '../store/schema.ts';
import { KyselyExecutionStore } from './kysely-store.ts';

/**
 * Shorter retention is refused: people follow a request up for a while after it ends, and an
 * execution that ended a moment ago may still be read by whoever drove it.
 */
export const MIN_RETENTION_DAYS = 1;
/** Executions deleted per transaction (and named per audit-log entry). */
const PRUNE_BATCH = 500;

export interface PruneOutcome {
  /** Executions that stopped before this time were deleted. */
  readonly stoppedBefore: string;
  readonly deleted: number;
}

/**
 * Deletes every ended execution that stopped more than `retentionDays` before `now`, with its
 * history, waits and recorded values, in batches; each batch is recorded in the audit log with the
 * ids it deleted. Running executions are never touched.
 */
export async function pruneEndedExecutions(
  store: Pick<Store, 'db'>,
  options: { readonly retentionDays: number; readonly now: Date; readonly actor: string },
): Promise<PruneOutcome> {
  if (!(options.retentionDays >= MIN_RETENTION_DAYS) || !Number.isFinite(options.retentionDays))
    throw new RangeError(
      `retention must be a number of days of at least ${MIN_RETENTION_DAYS} (got ${options.retentionDays})`,
    );
  const stoppedBefore = storedTime(options.now.getTime() - options.retentionDays * 86_400_000);
  let deleted = 0;
  for (;;) {
    // A batch and its audit entry commit together: nothing is deleted unrecorded.
    const ids = await auditTransaction(store.db).execute(async (trx) => {
      const batch = await new KyselyExecutionStore(
        trx as unknown as Kysely<LifecycleTables>,
      ).deleteEndedExecutions(stoppedBefore, PRUNE_BATCH);
      if (batch.length > 0)
        await appendAuditEvent(trx, {
          type: 'workflow.executions-pruned',
          actor: options.actor,
          details: { stoppedBefore, retentionDays: options.retentionDays, executionIds: batch },
          at: options.now,
        });
      return batch;
    });
    deleted += ids.length;
    if (ids.length < PRUNE_BATCH) break;
  }
  return { stoppedBefore, deleted };
}

export interface RetentionJob {
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

/** Prunes at start and then every `intervalMs` (passes never overlap), as `grantflow serve` runs it. */
export function startRetention(options: {
  readonly store: Pick<Store, 'db'>;
  readonly retentionDays: number;
  readonly intervalMs: number;
  readonly actor: string;
  readonly clock?: () => Date;
  readonly onPass?: (outcome: PruneOutcome) => void;
  readonly onError?: (err: unknown) => void;
}): RetentionJob {
  const clock = options.clock ?? (() => new Date());
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pass = () => {
    running ??= pruneEndedExecutions(options.store, {
      retentionDays: options.retentionDays,
      now: clock(),
      actor: options.actor,
    })
      .then((outcome) => options.onPass?.(outcome))
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(pass, options.intervalMs);
      });
  };
  pass();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
