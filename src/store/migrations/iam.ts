// Tables of the embedded IAM (the `local` cloud backend). Names are unique per account without
// regard to case, as in IAM, so every entity is keyed by its lower-cased name (`name_key`) and
// keeps the name as created for display.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { createTable, portableTypes } from '../schema.ts';

export interface IamTables {
  iam_settings: { name: string; value: string };
  iam_users: IamPrincipalRow;
  iam_groups: IamPrincipalRow;
  iam_roles: IamPrincipalRow & {
    assume_role_policy_document: string;
    description: string | null;
    max_session_duration: number;
  };
  iam_policies: {
    arn: string;
    /** 'Local' for customer managed policies, 'AWS' for AWS managed ones. */
    scope: string;
    name_key: string;
    name: string;
    id: string;
    path: string;
    description: string | null;
    default_version_id: string;
    /** Version ids are never reused: the next CreatePolicyVersion gets v<next_version>. */
    next_version: number;
    is_attachable: number;
    create_date: string;
    update_date: string;
  };
  iam_policy_versions: {
    policy_arn: string;
    version_id: string;
    version_number: number;
    document: string;
    create_date: string;
  };
  iam_attachments: {
    /** 'user' | 'group' | 'role' */
    entity_type: string;
    entity_key: string;
    policy_arn: string;
  };
  iam_inline_policies: {
    entity_type: string;
    entity_key: string;
    name_key: string;
    name: string;
    document: string;
  };
  iam_group_members: { group_key: string; user_key: string };
  iam_tags: {
    /** 'user' | 'role' | 'policy' */
    resource_type: string;
    resource_key: string;
    tag_key_lower: string;
    tag_key: string;
    tag_value: string;
    position: number;
  };
  iam_access_keys: {
    access_key_id: string;
    user_key: string;
    secret_access_key: string;
    status: string;
    create_date: string;
  };
  iam_credential_report: { id: number; generated_at: string; content: string };
}

export interface IamPrincipalRow {
  name_key: string;
  name: string;
  id: string;
  path: string;
  arn: string;
  create_date: string;
}

async function createTables(db: Kysely<unknown>): Promise<void> {
  // Key columns are ASCII with lengths (schema.ts): IAM names are ASCII and at most 128
  // characters, paths 512, so ARNs of IAM entities stay well under 1024. Foreign keys are
  // table constraints: MySQL 8.0 parses but ignores REFERENCES written on a column.
  const t = portableTypes(db);
  const name = t.ascii(128);
  const arn = t.ascii(1024);
  const kind = t.ascii(16);
  const principal = (table: string) =>
    createTable(db, table)
      .addColumn('name_key', name, (c) => c.primaryKey())
      .addColumn('name', name, (c) => c.notNull())
      .addColumn('id', name, (c) => c.notNull().unique())
      .addColumn('path', t.ascii(512), (c) => c.notNull())
      .addColumn('arn', arn, (c) => c.notNull())
      .addColumn('create_date', t.timestamp, (c) => c.notNull());

  await createTable(db, 'iam_settings')
    .addColumn('name', name, (c) => c.primaryKey())
    .addColumn('value', t.text, (c) => c.notNull())
    .execute();
  await principal('iam_users').execute();
  await principal('iam_groups').execute();
  await principal('iam_roles')
    .addColumn('assume_role_policy_document', t.text, (c) => c.notNull())
    .addColumn('description', t.text)
    .addColumn('max_session_duration', 'integer', (c) => c.notNull())
    .execute();
  await createTable(db, 'iam_policies')
    .addColumn('arn', arn, (c) => c.primaryKey())
    .addColumn('scope', kind, (c) => c.notNull())
    .addColumn('name_key', name, (c) => c.notNull())
    .addColumn('name', name, (c) => c.notNull())
    .addColumn('id', name, (c) => c.notNull().unique())
    .addColumn('path', t.ascii(512), (c) => c.notNull())
    .addColumn('description', t.text)
    .addColumn('default_version_id', name, (c) => c.notNull())
    .addColumn('next_version', 'integer', (c) => c.notNull())
    .addColumn('is_attachable', 'integer', (c) => c.notNull())
    .addColumn('create_date', t.timestamp, (c) => c.notNull())
    .addColumn('update_date', t.timestamp, (c) => c.notNull())
    .addUniqueConstraint('iam_policies_scope_name', ['scope', 'name_key'])
    .execute();
  await createTable(db, 'iam_policy_versions')
    .addColumn('policy_arn', arn, (c) => c.notNull())
    .addColumn('version_id', name, (c) => c.notNull())
    .addColumn('version_number', 'integer', (c) => c.notNull())
    .addColumn('document', t.text, (c) => c.notNull())
    .addColumn('create_date', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_policy_versions_pk', ['policy_arn', 'version_id'])
    .addForeignKeyConstraint('iam_policy_versions_policy', ['policy_arn'], 'iam_policies', ['arn'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await createTable(db, 'iam_attachments')
    .addColumn('entity_type', kind, (c) => c.notNull())
    .addColumn('entity_key', name, (c) => c.notNull())
    .addColumn('policy_arn', arn, (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_attachments_pk', ['entity_type', 'entity_key', 'policy_arn'])
    .addForeignKeyConstraint('iam_attachments_policy_fk', ['policy_arn'], 'iam_policies', ['arn'])
    .execute();
  await db.schema.createIndex('iam_attachments_policy').on('iam_attachments').column('policy_arn').execute();
  await createTable(db, 'iam_inline_policies')
    .addColumn('entity_type', kind, (c) => c.notNull())
    .addColumn('entity_key', name, (c) => c.notNull())
    .addColumn('name_key', name, (c) => c.notNull())
    .addColumn('name', name, (c) => c.notNull())
    .addColumn('document', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_inline_policies_pk', ['entity_type', 'entity_key', 'name_key'])
    .execute();
  await createTable(db, 'iam_group_members')
    .addColumn('group_key', name, (c) => c.notNull())
    .addColumn('user_key', name, (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_group_members_pk', ['group_key', 'user_key'])
    .addForeignKeyConstraint('iam_group_members_group', ['group_key'], 'iam_groups', ['name_key'])
    .addForeignKeyConstraint('iam_group_members_user_fk', ['user_key'], 'iam_users', ['name_key'])
    .execute();
  await db.schema.createIndex('iam_group_members_user').on('iam_group_members').column('user_key').execute();
  await createTable(db, 'iam_tags')
    .addColumn('resource_type', kind, (c) => c.notNull())
    // A lower-cased name, or a policy ARN.
    .addColumn('resource_key', arn, (c) => c.notNull())
    // Tag keys are Unicode, up to 128 characters; lower-casing can lengthen one (İ → i̇).
    .addColumn('tag_key_lower', t.varchar(256), (c) => c.notNull())
    .addColumn('tag_key', t.varchar(128), (c) => c.notNull())
    .addColumn('tag_value', t.text, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_tags_pk', ['resource_type', 'resource_key', 'tag_key_lower'])
    .execute();
  await createTable(db, 'iam_access_keys')
    .addColumn('access_key_id', name, (c) => c.primaryKey())
    .addColumn('user_key', name, (c) => c.notNull())
    .addColumn('secret_access_key', t.text, (c) => c.notNull())
    .addColumn('status', kind, (c) => c.notNull())
    .addColumn('create_date', t.timestamp, (c) => c.notNull())
    .addForeignKeyConstraint('iam_access_keys_user_fk', ['user_key'], 'iam_users', ['name_key'])
    .execute();
  await db.schema.createIndex('iam_access_keys_user').on('iam_access_keys').column('user_key').execute();
  await createTable(db, 'iam_credential_report')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('generated_at', t.timestamp, (c) => c.notNull())
    .addColumn('content', t.text, (c) => c.notNull())
    .execute();
}

const TABLES = [
  'iam_credential_report',
  'iam_access_keys',
  'iam_tags',
  'iam_group_members',
  'iam_inline_policies',
  'iam_attachments',
  'iam_policy_versions',
  'iam_policies',
  'iam_roles',
  'iam_groups',
  'iam_users',
  'iam_settings',
];

/** The IAM module's migrations, in order. */
export const IAM_MIGRATIONS: Record<string, Migration> = {
  '0001-tables': {
    up: createTables,
    async down(db) {
      for (const table of TABLES) await db.schema.dropTable(table).execute();
    },
  },
};
