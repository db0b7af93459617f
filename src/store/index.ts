// store/: persistence for grantflow (Kysely over node:sqlite by default) and its migrations.
export { openStore, storeConfigFor, StoreError, DEFAULT_DATA_DIR, DATABASE_FILE } from './store.ts';
export type { Store, StoreConfig } from './store.ts';
export { MODULE_MIGRATIONS, migrationProvider } from './migrations/index.ts';
export type {
  ModuleMigrations,
  StoreTables,
  IamTables,
  IamPrincipalRow,
  SnsTables,
} from './migrations/index.ts';
export { NodeSqliteDialect, openSqliteDatabase, DEFAULT_BUSY_TIMEOUT_MS } from './sqlite.ts';
export type { SqliteOptions } from './sqlite.ts';
