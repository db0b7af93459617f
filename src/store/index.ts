// store/: persistence for grantflow (Kysely over node:sqlite by default, PostgreSQL, MySQL/MariaDB),
// its migrations and the hash-chained audit log.
export {
  openStore,
  storeConfigFor,
  describeStore,
  StoreError,
  DEFAULT_DATA_DIR,
  DATABASE_FILE,
  DEFAULT_POOL_SIZE,
} from './store.ts';
export type {
  Store,
  StoreConfig,
  SqliteStoreConfig,
  PostgresStoreConfig,
  MysqlStoreConfig,
} from './store.ts';
export { parseDatabaseUrl, redactDatabaseUrl, DatabaseUrlError } from './database-url.ts';
export { MODULE_MIGRATIONS, migrationProvider } from './migrations/index.ts';
export type {
  ModuleMigrations,
  StoreTables,
  IamTables,
  IamPrincipalRow,
  SnsTables,
  LifecycleTables,
  AccessRequestRow,
  AccessApprovalRow,
  WorkflowDefinitionRow,
  WorkflowExecutionRow,
  ExecutionStatus,
  WorkflowHistoryEventRow,
  WorkflowWaitRow,
  WorkflowRecordedValueRow,
  AuditLogRow,
  AuditLogHeadRow,
} from './migrations/index.ts';
export {
  sqlFamily,
  portableTypes,
  createTable,
  autoIncrementKey,
  storedTime,
  TIMESTAMP_LENGTH,
} from './schema.ts';
export type { SqlFamily, PortableTypes } from './schema.ts';
export {
  appendAuditEvent,
  verifyAuditLog,
  listAuditLog,
  canonicalJson,
  entryHash,
  AuditLogError,
  AUDIT_GENESIS_HASH,
} from './audit-log.ts';
export type {
  AuditEvent,
  AuditEntry,
  AuditBreak,
  AuditBreakKind,
  AuditVerification,
  AuditAnchor,
  AuditListOptions,
  JsonValue,
  JsonObject,
} from './audit-log.ts';
export { NodeSqliteDialect, openSqliteDatabase, DEFAULT_BUSY_TIMEOUT_MS } from './sqlite.ts';
export type { SqliteOptions } from './sqlite.ts';
