// The reconciler: the backstop that makes "a grant never outlives its expiry" hold when the
// lifecycle's own execution cannot (its process died, a revoke failed, a wait was lost). On start
// and periodically it
//   1. asks the workflow runner to resume executions whose waits are overdue (the normal path:
//      the execution revokes its own grant), then
//   2. sweeps IAM itself: every policy under /grantflow/ whose `grantflow:expires-at` tag is past is
//      detached from every user, group and role, checked to be attached nowhere, and deleted
//      (non-default versions first). NoSuchEntity means "already done".
//
// A policy overdue by less than `handoffSeconds` is left to its execution, so that the two paths
// rarely race; both are idempotent, so a race costs a NoSuchEntity, never access left behind.
import type {
  IamBackend,
  ListEntitiesForPolicyInput,
  ListPoliciesInput,
  ManagedPolicy,
} from '../cloud/index.ts';
import { collectPages, detachManagedPolicy, isCloudError } from '../cloud/index.ts';
import { revocationFailed } from '../notify/index.ts';
import type { Notification, Notifier, RequestFacts } from '../notify/index.ts';
import { appendAuditEvent } from '../store/index.ts';
import type { AuditEvent, Store } from '../store/index.ts';
import { requestFacts as factsOfRequest } from './connectors/grantflow.ts';
import type { WorkflowEngine } from './engine.ts';
import { WorkflowRunner } from './runner.ts';

export const GRANTFLOW_POLICY_PATH = '/grantflow/';
export const EXPIRES_AT_TAG = 'grantflow:expires-at';
export const REQUEST_ID_TAG = 'grantflow:request-id';
export const RECONCILER_ACTOR = 'grantflow:reconciler';
export const DEFAULT_GRACE_SECONDS = 60;

/** ISO 8601 with a time and an explicit zone: what grantflow writes; anything else is malformed. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export interface RetryOptions {
  /** Calls per operation, the first included (default 6). */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface ReconcileOptions {
  readonly backend: IamBackend;
  /** A running runner: asked to resume what is due (it drives the executions itself). */
  readonly runner?: Pick<WorkflowRunner, 'pollOnce'>;
  /** Without a runner: due executions are driven here, to their next wait or their end. */
  readonly engine?: WorkflowEngine;
  /** For the audit log and the requests behind policies (notifications name the requester). */
  readonly store?: Pick<Store, 'db'>;
  readonly notifier?: Notifier;
  readonly now: Date;
  /** How late a revocation may be (default 60 s); later ones are flagged `late`. */
  readonly graceSeconds?: number;
  /** A policy overdue by less is left to its own execution (default graceSeconds / 2). */
  readonly handoffSeconds?: number;
  /** Report what would be done, change nothing. */
  readonly dryRun?: boolean;
  readonly retry?: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Policy ARNs whose failure admins were already told about (the scheduler keeps this). */
  readonly notified?: Set<string>;
  /** The lease of the engine (default 60 s), to find executions whose driver died. */
  readonly leaseMs?: number;
  /**
   * Expiry tags already read, by policy ARN, kept across passes (startReconciler keeps one): a
   * grantflow policy's expiry never changes, and reading every policy's tags on every pass is one
   * ListPolicyTags call per active grant, which IAM throttles long before 10,000 grants.
   */
  readonly expiryTags?: Map<string, string>;
}

export interface DetachedEntity {
  readonly kind: 'User' | 'Group' | 'Role';
  readonly name: string;
  /** It was detached already (NoSuchEntity). */
  readonly alreadyGone: boolean;
}

export interface RevokedPolicy {
  readonly policyArn: string;
  readonly expiresAt: string;
  readonly overdueSeconds: number;
  /** Revoked more than graceSeconds after expiry. */
  readonly late: boolean;
  readonly detached: readonly DetachedEntity[];
  readonly versionsDeleted: readonly string[];
  /** The policy was deleted by someone else meanwhile. */
  readonly alreadyGone: boolean;
  /** dryRun: these are the attachments that would be removed. */
  readonly dryRun: boolean;
}

export interface InvalidPolicy {
  readonly policyArn: string;
  readonly reason: 'missing-expiry-tag' | 'malformed-expiry-tag';
  readonly value?: string;
}

export interface FailedPolicy {
  readonly policyArn: string;
  readonly expiresAt: string;
  readonly error: string;
  readonly attempts: number;
  readonly notified: boolean;
}

export interface ReconcileSummary {
  /** The pass's `now` (ISO 8601). */
  readonly at: string;
  /** How long the pass took, wall-clock milliseconds. */
  readonly durationMs: number;
  readonly dryRun: boolean;
  /** grantflow policies seen under /grantflow/. */
  readonly scanned: number;
  /** Not expired yet. */
  readonly active: number;
  /** Expired, but within the handoff to their own execution. */
  readonly handedOff: number;
  readonly revoked: readonly RevokedPolicy[];
  readonly invalid: readonly InvalidPolicy[];
  readonly failed: readonly FailedPolicy[];
  /** Executions the runner resumed (or, in a dry run, that are due); undefined without an engine or runner. */
  readonly executionsResumed?: number;
  readonly executionErrors: readonly string[];
  /** Appending to the audit log failed; revocation went on regardless. */
  readonly auditErrors: readonly string[];
}

/** A revocation that could not complete after retries. */
export class RevocationError extends Error {
  readonly code = 'REVOCATION_FAILED';
  readonly attempts: number;
  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RevocationError';
    this.attempts = attempts;
  }
}

/** Throttling, 5xx and network failures are worth another try; IAM's 4xx answers are not. */
export function isRetryable(err: unknown): boolean {
  if (isCloudError(err)) {
    return (
      err.httpStatus >= 500 ||
      /throttl|rate exceeded|too many requests|requestlimitexceeded/i.test(err.message)
    );
  }
  const e = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || typeof e !== 'object') return false;
  // IAM answers Throttling with HTTP 400, so the name decides before the status.
  if (typeof e.name === 'string' && /throttl|TooManyRequests|RequestLimitExceeded/i.test(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status === 429 || status >= 500;
  return (
    typeof e.code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_)/.test(e.code)
  );
}

interface Context {
  readonly backend: IamBackend;
  readonly options: ReconcileOptions;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly auditErrors: string[];
  /** Retries spent on the current policy (reported when it fails). */
  attempts: number;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `fn`, retrying throttling and 5xx with exponential backoff and jitter. */
async function withRetry<T>(ctx: Context, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    ctx.attempts++;
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err) || attempt >= ctx.maxAttempts) {
        throw new RevocationError(`${what}: ${describeError(err)}`, ctx.attempts, { cause: err });
      }
      const ceiling = Math.min(ctx.maxDelayMs, ctx.baseDelayMs * 2 ** (attempt - 1));
      await ctx.sleep(ceiling / 2 + (ctx.random() * ceiling) / 2);
    }
  }
}

function describeError(err: unknown): string {
  if (isCloudError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

const gone = (err: unknown): boolean =>
  isCloudError((err as { cause?: unknown })?.cause, 'NoSuchEntity') || isCloudError(err, 'NoSuchEntity');

async function audit(ctx: Context, event: Omit<AuditEvent, 'actor'>): Promise<void> {
  const store = ctx.options.store;
  if (!store || ctx.options.dryRun) return;
  try {
    await appendAuditEvent(store.db, { actor: RECONCILER_ACTOR, ...event }, { now: () => ctx.options.now });
  } catch (err) {
    ctx.auditErrors.push(`${event.type} ${event.subject ?? ''}: ${describeError(err)}`);
  }
}

/** Runs one reconciliation pass. Never throws for a single policy; failures are in the summary. */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileSummary> {
  const now = options.now;
  const graceSeconds = options.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const handoffSeconds = options.handoffSeconds ?? graceSeconds / 2;
  if (!(graceSeconds >= 0) || !(handoffSeconds >= 0)) {
    throw new RangeError('graceSeconds and handoffSeconds must be non-negative numbers');
  }
  const ctx: Context = {
    backend: options.backend,
    options,
    maxAttempts: Math.max(1, options.retry?.maxAttempts ?? 6),
    baseDelayMs: options.retry?.baseDelayMs ?? 200,
    maxDelayMs: options.retry?.maxDelayMs ?? 10_000,
    sleep: options.sleep ?? sleepMs,
    random: options.random ?? Math.random,
    auditErrors: [],
    attempts: 0,
  };
  const dryRun = options.dryRun ?? false;
  const started = performance.now();

  // 1. The executions first: an execution that revokes its own grant also records it as its own.
  const executionErrors: string[] = [];
  const executionsResumed = await resumeExecutions(options, executionErrors);

  // 2. The sweep.
  const revoked: RevokedPolicy[] = [];
  const invalid: InvalidPolicy[] = [];
  const failed: FailedPolicy[] = [];
  let active = 0;
  let handedOff = 0;
  const policies = await withRetry(ctx, 'ListPolicies', () =>
    collectPages(
      (input: ListPoliciesInput) => options.backend.listPolicies(input),
      { Scope: 'Local', PathPrefix: GRANTFLOW_POLICY_PATH, MaxItems: 1000 },
      (page) => page.Policies,
    ),
  );
  const cache = options.expiryTags;
  // Forget policies that are gone, so the cache stays the size of what is attached.
  if (cache !== undefined) {
    const listed = new Set(policies.map((p) => p.Arn));
    for (const arn of cache.keys()) if (!listed.has(arn)) cache.delete(arn);
  }
  for (const policy of policies) {
    // PathPrefix is a prefix of the path; /grantflow-other/ is not ours.
    if (!policy.Path.startsWith(GRANTFLOW_POLICY_PATH)) continue;
    ctx.attempts = 0;
    let tags: Map<string, string> | undefined;
    let value = cache?.get(policy.Arn);
    if (value === undefined) {
      try {
        tags = await policyTags(ctx, policy.Arn);
      } catch (err) {
        if (gone(err)) continue;
        failed.push(await fail(ctx, policy, '', err));
        continue;
      }
      value = tags.get(EXPIRES_AT_TAG);
    }
    const expiresMs = value !== undefined && ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
    // Only a well-formed expiry is kept: a missing or malformed tag is read (and reported) again.
    if (cache !== undefined && !Number.isNaN(expiresMs)) cache.set(policy.Arn, value!);
    if (Number.isNaN(expiresMs)) {
      const problem: InvalidPolicy = {
        policyArn: policy.Arn,
        reason: value === undefined ? 'missing-expiry-tag' : 'malformed-expiry-tag',
        ...(value !== undefined ? { value } : {}),
      };
      invalid.push(problem);
      await audit(ctx, {
        type: 'reconcile.policy-invalid',
        subject: policy.Arn,
        details: { reason: problem.reason, ...(value !== undefined ? { value } : {}) },
      });
      await tellAdminsOnce(ctx, policy.Arn, invalidNotification(problem));
      continue;
    }
    const overdueSeconds = (now.getTime() - expiresMs) / 1000;
    if (overdueSeconds < 0) {
      active++;
      continue;
    }
    if (overdueSeconds < handoffSeconds) {
      handedOff++;
      continue;
    }
    const expiresAt = new Date(expiresMs).toISOString();
    try {
      const outcome = await revokePolicy(ctx, policy.Arn, dryRun);
      revoked.push({
        policyArn: policy.Arn,
        expiresAt,
        overdueSeconds,
        late: overdueSeconds > graceSeconds,
        ...outcome,
        dryRun,
      });
      options.notified?.delete(notifiedKey('grant.revocation-failed', policy.Arn));
      if (!dryRun) cache?.delete(policy.Arn);
    } catch (err) {
      // The request id names the requester in the admins' notification; read the tags if cached.
      tags ??= await policyTags(ctx, policy.Arn).catch(() => new Map<string, string>());
      failed.push(await fail(ctx, policy, expiresAt, err, tags.get(REQUEST_ID_TAG)));
    }
  }

  const summary: ReconcileSummary = {
    at: now.toISOString(),
    durationMs: Math.round(performance.now() - started),
    dryRun,
    scanned: policies.length,
    active,
    handedOff,
    revoked,
    invalid,
    failed,
    ...(executionsResumed !== undefined ? { executionsResumed } : {}),
    executionErrors,
    auditErrors: ctx.auditErrors,
  };
  await audit(ctx, {
    type: 'reconcile.completed',
    details: {
      scanned: summary.scanned,
      active,
      handedOff,
      revoked: revoked.map((r) => r.policyArn),
      invalid: invalid.map((r) => r.policyArn),
      failed: failed.map((r) => r.policyArn),
      ...(executionsResumed !== undefined ? { executionsResumed } : {}),
    },
  });
  return summary;
}

async function policyTags(ctx: Context, policyArn: string): Promise<Map<string, string>> {
  const tags = await withRetry(ctx, 'ListPolicyTags', () =>
    collectPages(
      (input: { PolicyArn: string; Marker?: string }) => ctx.backend.listPolicyTags(input),
      { PolicyArn: policyArn },
      (page) => page.Tags,
    ),
  );
  return new Map(tags.map((t) => [t.Key, t.Value]));
}

/** Detaches from everyone, checks nothing is attached, deletes the versions and the policy. */
async function revokePolicy(
  ctx: Context,
  policyArn: string,
  dryRun: boolean,
): Promise<Pick<RevokedPolicy, 'detached' | 'versionsDeleted' | 'alreadyGone'>> {
  const detached: DetachedEntity[] = [];
  const versionsDeleted: string[] = [];
  const backend = ctx.backend;
  // Something may attach it again between our detach and our delete (DeleteConflict): go round again.
  for (let round = 1; round <= 3; round++) {
    let attached: Array<{ kind: DetachedEntity['kind']; name: string }>;
    try {
      attached = await attachedEntities(ctx, policyArn);
    } catch (err) {
      if (gone(err)) return { detached, versionsDeleted, alreadyGone: true };
      throw err;
    }
    if (dryRun) {
      return {
        detached: attached.map((e) => ({ ...e, alreadyGone: false })),
        versionsDeleted,
        alreadyGone: false,
      };
    }
    for (const entity of attached) {
      const alreadyGone = await idempotent(ctx, `Detach${entity.kind}Policy ${entity.name}`, () =>
        detachManagedPolicy(backend, entity, policyArn),
      );
      detached.push({ ...entity, alreadyGone });
      await audit(ctx, {
        type: 'policy.detached',
        subject: policyArn,
        details: { entityType: entity.kind, entityName: entity.name, alreadyGone, reason: 'expired' },
      });
    }
    // Verify: IAM must show no attachment before we delete.
    let left: typeof attached;
    try {
      left = await attachedEntities(ctx, policyArn);
    } catch (err) {
      if (gone(err)) return { detached, versionsDeleted, alreadyGone: true };
      throw err;
    }
    if (left.length > 0) {
      if (round === 3) {
        throw new RevocationError(
          `still attached after detaching: ${left.map((e) => `${e.kind} ${e.name}`).join(', ')}`,
          ctx.attempts,
        );
      }
      continue;
    }
    await audit(ctx, { type: 'policy.verified-detached', subject: policyArn, details: {} });
    try {
      const versions = await withRetry(ctx, 'ListPolicyVersions', () =>
        collectPages(
          (input: { PolicyArn: string; Marker?: string }) => backend.listPolicyVersions(input),
          { PolicyArn: policyArn },
          (page) => page.Versions,
        ),
      );
      for (const version of versions.filter((v) => !v.IsDefaultVersion)) {
        const alreadyGone = await idempotent(ctx, `DeletePolicyVersion ${version.VersionId}`, () =>
          backend.deletePolicyVersion({ PolicyArn: policyArn, VersionId: version.VersionId }),
        );
        if (!alreadyGone) versionsDeleted.push(version.VersionId);
        await audit(ctx, {
          type: 'policy.version-deleted',
          subject: policyArn,
          details: { versionId: version.VersionId, alreadyGone },
        });
      }
      const alreadyGone = await idempotent(ctx, 'DeletePolicy', () =>
        backend.deletePolicy({ PolicyArn: policyArn }),
      );
      await audit(ctx, {
        type: 'policy.deleted',
        subject: policyArn,
        details: { alreadyGone, reason: 'expired' },
      });
      return { detached, versionsDeleted, alreadyGone };
    } catch (err) {
      if (gone(err)) return { detached, versionsDeleted, alreadyGone: true };
      const conflict = isCloudError((err as { cause?: unknown }).cause, 'DeleteConflict');
      if (!conflict || round === 3) throw err;
    }
  }
  throw new RevocationError('the policy kept being attached again while it was revoked', ctx.attempts);
}

/** Runs a detach or delete; true when it was already done (NoSuchEntity). */
async function idempotent(ctx: Context, what: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await withRetry(ctx, what, fn);
    return false;
  } catch (err) {
    if (gone(err)) return true;
    throw err;
  }
}

async function attachedEntities(
  ctx: Context,
  policyArn: string,
): Promise<Array<{ kind: DetachedEntity['kind']; name: string }>> {
  const found: Array<{ kind: DetachedEntity['kind']; name: string }> = [];
  await withRetry(ctx, 'ListEntitiesForPolicy', async () => {
    found.length = 0;
    const pages = await collectPages(
      (input: ListEntitiesForPolicyInput) => ctx.backend.listEntitiesForPolicy(input),
      { PolicyArn: policyArn },
      (page) => [
        ...page.PolicyUsers.map((u) => ({ kind: 'User' as const, name: u.UserName })),
        ...page.PolicyGroups.map((g) => ({ kind: 'Group' as const, name: g.GroupName })),
        ...page.PolicyRoles.map((r) => ({ kind: 'Role' as const, name: r.RoleName })),
      ],
    );
    found.push(...pages);
  });
  return found;
}

async function fail(
  ctx: Context,
  policy: ManagedPolicy,
  expiresAt: string,
  err: unknown,
  requestId?: string,
): Promise<FailedPolicy> {
  const error = err instanceof RevocationError ? err.message : describeError(err);
  const attempts = err instanceof RevocationError ? err.attempts : ctx.attempts;
  await audit(ctx, {
    type: 'policy.revocation-failed',
    subject: policy.Arn,
    details: { error, attempts, ...(expiresAt ? { expiresAt } : {}) },
  });
  let notified = false;
  if (!ctx.options.dryRun) {
    const facts = await requestFacts(ctx, policy, requestId);
    notified = await tellAdminsOnce(
      ctx,
      policy.Arn,
      revocationFailed(facts, {
        policyArn: policy.Arn,
        error,
        attempts,
        ...(expiresAt ? { expiresAt } : {}),
      }),
    );
  }
  return { policyArn: policy.Arn, expiresAt, error, attempts, notified };
}

const notifiedKey = (event: string, policyArn: string) => `${event} ${policyArn}`;

/** Tells admins, once per policy while the problem lasts (the scheduler passes the same set). */
async function tellAdminsOnce(ctx: Context, policyArn: string, notification: Notification): Promise<boolean> {
  const notifier = ctx.options.notifier;
  if (!notifier || ctx.options.dryRun) return false;
  const key = notifiedKey(notification.event, policyArn);
  if (ctx.options.notified?.has(key)) return true;
  try {
    await notifier.notify(notification);
    ctx.options.notified?.add(key);
    return true;
  } catch (err) {
    await audit(ctx, {
      type: 'notify.failed',
      subject: policyArn,
      details: { event: notification.event, error: describeError(err) },
    });
    return false;
  }
}

function invalidNotification(problem: InvalidPolicy): Notification {
  const why =
    problem.reason === 'missing-expiry-tag'
      ? `it has no ${EXPIRES_AT_TAG} tag`
      : `its ${EXPIRES_AT_TAG} tag is not an ISO 8601 time (${JSON.stringify(problem.value).slice(0, 200)})`;
  return {
    event: 'reconcile.policy-invalid',
    audience: ['admins'],
    severity: 'warning',
    subject: `[grantflow] A policy under ${GRANTFLOW_POLICY_PATH} has no usable expiry: ${problem.policyArn}`,
    text: `grantflow's reconciler cannot tell when ${problem.policyArn} expires because ${why}. It was left as it is; check who created it and delete it by hand if it is not needed.`,
    data: {
      policyArn: problem.policyArn,
      reason: problem.reason,
      ...(problem.value !== undefined ? { value: problem.value } : {}),
    },
  };
}

/** Who to name in a failure notification: the stored request if there is one, else what IAM shows. */
async function requestFacts(ctx: Context, policy: ManagedPolicy, requestId?: string): Promise<RequestFacts> {
  const db = ctx.options.store?.db;
  if (db) {
    try {
      let query = db.selectFrom('access_requests').selectAll();
      query = requestId
        ? query.where((eb) => eb.or([eb('id', '=', requestId), eb('policy_arn', '=', policy.Arn)]))
        : query.where('policy_arn', '=', policy.Arn);
      const row = await query.executeTakeFirst();
      if (row) return factsOfRequest(row);
    } catch {
      // No request table or an unreachable store: the notification goes out with what IAM shows.
    }
  }
  const account = /^arn:[^:]+:iam::(\d{12}):/.exec(policy.Arn)?.[1];
  const entity = await attachedEntities(ctxForLookup(ctx), policy.Arn).catch(() => []);
  const first = entity[0];
  const identityArn =
    first && account ? `arn:aws:iam::${account}:${first.kind.toLowerCase()}/${first.name}` : policy.Arn;
  return {
    requestId: requestId ?? policy.PolicyName,
    lang: 'en',
    requester: 'unknown',
    identityArn,
    task: policy.Description ?? '',
    ...(account ? { accountId: account } : {}),
  };
}

/** A lookup that tries once: the failure is already being reported. */
function ctxForLookup(ctx: Context): Context {
  return { ...ctx, maxAttempts: 1, attempts: 0 };
}

/** Resumes due executions through the runner; returns how many, or undefined without one. */
async function resumeExecutions(options: ReconcileOptions, errors: string[]): Promise<number | undefined> {
  const leaseMs = options.leaseMs ?? 60_000;
  const now = options.now;
  if (options.dryRun) {
    if (!options.engine) return undefined;
    const due = await options.engine.store.dueExecutions(
      now.toISOString(),
      new Date(now.getTime() - leaseMs).toISOString(),
      10_000,
    );
    return due.length;
  }
  try {
    if (options.runner) return await options.runner.pollOnce();
    if (!options.engine) return undefined;
    // No runner running: run one for a few passes, each driving a batch to its next wait or end.
    const batch = 50;
    let total = 0;
    for (let pass = 0; pass < 20; pass++) {
      const runner = new WorkflowRunner(options.engine, {
        clock: () => options.now,
        batchSize: batch,
        concurrency: batch * 2,
        pollIntervalMs: 3_600_000,
        leaseMs,
        onError: (id, err) => errors.push(`${id}: ${describeError(err)}`),
      });
      runner.start();
      const queued = await runner.pollOnce();
      await runner.stop();
      total += queued;
      if (queued < batch) break;
    }
    return total;
  } catch (err) {
    errors.push(describeError(err));
    return undefined;
  }
}

// ── The periodic scheduler ──────────────────────────────────────────────────────────────────

export interface ReconcilerOptions extends Omit<ReconcileOptions, 'now' | 'notified' | 'expiryTags'> {
  /** Between passes (default a quarter of the grace period, so a pass lands well within it). */
  readonly intervalMs?: number;
  /** How long expiry tags read are trusted before every policy's are read again (default 10 min). */
  readonly tagRefreshMs?: number;
  readonly clock?: () => Date;
  /** Each pass's summary. */
  readonly onPass?: (summary: ReconcileSummary) => void;
  /** A pass that failed as a whole (the listing itself failed after retries). */
  readonly onError?: (error: unknown) => void;
}

export interface RunningReconciler {
  /** Runs a pass now (after the one in progress, if any) and returns its summary. */
  runNow(): Promise<ReconcileSummary>;
  /** Stops scheduling and waits for the pass in progress. */
  stop(): Promise<void>;
}

/** Runs a pass at once (so overdue grants are revoked right after a restart), then every interval. */
export function startReconciler(options: ReconcilerOptions): RunningReconciler {
  const clock = options.clock ?? (() => new Date());
  const intervalMs = options.intervalMs ?? ((options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000) / 4;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be a positive number (got ${intervalMs})`);
  const notified = new Set<string>();
  const expiryTags = new Map<string, string>();
  const tagRefreshMs = options.tagRefreshMs ?? 10 * 60_000;
  let tagsReadAt = clock().getTime();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<ReconcileSummary> | undefined;

  const pass = (): Promise<ReconcileSummary> => {
    const previous = current ?? Promise.resolve(undefined);
    const next = previous
      .catch(() => undefined)
      .then(() => {
        const now = clock();
        // Now and then every tag is read again, so that a tag edited in IAM is seen.
        if (now.getTime() - tagsReadAt >= tagRefreshMs) {
          expiryTags.clear();
          tagsReadAt = now.getTime();
        }
        return reconcile({ ...options, now, notified, expiryTags });
      });
    current = next;
    next.then(
      (summary) => options.onPass?.(summary),
      (err: unknown) => options.onError?.(err),
    );
    return next;
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void pass()
        .catch(() => undefined)
        .finally(() => schedule(intervalMs));
    }, delay);
  };
  schedule(0);
  return {
    runNow: pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current?.catch(() => undefined);
    },
  };
}
