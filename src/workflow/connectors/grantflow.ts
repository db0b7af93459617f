// grantflow's own task resources, used by its lifecycle definition (definitions/grantflow-lifecycle.asl.json):
//
//   arn:aws:states:::grantflow:generate                   draft → validate → harden → guard (generatePolicy)
//   arn:aws:states:::grantflow:harden                     moves an approved policy's end (the grant starts at approval)
//   arn:aws:states:::grantflow:record                     the request's status and fields, audit events, a notification
//   arn:aws:states:::grantflow:approval.waitForTaskToken  asks the approvers; `approve`/`deny` answer the token
//   arn:aws:states:::grantflow:hold.waitForTaskToken      the grant's wait; times out at expiry, `revoke` answers it
//
// They read and write the store's access_requests table and the audit log. Spread them over
// `defaultConnectors(...)` to run the lifecycle.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Catalog } from '../../catalog/index.ts';
import type { Drafter } from '../../generate/drafter.ts';
import { generatePolicy } from '../../generate/generate.ts';
import { extendPolicy, iamDate } from '../../generate/harden.ts';
import type { PolicyDocument } from '../../generate/policy-document.ts';
import type { GuardConfig } from '../../generate/guard.ts';
import type { RequestLimits } from '../../generate/request.ts';
import { lifecycleNotification } from '../../notify/templates/lifecycle.ts';
import type { LifecycleDetails, LifecycleEvent, RequestFacts } from '../../notify/templates/lifecycle.ts';
import type { Notification, Notifier } from '../../notify/types.ts';
import { appendAuditEvent, listAuditLog } from '../../store/audit-log.ts';
import type { JsonObject as AuditJson } from '../../store/audit-log.ts';
import type { AccessRequestRow, StoreTables } from '../../store/index.ts';
import { storedTime } from '../../store/schema.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { isJsonObject } from '../json.ts';
import type { Json, JsonObject } from '../json.ts';
import type { ConnectorMap, TaskInvocation } from './types.ts';

export interface GrantflowConnectorOptions {
  readonly db: Kysely<StoreTables>;
  readonly notifier?: Notifier;
  readonly drafter?: Drafter;
  readonly guard?: GuardConfig;
  readonly limits?: RequestLimits;
  readonly maxAttempts?: number;
  readonly catalog?: Catalog;
  readonly clock?: () => Date;
  /** A notification that could not be delivered (it never fails the step; it is also audited). */
  readonly onNotifierError?: (error: unknown, notification: Notification) => void;
}

/** Where a request stands; the lifecycle definition sets these through `grantflow:record`. */
export const REQUEST_STATUSES = [
  'received',
  'drafted',
  'pending_approval',
  'approved',
  'active',
  'revoking',
  'refused',
  'needs_info',
  'denied',
  'expired',
  'revoked',
  'failed',
  'revocation_failed',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Statuses after which nothing more happens to the request. */
export const TERMINAL_REQUEST_STATUSES: readonly RequestStatus[] = [
  'refused',
  'needs_info',
  'denied',
  'expired',
  'revoked',
  'failed',
  'revocation_failed',
];

/** The SHA-256 of the exact policy text: what an approval is bound to. */
export function policyHash(document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

/**
 * A granted policy with its end moved (extendPolicy), as the text that is hashed, approved and
 * attached: one serialization for the workflow's harden step and for extensions, so a hash bound
 * by one is the hash of what the other attaches.
 */
export function extendedPolicyText(
  policy: PolicyDocument,
  options: Parameters<typeof extendPolicy>[1],
): { document: string; hash: string } {
  const document = JSON.stringify(extendPolicy(policy, options), null, 2);
  return { document, hash: policyHash(document) };
}

const FIELD_COLUMNS = {
  outcome: 'outcome',
  policyDocument: 'policy_document',
  policyHash: 'policy_hash',
  policyName: 'policy_name',
  policyArn: 'policy_arn',
  expiresAt: 'expires_at',
} as const;

function args(invocation: TaskInvocation): JsonObject {
  if (!isJsonObject(invocation.arguments))
    throw new StatesError('Grantflow.InvalidArguments', `${invocation.resource} takes an object`);
  return invocation.arguments;
}

function text(value: Json | undefined, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw new StatesError('Grantflow.InvalidArguments', `${name} must be a non-empty string`);
  return value;
}

function time(value: Json | undefined, name: string): Date {
  const date = new Date(text(value, name));
  if (Number.isNaN(date.getTime()))
    throw new StatesError('Grantflow.InvalidArguments', `${name} is not a time`);
  return date;
}

export function requestFacts(row: AccessRequestRow): RequestFacts {
  return {
    requestId: row.id,
    lang: row.language === 'ko' ? 'ko' : 'en',
    requester: row.requester,
    identityArn: row.target_iam_identity_arn,
    task: row.requested_task,
    accountId: row.account_id,
    region: row.region,
  };
}

async function loadRequest(db: Kysely<StoreTables>, id: string): Promise<AccessRequestRow> {
  const row = await db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new StatesError('Grantflow.NoSuchRequest', `no access request ${id}`);
  return row;
}

/** The notification for a lifecycle event, including `grant.failed`, which has no template of its own. */
export function notificationFor(event: string, facts: RequestFacts, details: JsonObject): Notification {
  if (event === 'grant.failed') {
    const ko = facts.lang === 'ko';
    const error = typeof details.error === 'string' ? details.error : '';
    return {
      event,
      audience: ['requester', 'admins'],
      severity: 'warning',
      subject: ko
        ? `[grantflow] 접근 요청 ${facts.requestId}: 권한 부여 실패`
        : `[grantflow] Access request ${facts.requestId}: granting failed`,
      text: ko
        ? `정책을 만들거나 연결하지 못했습니다. 만든 것은 모두 분리하고 삭제했습니다.\n오류: ${error}`
        : `Creating or attaching the policy failed; whatever was created was detached and deleted.\nError: ${error}`,
      requester: facts.requester,
      data: { requestId: facts.requestId, identityArn: facts.identityArn, ...details },
    };
  }
  return lifecycleNotification(
    event as LifecycleEvent,
    facts,
    details as unknown as LifecycleDetails[LifecycleEvent],
  );
}

/** Drops nulls and empty strings, which the templates read as "not given". */
function compact(details: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(details).filter(([, v]) => v !== null && v !== ''));
}

export function grantflowConnectors(options: GrantflowConnectorOptions): ConnectorMap {
  const { db } = options;
  const clock = options.clock ?? (() => new Date());

  async function notify(row: AccessRequestRow, event: string, details: JsonObject): Promise<void> {
    if (!options.notifier) return;
    let notification: Notification;
    try {
      notification = notificationFor(event, requestFacts(row), compact(details));
    } catch (err) {
      throw new StatesError('Grantflow.InvalidArguments', `notification ${event}: ${(err as Error).message}`);
    }
    try {
      await options.notifier.notify(notification);
    } catch (err) {
      options.onNotifierError?.(err, notification);
      await appendAuditEvent(
        db,
        {
          type: 'notification.failed',
          actor: 'grantflow',
          subject: row.id,
          details: { event, error: (err as Error)?.message ?? String(err) },
        },
        { now: clock },
      );
    }
  }

  /** Updates the request row; `recovery` re-runs skip audit events already written by the first run. */
  async function record(invocation: TaskInvocation): Promise<Json> {
    const a = args(invocation);
    const id = text(a.RequestId, 'RequestId');
    const status = text(a.Status, 'Status');
    if (!(REQUEST_STATUSES as readonly string[]).includes(status))
      throw new StatesError('Grantflow.InvalidArguments', `unknown request status "${status}"`);
    const fields = isJsonObject(a.Fields) ? a.Fields : {};
    const update: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(fields)) {
      const column = FIELD_COLUMNS[key as keyof typeof FIELD_COLUMNS];
      if (!column) throw new StatesError('Grantflow.InvalidArguments', `unknown request field "${key}"`);
      update[column] =
        value === null
          ? null
          : column === 'expires_at' && typeof value === 'string'
            ? storedTime(new Date(value))
            : typeof value === 'string'
              ? value
              : JSON.stringify(value);
    }
    const now = storedTime(clock());
    const audit = Array.isArray(a.Audit) ? a.Audit : [];
    await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('access_requests')
        .select(['version'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new StatesError('Grantflow.NoSuchRequest', `no access request ${id}`);
      await trx
        .updateTable('access_requests')
        .set({ ...update, status, updated_at: now, version: row.version + 1 })
        .where('id', '=', id)
        .execute();
    });
    const already = invocation.recovery
      ? new Set((await listAuditLog(db, { subject: id })).map((e) => e.type))
      : new Set<string>();
    for (const entry of audit) {
      if (!isJsonObject(entry)) continue;
      const type = text(entry.Type, 'Audit[].Type');
      if (already.has(type)) continue;
      const details = isJsonObject(entry.Details) ? entry.Details : {};
      await appendAuditEvent(
        db,
        {
          type,
          actor: 'grantflow',
          subject: id,
          details: { ...(details as AuditJson), executionId: invocation.executionId, status },
        },
        { now: clock },
      );
    }
    if (isJsonObject(a.Notify)) {
      const event = text(a.Notify.Event, 'Notify.Event');
      await notify(await loadRequest(db, id), event, isJsonObject(a.Notify.Details) ? a.Notify.Details : {});
    }
    return { RequestId: id, Status: status };
  }

  return {
    'arn:aws:states:::grantflow:generate': async (invocation) => {
      const a = args(invocation);
      const now = time(a.Now, 'Now');
      let result;
      try {
        result = await generatePolicy(a.Request, {
          now,
          ...(options.drafter ? { drafter: options.drafter } : {}),
          ...(options.guard ? { guard: options.guard } : {}),
          ...(options.limits ? { limits: options.limits } : {}),
          ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
          ...(options.catalog ? { catalog: options.catalog } : {}),
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new StatesError(
          code === 'INVALID_REQUEST' ? 'Grantflow.InvalidRequest' : 'Grantflow.DrafterUnavailable',
          (err as Error)?.message ?? String(err),
        );
      }
      const document = result.policy ? JSON.stringify(result.policy, null, 2) : null;
      return {
        Outcome: result.outcome,
        PolicyDocument: document,
        PolicyHash: document === null ? null : policyHash(document),
        ExpiresAt: result.expiresAt,
        Message: result.message,
        Summary: result.summary,
        Attempts: result.attempts,
        Drafter: result.drafter,
        Reasons: result.reasons.map((r) => ({
          rule: r.rule,
          outcome: r.outcome,
          message: r.message,
          actions: [...r.actions],
        })),
        Findings: result.findings.map((f) => ({
          findingType: f.findingType,
          issueCode: f.issueCode,
          findingDetails: f.findingDetails,
        })),
      };
    },

    'arn:aws:states:::grantflow:harden': async (invocation) => {
      const a = args(invocation);
      const previousExpiresAt = time(a.ExpiresAt, 'ExpiresAt');
      // Whole seconds, rounded up: the grant is never shorter than asked.
      const asked = time(a.NewExpiresAt, 'NewExpiresAt');
      const expiresAt = new Date(Math.ceil(asked.getTime() / 1000) * 1000);
      let policy: PolicyDocument;
      try {
        policy = JSON.parse(text(a.PolicyDocument, 'PolicyDocument')) as PolicyDocument;
        if (!Array.isArray(policy.Statement)) throw new Error('it has no Statement list');
      } catch (err) {
        throw new StatesError('Grantflow.InvalidArguments', `PolicyDocument: ${(err as Error).message}`);
      }
      const { document, hash } = extendedPolicyText(policy, {
        previousExpiresAt,
        expiresAt,
        principalArn: text(a.PrincipalArn, 'PrincipalArn'),
      });
      return { PolicyDocument: document, PolicyHash: hash, ExpiresAt: iamDate(expiresAt) };
    },

    'arn:aws:states:::grantflow:record': record,

    'arn:aws:states:::grantflow:approval': async (invocation) => {
      const a = args(invocation);
      const id = text(a.RequestId, 'RequestId');
      if (!invocation.taskToken)
        throw new StatesError(STATES_ERRORS.TaskFailed, 'grantflow:approval needs .waitForTaskToken');
      await record({
        ...invocation,
        arguments: {
          RequestId: id,
          Status: 'pending_approval',
          Audit: [
            {
              Type: 'request.pending-approval',
              Details: { policyHash: a.PolicyHash ?? null, deadline: a.Deadline ?? null },
            },
          ],
        },
      });
      const row = await loadRequest(db, id);
      await notify(row, 'request.needs-approval', {
        summary: typeof a.Summary === 'string' ? a.Summary : '',
        reasons: Array.isArray(a.Reasons) ? a.Reasons.filter((r) => typeof r === 'string') : [],
        policyHash: text(a.PolicyHash, 'PolicyHash'),
        ...(typeof a.Deadline === 'string' ? { approvalDeadline: a.Deadline } : {}),
        durationSeconds: row.required_attach_time,
      });
      return { RequestId: id };
    },

    'arn:aws:states:::grantflow:hold': async (invocation) => {
      const a = args(invocation);
      const id = text(a.RequestId, 'RequestId');
      if (!invocation.taskToken)
        throw new StatesError(STATES_ERRORS.TaskFailed, 'grantflow:hold needs .waitForTaskToken');
      await appendAuditEvent(
        db,
        {
          type: 'grant.waiting',
          actor: 'grantflow',
          subject: id,
          details: { expiresAt: typeof a.ExpiresAt === 'string' ? a.ExpiresAt : null },
        },
        { now: clock },
      );
      return { RequestId: id };
    },
  };
}
