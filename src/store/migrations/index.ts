// Every module's migrations. A module owns its tables and lists its migrations in order; the
// store runs them all, each named `<module>/<key>`. Modules do not depend on each other's
// tables, so migrations of different modules may interleave (Kysely's allowUnorderedMigrations):
// a migration added later by one module never has to sort after another module's.
import type { Migration, MigrationProvider } from 'kysely/migration';
import { IAM_MIGRATIONS } from './iam.ts';
import type { IamTables } from './iam.ts';
import { LIFECYCLE_MIGRATIONS } from './lifecycle.ts';
import type { LifecycleTables } from './lifecycle.ts';
import { AUDIT_MIGRATIONS } from './audit.ts';
import type { AuditTables } from './audit.ts';
import { SNS_MIGRATIONS } from './sns.ts';
import type { SnsTables } from './sns.ts';

export interface ModuleMigrations {
  readonly module: string;
  /** Keys sort in the order they must run, e.g. '0001-tables', '0002-…'. */
  readonly migrations: Readonly<Record<string, Migration>>;
}

export const MODULE_MIGRATIONS: readonly ModuleMigrations[] = [
  { module: 'iam', migrations: IAM_MIGRATIONS },
  { module: 'sns', migrations: SNS_MIGRATIONS },
  { module: 'lifecycle', migrations: LIFECYCLE_MIGRATIONS },
  { module: 'audit', migrations: AUDIT_MIGRATIONS },
];

/** Every table in the store, for a typed Kysely instance. */
export type StoreTables = IamTables & SnsTables & LifecycleTables & AuditTables;

export type { IamTables, IamPrincipalRow } from './iam.ts';
export type { SnsTables } from './sns.ts';
export type { AuditTables } from './audit.ts';
export type {
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
} from './lifecycle.ts';

export function migrationProvider(
  modules: readonly ModuleMigrations[] = MODULE_MIGRATIONS,
): MigrationProvider {
  return {
    async getMigrations() {
      const all: Record<string, Migration> = {};
      for (const { module, migrations } of modules) {
        for (const [key, migration] of Object.entries(migrations)) all[`${module}/${key}`] = migration;
      }
      return all;
    },
  };
}
