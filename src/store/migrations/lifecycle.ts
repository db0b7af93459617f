// Tables of the access-request lifecycle: requests and their approvals, the durable workflow
// interpreter's executions (definitions, history, waits, recorded values) and the hash-chained
// audit log. Conventions (schema.ts): timestamps are ISO 8601 UTC strings with milliseconds
// (`storedTime`), JSON is text, hashes are lower-case hex SHA-256.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { createTable, portableTypes } from '../schema.ts';

/** The first `prev_hash` of the audit log: there is no entry before sequence 1. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** An access request: the seed's input fields, who asked, and where it stands. */
export interface AccessRequestRow {
  id: string;
  requested_task: string;
  /** 'USER' | 'ROLE' */
  target_iam_identity: string;
  target_iam_identity_arn: string;
  /** Seconds. */
  required_attach_time: number;
  account_id: string;
  region: string;
  /** The identity that asked (an IAM ARN, an email address or a user name). */
  requester: string;
  /** 'en' | 'ko': the language to answer the requester in. */
  language: string;
  /** Where the request stands in the lifecycle (the workflow module defines the values). */
  status: string;
  /** The generate step's outcome: 'grant' | 'needs_approval' | 'needs_info' | 'refuse'. */
  outcome: string | null;
  /** The exact policy JSON to attach, and its SHA-256 (what an approval is bound to). */
  policy_document: string | null;
  policy_hash: string | null;
  policy_name: string | null;
  policy_arn: string | null;
  /** The workflow execution carrying the request out. */
  execution_id: string | null;
  /** For an extension: the request it extends (an extension is a new request, approved anew). */
  extends_request_id: string | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
  /** Bumped by every update; update `where version = <read>` to detect a concurrent change. */
  version: number;
}

/** One approver's decision on a request, bound to the hash of the policy they saw. */
export interface AccessApprovalRow {
  request_id: string;
  policy_hash: string;
  approver: string;
  /** 'approve' | 'deny' */
  decision: string;
  reason: string | null;
  decided_at: string;
}

/** A state machine definition, stored once by hash so an execution resumes on exactly its own. */
export interface WorkflowDefinitionRow {
  hash: string;
  name: string;
  /** The Amazon States Language JSON. */
  document: string;
  created_at: string;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface WorkflowExecutionRow {
  id: string;
  /** The access request it carries out, if any (`workflow run` has none). */
  request_id: string | null;
  definition_name: string;
  definition_hash: string;
  status: ExecutionStatus;
  /** JSON. */
  input: string;
  /** JSON, once SUCCEEDED. */
  output: string | null;
  /** Error name and cause, once FAILED. */
  error: string | null;
  cause: string | null;
  /** The state being run, and its input (JSON), for resuming after a restart. */
  current_state: string | null;
  state_input: string | null;
  /** JSON object of the variables assigned so far (JSONata `Assign`). */
  variables: string;
  started_at: string;
  updated_at: string;
  stopped_at: string | null;
  /** Optimistic concurrency: update `where version = <read>` and bump it. */
  version: number;
}

/** One event of an execution's history, in the shape of Step Functions' GetExecutionHistory. */
export interface WorkflowHistoryEventRow {
  execution_id: string;
  /** 1, 2, 3, … within the execution (Step Functions' event id). */
  sequence: number;
  /** Step Functions' HistoryEventType, e.g. 'TaskStateEntered', 'WaitStateExited'. */
  type: string;
  state_name: string | null;
  timestamp: string;
  /** JSON object: the event's details (input, output, error, resource, …). */
  details: string;
}

/** Something an execution waits for: a time (Wait state, Retry backoff) or a task token. */
export interface WorkflowWaitRow {
  execution_id: string;
  /** The history event that started the wait. */
  sequence: number;
  state_name: string;
  /** 'wait' | 'retry' | 'task_token' */
  kind: string;
  /** When it ends: the Wait's time, the end of the backoff, or a task token's timeout (null: none). */
  wake_at: string | null;
  task_token: string | null;
  created_at: string;
  /** When it ended (fired, answered, cancelled); null while pending. */
  completed_at: string | null;
}

/** A nondeterministic value ($now(), $millis(), $uuid(), …) as first computed, replayed on recovery. */
export interface WorkflowRecordedValueRow {
  execution_id: string;
  /** Where it was computed, e.g. '<history sequence>/<state>/$uuid#1'. */
  key: string;
  /** JSON. */
  value: string;
  recorded_at: string;
}

/** An audit log entry. Rows are only ever inserted (audit-log.ts); see there for the hash. */
export interface AuditLogRow {
  seq: number;
  at: string;
  /** What happened, e.g. 'request.created', 'policy.attached'. */
  type: string;
  /** Who did it: an identity, or 'grantflow' for the system itself. */
  actor: string;
  /** What it is about: a request id, an execution id, a policy ARN. */
  subject: string | null;
  /** Canonical JSON object. */
  details: string;
  prev_hash: string;
  hash: string;
}

/** The audit log's last entry (one row, id 1): what appenders lock, and what verify checks the tail against. */
export interface AuditLogHeadRow {
  id: number;
  seq: number;
  hash: string;
}

export interface LifecycleTables {
  access_requests: AccessRequestRow;
  access_approvals: AccessApprovalRow;
  workflow_definitions: WorkflowDefinitionRow;
  workflow_executions: WorkflowExecutionRow;
  workflow_history_events: WorkflowHistoryEventRow;
  workflow_waits: WorkflowWaitRow;
  workflow_recorded_values: WorkflowRecordedValueRow;
  audit_log: AuditLogRow;
  audit_log_head: AuditLogHeadRow;
}

async function createTables(db: Kysely<unknown>): Promise<void> {
  const t = portableTypes(db);
  const id = t.ascii(128);
  const arn = t.ascii(2048);
  const hash = t.ascii(64);
  const identity = t.varchar(512);
  const stateName = t.varchar(256);

  await createTable(db, 'access_requests')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('requested_task', t.text, (c) => c.notNull())
    .addColumn('target_iam_identity', t.ascii(8), (c) => c.notNull())
    .addColumn('target_iam_identity_arn', arn, (c) => c.notNull())
    .addColumn('required_attach_time', 'integer', (c) => c.notNull())
    .addColumn('account_id', t.ascii(12), (c) => c.notNull())
    .addColumn('region', t.ascii(32), (c) => c.notNull())
    .addColumn('requester', identity, (c) => c.notNull())
    .addColumn('language', t.ascii(8), (c) => c.notNull())
    .addColumn('status', t.ascii(32), (c) => c.notNull())
    .addColumn('outcome', t.ascii(32))
    .addColumn('policy_document', t.text)
    .addColumn('policy_hash', hash)
    .addColumn('policy_name', t.ascii(128))
    .addColumn('policy_arn', arn)
    .addColumn('execution_id', id)
    .addColumn('extends_request_id', id)
    .addColumn('expires_at', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addForeignKeyConstraint('access_requests_extends', ['extends_request_id'], 'access_requests', ['id'])
    .addCheckConstraint('access_requests_identity', sql`target_iam_identity in ('USER', 'ROLE')`)
    .execute();
  await db.schema
    .createIndex('access_requests_requester')
    .on('access_requests')
    .column('requester')
    .execute();
  await db.schema
    .createIndex('access_requests_status_expiry')
    .on('access_requests')
    .columns(['status', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('access_requests_execution')
    .on('access_requests')
    .column('execution_id')
    .execute();

  await createTable(db, 'access_approvals')
    .addColumn('request_id', id, (c) => c.notNull())
    .addColumn('policy_hash', hash, (c) => c.notNull())
    .addColumn('approver', identity, (c) => c.notNull())
    .addColumn('decision', t.ascii(16), (c) => c.notNull())
    .addColumn('reason', t.text)
    .addColumn('decided_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('access_approvals_pk', ['request_id', 'approver'])
    .addForeignKeyConstraint('access_approvals_request', ['request_id'], 'access_requests', ['id'])
    .addCheckConstraint('access_approvals_decision', sql`decision in ('approve', 'deny')`)
    .execute();

  await createTable(db, 'workflow_definitions')
    .addColumn('hash', hash, (c) => c.primaryKey())
    .addColumn('name', t.varchar(256), (c) => c.notNull())
    .addColumn('document', t.text, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();

  await createTable(db, 'workflow_executions')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('request_id', id)
    .addColumn('definition_name', t.varchar(256), (c) => c.notNull())
    .addColumn('definition_hash', hash, (c) => c.notNull())
    .addColumn('status', t.ascii(16), (c) => c.notNull())
    .addColumn('input', t.text, (c) => c.notNull())
    .addColumn('output', t.text)
    .addColumn('error', t.text)
    .addColumn('cause', t.text)
    .addColumn('current_state', stateName)
    .addColumn('state_input', t.text)
    .addColumn('variables', t.text, (c) => c.notNull())
    .addColumn('started_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addColumn('stopped_at', t.timestamp)
    .addColumn('version', 'integer', (c) => c.notNull())
    .addForeignKeyConstraint('workflow_executions_definition', ['definition_hash'], 'workflow_definitions', [
      'hash',
    ])
    .addCheckConstraint(
      'workflow_executions_status',
      sql`status in ('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')`,
    )
    .execute();
  await db.schema
    .createIndex('workflow_executions_by_status')
    .on('workflow_executions')
    .columns(['status', 'updated_at'])
    .execute();
  await db.schema
    .createIndex('workflow_executions_request')
    .on('workflow_executions')
    .column('request_id')
    .execute();

  await createTable(db, 'workflow_history_events')
    .addColumn('execution_id', id, (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('type', t.ascii(64), (c) => c.notNull())
    .addColumn('state_name', stateName)
    .addColumn('timestamp', t.timestamp, (c) => c.notNull())
    .addColumn('details', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('workflow_history_events_pk', ['execution_id', 'sequence'])
    .addForeignKeyConstraint(
      'workflow_history_events_execution',
      ['execution_id'],
      'workflow_executions',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await createTable(db, 'workflow_waits')
    .addColumn('execution_id', id, (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('state_name', stateName, (c) => c.notNull())
    .addColumn('kind', t.ascii(16), (c) => c.notNull())
    .addColumn('wake_at', t.timestamp)
    .addColumn('task_token', t.ascii(256), (c) => c.unique())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('completed_at', t.timestamp)
    .addPrimaryKeyConstraint('workflow_waits_pk', ['execution_id', 'sequence'])
    .addForeignKeyConstraint(
      'workflow_waits_execution',
      ['execution_id'],
      'workflow_executions',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addCheckConstraint('workflow_waits_kind', sql`kind in ('wait', 'retry', 'task_token')`)
    .execute();
  await db.schema.createIndex('workflow_waits_wake_at').on('workflow_waits').column('wake_at').execute();

  await createTable(db, 'workflow_recorded_values')
    .addColumn('execution_id', id, (c) => c.notNull())
    .addColumn('key', t.varchar(255), (c) => c.notNull())
    .addColumn('value', t.text, (c) => c.notNull())
    .addColumn('recorded_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('workflow_recorded_values_pk', ['execution_id', 'key'])
    .addForeignKeyConstraint(
      'workflow_recorded_values_execution',
      ['execution_id'],
      'workflow_executions',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await createTable(db, 'audit_log')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addColumn('type', t.varchar(128), (c) => c.notNull())
    .addColumn('actor', t.text, (c) => c.notNull())
    .addColumn('subject', t.varchar(512))
    .addColumn('details', t.text, (c) => c.notNull())
    .addColumn('prev_hash', hash, (c) => c.notNull())
    .addColumn('hash', hash, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').column('subject').execute();
  await createTable(db, 'audit_log_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', hash, (c) => c.notNull())
    .execute();
  await (db as Kysely<LifecycleTables>)
    .insertInto('audit_log_head')
    .values({ id: 1, seq: 0, hash: AUDIT_GENESIS_HASH })
    .execute();
}

const TABLES = [
  'audit_log_head',
  'audit_log',
  'workflow_recorded_values',
  'workflow_waits',
  'workflow_history_events',
  'workflow_executions',
  'workflow_definitions',
  'access_approvals',
  'access_requests',
];

/** The lifecycle module's migrations, in order. */
export const LIFECYCLE_MIGRATIONS: Record<string, Migration> = {
  '0001-tables': {
    up: createTables,
    async down(db) {
      for (const table of TABLES) await db.schema.dropTable(table).execute();
    },
  },
};
