// The access-request lifecycle as a service: requests are rows in access_requests, each carried
// out by one execution of grantflow's lifecycle definition (named after the request id), and
// approvals, denials and early revocations answer that execution's task tokens. Every decision a
// person makes is written to the audit log here; the workflow's own steps write theirs through
// the `grantflow:record` connector.
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../../catalog/index.ts';
import type { IamBackend } from '../../cloud/index.ts';
import type { Drafter } from '../../generate/drafter.ts';
import type { GuardConfig } from '../../generate/guard.ts';
import definition from '../definitions/grantflow-lifecycle.asl.json' with { type: 'json' };
import { iamDate } from '../../generate/harden.ts';
import type { PolicyDocument } from '../../generate/policy-document.ts';
import { DEFAULT_LIMITS, parseAccessRequest } from '../../generate/request.ts';
import type { RequestLimits } from '../../generate/request.ts';
import { extensionRequested, requestReceived } from '../../notify/templates/lifecycle.ts';
import type { Notification, Notifier } from '../../notify/types.ts';
import { appendAuditEvent } from '../../store/audit-log.ts';
import type { AccessApprovalRow, AccessRequestRow, Store } from '../../store/index.ts';
import { storedTime } from '../../store/schema.ts';
import { defaultConnectors } from '../connectors/index.ts';
import type { BedrockModel } from '../connectors/bedrock.ts';
import {
  TERMINAL_REQUEST_STATUSES,
  extendedPolicyText,
  grantflowConnectors,
  requestFacts,
} from '../connectors/grantflow.ts';
import type { RequestStatus } from '../connectors/grantflow.ts';
import type { ConnectorMap } from '../connectors/types.ts';
import { WorkflowEngine } from '../engine.ts';
import type { JsonObject } from '../json.ts';
import { KyselyExecutionStore } from '../kysely-store.ts';
import { WorkflowRunner } from '../runner.ts';
import { StepFunctionsExecutions } from '../stepfunctions/executions.ts';
import type { StepFunctionsTarget } from '../stepfunctions/executions.ts';
import { EmbeddedExecutions } from './executions.ts';
import type { ExecutionSummary, HistoryEntry, LifecycleExecutions } from './executions.ts';
import { ExpiryDetacher } from './expiry-detacher.ts';
import type { ExecutionStatus, HistoryEvent } from '../store.ts';

export const LIFECYCLE_DEFINITION_NAME = 'grantflow-lifecycle';
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 24 * 3600;
const APPROVAL_STATE = 'AwaitApproval';
const EXPIRY_DETACH_BATCH = 2000;
const HOLD_STATE = 'HoldUntilExpiry';
/** Executions described at once for a listing (see #views). */
const DESCRIBE_CONCURRENCY = 8;

/** The shipped definition (Amazon States Language, QueryLanguage JSONata). */
export function lifecycleDefinition(): object {
  return structuredClone(definition) as object;
}

export type LifecycleErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'SELF_APPROVAL'
  | 'NOT_APPROVER'
  | 'NO_APPROVERS'
  | 'NOT_PENDING'
  | 'POLICY_CHANGED'
  | 'ALREADY_DECIDED'
  | 'NOT_REVOCABLE'
  | 'GRANT_EXPIRED'
  | 'NOT_EXTENDABLE'
  | 'EXTENSION_PENDING';

export class LifecycleError extends Error {
  readonly code: LifecycleErrorCode;
  constructor(code: LifecycleErrorCode, message: string) {
    super(message);
    this.name = 'LifecycleError';
    this.code = code;
  }
}

export interface LifecycleOptions {
  readonly store: Store;
  readonly backend: IamBackend;
  /** Requester, approver and admin notifications (default: none). */
  readonly notifier?: Notifier;
  /** Who may approve or deny (configuration); nobody when empty. */
  readonly approvers?: readonly string[];
  /** How long a request waits for an approval before it expires (default 24 h). */
  readonly approvalTimeoutSeconds?: number;
  readonly drafter?: Drafter;
  readonly model?: BedrockModel;
  readonly guard?: GuardConfig;
  readonly limits?: RequestLimits;
  readonly maxAttempts?: number;
  readonly catalog?: Catalog;
  readonly clock?: () => Date;
  /** Scales Retry backoff (and Wait states); 1 in production. */
  readonly waitScale?: number;
  readonly pollIntervalMs?: number;
  /** Executions driven at once (default the runner's, 8). */
  readonly concurrency?: number;
  readonly leaseMs?: number;
  /** Rewrites the connector map (tests inject failures here). */
  readonly wrapConnectors?: (connectors: ConnectorMap) => ConnectorMap;
  readonly onEvents?: (executionId: string, events: readonly HistoryEvent[]) => void;
  /**
   * While started, how often expired grants are detached at once, ahead of their executions
   * (ExpiryDetacher); default 1000 ms, 0 turns it off.
   */
  readonly expiryDetachIntervalMs?: number;
  /** A detach pass that failed, or a policy it could not detach (the executions retry). */
  readonly onExpiryDetachError?: (error: unknown) => void;
  readonly onNotifierError?: (error: unknown, notification: Notification) => void;
  /**
   * Run the executions on AWS Step Functions (the state machine `grantflow workflow export`
   * deployed, whose grantflow steps run in its tasks function) instead of in this process. The
   * drafter, model, guard, limits, catalog and connector options are then the tasks function's.
   */
  readonly stepFunctions?: StepFunctionsTarget;
}

export interface RequestView {
  readonly id: string;
  readonly status: RequestStatus;
  readonly terminal: boolean;
  readonly requester: string;
  readonly request: {
    readonly requested_task: string;
    readonly target_iam_identity: string;
    readonly target_iam_identity_arn: string;
    readonly required_attach_time: number;
    readonly account_id: string;
    readonly region: string;
  };
  readonly outcome: string | null;
  readonly policyDocument: string | null;
  readonly policyHash: string | null;
  readonly policyName: string | null;
  readonly policyArn: string | null;
  readonly expiresAt: string | null;
  /** The grant this request extends, if it is an extension. */
  readonly extendsRequestId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly approvals: readonly {
    approver: string;
    decision: string;
    policyHash: string;
    reason: string | null;
    decidedAt: string;
  }[];
  readonly execution?: {
    readonly id: string;
    readonly status: ExecutionStatus;
    readonly currentState?: string;
    readonly error?: string;
    readonly cause?: string;
  };
}

export class LifecycleService {
  readonly store: Store;
  readonly backend: IamBackend;
  /** Where the executions run: in this process, or on Step Functions. */
  readonly executions: LifecycleExecutions;
  readonly #options: LifecycleOptions;
  readonly #clock: () => Date;
  readonly #detacher: ExpiryDetacher;
  #detachTimer: NodeJS.Timeout | undefined;
  #detachPass: Promise<void> | undefined;
  #started = false;

  constructor(options: LifecycleOptions, accountId: string) {
    this.#options = options;
    this.store = options.store;
    this.backend = options.backend;
    this.#clock = options.clock ?? (() => new Date());
    this.#detacher = new ExpiryDetacher(options.store, options.backend);
    this.executions = options.stepFunctions
      ? new StepFunctionsExecutions(options.stepFunctions)
      : embeddedExecutions(options, accountId, this.#clock);
  }

  /** The embedded interpreter (there is none when the executions run on Step Functions). */
  get engine(): WorkflowEngine {
    return this.#embedded().engine;
  }

  get runner(): WorkflowRunner {
    return this.#embedded().runner;
  }

  #embedded(): EmbeddedExecutions {
    if (!(this.executions instanceof EmbeddedExecutions))
      throw new Error('the lifecycle runs on AWS Step Functions: there is no embedded engine here');
    return this.executions;
  }

  /** A service whose executions' ARNs name the backend's account. */
  static async open(options: LifecycleOptions): Promise<LifecycleService> {
    const { Account } = await options.backend.getCallerIdentity();
    return new LifecycleService(options, Account);
  }

  /** Starts driving executions (resuming what is due first). */
  start(): void {
    this.executions.startWorker();
    const every = this.#options.expiryDetachIntervalMs ?? 1000;
    if (!this.#started && every > 0) {
      this.#started = true;
      this.#scheduleDetach(0, every);
    }
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#detachTimer);
    await this.#detachPass;
    await this.executions.stopWorker();
  }

  #scheduleDetach(delay: number, every: number): void {
    this.#detachTimer = setTimeout(() => {
      let more = false;
      this.#detachPass = this.#detacher
        .pass(this.#clock(), EXPIRY_DETACH_BATCH)
        .then((pass) => {
          for (const f of pass.failed)
            this.#options.onExpiryDetachError?.(new Error(`detach ${f.policyArn}: ${f.error}`));
          // A full pass means more are waiting: go on at once.
          more = pass.detached.length + pass.failed.length >= EXPIRY_DETACH_BATCH;
        })
        .catch((err: unknown) => this.#options.onExpiryDetachError?.(err))
        .finally(() => {
          this.#detachPass = undefined;
          if (this.#started) this.#scheduleDetach(more ? 0 : every, every);
        });
    }, delay);
    this.#detachTimer.unref();
  }

  /** Checks and records a request, then starts its execution; `start()` or `drive` runs it. */
  async submitRequest(
    input: unknown,
    requester: string,
    options: { approvalTimeoutSeconds?: number } = {},
  ): Promise<RequestView> {
    requireIdentity('requester', requester);
    let request;
    try {
      request = parseAccessRequest(input, this.#options.limits ?? DEFAULT_LIMITS);
    } catch (err) {
      throw new LifecycleError('INVALID_INPUT', (err as Error).message);
    }
    const approvalTimeoutSeconds = this.#approvalTimeout(options.approvalTimeoutSeconds);
    const seed = seedOf(request, request.required_attach_time);
    const row = newRequestRow(seed, requester, request.lang, null, this.#clock());
    const id = row.id;
    await this.store.db.insertInto('access_requests').values(row).execute();
    await this.#audit('request.created', requester, id, { request: seed });
    await this.#notify(requestReceived(requestFacts(row), { durationSeconds: request.required_attach_time }));
    return this.#startLifecycle(row, { requestId: id, requester, request: seed, approvalTimeoutSeconds });
  }

  /**
   * Asks for an active grant to last `seconds` longer: a new request for the same policy with its
   * end moved from the grant's expiresAt to `seconds` after it, which always needs an approval
   * (bound to the hash of that policy). Once approved it is created and attached as a policy of
   * its own, held and revoked like any grant; the original grant still ends at its own expiresAt.
   * `actor` asks (the requester, or an admin on its behalf); the extension's requester stays the
   * grant's, so that person can never approve their own extension.
   */
  async extend(
    id: string,
    actor: string,
    seconds: number,
    options: { approvalTimeoutSeconds?: number } = {},
  ): Promise<RequestView> {
    requireIdentity('actor', actor);
    const max = (this.#options.limits ?? DEFAULT_LIMITS).maxAttachSeconds;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > max)
      throw new LifecycleError('INVALID_INPUT', `seconds: must be a whole number from 1 to ${max}`);
    const approvalTimeoutSeconds = this.#approvalTimeout(options.approvalTimeoutSeconds);
    const grant = await this.#row(id);
    if (grant.status !== 'active' || grant.policy_document === null || grant.expires_at === null)
      throw new LifecycleError(
        'NOT_EXTENDABLE',
        `request ${id} is ${grant.status}: only an active grant can be extended`,
      );
    const pending = await this.store.db
      .selectFrom('access_requests')
      .select(['id', 'status'])
      .where('extends_request_id', '=', id)
      .where('status', 'not in', [...TERMINAL_REQUEST_STATUSES])
      .executeTakeFirst();
    if (pending)
      throw new LifecycleError(
        'EXTENSION_PENDING',
        `request ${id} already has an extension in progress: ${pending.id} (${pending.status})`,
      );
    const previousExpiresAt = new Date(grant.expires_at);
    const expiresAt = new Date(previousExpiresAt.getTime() + seconds * 1000);
    const extended = extendedPolicyText(JSON.parse(grant.policy_document) as PolicyDocument, {
      previousExpiresAt,
      expiresAt,
      principalArn: grant.target_iam_identity_arn,
    });
    const seed = seedOf(grant, seconds);
    const row = newRequestRow(seed, grant.requester, grant.language, id, this.#clock());
    const newId = row.id;
    await this.store.db.insertInto('access_requests').values(row).execute();
    await this.#audit('request.extension-requested', actor, newId, {
      extends: id,
      previousExpiresAt: grant.expires_at,
      expiresAt: storedTime(expiresAt),
    });
    await this.#notify(
      extensionRequested(requestFacts(row), {
        extends: id,
        previousExpiresAt: iamDate(previousExpiresAt),
        expiresAt: iamDate(expiresAt),
        by: actor,
      }),
    );
    return this.#startLifecycle(row, {
      requestId: newId,
      requester: grant.requester,
      request: seed,
      approvalTimeoutSeconds,
      extension: {
        requestId: id,
        policyDocument: extended.document,
        policyHash: extended.hash,
        previousExpiresAt: iamDate(previousExpiresAt),
        expiresAt: iamDate(expiresAt),
        summary: `Extension of ${id}: the same policy, until ${iamDate(expiresAt)} instead of ${iamDate(previousExpiresAt)}.`,
      },
    });
  }

  #approvalTimeout(given: number | undefined): number {
    const seconds = given ?? this.#options.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 30 * 86400)
      throw new LifecycleError(
        'INVALID_INPUT',
        'approval timeout: must be a whole number of seconds from 1 to 2592000',
      );
    return seconds;
  }

  async #startLifecycle(row: AccessRequestRow, input: JsonObject): Promise<RequestView> {
    try {
      await this.executions.start(row.execution_id ?? row.id, input);
    } catch (err) {
      // Nothing runs the request (Step Functions unreachable, say): it must not wait as
      // `received` forever. Nothing was created for it, so failing it is the whole cleanup.
      const message = (err as Error)?.message ?? String(err);
      await this.store.db
        .updateTable('access_requests')
        .set({ status: 'failed', updated_at: storedTime(this.#clock()), version: row.version + 1 })
        .where('id', '=', row.id)
        .execute();
      await this.#audit('request.start-failed', 'grantflow', row.id, { error: message });
      throw new Error(`request ${row.id} could not be started: ${message}`, { cause: err });
    }
    return this.getRequest(row.id);
  }

  async getRequest(id: string): Promise<RequestView> {
    return (await this.#views([await this.#row(id)], { currentState: true }))[0]!;
  }

  /**
   * The views of requests: their approvals in one query, their executions described a few at a
   * time. On Step Functions each description is an API call, which the service throttles per
   * account: a listing of a thousand requests must not make a thousand calls at once.
   * `currentState`: say where a running execution is even where that costs a call (see describe).
   */
  async #views(
    rows: readonly AccessRequestRow[],
    options: { readonly currentState?: boolean } = {},
  ): Promise<RequestView[]> {
    if (rows.length === 0) return [];
    const approvals = await this.store.db
      .selectFrom('access_approvals')
      .selectAll()
      .where(
        'request_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('decided_at')
      .orderBy('approver')
      .execute();
    const approvalsOf = Map.groupBy(approvals, (a) => a.request_id);
    const executions = await mapConcurrently(rows, DESCRIBE_CONCURRENCY, (r) =>
      r.execution_id ? this.executions.describe(r.execution_id, options) : Promise.resolve(undefined),
    );
    return rows.map((r, i) => toView(r, approvalsOf.get(r.id) ?? [], executions[i]));
  }

  /** The request's execution history (empty before it started). */
  async history(id: string): Promise<HistoryEntry[]> {
    const row = await this.#row(id);
    return row.execution_id ? this.executions.history(row.execution_id) : [];
  }

  /**
   * Requests, newest first; `active`: those whose policy is (or may still be) attached;
   * `requester`: only that requester's; `before`: those created before that request (the next page
   * after it); at most `limit` (default 1000).
   */
  async listGrants(
    options: { active?: boolean; limit?: number; requester?: string; before?: string } = {},
  ): Promise<RequestView[]> {
    let query = this.store.db
      .selectFrom('access_requests')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc');
    if (options.active)
      query = query.where('status', 'in', ['approved', 'active', 'revoking', 'revocation_failed']);
    if (options.requester !== undefined) query = query.where('requester', '=', options.requester);
    if (options.before !== undefined) {
      const after = await this.#row(options.before);
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', after.created_at),
          eb.and([eb('created_at', '=', after.created_at), eb('id', '<', after.id)]),
        ]),
      );
    }
    return this.#views(await query.limit(options.limit ?? 1000).execute());
  }

  async approve(id: string, approver: string, options: { policyHash?: string } = {}): Promise<RequestView> {
    const row = await this.#decisionChecks(id, approver);
    if (options.policyHash !== undefined && options.policyHash !== row.policy_hash) {
      throw new LifecycleError(
        'POLICY_CHANGED',
        `the policy of ${id} has hash ${row.policy_hash}, not ${options.policyHash}: review it again before approving`,
      );
    }
    const token = await this.#waitingToken(row, APPROVAL_STATE);
    if (!token)
      throw new LifecycleError(
        'NOT_PENDING',
        `request ${id} is not waiting for an approval (status ${row.status})`,
      );
    // A grant's time starts at its approval (the workflow moves the approved policy's end), but an
    // extension's end was fixed when it was asked for: approving it later would attach a policy IAM
    // already denies.
    if (
      row.extends_request_id !== null &&
      row.expires_at !== null &&
      Date.parse(row.expires_at) <= this.#clock().getTime()
    )
      throw new LifecycleError(
        'GRANT_EXPIRED',
        `the extension ${id} ended at ${row.expires_at} while it waited for approval: deny it and ask again`,
      );
    await this.#decide(row, approver, 'approve', null);
    await this.executions.sendTaskSuccess(token, {
      Decision: 'approve',
      Approver: approver,
      PolicyHash: row.policy_hash!,
    });
    return this.getRequest(id);
  }

  async deny(id: string, approver: string, reason?: string): Promise<RequestView> {
    const row = await this.#decisionChecks(id, approver);
    const token = await this.#waitingToken(row, APPROVAL_STATE);
    if (!token)
      throw new LifecycleError(
        'NOT_PENDING',
        `request ${id} is not waiting for an approval (status ${row.status})`,
      );
    await this.#decide(row, approver, 'deny', reason ?? null);
    await this.executions.sendTaskSuccess(token, {
      Decision: 'deny',
      Approver: approver,
      PolicyHash: row.policy_hash ?? '',
      ...(reason !== undefined ? { Reason: reason } : {}),
    });
    return this.getRequest(id);
  }

  /**
   * Ends a grant now: answers the execution's hold, which goes on to detach, verify and delete.
   * A request still waiting for an approval is withdrawn instead. Revoking ends the whole chain of
   * extensions the request belongs to (the grant and every extension of it, approved or pending):
   * "I'm done" means done with that access. Waits up to `waitMs` for a request still being drafted
   * or attached to reach one of those.
   */
  async revoke(id: string, actor: string, options: { waitMs?: number } = {}): Promise<RequestView> {
    const deadline = this.#clock().getTime() + (options.waitMs ?? 10_000);
    const first = await this.#row(id);
    let ended = false;
    for (const member of await this.#extensionChain(first)) {
      if (await this.#revokeOne(member, actor, deadline)) ended = true;
    }
    if (!ended)
      throw new LifecycleError('NOT_REVOCABLE', `request ${id} has already ended (status ${first.status})`);
    return this.getRequest(id);
  }

  /** Revokes or withdraws one request; false when it had already ended. */
  async #revokeOne(id: string, actor: string, deadline: number): Promise<boolean> {
    for (;;) {
      const row = await this.#row(id);
      if ((TERMINAL_REQUEST_STATUSES as readonly string[]).includes(row.status)) return false;
      const hold = await this.#waitingToken(row, HOLD_STATE);
      if (hold) {
        await this.#audit('grant.revoke-requested', actor, id, { policyArn: row.policy_arn });
        await this.executions.sendTaskSuccess(hold, { Reason: 'early', By: actor });
        return true;
      }
      const approval = await this.#waitingToken(row, APPROVAL_STATE);
      if (approval) {
        await this.#audit('request.withdrawn', actor, id, {});
        await this.executions.sendTaskSuccess(approval, {
          Decision: 'deny',
          Approver: actor,
          PolicyHash: row.policy_hash ?? '',
          Reason: 'withdrawn',
        });
        return true;
      }
      if (this.#clock().getTime() >= deadline)
        throw new LifecycleError(
          'NOT_REVOCABLE',
          `request ${id} is ${row.status}: nothing to revoke yet; try again`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The request's id, then the grant it extends and every extension of that grant, oldest first. */
  async extensionChain(id: string): Promise<string[]> {
    return this.#extensionChain(await this.#row(id));
  }

  async #extensionChain(row: AccessRequestRow): Promise<string[]> {
    let root = row;
    const seen = new Set([row.id]);
    while (root.extends_request_id !== null && !seen.has(root.extends_request_id)) {
      seen.add(root.extends_request_id);
      root = await this.#row(root.extends_request_id);
    }
    const chain = [root.id];
    for (let i = 0; i < chain.length; i++) {
      const children = await this.store.db
        .selectFrom('access_requests')
        .select('id')
        .where('extends_request_id', '=', chain[i]!)
        .orderBy('created_at')
        .execute();
      for (const child of children) if (!chain.includes(child.id)) chain.push(child.id);
    }
    return [row.id, ...chain.filter((member) => member !== row.id)];
  }

  /**
   * Drives a request's execution until it ends or rests in a wait (in this process; on Step
   * Functions, watches it get there).
   */
  async drive(id: string): Promise<ExecutionStatus> {
    const row = await this.#row(id);
    return this.executions.drive(row.execution_id ?? id);
  }

  /** Resolves once the request's execution ended (the embedded runner must be started). */
  async settled(id: string): Promise<RequestView> {
    const row = await this.#row(id);
    await this.executions.settled(row.execution_id ?? id);
    return this.getRequest(id);
  }

  /**
   * Drives every lifecycle execution that is due now (a grant whose expiry passed while no process
   * ran is revoked), each until it ends or waits again; returns the request ids it drove.
   */
  async resumeDue(): Promise<string[]> {
    // Execution name → request id, for the lifecycle's executions (not `grantflow workflow run`'s).
    const requests = new Map<string, string>();
    const driven = await this.executions.resumeDue(async (name) => {
      const row = await this.store.db
        .selectFrom('access_requests')
        .select('id')
        .where('execution_id', '=', name)
        .executeTakeFirst();
      if (row) requests.set(name, row.id);
      return row !== undefined;
    });
    return driven.map((name) => requests.get(name)!);
  }

  async #row(id: string): Promise<AccessRequestRow> {
    const row = await this.store.db
      .selectFrom('access_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new LifecycleError('NOT_FOUND', `no access request ${id}`);
    return row;
  }

  async #decisionChecks(id: string, approver: string): Promise<AccessRequestRow> {
    if (typeof approver !== 'string' || approver.trim() === '')
      throw new LifecycleError('INVALID_INPUT', 'approver: must be a non-empty identity');
    const row = await this.#row(id);
    if (approver === row.requester)
      throw new LifecycleError('SELF_APPROVAL', `${approver} requested ${id} and cannot decide on it`);
    const approvers = this.#options.approvers ?? [];
    if (approvers.length === 0)
      throw new LifecycleError('NO_APPROVERS', 'no approvers are configured (GRANTFLOW_APPROVERS)');
    if (!approvers.includes(approver))
      throw new LifecycleError('NOT_APPROVER', `${approver} is not a configured approver`);
    if (row.status !== 'pending_approval')
      throw new LifecycleError(
        'NOT_PENDING',
        `request ${id} is not waiting for an approval (status ${row.status})`,
      );
    return row;
  }

  async #decide(
    row: AccessRequestRow,
    approver: string,
    decision: 'approve' | 'deny',
    reason: string | null,
  ) {
    const existing = await this.store.db
      .selectFrom('access_approvals')
      .select('decision')
      .where('request_id', '=', row.id)
      .where('approver', '=', approver)
      .executeTakeFirst();
    if (existing)
      throw new LifecycleError(
        'ALREADY_DECIDED',
        `${approver} already decided on ${row.id} (${existing.decision})`,
      );
    const now = storedTime(this.#clock());
    await this.store.db
      .insertInto('access_approvals')
      .values({
        request_id: row.id,
        policy_hash: row.policy_hash ?? '',
        approver,
        decision,
        reason,
        decided_at: now,
      })
      .execute();
    await this.#audit(decision === 'approve' ? 'request.approved' : 'request.denied', approver, row.id, {
      policyHash: row.policy_hash,
      ...(reason !== null ? { reason } : {}),
    });
  }

  #waitingToken(row: AccessRequestRow, stateName: string): Promise<string | undefined> {
    return this.executions.waitingToken(row.execution_id ?? row.id, stateName);
  }

  async #audit(type: string, actor: string, subject: string, details: Record<string, unknown>) {
    await appendAuditEvent(
      this.store.db,
      { type, actor, subject, details: details as never },
      { now: this.#clock },
    );
  }

  async #notify(notification: Notification): Promise<void> {
    try {
      await this.#options.notifier?.notify(notification);
    } catch (err) {
      this.#options.onNotifierError?.(err, notification);
    }
  }
}

function requireIdentity(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 512)
    throw new LifecycleError(
      'INVALID_INPUT',
      `${field}: must be a non-empty identity (at most 512 characters)`,
    );
}

type RequestSeed = Pick<
  AccessRequestRow,
  | 'requested_task'
  | 'target_iam_identity'
  | 'target_iam_identity_arn'
  | 'required_attach_time'
  | 'account_id'
  | 'region'
>;

/** The seed's input fields of a request (what the execution gets), lasting `seconds`. */
function seedOf(from: Omit<RequestSeed, 'required_attach_time'>, seconds: number): RequestSeed {
  return {
    requested_task: from.requested_task,
    target_iam_identity: from.target_iam_identity,
    target_iam_identity_arn: from.target_iam_identity_arn,
    required_attach_time: seconds,
    account_id: from.account_id,
    region: from.region,
  };
}

/** A new access_requests row, received now, named after a fresh id its execution shares. */
function newRequestRow(
  seed: RequestSeed,
  requester: string,
  language: string,
  extendsRequestId: string | null,
  clock: Date,
): AccessRequestRow {
  const id = `req-${randomUUID()}`;
  const now = storedTime(clock);
  return {
    id,
    ...seed,
    requester,
    language,
    status: 'received',
    outcome: null,
    policy_document: null,
    policy_hash: null,
    policy_name: null,
    policy_arn: null,
    execution_id: id,
    extends_request_id: extendsRequestId,
    expires_at: null,
    created_at: now,
    updated_at: now,
    version: 1,
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** `f` of each item, in order, with at most `limit` calls under way at once. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await f(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function toView(
  row: AccessRequestRow,
  approvals: readonly AccessApprovalRow[],
  execution: ExecutionSummary | undefined,
): RequestView {
  return {
    id: row.id,
    status: row.status as RequestStatus,
    terminal: (TERMINAL_REQUEST_STATUSES as readonly string[]).includes(row.status),
    requester: row.requester,
    request: {
      requested_task: row.requested_task,
      target_iam_identity: row.target_iam_identity,
      target_iam_identity_arn: row.target_iam_identity_arn,
      required_attach_time: row.required_attach_time,
      account_id: row.account_id,
      region: row.region,
    },
    outcome: row.outcome,
    policyDocument: row.policy_document,
    policyHash: row.policy_hash,
    policyName: row.policy_name,
    policyArn: row.policy_arn,
    expiresAt: row.expires_at,
    extendsRequestId: row.extends_request_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    approvals: approvals.map((a) => ({
      approver: a.approver,
      decision: a.decision,
      policyHash: a.policy_hash,
      reason: a.reason,
      decidedAt: a.decided_at,
    })),
    ...(execution
      ? {
          execution: {
            id: execution.id,
            status: execution.status,
            ...(execution.currentState ? { currentState: execution.currentState } : {}),
            ...(execution.error ? { error: execution.error } : {}),
            ...(execution.cause ? { cause: execution.cause } : {}),
          },
        }
      : {}),
  };
}

/** The executions on the embedded interpreter, with grantflow's connectors, in this process. */
function embeddedExecutions(
  options: LifecycleOptions,
  accountId: string,
  clock: () => Date,
): EmbeddedExecutions {
  const base: ConnectorMap = {
    ...defaultConnectors({
      backend: options.backend,
      ...(options.model ? { model: options.model } : {}),
      ...(options.catalog ? { catalog: options.catalog } : {}),
    }),
    ...grantflowConnectors({
      db: options.store.db,
      clock,
      ...pick(options, [
        'notifier',
        'drafter',
        'guard',
        'limits',
        'maxAttempts',
        'catalog',
        'onNotifierError',
      ] as const),
    }),
  };
  const engine = new WorkflowEngine({
    store: new KyselyExecutionStore(options.store.db),
    connectors: options.wrapConnectors ? options.wrapConnectors(base) : base,
    clock,
    accountId,
    ...(options.waitScale !== undefined ? { waitScale: options.waitScale } : {}),
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.onEvents ? { onEvents: options.onEvents } : {}),
  });
  const runner = new WorkflowRunner(engine, {
    pollIntervalMs: options.pollIntervalMs ?? 250,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    clock,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
  });
  return new EmbeddedExecutions({
    engine,
    runner,
    definition: lifecycleDefinition(),
    definitionName: LIFECYCLE_DEFINITION_NAME,
    clock,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
  });
}
