// The `local` backend: an embedded IAM with IAM's own rules and errors, persisted in the store.
// Every change runs in one write transaction (BEGIN IMMEDIATE on SQLite), so concurrent callers,
// in this process or another, see each operation whole; checks that need only the input (syntax,
// validator findings) run before the transaction so it stays short.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Store, StoreTables } from '../../store/index.ts';
import { CloudError } from '../errors.ts';
import type {
  AccessKey,
  AccessKeyMetadata,
  AccountAuthorizationDetails,
  AttachedPolicy,
  AuthorizationDetailsFilter,
  CallerIdentity,
  CreatePolicyInput,
  CredentialReport,
  Group,
  GroupDetail,
  IamBackend,
  ListEntitiesForPolicyInput,
  ListEntitiesForPolicyOutput,
  ListPoliciesInput,
  ManagedPolicy,
  ManagedPolicyDetail,
  PageInput,
  PolicyVersion,
  PublishInput,
  Role,
  RoleDetail,
  Tag,
  User,
  UserDetail,
} from '../types.ts';
import { credentialReportCsv } from './credential-report.ts';
import { checkPolicyDocument, policySize } from './documents.ts';
import { accessKeyId, defaultRandomBytes, secretAccessKey, uniqueId } from './ids.ts';
import type { RandomBytes } from './ids.ts';
import { pageOf, sortByKey } from './pages.ts';
import { DEFAULT_QUOTAS } from './quotas.ts';
import type { IamQuotas } from './quotas.ts';
import { checkTagSemantics, constraints } from './rules.ts';
import { checkPublish } from './sns.ts';
import type { PublishedMessage } from './sns.ts';

export const DEFAULT_ACCOUNT_ID = '123456789012';
const PARTITION = 'aws';
/** IAM hands out a fresh credential report at most every four hours. */
const REPORT_LIFETIME_MS = 4 * 60 * 60 * 1000;

type Db = Kysely<StoreTables>;
type Trx = Transaction<StoreTables>;
type Reader = Db | Trx;

type EntityKind = 'user' | 'group' | 'role';

interface EntityRules {
  readonly table: 'iam_users' | 'iam_groups' | 'iam_roles';
  readonly label: string;
  readonly Label: string;
  readonly member: string;
  readonly maxName: number;
  readonly attachQuota: 'managedPoliciesPerUser' | 'managedPoliciesPerRole' | 'managedPoliciesPerGroup';
  readonly attachQuotaName: string;
  readonly inlineQuota: 'inlineUserPoliciesSize' | 'inlineRolePoliciesSize' | 'inlineGroupPoliciesSize';
  readonly policyKind: 'inline-user' | 'inline-role' | 'inline-group';
}

const ENTITY: Record<EntityKind, EntityRules> = {
  user: {
    table: 'iam_users',
    label: 'user',
    Label: 'User',
    member: 'userName',
    maxName: 64,
    attachQuota: 'managedPoliciesPerUser',
    attachQuotaName: 'PoliciesPerUser',
    inlineQuota: 'inlineUserPoliciesSize',
    policyKind: 'inline-user',
  },
  group: {
    table: 'iam_groups',
    label: 'group',
    Label: 'Group',
    member: 'groupName',
    maxName: 128,
    attachQuota: 'managedPoliciesPerGroup',
    attachQuotaName: 'PoliciesPerGroup',
    inlineQuota: 'inlineGroupPoliciesSize',
    policyKind: 'inline-group',
  },
  role: {
    table: 'iam_roles',
    label: 'role',
    Label: 'Role',
    member: 'roleName',
    maxName: 64,
    attachQuota: 'managedPoliciesPerRole',
    attachQuotaName: 'PoliciesPerRole',
    inlineQuota: 'inlineRolePoliciesSize',
    policyKind: 'inline-role',
  },
};

type PrincipalRow = StoreTables['iam_users'];
type RoleRow = StoreTables['iam_roles'];
type PolicyRow = StoreTables['iam_policies'];

export interface LocalBackendOptions {
  /** The account the store holds; fixed when the store is first used. Default 123456789012. */
  readonly accountId?: string;
  readonly clock?: () => Date;
  readonly randomBytes?: RandomBytes;
  readonly quotas?: Partial<IamQuotas>;
  /** Who GetCallerIdentity reports; default the account's root. */
  readonly caller?: CallerIdentity;
  /** Close the store when the backend is closed. */
  readonly ownsStore?: boolean;
}

/** The principal an access key belongs to, for the emulator's signature checks. */
export type KeyOwner =
  | { readonly kind: 'root'; readonly secretAccessKey: string }
  | {
      readonly kind: 'user';
      readonly secretAccessKey: string;
      readonly active: boolean;
      readonly user: User;
    };

const key = (name: string) => name.toLowerCase();
const policyArnPattern = /^arn:[a-z-]+:iam::(\d{12}|aws):policy\/(?:[\u0021-\u007e]+\/)?[\w+=,.@-]+$/;

export class LocalIamBackend implements IamBackend {
  readonly store: Store;
  readonly accountId: string;
  readonly quotas: IamQuotas;
  readonly #db: Db;
  readonly #clock: () => Date;
  readonly #random: RandomBytes;
  readonly #caller: CallerIdentity | undefined;
  readonly #ownsStore: boolean;
  readonly #accountCreated: string;

  private constructor(store: Store, accountId: string, accountCreated: string, options: LocalBackendOptions) {
    this.store = store;
    this.#db = store.db;
    this.accountId = accountId;
    this.#accountCreated = accountCreated;
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.#clock = options.clock ?? (() => new Date());
    this.#random = options.randomBytes ?? defaultRandomBytes;
    this.#caller = options.caller;
    this.#ownsStore = options.ownsStore ?? false;
  }

  /** Opens the embedded IAM of a store, fixing its account id on first use. */
  static async open(store: Store, options: LocalBackendOptions = {}): Promise<LocalIamBackend> {
    const now = (options.clock ?? (() => new Date()))().toISOString();
    const { accountId, created } = await store.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('iam_settings')
        .selectAll()
        .where('name', 'in', ['account_id', 'account_created'])
        .execute();
      const stored = new Map(rows.map((r) => [r.name, r.value]));
      const id = stored.get('account_id');
      if (id !== undefined) return { accountId: id, created: stored.get('account_created') ?? now };
      const fresh = options.accountId ?? DEFAULT_ACCOUNT_ID;
      await trx
        .insertInto('iam_settings')
        .values([
          { name: 'account_id', value: fresh },
          { name: 'account_created', value: now },
        ])
        .execute();
      return { accountId: fresh, created: now };
    });
    if (options.accountId !== undefined && options.accountId !== accountId) {
      throw new CloudError(
        'InvalidInput',
        `This store holds account ${accountId}, not ${options.accountId}.`,
      );
    }
    return new LocalIamBackend(store, accountId, created, options);
  }

  async close(): Promise<void> {
    if (this.#ownsStore) await this.store.close();
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────

  #now(): string {
    return this.#clock().toISOString();
  }

  #write<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(fn);
  }

  #read<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.#db.transaction().setAccessMode('read only').execute(fn);
  }

  #arn(type: string, path: string, name: string): string {
    return `arn:${PARTITION}:iam::${this.accountId}:${type}${path}${name}`;
  }

  async #entity(db: Reader, kind: EntityKind, name: string): Promise<PrincipalRow> {
    const row = await db
      .selectFrom(ENTITY[kind].table as 'iam_users')
      .selectAll()
      .where('name_key', '=', key(name))
      .executeTakeFirst();
    if (!row)
      throw new CloudError('NoSuchEntity', `The ${ENTITY[kind].label} with name ${name} cannot be found.`);
    return row;
  }

  async #role(db: Reader, name: string): Promise<RoleRow> {
    const row = await db
      .selectFrom('iam_roles')
      .selectAll()
      .where('name_key', '=', key(name))
      .executeTakeFirst();
    if (!row) throw new CloudError('NoSuchEntity', `The role with name ${name} cannot be found.`);
    return row;
  }

  #checkPolicyArn(arn: string): void {
    if (!policyArnPattern.test(arn)) throw new CloudError('InvalidInput', `ARN ${arn} is not valid.`);
  }

  async #policy(db: Reader, arn: string): Promise<PolicyRow> {
    this.#checkPolicyArn(arn);
    const row = await db.selectFrom('iam_policies').selectAll().where('arn', '=', arn).executeTakeFirst();
    if (!row) throw new CloudError('NoSuchEntity', `Policy ${arn} was not found.`);
    return row;
  }

  async #localPolicy(db: Reader, arn: string): Promise<PolicyRow> {
    const row = await this.#policy(db, arn);
    if (row.scope !== 'Local') {
      throw new CloudError(
        'InvalidInput',
        `Policy ${arn} is an AWS managed policy, which cannot be changed or deleted.`,
      );
    }
    return row;
  }

  async #tags(db: Reader, type: string, resourceKey: string): Promise<Tag[]> {
    const rows = await db
      .selectFrom('iam_tags')
      .select(['tag_key', 'tag_value'])
      .where('resource_type', '=', type)
      .where('resource_key', '=', resourceKey)
      .orderBy('position')
      .execute();
    return rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
  }

  async #insertTags(
    trx: Trx,
    type: string,
    resourceKey: string,
    tags: readonly Tag[] | undefined,
  ): Promise<void> {
    if (!tags || tags.length === 0) return;
    await trx
      .insertInto('iam_tags')
      .values(
        tags.map((t, i) => ({
          resource_type: type,
          resource_key: resourceKey,
          tag_key_lower: key(t.Key),
          tag_key: t.Key,
          tag_value: t.Value,
          position: i,
        })),
      )
      .execute();
  }

  #checkNewTags(tags: readonly Tag[] | undefined): void {
    if (!tags) return;
    checkTagSemantics(tags);
    if (tags.length > this.quotas.tagsPerResource) {
      throw new CloudError(
        'LimitExceeded',
        `A resource can have at most ${this.quotas.tagsPerResource} tags.`,
      );
    }
  }

  async #attachmentCounts(db: Reader, arns?: readonly string[]): Promise<Map<string, number>> {
    let q = db
      .selectFrom('iam_attachments')
      .select((eb) => ['policy_arn', eb.fn.countAll<number>().as('n')])
      .groupBy('policy_arn');
    if (arns) {
      if (arns.length === 0) return new Map();
      q = q.where('policy_arn', 'in', arns);
    }
    const rows = await q.execute();
    return new Map(rows.map((r) => [r.policy_arn, Number(r.n)]));
  }

  #toPolicy(row: PolicyRow, attachments: number, tags?: Tag[]): ManagedPolicy {
    return {
      PolicyName: row.name,
      PolicyId: row.id,
      Arn: row.arn,
      Path: row.path,
      DefaultVersionId: row.default_version_id,
      AttachmentCount: attachments,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: row.is_attachable === 1,
      ...(row.description !== null ? { Description: row.description } : {}),
      CreateDate: new Date(row.create_date),
      UpdateDate: new Date(row.update_date),
      ...(tags && tags.length > 0 ? { Tags: tags } : {}),
    };
  }

  #toUser(row: PrincipalRow, tags?: Tag[]): User {
    return {
      Path: row.path,
      UserName: row.name,
      UserId: row.id,
      Arn: row.arn,
      CreateDate: new Date(row.create_date),
      ...(tags && tags.length > 0 ? { Tags: tags } : {}),
    };
  }

  #toGroup(row: PrincipalRow): Group {
    return {
      Path: row.path,
      GroupName: row.name,
      GroupId: row.id,
      Arn: row.arn,
      CreateDate: new Date(row.create_date),
    };
  }

  #toRole(row: RoleRow, tags?: Tag[]): Role {
    return {
      Path: row.path,
      RoleName: row.name,
      RoleId: row.id,
      Arn: row.arn,
      CreateDate: new Date(row.create_date),
      AssumeRolePolicyDocument: row.assume_role_policy_document,
      ...(row.description !== null ? { Description: row.description } : {}),
      MaxSessionDuration: row.max_session_duration,
      ...(tags && tags.length > 0 ? { Tags: tags } : {}),
    };
  }

  // ── managed policies ────────────────────────────────────────────────────────────────────

  async createPolicy(input: CreatePolicyInput): Promise<{ Policy: ManagedPolicy }> {
    constraints()
      .name(input.PolicyName, 'policyName', 128)
      .document(input.PolicyDocument, 'policyDocument')
      .path(input.Path)
      .description(input.Description)
      .tags(input.Tags)
      .check();
    this.#checkNewTags(input.Tags);
    this.#checkManagedSize(input.PolicyDocument);
    checkPolicyDocument(input.PolicyDocument, 'identity', 'managed');
    const path = input.Path ?? '/';
    const arn = this.#arn('policy', path, input.PolicyName);
    return this.#write(async (trx) => {
      const clash = await trx
        .selectFrom('iam_policies')
        .select('arn')
        .where('scope', '=', 'Local')
        .where('name_key', '=', key(input.PolicyName))
        .executeTakeFirst();
      if (clash) {
        throw new CloudError(
          'EntityAlreadyExists',
          `A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`,
        );
      }
      const now = this.#now();
      const row: PolicyRow = {
        arn,
        scope: 'Local',
        name_key: key(input.PolicyName),
        name: input.PolicyName,
        id: uniqueId('policy', this.#random),
        path,
        description: input.Description ?? null,
        default_version_id: 'v1',
        next_version: 2,
        is_attachable: 1,
        create_date: now,
        update_date: now,
      };
      await trx.insertInto('iam_policies').values(row).execute();
      await trx
        .insertInto('iam_policy_versions')
        .values({
          policy_arn: arn,
          version_id: 'v1',
          version_number: 1,
          document: input.PolicyDocument,
          create_date: now,
        })
        .execute();
      await this.#insertTags(trx, 'policy', arn, input.Tags);
      return { Policy: this.#toPolicy(row, 0, input.Tags ? [...input.Tags] : undefined) };
    });
  }

  #checkManagedSize(document: string): void {
    if (policySize(document) > this.quotas.managedPolicySize) {
      throw new CloudError(
        'LimitExceeded',
        `Cannot exceed quota for PolicySize: ${this.quotas.managedPolicySize}`,
      );
    }
  }

  async getPolicy(input: { PolicyArn: string }): Promise<{ Policy: ManagedPolicy }> {
    constraints().arn(input.PolicyArn).check();
    return this.#read(async (trx) => {
      const row = await this.#policy(trx, input.PolicyArn);
      const counts = await this.#attachmentCounts(trx, [row.arn]);
      return {
        Policy: this.#toPolicy(row, counts.get(row.arn) ?? 0, await this.#tags(trx, 'policy', row.arn)),
      };
    });
  }

  async deletePolicy(input: { PolicyArn: string }): Promise<void> {
    constraints().arn(input.PolicyArn).check();
    await this.#write(async (trx) => {
      const row = await this.#localPolicy(trx, input.PolicyArn);
      const counts = await this.#attachmentCounts(trx, [row.arn]);
      if ((counts.get(row.arn) ?? 0) > 0) {
        throw new CloudError('DeleteConflict', 'Cannot delete a policy attached to entities.');
      }
      const versions = await trx
        .selectFrom('iam_policy_versions')
        .select('version_id')
        .where('policy_arn', '=', row.arn)
        .execute();
      if (versions.length > 1) {
        throw new CloudError(
          'DeleteConflict',
          "This policy has more than one version. Delete the policy's non-default versions first; the default version is deleted with the policy.",
        );
      }
      await trx
        .deleteFrom('iam_tags')
        .where('resource_type', '=', 'policy')
        .where('resource_key', '=', row.arn)
        .execute();
      await trx.deleteFrom('iam_policy_versions').where('policy_arn', '=', row.arn).execute();
      await trx.deleteFrom('iam_policies').where('arn', '=', row.arn).execute();
    });
  }

  async listPolicies(input: ListPoliciesInput = {}) {
    constraints()
      .pathPrefix(input.PathPrefix)
      .page(input)
      .string(input.Scope, 'scope', { max: 5, pattern: /^(All|AWS|Local)$/ })
      .check();
    return this.#read(async (trx) => {
      let q = trx.selectFrom('iam_policies').selectAll();
      if (input.Scope === 'AWS' || input.Scope === 'Local') q = q.where('scope', '=', input.Scope);
      const rows = await q.execute();
      const counts = await this.#attachmentCounts(trx);
      const prefix = input.PathPrefix ?? '/';
      const selected = rows.filter(
        (r) => r.path.startsWith(prefix) && (!input.OnlyAttached || (counts.get(r.arn) ?? 0) > 0),
      );
      const sortKey = (r: PolicyRow) => `${r.name_key}\u0000${r.arn}`;
      const page = pageOf(sortByKey(selected, sortKey), sortKey, input);
      return {
        Policies: page.items.map((r) => this.#toPolicy(r, counts.get(r.arn) ?? 0)),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  async createPolicyVersion(input: {
    PolicyArn: string;
    PolicyDocument: string;
    SetAsDefault?: boolean;
  }): Promise<{ PolicyVersion: PolicyVersion }> {
    constraints().arn(input.PolicyArn).document(input.PolicyDocument, 'policyDocument').check();
    this.#checkManagedSize(input.PolicyDocument);
    checkPolicyDocument(input.PolicyDocument, 'identity', 'managed');
    return this.#write(async (trx) => {
      const row = await this.#localPolicy(trx, input.PolicyArn);
      const versions = await trx
        .selectFrom('iam_policy_versions')
        .select('version_id')
        .where('policy_arn', '=', row.arn)
        .execute();
      if (versions.length >= this.quotas.versionsPerPolicy) {
        throw new CloudError(
          'LimitExceeded',
          `A managed policy can have up to ${this.quotas.versionsPerPolicy} versions. Delete a version before you create a new one.`,
        );
      }
      const now = this.#now();
      const versionId = `v${row.next_version}`;
      await trx
        .insertInto('iam_policy_versions')
        .values({
          policy_arn: row.arn,
          version_id: versionId,
          version_number: row.next_version,
          document: input.PolicyDocument,
          create_date: now,
        })
        .execute();
      await trx
        .updateTable('iam_policies')
        .set({
          next_version: row.next_version + 1,
          update_date: now,
          ...(input.SetAsDefault ? { default_version_id: versionId } : {}),
        })
        .where('arn', '=', row.arn)
        .execute();
      return {
        PolicyVersion: {
          VersionId: versionId,
          IsDefaultVersion: Boolean(input.SetAsDefault),
          CreateDate: new Date(now),
        },
      };
    });
  }

  async getPolicyVersion(input: {
    PolicyArn: string;
    VersionId: string;
  }): Promise<{ PolicyVersion: PolicyVersion }> {
    constraints().arn(input.PolicyArn).versionId(input.VersionId).check();
    return this.#read(async (trx) => {
      const policy = await this.#policy(trx, input.PolicyArn);
      const row = await trx
        .selectFrom('iam_policy_versions')
        .selectAll()
        .where('policy_arn', '=', policy.arn)
        .where('version_id', '=', input.VersionId)
        .executeTakeFirst();
      if (!row)
        throw new CloudError(
          'NoSuchEntity',
          `Policy ${policy.arn} version ${input.VersionId} does not exist.`,
        );
      return {
        PolicyVersion: {
          Document: row.document,
          VersionId: row.version_id,
          IsDefaultVersion: row.version_id === policy.default_version_id,
          CreateDate: new Date(row.create_date),
        },
      };
    });
  }

  async listPolicyVersions(input: { PolicyArn: string } & PageInput) {
    constraints().arn(input.PolicyArn).page(input).check();
    return this.#read(async (trx) => {
      const policy = await this.#policy(trx, input.PolicyArn);
      const rows = await trx
        .selectFrom('iam_policy_versions')
        .select(['version_id', 'version_number', 'create_date'])
        .where('policy_arn', '=', policy.arn)
        .execute();
      // Newest first, as IAM lists them.
      const sortKey = (r: { version_number: number }) => String(1e9 - r.version_number).padStart(10, '0');
      const page = pageOf(sortByKey(rows, sortKey), sortKey, input);
      return {
        Versions: page.items.map((r) => ({
          VersionId: r.version_id,
          IsDefaultVersion: r.version_id === policy.default_version_id,
          CreateDate: new Date(r.create_date),
        })),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  async deletePolicyVersion(input: { PolicyArn: string; VersionId: string }): Promise<void> {
    constraints().arn(input.PolicyArn).versionId(input.VersionId).check();
    await this.#write(async (trx) => {
      const policy = await this.#localPolicy(trx, input.PolicyArn);
      if (policy.default_version_id === input.VersionId) {
        throw new CloudError('DeleteConflict', 'Cannot delete the default version of a policy.');
      }
      const result = await trx
        .deleteFrom('iam_policy_versions')
        .where('policy_arn', '=', policy.arn)
        .where('version_id', '=', input.VersionId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new CloudError(
          'NoSuchEntity',
          `Policy ${policy.arn} version ${input.VersionId} does not exist.`,
        );
      }
    });
  }

  async tagPolicy(input: { PolicyArn: string; Tags: readonly Tag[] }): Promise<void> {
    constraints().arn(input.PolicyArn).required(input.Tags, 'tags').tags(input.Tags).check();
    checkTagSemantics(input.Tags);
    await this.#write(async (trx) => {
      const policy = await this.#localPolicy(trx, input.PolicyArn);
      const existing = await this.#tags(trx, 'policy', policy.arn);
      const merged = new Map(existing.map((t) => [key(t.Key), t]));
      for (const t of input.Tags) merged.set(key(t.Key), t);
      if (merged.size > this.quotas.tagsPerResource) {
        throw new CloudError(
          'LimitExceeded',
          `A resource can have at most ${this.quotas.tagsPerResource} tags.`,
        );
      }
      await trx
        .deleteFrom('iam_tags')
        .where('resource_type', '=', 'policy')
        .where('resource_key', '=', policy.arn)
        .execute();
      await this.#insertTags(trx, 'policy', policy.arn, [...merged.values()]);
    });
  }

  async untagPolicy(input: { PolicyArn: string; TagKeys: readonly string[] }): Promise<void> {
    constraints().arn(input.PolicyArn).tagKeys(input.TagKeys).check();
    await this.#write(async (trx) => {
      const policy = await this.#localPolicy(trx, input.PolicyArn);
      const keys = input.TagKeys.map(key);
      if (keys.length === 0) return;
      await trx
        .deleteFrom('iam_tags')
        .where('resource_type', '=', 'policy')
        .where('resource_key', '=', policy.arn)
        .where('tag_key_lower', 'in', keys)
        .execute();
    });
  }

  async listPolicyTags(input: { PolicyArn: string } & PageInput) {
    constraints().arn(input.PolicyArn).page(input).check();
    return this.#read(async (trx) => {
      const policy = await this.#policy(trx, input.PolicyArn);
      const tags = await this.#tags(trx, 'policy', policy.arn);
      const indexed = tags.map((t, i) => ({ t, k: String(i).padStart(4, '0') }));
      const page = pageOf(indexed, (x) => x.k, input);
      return {
        Tags: page.items.map((x) => x.t),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  async listEntitiesForPolicy(input: ListEntitiesForPolicyInput): Promise<ListEntitiesForPolicyOutput> {
    constraints()
      .arn(input.PolicyArn)
      .pathPrefix(input.PathPrefix)
      .page(input)
      .string(input.EntityFilter, 'entityFilter', {
        max: 20,
        pattern: /^(User|Role|Group|LocalManagedPolicy|AWSManagedPolicy)$/,
      })
      .check();
    return this.#read(async (trx) => {
      const policy = await this.#policy(trx, input.PolicyArn);
      const kinds: EntityKind[] =
        input.EntityFilter === 'User'
          ? ['user']
          : input.EntityFilter === 'Role'
            ? ['role']
            : input.EntityFilter === 'Group'
              ? ['group']
              : ['group', 'user', 'role'];
      const prefix = input.PathPrefix ?? '/';
      const all: { kind: EntityKind; row: PrincipalRow; sort: string }[] = [];
      for (const kind of kinds) {
        const rows = await trx
          .selectFrom('iam_attachments')
          .innerJoin(
            `${ENTITY[kind].table} as e` as 'iam_users as e',
            'e.name_key',
            'iam_attachments.entity_key',
          )
          .selectAll('e')
          .where('iam_attachments.entity_type', '=', kind)
          .where('iam_attachments.policy_arn', '=', policy.arn)
          .execute();
        for (const row of rows) {
          if (row.path.startsWith(prefix))
            all.push({ kind, row, sort: `${kinds.indexOf(kind)}:${row.name_key}` });
        }
      }
      const page = pageOf(
        sortByKey(all, (x) => x.sort),
        (x) => x.sort,
        input,
      );
      const of = (kind: EntityKind) => page.items.filter((x) => x.kind === kind).map((x) => x.row);
      return {
        PolicyGroups: of('group').map((r) => ({ GroupName: r.name, GroupId: r.id })),
        PolicyUsers: of('user').map((r) => ({ UserName: r.name, UserId: r.id })),
        PolicyRoles: of('role').map((r) => ({ RoleName: r.name, RoleId: r.id })),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  // ── attachments ─────────────────────────────────────────────────────────────────────────

  async #attach(kind: EntityKind, name: string, arn: string): Promise<void> {
    constraints().name(name, ENTITY[kind].member, ENTITY[kind].maxName).arn(arn).check();
    this.#checkPolicyArn(arn);
    await this.#write(async (trx) => {
      const entity = await this.#entity(trx, kind, name);
      const policy = await trx
        .selectFrom('iam_policies')
        .selectAll()
        .where('arn', '=', arn)
        .executeTakeFirst();
      if (!policy || policy.is_attachable !== 1) {
        throw new CloudError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
      }
      const attached = await trx
        .selectFrom('iam_attachments')
        .select('policy_arn')
        .where('entity_type', '=', kind)
        .where('entity_key', '=', entity.name_key)
        .execute();
      if (attached.some((a) => a.policy_arn === arn)) return; // attaching twice changes nothing, as in IAM
      const quota = this.quotas[ENTITY[kind].attachQuota];
      if (attached.length >= quota) {
        throw new CloudError(
          'LimitExceeded',
          `Cannot exceed quota for ${ENTITY[kind].attachQuotaName}: ${quota}`,
        );
      }
      await trx
        .insertInto('iam_attachments')
        .values({ entity_type: kind, entity_key: entity.name_key, policy_arn: arn })
        .execute();
    });
  }

  async #detach(kind: EntityKind, name: string, arn: string): Promise<void> {
    constraints().name(name, ENTITY[kind].member, ENTITY[kind].maxName).arn(arn).check();
    this.#checkPolicyArn(arn);
    await this.#write(async (trx) => {
      const entity = await this.#entity(trx, kind, name);
      const result = await trx
        .deleteFrom('iam_attachments')
        .where('entity_type', '=', kind)
        .where('entity_key', '=', entity.name_key)
        .where('policy_arn', '=', arn)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new CloudError('NoSuchEntity', `Policy ${arn} was not found.`);
    });
  }

  async #listAttached(kind: EntityKind, name: string, input: { PathPrefix?: string } & PageInput) {
    constraints()
      .name(name, ENTITY[kind].member, ENTITY[kind].maxName)
      .pathPrefix(input.PathPrefix)
      .page(input)
      .check();
    return this.#read(async (trx) => {
      const entity = await this.#entity(trx, kind, name);
      const rows = await this.#attachedPolicies(trx, kind, entity.name_key);
      const prefix = input.PathPrefix ?? '/';
      const selected = rows.filter((r) => r.path.startsWith(prefix));
      const sortKey = (r: { name_key: string; arn: string }) => `${r.name_key}\u0000${r.arn}`;
      const page = pageOf(sortByKey(selected, sortKey), sortKey, input);
      return {
        AttachedPolicies: page.items.map((r) => ({ PolicyName: r.name, PolicyArn: r.arn })),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  #attachedPolicies(db: Reader, kind: EntityKind, entityKey: string) {
    return db
      .selectFrom('iam_attachments')
      .innerJoin('iam_policies', 'iam_policies.arn', 'iam_attachments.policy_arn')
      .select([
        'iam_policies.arn',
        'iam_policies.name',
        'iam_policies.name_key',
        'iam_policies.path',
        'iam_policies.default_version_id',
      ])
      .where('iam_attachments.entity_type', '=', kind)
      .where('iam_attachments.entity_key', '=', entityKey)
      .execute();
  }

  attachUserPolicy(input: { UserName: string; PolicyArn: string }) {
    return this.#attach('user', input.UserName, input.PolicyArn);
  }
  attachRolePolicy(input: { RoleName: string; PolicyArn: string }) {
    return this.#attach('role', input.RoleName, input.PolicyArn);
  }
  attachGroupPolicy(input: { GroupName: string; PolicyArn: string }) {
    return this.#attach('group', input.GroupName, input.PolicyArn);
  }
  detachUserPolicy(input: { UserName: string; PolicyArn: string }) {
    return this.#detach('user', input.UserName, input.PolicyArn);
  }
  detachRolePolicy(input: { RoleName: string; PolicyArn: string }) {
    return this.#detach('role', input.RoleName, input.PolicyArn);
  }
  detachGroupPolicy(input: { GroupName: string; PolicyArn: string }) {
    return this.#detach('group', input.GroupName, input.PolicyArn);
  }
  listAttachedUserPolicies(input: { UserName: string; PathPrefix?: string } & PageInput) {
    return this.#listAttached('user', input.UserName, input);
  }
  listAttachedRolePolicies(input: { RoleName: string; PathPrefix?: string } & PageInput) {
    return this.#listAttached('role', input.RoleName, input);
  }
  listAttachedGroupPolicies(input: { GroupName: string; PathPrefix?: string } & PageInput) {
    return this.#listAttached('group', input.GroupName, input);
  }

  // ── inline policies ─────────────────────────────────────────────────────────────────────

  async #putInline(kind: EntityKind, name: string, policyName: string, document: string): Promise<void> {
    const rules = ENTITY[kind];
    constraints()
      .name(name, rules.member, rules.maxName)
      .name(policyName, 'policyName', 128)
      .document(document, 'policyDocument')
      .check();
    const size = policySize(document);
    const quota = this.quotas[rules.inlineQuota];
    const tooBig = () =>
      new CloudError(
        'LimitExceeded',
        `Maximum policy size of ${quota} bytes exceeded for ${rules.label} ${name}`,
      );
    if (size > quota) throw tooBig();
    checkPolicyDocument(document, 'identity', rules.policyKind);
    await this.#write(async (trx) => {
      const entity = await this.#entity(trx, kind, name);
      const others = await trx
        .selectFrom('iam_inline_policies')
        .select(['name_key', 'document'])
        .where('entity_type', '=', kind)
        .where('entity_key', '=', entity.name_key)
        .execute();
      const total = others
        .filter((o) => o.name_key !== key(policyName))
        .reduce((n, o) => n + policySize(o.document), size);
      if (total > quota) throw tooBig();
      const insert = trx.insertInto('iam_inline_policies').values({
        entity_type: kind,
        entity_key: entity.name_key,
        name_key: key(policyName),
        name: policyName,
        document,
      });
      // MySQL spells an upsert differently from SQLite and PostgreSQL.
      await (
        this.store.family === 'mysql'
          ? insert.onDuplicateKeyUpdate({ document, name: policyName })
          : insert.onConflict((oc) =>
              oc
                .columns(['entity_type', 'entity_key', 'name_key'])
                .doUpdateSet({ document, name: policyName }),
            )
      ).execute();
    });
  }

  async #getInline(kind: EntityKind, name: string, policyName: string) {
    const rules = ENTITY[kind];
    constraints().name(name, rules.member, rules.maxName).name(policyName, 'policyName', 128).check();
    return this.#read(async (trx) => {
      const entity = await this.#entity(trx, kind, name);
      const row = await trx
        .selectFrom('iam_inline_policies')
        .selectAll()
        .where('entity_type', '=', kind)
        .where('entity_key', '=', entity.name_key)
        .where('name_key', '=', key(policyName))
        .executeTakeFirst();
      if (!row)
        throw new CloudError(
          'NoSuchEntity',
          `The ${rules.label} policy with name ${policyName} cannot be found.`,
        );
      return { entityName: entity.name, PolicyName: row.name, PolicyDocument: row.document };
    });
  }

  async #deleteInline(kind: EntityKind, name: string, policyName: string): Promise<void> {
    const rules = ENTITY[kind];
    constraints().name(name, rules.member, rules.maxName).name(policyName, 'policyName', 128).check();
    await this.#write(async (trx) => {
      const entity = await this.#entity(trx, kind, name);
      const result = await trx
        .deleteFrom('iam_inline_policies')
        .where('entity_type', '=', kind)
        .where('entity_key', '=', entity.name_key)
        .where('name_key', '=', key(policyName))
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new CloudError(
          'NoSuchEntity',
          `The ${rules.label} policy with name ${policyName} cannot be found.`,
        );
      }
    });
  }

  async #listInline(kind: EntityKind, name: string, input: PageInput) {
    const rules = ENTITY[kind];
    constraints().name(name, rules.member, rules.maxName).page(input).check();
    return this.#read(async (trx) => {
      const entity = await this.#entity(trx, kind, name);
      const rows = await trx
        .selectFrom('iam_inline_policies')
        .select(['name', 'name_key'])
        .where('entity_type', '=', kind)
        .where('entity_key', '=', entity.name_key)
        .execute();
      const page = pageOf(
        sortByKey(rows, (r) => r.name_key),
        (r) => r.name_key,
        input,
      );
      return {
        PolicyNames: page.items.map((r) => r.name),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  putUserPolicy(input: { UserName: string; PolicyName: string; PolicyDocument: string }) {
    return this.#putInline('user', input.UserName, input.PolicyName, input.PolicyDocument);
  }
  putRolePolicy(input: { RoleName: string; PolicyName: string; PolicyDocument: string }) {
    return this.#putInline('role', input.RoleName, input.PolicyName, input.PolicyDocument);
  }
  putGroupPolicy(input: { GroupName: string; PolicyName: string; PolicyDocument: string }) {
    return this.#putInline('group', input.GroupName, input.PolicyName, input.PolicyDocument);
  }
  async getUserPolicy(input: { UserName: string; PolicyName: string }) {
    const r = await this.#getInline('user', input.UserName, input.PolicyName);
    return { UserName: r.entityName, PolicyName: r.PolicyName, PolicyDocument: r.PolicyDocument };
  }
  async getRolePolicy(input: { RoleName: string; PolicyName: string }) {
    const r = await this.#getInline('role', input.RoleName, input.PolicyName);
    return { RoleName: r.entityName, PolicyName: r.PolicyName, PolicyDocument: r.PolicyDocument };
  }
  async getGroupPolicy(input: { GroupName: string; PolicyName: string }) {
    const r = await this.#getInline('group', input.GroupName, input.PolicyName);
    return { GroupName: r.entityName, PolicyName: r.PolicyName, PolicyDocument: r.PolicyDocument };
  }
  deleteUserPolicy(input: { UserName: string; PolicyName: string }) {
    return this.#deleteInline('user', input.UserName, input.PolicyName);
  }
  deleteRolePolicy(input: { RoleName: string; PolicyName: string }) {
    return this.#deleteInline('role', input.RoleName, input.PolicyName);
  }
  deleteGroupPolicy(input: { GroupName: string; PolicyName: string }) {
    return this.#deleteInline('group', input.GroupName, input.PolicyName);
  }
  listUserPolicies(input: { UserName: string } & PageInput) {
    return this.#listInline('user', input.UserName, input);
  }
  listRolePolicies(input: { RoleName: string } & PageInput) {
    return this.#listInline('role', input.RoleName, input);
  }
  listGroupPolicies(input: { GroupName: string } & PageInput) {
    return this.#listInline('group', input.GroupName, input);
  }

  // ── users, groups, roles ────────────────────────────────────────────────────────────────

  async #insertPrincipal(
    trx: Trx,
    kind: EntityKind,
    name: string,
    path: string,
    extra: object = {},
  ): Promise<PrincipalRow> {
    const rules = ENTITY[kind];
    const clash = await trx
      .selectFrom(rules.table as 'iam_users')
      .select('name')
      .where('name_key', '=', key(name))
      .executeTakeFirst();
    if (clash)
      throw new CloudError('EntityAlreadyExists', `${rules.Label} with name ${name} already exists.`);
    const row: PrincipalRow = {
      name_key: key(name),
      name,
      id: uniqueId(kind, this.#random),
      path,
      arn: this.#arn(kind, path, name),
      create_date: this.#now(),
    };
    await trx
      .insertInto(rules.table as 'iam_users')
      .values({ ...row, ...extra })
      .execute();
    return row;
  }

  /** Refuses to delete an identity that still has policies attached or embedded, as IAM does. */
  async #checkNoPolicies(trx: Trx, kind: EntityKind, entityKey: string): Promise<void> {
    const attached = await trx
      .selectFrom('iam_attachments')
      .select('policy_arn')
      .where('entity_type', '=', kind)
      .where('entity_key', '=', entityKey)
      .executeTakeFirst();
    if (attached)
      throw new CloudError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    const inline = await trx
      .selectFrom('iam_inline_policies')
      .select('name')
      .where('entity_type', '=', kind)
      .where('entity_key', '=', entityKey)
      .executeTakeFirst();
    if (inline) throw new CloudError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
  }

  async #listPrincipals(kind: EntityKind, input: { PathPrefix?: string } & PageInput) {
    constraints().pathPrefix(input.PathPrefix).page(input).check();
    const rows = await this.#db
      .selectFrom(ENTITY[kind].table as 'iam_users')
      .selectAll()
      .execute();
    const prefix = input.PathPrefix ?? '/';
    return pageOf(
      sortByKey(
        rows.filter((r) => r.path.startsWith(prefix)),
        (r) => r.name_key,
      ),
      (r) => r.name_key,
      input,
    );
  }

  async createUser(input: {
    UserName: string;
    Path?: string;
    Tags?: readonly Tag[];
  }): Promise<{ User: User }> {
    constraints().name(input.UserName, 'userName', 64).path(input.Path).tags(input.Tags).check();
    this.#checkNewTags(input.Tags);
    return this.#write(async (trx) => {
      const row = await this.#insertPrincipal(trx, 'user', input.UserName, input.Path ?? '/');
      await this.#insertTags(trx, 'user', row.name_key, input.Tags);
      return { User: this.#toUser(row, input.Tags ? [...input.Tags] : undefined) };
    });
  }

  async getUser(input: { UserName: string }): Promise<{ User: User }> {
    constraints().name(input.UserName, 'userName', 64).check();
    return this.#read(async (trx) => {
      const row = await this.#entity(trx, 'user', input.UserName);
      return { User: this.#toUser(row, await this.#tags(trx, 'user', row.name_key)) };
    });
  }

  async deleteUser(input: { UserName: string }): Promise<void> {
    constraints().name(input.UserName, 'userName', 64).check();
    await this.#write(async (trx) => {
      const row = await this.#entity(trx, 'user', input.UserName);
      await this.#checkNoPolicies(trx, 'user', row.name_key);
      const group = await trx
        .selectFrom('iam_group_members')
        .select('group_key')
        .where('user_key', '=', row.name_key)
        .executeTakeFirst();
      if (group)
        throw new CloudError(
          'DeleteConflict',
          'Cannot delete entity, must remove user from all groups first.',
        );
      const accessKey = await trx
        .selectFrom('iam_access_keys')
        .select('access_key_id')
        .where('user_key', '=', row.name_key)
        .executeTakeFirst();
      if (accessKey)
        throw new CloudError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
      await trx
        .deleteFrom('iam_tags')
        .where('resource_type', '=', 'user')
        .where('resource_key', '=', row.name_key)
        .execute();
      await trx.deleteFrom('iam_users').where('name_key', '=', row.name_key).execute();
    });
  }

  async listUsers(input: { PathPrefix?: string } & PageInput = {}) {
    const page = await this.#listPrincipals('user', input);
    return {
      Users: page.items.map((r) => this.#toUser(r)),
      IsTruncated: page.IsTruncated,
      ...(page.Marker ? { Marker: page.Marker } : {}),
    };
  }

  async createGroup(input: { GroupName: string; Path?: string }): Promise<{ Group: Group }> {
    constraints().name(input.GroupName, 'groupName', 128).path(input.Path).check();
    return this.#write(async (trx) => ({
      Group: this.#toGroup(await this.#insertPrincipal(trx, 'group', input.GroupName, input.Path ?? '/')),
    }));
  }

  async getGroup(input: { GroupName: string } & PageInput) {
    constraints().name(input.GroupName, 'groupName', 128).page(input).check();
    return this.#read(async (trx) => {
      const group = await this.#entity(trx, 'group', input.GroupName);
      const users = await trx
        .selectFrom('iam_group_members')
        .innerJoin('iam_users', 'iam_users.name_key', 'iam_group_members.user_key')
        .selectAll('iam_users')
        .where('iam_group_members.group_key', '=', group.name_key)
        .execute();
      const page = pageOf(
        sortByKey(users, (r) => r.name_key),
        (r) => r.name_key,
        input,
      );
      return {
        Group: this.#toGroup(group),
        Users: page.items.map((r) => this.#toUser(r)),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  async deleteGroup(input: { GroupName: string }): Promise<void> {
    constraints().name(input.GroupName, 'groupName', 128).check();
    await this.#write(async (trx) => {
      const row = await this.#entity(trx, 'group', input.GroupName);
      const member = await trx
        .selectFrom('iam_group_members')
        .select('user_key')
        .where('group_key', '=', row.name_key)
        .executeTakeFirst();
      if (member)
        throw new CloudError('DeleteConflict', 'Cannot delete entity, must remove users from group first.');
      await this.#checkNoPolicies(trx, 'group', row.name_key);
      await trx.deleteFrom('iam_groups').where('name_key', '=', row.name_key).execute();
    });
  }

  async listGroups(input: { PathPrefix?: string } & PageInput = {}) {
    const page = await this.#listPrincipals('group', input);
    return {
      Groups: page.items.map((r) => this.#toGroup(r)),
      IsTruncated: page.IsTruncated,
      ...(page.Marker ? { Marker: page.Marker } : {}),
    };
  }

  async addUserToGroup(input: { GroupName: string; UserName: string }): Promise<void> {
    constraints().name(input.GroupName, 'groupName', 128).name(input.UserName, 'userName', 64).check();
    await this.#write(async (trx) => {
      const group = await this.#entity(trx, 'group', input.GroupName);
      const user = await this.#entity(trx, 'user', input.UserName);
      const memberships = await trx
        .selectFrom('iam_group_members')
        .select('group_key')
        .where('user_key', '=', user.name_key)
        .execute();
      if (memberships.some((m) => m.group_key === group.name_key)) return;
      if (memberships.length >= this.quotas.groupsPerUser) {
        throw new CloudError(
          'LimitExceeded',
          `Cannot exceed quota for GroupsPerUser: ${this.quotas.groupsPerUser}`,
        );
      }
      await trx
        .insertInto('iam_group_members')
        .values({ group_key: group.name_key, user_key: user.name_key })
        .execute();
    });
  }

  async removeUserFromGroup(input: { GroupName: string; UserName: string }): Promise<void> {
    constraints().name(input.GroupName, 'groupName', 128).name(input.UserName, 'userName', 64).check();
    await this.#write(async (trx) => {
      const group = await this.#entity(trx, 'group', input.GroupName);
      const user = await this.#entity(trx, 'user', input.UserName);
      const result = await trx
        .deleteFrom('iam_group_members')
        .where('group_key', '=', group.name_key)
        .where('user_key', '=', user.name_key)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new CloudError('NoSuchEntity', `The user ${user.name} is not a member of group ${group.name}.`);
      }
    });
  }

  async listGroupsForUser(input: { UserName: string } & PageInput) {
    constraints().name(input.UserName, 'userName', 64).page(input).check();
    return this.#read(async (trx) => {
      const user = await this.#entity(trx, 'user', input.UserName);
      const groups = await trx
        .selectFrom('iam_group_members')
        .innerJoin('iam_groups', 'iam_groups.name_key', 'iam_group_members.group_key')
        .selectAll('iam_groups')
        .where('iam_group_members.user_key', '=', user.name_key)
        .execute();
      const page = pageOf(
        sortByKey(groups, (r) => r.name_key),
        (r) => r.name_key,
        input,
      );
      return {
        Groups: page.items.map((r) => this.#toGroup(r)),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  async createRole(input: {
    RoleName: string;
    AssumeRolePolicyDocument: string;
    Path?: string;
    Description?: string;
    MaxSessionDuration?: number;
    Tags?: readonly Tag[];
  }): Promise<{ Role: Role }> {
    constraints()
      .name(input.RoleName, 'roleName', 64)
      .document(input.AssumeRolePolicyDocument, 'assumeRolePolicyDocument')
      .path(input.Path)
      .description(input.Description)
      .integer(input.MaxSessionDuration, 'maxSessionDuration', 3600, 43_200)
      .tags(input.Tags)
      .check();
    this.#checkNewTags(input.Tags);
    if (policySize(input.AssumeRolePolicyDocument) > this.quotas.trustPolicySize) {
      throw new CloudError(
        'LimitExceeded',
        `Cannot exceed quota for ACLSizePerRole: ${this.quotas.trustPolicySize}`,
      );
    }
    checkPolicyDocument(input.AssumeRolePolicyDocument, 'trust');
    return this.#write(async (trx) => {
      const extra = {
        assume_role_policy_document: input.AssumeRolePolicyDocument,
        description: input.Description ?? null,
        max_session_duration: input.MaxSessionDuration ?? 3600,
      };
      const row = await this.#insertPrincipal(trx, 'role', input.RoleName, input.Path ?? '/', extra);
      await this.#insertTags(trx, 'role', row.name_key, input.Tags);
      return { Role: this.#toRole({ ...row, ...extra }, input.Tags ? [...input.Tags] : undefined) };
    });
  }

  async getRole(input: { RoleName: string }): Promise<{ Role: Role }> {
    constraints().name(input.RoleName, 'roleName', 64).check();
    return this.#read(async (trx) => {
      const row = await this.#role(trx, input.RoleName);
      return { Role: this.#toRole(row, await this.#tags(trx, 'role', row.name_key)) };
    });
  }

  async deleteRole(input: { RoleName: string }): Promise<void> {
    constraints().name(input.RoleName, 'roleName', 64).check();
    await this.#write(async (trx) => {
      const row = await this.#role(trx, input.RoleName);
      await this.#checkNoPolicies(trx, 'role', row.name_key);
      await trx
        .deleteFrom('iam_tags')
        .where('resource_type', '=', 'role')
        .where('resource_key', '=', row.name_key)
        .execute();
      await trx.deleteFrom('iam_roles').where('name_key', '=', row.name_key).execute();
    });
  }

  async listRoles(input: { PathPrefix?: string } & PageInput = {}) {
    constraints().pathPrefix(input.PathPrefix).page(input).check();
    const prefix = input.PathPrefix ?? '/';
    const rows = (await this.#db.selectFrom('iam_roles').selectAll().execute()).filter((r) =>
      r.path.startsWith(prefix),
    );
    const page = pageOf(
      sortByKey(rows, (r) => r.name_key),
      (r) => r.name_key,
      input,
    );
    return {
      Roles: page.items.map((r) => this.#toRole(r)),
      IsTruncated: page.IsTruncated,
      ...(page.Marker ? { Marker: page.Marker } : {}),
    };
  }

  async createAccessKey(input: { UserName: string }): Promise<{ AccessKey: AccessKey }> {
    constraints().name(input.UserName, 'userName', 64).check();
    return this.#write(async (trx) => {
      const user = await this.#entity(trx, 'user', input.UserName);
      const keys = await trx
        .selectFrom('iam_access_keys')
        .select('access_key_id')
        .where('user_key', '=', user.name_key)
        .execute();
      if (keys.length >= this.quotas.accessKeysPerUser) {
        throw new CloudError(
          'LimitExceeded',
          `Cannot exceed quota for AccessKeysPerUser: ${this.quotas.accessKeysPerUser}`,
        );
      }
      const row = {
        access_key_id: accessKeyId(this.#random),
        user_key: user.name_key,
        secret_access_key: secretAccessKey(this.#random),
        status: 'Active',
        create_date: this.#now(),
      };
      await trx.insertInto('iam_access_keys').values(row).execute();
      return {
        AccessKey: {
          UserName: user.name,
          AccessKeyId: row.access_key_id,
          Status: 'Active' as const,
          SecretAccessKey: row.secret_access_key,
          CreateDate: new Date(row.create_date),
        },
      };
    });
  }

  async deleteAccessKey(input: { UserName: string; AccessKeyId: string }): Promise<void> {
    constraints()
      .name(input.UserName, 'userName', 64)
      .string(input.AccessKeyId, 'accessKeyId', { min: 16, max: 128, pattern: /^\w+$/, required: true })
      .check();
    await this.#write(async (trx) => {
      const user = await this.#entity(trx, 'user', input.UserName);
      const result = await trx
        .deleteFrom('iam_access_keys')
        .where('user_key', '=', user.name_key)
        .where('access_key_id', '=', input.AccessKeyId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new CloudError('NoSuchEntity', `The Access Key with id ${input.AccessKeyId} cannot be found.`);
      }
    });
  }

  async listAccessKeys(input: { UserName: string } & PageInput) {
    constraints().name(input.UserName, 'userName', 64).page(input).check();
    return this.#read(async (trx) => {
      const user = await this.#entity(trx, 'user', input.UserName);
      const rows = await trx
        .selectFrom('iam_access_keys')
        .selectAll()
        .where('user_key', '=', user.name_key)
        .execute();
      const sortKey = (r: { create_date: string; access_key_id: string }) =>
        `${r.create_date}\u0000${r.access_key_id}`;
      const page = pageOf(sortByKey(rows, sortKey), sortKey, input);
      return {
        AccessKeyMetadata: page.items.map((r): AccessKeyMetadata => ({
          UserName: user.name,
          AccessKeyId: r.access_key_id,
          Status: r.status as 'Active' | 'Inactive',
          CreateDate: new Date(r.create_date),
        })),
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  // ── account ─────────────────────────────────────────────────────────────────────────────

  async getAccountAuthorizationDetails(
    input: { Filter?: readonly AuthorizationDetailsFilter[] } & PageInput = {},
  ): Promise<AccountAuthorizationDetails> {
    const c = constraints().page(input);
    input.Filter?.forEach((f, i) =>
      c.string(f, `filter.${i + 1}.member`, {
        max: 20,
        pattern: /^(User|Role|Group|LocalManagedPolicy|AWSManagedPolicy)$/,
      }),
    );
    c.check();
    const wanted = new Set(
      input.Filter && input.Filter.length > 0
        ? input.Filter
        : ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'],
    );
    return this.#read(async (trx) => {
      type Item = { sort: string; kind: 'User' | 'Group' | 'Role' | 'Policy'; name_key: string; arn: string };
      const items: Item[] = [];
      const add = async (
        kind: 'User' | 'Group' | 'Role',
        table: 'iam_users' | 'iam_groups' | 'iam_roles',
        order: number,
      ) => {
        if (!wanted.has(kind)) return;
        const rows = await trx
          .selectFrom(table as 'iam_users')
          .select(['name_key', 'arn'])
          .execute();
        for (const r of rows)
          items.push({ sort: `${order}:${r.name_key}`, kind, name_key: r.name_key, arn: r.arn });
      };
      await add('User', 'iam_users', 0);
      await add('Group', 'iam_groups', 1);
      await add('Role', 'iam_roles', 2);
      const counts = await this.#attachmentCounts(trx);
      if (wanted.has('LocalManagedPolicy') || wanted.has('AWSManagedPolicy')) {
        const policies = await trx.selectFrom('iam_policies').select(['arn', 'scope', 'name_key']).execute();
        for (const p of policies) {
          // IAM lists the AWS managed policies that are in use in the account, not all of them.
          const include =
            p.scope === 'Local'
              ? wanted.has('LocalManagedPolicy')
              : wanted.has('AWSManagedPolicy') && (counts.get(p.arn) ?? 0) > 0;
          if (include) items.push({ sort: `3:${p.arn}`, kind: 'Policy', name_key: p.name_key, arn: p.arn });
        }
      }
      const page = pageOf(
        sortByKey(items, (x) => x.sort),
        (x) => x.sort,
        input,
      );
      const users: UserDetail[] = [];
      const groups: GroupDetail[] = [];
      const roles: RoleDetail[] = [];
      const policies: ManagedPolicyDetail[] = [];
      for (const item of page.items) {
        if (item.kind === 'User') users.push(await this.#userDetail(trx, item.name_key));
        else if (item.kind === 'Group') groups.push(await this.#groupDetail(trx, item.name_key));
        else if (item.kind === 'Role') roles.push(await this.#roleDetail(trx, item.name_key));
        else policies.push(await this.#policyDetail(trx, item.arn, counts.get(item.arn) ?? 0));
      }
      return {
        UserDetailList: users,
        GroupDetailList: groups,
        RoleDetailList: roles,
        Policies: policies,
        IsTruncated: page.IsTruncated,
        ...(page.Marker ? { Marker: page.Marker } : {}),
      };
    });
  }

  async #inlineOf(db: Reader, kind: EntityKind, entityKey: string) {
    const rows = await db
      .selectFrom('iam_inline_policies')
      .select(['name', 'name_key', 'document'])
      .where('entity_type', '=', kind)
      .where('entity_key', '=', entityKey)
      .execute();
    return sortByKey(rows, (r) => r.name_key).map((r) => ({
      PolicyName: r.name,
      PolicyDocument: r.document,
    }));
  }

  async #attachedOf(db: Reader, kind: EntityKind, entityKey: string): Promise<AttachedPolicy[]> {
    const rows = await this.#attachedPolicies(db, kind, entityKey);
    return sortByKey(rows, (r) => `${r.name_key}\u0000${r.arn}`).map((r) => ({
      PolicyName: r.name,
      PolicyArn: r.arn,
    }));
  }

  async #userDetail(db: Reader, userKey: string): Promise<UserDetail> {
    const row = await db
      .selectFrom('iam_users')
      .selectAll()
      .where('name_key', '=', userKey)
      .executeTakeFirstOrThrow();
    const groups = await db
      .selectFrom('iam_group_members')
      .innerJoin('iam_groups', 'iam_groups.name_key', 'iam_group_members.group_key')
      .select(['iam_groups.name', 'iam_groups.name_key'])
      .where('iam_group_members.user_key', '=', userKey)
      .execute();
    return {
      Path: row.path,
      UserName: row.name,
      UserId: row.id,
      Arn: row.arn,
      CreateDate: new Date(row.create_date),
      UserPolicyList: await this.#inlineOf(db, 'user', userKey),
      GroupList: sortByKey(groups, (g) => g.name_key).map((g) => g.name),
      AttachedManagedPolicies: await this.#attachedOf(db, 'user', userKey),
      Tags: await this.#tags(db, 'user', userKey),
    };
  }

  async #groupDetail(db: Reader, groupKey: string): Promise<GroupDetail> {
    const row = await db
      .selectFrom('iam_groups')
      .selectAll()
      .where('name_key', '=', groupKey)
      .executeTakeFirstOrThrow();
    return {
      Path: row.path,
      GroupName: row.name,
      GroupId: row.id,
      Arn: row.arn,
      CreateDate: new Date(row.create_date),
      GroupPolicyList: await this.#inlineOf(db, 'group', groupKey),
      AttachedManagedPolicies: await this.#attachedOf(db, 'group', groupKey),
    };
  }

  async #roleDetail(db: Reader, roleKey: string): Promise<RoleDetail> {
    const row = await db
      .selectFrom('iam_roles')
      .selectAll()
      .where('name_key', '=', roleKey)
      .executeTakeFirstOrThrow();
    return {
      Path: row.path,
      RoleName: row.name,
      RoleId: row.id,
      Arn: row.arn,
      CreateDate: new Date(row.create_date),
      AssumeRolePolicyDocument: row.assume_role_policy_document,
      RolePolicyList: await this.#inlineOf(db, 'role', roleKey),
      AttachedManagedPolicies: await this.#attachedOf(db, 'role', roleKey),
      Tags: await this.#tags(db, 'role', roleKey),
    };
  }

  async #policyDetail(db: Reader, arn: string, attachments: number): Promise<ManagedPolicyDetail> {
    const row = await db
      .selectFrom('iam_policies')
      .selectAll()
      .where('arn', '=', arn)
      .executeTakeFirstOrThrow();
    const versions = await db
      .selectFrom('iam_policy_versions')
      .selectAll()
      .where('policy_arn', '=', arn)
      .execute();
    const { Tags: _tags, ...policy } = this.#toPolicy(row, attachments);
    return {
      ...policy,
      PolicyVersionList: versions
        .sort((a, b) => b.version_number - a.version_number)
        .map((v) => ({
          Document: v.document,
          VersionId: v.version_id,
          IsDefaultVersion: v.version_id === row.default_version_id,
          CreateDate: new Date(v.create_date),
        })),
    };
  }

  async generateCredentialReport(): Promise<{ State: 'STARTED' | 'COMPLETE'; Description: string }> {
    return this.#write(async (trx) => {
      const now = this.#clock();
      const existing = await trx.selectFrom('iam_credential_report').selectAll().executeTakeFirst();
      if (existing && now.getTime() - Date.parse(existing.generated_at) < REPORT_LIFETIME_MS) {
        return { State: 'COMPLETE' as const, Description: 'The credential report is ready.' };
      }
      const users = await trx.selectFrom('iam_users').selectAll().execute();
      const keys = await trx.selectFrom('iam_access_keys').selectAll().execute();
      const content = credentialReportCsv(
        { arn: `arn:${PARTITION}:iam::${this.accountId}:root`, createDate: this.#accountCreated },
        sortByKey(users, (u) => u.name_key).map((u) => ({
          name: u.name,
          arn: u.arn,
          createDate: u.create_date,
          accessKeys: sortByKey(
            keys.filter((k) => k.user_key === u.name_key),
            (k) => `${k.create_date}\u0000${k.access_key_id}`,
          ).map((k) => ({ active: k.status === 'Active', createDate: k.create_date })),
        })),
      );
      const report = trx
        .insertInto('iam_credential_report')
        .values({ id: 1, generated_at: now.toISOString(), content });
      await (
        this.store.family === 'mysql'
          ? report.onDuplicateKeyUpdate({ generated_at: now.toISOString(), content })
          : report.onConflict((oc) =>
              oc.column('id').doUpdateSet({ generated_at: now.toISOString(), content }),
            )
      ).execute();
      return {
        State: 'STARTED' as const,
        Description: existing
          ? 'The report was older than four hours; a new one is being generated.'
          : 'No report exists yet; generating one.',
      };
    });
  }

  async getCredentialReport(): Promise<CredentialReport> {
    const row = await this.#db.selectFrom('iam_credential_report').selectAll().executeTakeFirst();
    if (!row) {
      throw new CloudError(
        'ReportNotPresent',
        'No credential report exists; call GenerateCredentialReport first.',
      );
    }
    if (this.#clock().getTime() - Date.parse(row.generated_at) >= REPORT_LIFETIME_MS) {
      throw new CloudError(
        'ReportExpired',
        'The credential report is older than four hours; generate a new one.',
      );
    }
    return {
      Content: new TextEncoder().encode(row.content),
      ReportFormat: 'text/csv',
      GeneratedTime: new Date(row.generated_at),
    };
  }

  // ── STS and SNS ─────────────────────────────────────────────────────────────────────────

  async getCallerIdentity(): Promise<CallerIdentity> {
    return this.#caller ?? this.rootIdentity();
  }

  rootIdentity(): CallerIdentity {
    return {
      UserId: this.accountId,
      Account: this.accountId,
      Arn: `arn:${PARTITION}:iam::${this.accountId}:root`,
    };
  }

  async publish(input: PublishInput): Promise<{ MessageId: string }> {
    checkPublish(input);
    const messageId = randomUUID();
    await this.#write(async (trx) => {
      await trx
        .insertInto('sns_messages')
        .values({
          message_id: messageId,
          topic_arn: input.TopicArn ?? null,
          target_arn: input.TargetArn ?? null,
          phone_number: input.PhoneNumber ?? null,
          subject: input.Subject ?? null,
          message: input.Message,
          message_structure: input.MessageStructure ?? null,
          message_attributes: JSON.stringify(input.MessageAttributes ?? {}),
          published_at: this.#now(),
        })
        .execute();
    });
    return { MessageId: messageId };
  }

  /** Messages published so far, oldest first (local backend only). */
  async listPublishedMessages(filter: { TopicArn?: string } = {}): Promise<PublishedMessage[]> {
    let q = this.#db.selectFrom('sns_messages').selectAll().orderBy('seq');
    if (filter.TopicArn !== undefined) q = q.where('topic_arn', '=', filter.TopicArn);
    const rows = await q.execute();
    return rows.map((r) => ({
      MessageId: r.message_id,
      ...(r.topic_arn !== null ? { TopicArn: r.topic_arn } : {}),
      ...(r.target_arn !== null ? { TargetArn: r.target_arn } : {}),
      ...(r.phone_number !== null ? { PhoneNumber: r.phone_number } : {}),
      ...(r.subject !== null ? { Subject: r.subject } : {}),
      Message: r.message,
      ...(r.message_structure !== null ? { MessageStructure: 'json' as const } : {}),
      MessageAttributes: JSON.parse(r.message_attributes) as PublishedMessage['MessageAttributes'],
      PublishedAt: new Date(r.published_at),
    }));
  }

  // ── local-only: AWS managed policies, access keys, effective policies ───────────────────

  /**
   * Adds an AWS managed policy (arn:aws:iam::aws:policy/…) to the embedded account, as the real
   * one has them; used by `grantflow iam seed`. Does nothing when it is already there.
   */
  async putAwsManagedPolicy(input: {
    PolicyName: string;
    PolicyDocument: string;
    Path?: string;
    Description?: string;
    CreateDate?: Date;
  }): Promise<{ Policy: ManagedPolicy }> {
    constraints()
      .name(input.PolicyName, 'policyName', 128)
      .document(input.PolicyDocument, 'policyDocument')
      .path(input.Path)
      .description(input.Description)
      .check();
    const path = input.Path ?? '/';
    const arn = `arn:${PARTITION}:iam::aws:policy${path}${input.PolicyName}`;
    await this.#write(async (trx) => {
      const exists = await trx
        .selectFrom('iam_policies')
        .select('arn')
        .where('arn', '=', arn)
        .executeTakeFirst();
      if (exists) return;
      const created = (input.CreateDate ?? this.#clock()).toISOString();
      await trx
        .insertInto('iam_policies')
        .values({
          arn,
          scope: 'AWS',
          name_key: key(input.PolicyName),
          name: input.PolicyName,
          id: uniqueId('policy', this.#random),
          path,
          description: input.Description ?? null,
          default_version_id: 'v1',
          next_version: 2,
          is_attachable: 1,
          create_date: created,
          update_date: created,
        })
        .execute();
      await trx
        .insertInto('iam_policy_versions')
        .values({
          policy_arn: arn,
          version_id: 'v1',
          version_number: 1,
          document: input.PolicyDocument,
          create_date: created,
        })
        .execute();
    });
    return this.getPolicy({ PolicyArn: arn });
  }

  /**
   * The access key used to sign emulator requests as the account root: the configured one, else
   * the one stored on first use, else a new one (stored, so clients keep working across restarts).
   */
  async rootAccessKey(configured?: { AccessKeyId: string; SecretAccessKey: string }) {
    return this.#write(async (trx) => {
      if (configured) {
        for (const [name, value] of [
          ['root_access_key_id', configured.AccessKeyId],
          ['root_secret_access_key', configured.SecretAccessKey],
        ] as const) {
          const setting = trx.insertInto('iam_settings').values({ name, value });
          await (
            this.store.family === 'mysql'
              ? setting.onDuplicateKeyUpdate({ value })
              : setting.onConflict((oc) => oc.column('name').doUpdateSet({ value }))
          ).execute();
        }
        return configured;
      }
      const rows = await trx
        .selectFrom('iam_settings')
        .selectAll()
        .where('name', 'in', ['root_access_key_id', 'root_secret_access_key'])
        .execute();
      const stored = new Map(rows.map((r) => [r.name, r.value]));
      const id = stored.get('root_access_key_id');
      const secret = stored.get('root_secret_access_key');
      if (id && secret) return { AccessKeyId: id, SecretAccessKey: secret };
      const fresh = {
        AccessKeyId: accessKeyId(this.#random),
        SecretAccessKey: secretAccessKey(this.#random),
      };
      await trx
        .insertInto('iam_settings')
        .values([
          { name: 'root_access_key_id', value: fresh.AccessKeyId },
          { name: 'root_secret_access_key', value: fresh.SecretAccessKey },
        ])
        .execute();
      return fresh;
    });
  }

  /** Who an access key belongs to, or undefined for a key this account never issued. */
  async accessKeyOwner(id: string): Promise<KeyOwner | undefined> {
    return this.#read(async (trx) => {
      const root = await trx
        .selectFrom('iam_settings')
        .selectAll()
        .where('name', 'in', ['root_access_key_id', 'root_secret_access_key'])
        .execute();
      const stored = new Map(root.map((r) => [r.name, r.value]));
      if (stored.get('root_access_key_id') === id) {
        return { kind: 'root' as const, secretAccessKey: stored.get('root_secret_access_key') ?? '' };
      }
      const row = await trx
        .selectFrom('iam_access_keys')
        .selectAll()
        .where('access_key_id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const user = await trx
        .selectFrom('iam_users')
        .selectAll()
        .where('name_key', '=', row.user_key)
        .executeTakeFirstOrThrow();
      return {
        kind: 'user' as const,
        secretAccessKey: row.secret_access_key,
        active: row.status === 'Active',
        user: this.#toUser(user),
      };
    });
  }

  /**
   * Every identity-based policy that applies to a user: its inline and attached policies and those
   * of its groups (attached ones at their default version).
   */
  async userPolicies(userName: string): Promise<{ source: string; document: string }[]> {
    return this.#read(async (trx) => {
      const user = await this.#entity(trx, 'user', userName);
      const owners: { kind: EntityKind; key: string; label: string }[] = [
        { kind: 'user', key: user.name_key, label: `user/${user.name}` },
      ];
      const groups = await trx
        .selectFrom('iam_group_members')
        .innerJoin('iam_groups', 'iam_groups.name_key', 'iam_group_members.group_key')
        .select(['iam_groups.name', 'iam_groups.name_key'])
        .where('iam_group_members.user_key', '=', user.name_key)
        .execute();
      for (const g of groups) owners.push({ kind: 'group', key: g.name_key, label: `group/${g.name}` });
      const out: { source: string; document: string }[] = [];
      for (const owner of owners) {
        for (const p of await this.#inlineOf(trx, owner.kind, owner.key)) {
          out.push({ source: `${owner.label} inline ${p.PolicyName}`, document: p.PolicyDocument });
        }
        for (const p of await this.#attachedPolicies(trx, owner.kind, owner.key)) {
          const version = await trx
            .selectFrom('iam_policy_versions')
            .select('document')
            .where('policy_arn', '=', p.arn)
            .where('version_id', '=', p.default_version_id)
            .executeTakeFirstOrThrow();
          out.push({ source: p.arn, document: version.document });
        }
      }
      return out;
    });
  }
}

/** Opens the embedded IAM over a store. */
export function openLocalBackend(store: Store, options?: LocalBackendOptions): Promise<LocalIamBackend> {
  return LocalIamBackend.open(store, options);
}
