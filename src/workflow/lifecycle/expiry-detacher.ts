// Detaching expired grants at IAM speed. A grant's own execution revokes it after its hold times
// out, but each revocation is a dozen persisted transitions: when thousands of grants expire within
// seconds, the executions fall behind. While the lifecycle runs, this pass (every second by
// default) detaches every policy whose expiresAt has passed straight from its user or role, found
// through the store's index on (status, expires_at). Only the detach: each execution still
// verifies, deletes and records its grant, and takes "not attached" (NoSuchEntity) as done. It is
// the same idempotent kind of backstop as the reconciler, which sweeps IAM itself after a grace.
import type { IamBackend } from '../../cloud/index.ts';
import { detachManagedPolicy, isCloudError } from '../../cloud/index.ts';
import { appendAuditEvent } from '../../store/audit-log.ts';
import type { Store } from '../../store/index.ts';
import { storedTime } from '../../store/schema.ts';

export const EXPIRY_DETACHER_ACTOR = 'grantflow:expiry';

/** Statuses in which a grant's policy may still be attached. */
const ATTACHED_STATUSES = ['active', 'revoking'] as const;

export interface DetachPass {
  /** Policies detached by this pass (or found already detached). */
  readonly detached: readonly string[];
  /** Policies whose detach failed; the next pass, the execution and the reconciler try again. */
  readonly failed: readonly { readonly policyArn: string; readonly error: string }[];
}

export class ExpiryDetacher {
  readonly #store: Pick<Store, 'db'>;
  readonly #backend: IamBackend;
  /** Policies this process has detached whose request is not terminal yet: not asked twice. */
  readonly #done = new Set<string>();

  constructor(store: Pick<Store, 'db'>, backend: IamBackend) {
    this.#store = store;
    this.#backend = backend;
  }

  /** Detaches up to `limit` expired grants, oldest expiry first. */
  async pass(now: Date, limit = 2000): Promise<DetachPass> {
    const rows = await this.#store.db
      .selectFrom('access_requests')
      .select(['id', 'policy_arn', 'target_iam_identity', 'target_iam_identity_arn', 'expires_at'])
      .where('status', 'in', [...ATTACHED_STATUSES])
      .where('expires_at', '<=', storedTime(now))
      .where('policy_arn', 'is not', null)
      .orderBy('expires_at')
      .limit(limit + this.#done.size)
      .execute();
    const stillPending = new Set(rows.map((r) => r.policy_arn!));
    for (const arn of this.#done) if (!stillPending.has(arn)) this.#done.delete(arn);

    const detached: string[] = [];
    const failed: { policyArn: string; error: string }[] = [];
    for (const row of rows) {
      const policyArn = row.policy_arn!;
      if (this.#done.has(policyArn)) continue;
      if (detached.length + failed.length >= limit) break;
      const name = row.target_iam_identity_arn.split('/').at(-1)!;
      try {
        const kind = row.target_iam_identity === 'ROLE' ? 'Role' : 'User';
        await detachManagedPolicy(this.#backend, { kind, name }, policyArn);
      } catch (err) {
        // Not attached, or already deleted by the execution: nothing is left to detach.
        if (!isCloudError(err, 'NoSuchEntity')) {
          failed.push({ policyArn, error: err instanceof Error ? err.message : String(err) });
          continue;
        }
      }
      this.#done.add(policyArn);
      detached.push(policyArn);
    }
    // One audit entry per pass, not per grant: the executions record each grant's revocation.
    if (detached.length > 0)
      await appendAuditEvent(this.#store.db, {
        type: 'grants.expired-detached',
        actor: EXPIRY_DETACHER_ACTOR,
        details: { policyArns: detached },
        at: now,
      });
    return { detached, failed };
  }
}
