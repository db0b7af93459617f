// The `local` backend: an embedded IAM with IAM's own rules and errors, persisted in the store.
// This class is its API and nothing more: each method hands its input to the module that does the
// work (managed-policies.ts, attachments.ts, inline-policies.ts, entities.ts, …), with the
// IamContext (context.ts) that holds the store, the account, the quotas, the clock and the
// transactions. The User/Role/Group variants of an operation are one generic function, driven by
// the table of entity kinds in entity-kinds.ts.
import type { Store } from '../../store/index.ts';
import type {
  AccountAuthorizationDetails,
  AuthorizationDetailsFilter,
  CallerIdentity,
  CreatePolicyInput,
  CredentialReport,
  IamBackend,
  ListEntitiesForPolicyInput,
  ListPoliciesInput,
  ManagedPolicy,
  PageInput,
  PolicyVersion,
  PublishInput,
  Tag,
} from '../types.ts';
import * as accessKeys from './access-keys.ts';
import type { KeyOwner } from './access-keys.ts';
import * as account from './account-settings.ts';
import * as attachments from './attachments.ts';
import * as details from './authorization-details.ts';
import { IamContext } from './context.ts';
import * as reports from './credential-report.ts';
import * as effective from './effective-policies.ts';
import * as entities from './entities.ts';
import * as members from './group-members.ts';
import { defaultRandomBytes } from './ids.ts';
import type { RandomBytes } from './ids.ts';
import * as inline from './inline-policies.ts';
import * as policies from './managed-policies.ts';
import * as policyTags from './policy-tags.ts';
import * as versions from './policy-versions.ts';
import { DEFAULT_QUOTAS } from './quotas.ts';
import type { IamQuotas } from './quotas.ts';
import * as sns from './sns.ts';
import type { PublishedMessage } from './sns.ts';

export { DEFAULT_ACCOUNT_ID } from './account-settings.ts';
export type { KeyOwner } from './access-keys.ts';

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

export class LocalIamBackend implements IamBackend {
  readonly store: Store;
  readonly accountId: string;
  readonly quotas: IamQuotas;
  readonly #iam: IamContext;
  readonly #caller: CallerIdentity | undefined;
  readonly #ownsStore: boolean;

  private constructor(store: Store, accountId: string, accountCreated: string, options: LocalBackendOptions) {
    this.store = store;
    this.accountId = accountId;
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.#iam = new IamContext({
      store,
      accountId,
      accountCreated,
      quotas: this.quotas,
      clock: options.clock ?? (() => new Date()),
      random: options.randomBytes ?? defaultRandomBytes,
    });
    this.#caller = options.caller;
    this.#ownsStore = options.ownsStore ?? false;
  }

  /** Opens the embedded IAM of a store, fixing its account id on first use. */
  static async open(store: Store, options: LocalBackendOptions = {}): Promise<LocalIamBackend> {
    const now = (options.clock ?? (() => new Date()))().toISOString();
    const { accountId, created } = await account.openAccount(store, options.accountId, now);
    return new LocalIamBackend(store, accountId, created, options);
  }

  async close(): Promise<void> {
    if (this.#ownsStore) await this.store.close();
  }

  // ── managed policies ────────────────────────────────────────────────────────────────────

  async createPolicy(input: CreatePolicyInput): Promise<{ Policy: ManagedPolicy }> {
    return policies.createPolicy(this.#iam, input);
  }
  async getPolicy(input: { PolicyArn: string }): Promise<{ Policy: ManagedPolicy }> {
    return policies.getPolicy(this.#iam, input);
  }
  async deletePolicy(input: { PolicyArn: string }): Promise<void> {
    return policies.deletePolicy(this.#iam, input);
  }
  async listPolicies(input: ListPoliciesInput = {}) {
    return policies.listPolicies(this.#iam, input);
  }
  async createPolicyVersion(input: { PolicyArn: string; PolicyDocument: string; SetAsDefault?: boolean }) {
    return versions.createPolicyVersion(this.#iam, input);
  }
  async getPolicyVersion(input: {
    PolicyArn: string;
    VersionId: string;
  }): Promise<{ PolicyVersion: PolicyVersion }> {
    return versions.getPolicyVersion(this.#iam, input);
  }
  async listPolicyVersions(input: { PolicyArn: string } & PageInput) {
    return versions.listPolicyVersions(this.#iam, input);
  }
  async deletePolicyVersion(input: { PolicyArn: string; VersionId: string }): Promise<void> {
    return versions.deletePolicyVersion(this.#iam, input);
  }
  async tagPolicy(input: { PolicyArn: string; Tags: readonly Tag[] }): Promise<void> {
    return policyTags.tagPolicy(this.#iam, input);
  }
  async untagPolicy(input: { PolicyArn: string; TagKeys: readonly string[] }): Promise<void> {
    return policyTags.untagPolicy(this.#iam, input);
  }
  async listPolicyTags(input: { PolicyArn: string } & PageInput) {
    return policyTags.listPolicyTags(this.#iam, input);
  }
  async listEntitiesForPolicy(input: ListEntitiesForPolicyInput) {
    return attachments.listEntitiesForPolicy(this.#iam, input);
  }

  // ── attachments ─────────────────────────────────────────────────────────────────────────

  attachUserPolicy(input: { UserName: string; PolicyArn: string }) {
    return attachments.attach(this.#iam, 'user', input);
  }
  attachRolePolicy(input: { RoleName: string; PolicyArn: string }) {
    return attachments.attach(this.#iam, 'role', input);
  }
  attachGroupPolicy(input: { GroupName: string; PolicyArn: string }) {
    return attachments.attach(this.#iam, 'group', input);
  }
  detachUserPolicy(input: { UserName: string; PolicyArn: string }) {
    return attachments.detach(this.#iam, 'user', input);
  }
  detachRolePolicy(input: { RoleName: string; PolicyArn: string }) {
    return attachments.detach(this.#iam, 'role', input);
  }
  detachGroupPolicy(input: { GroupName: string; PolicyArn: string }) {
    return attachments.detach(this.#iam, 'group', input);
  }
  listAttachedUserPolicies(input: { UserName: string; PathPrefix?: string } & PageInput) {
    return attachments.listAttached(this.#iam, 'user', input);
  }
  listAttachedRolePolicies(input: { RoleName: string; PathPrefix?: string } & PageInput) {
    return attachments.listAttached(this.#iam, 'role', input);
  }
  listAttachedGroupPolicies(input: { GroupName: string; PathPrefix?: string } & PageInput) {
    return attachments.listAttached(this.#iam, 'group', input);
  }

  // ── inline policies ─────────────────────────────────────────────────────────────────────

  putUserPolicy(input: { UserName: string; PolicyName: string; PolicyDocument: string }) {
    return inline.putInline(this.#iam, 'user', input);
  }
  putRolePolicy(input: { RoleName: string; PolicyName: string; PolicyDocument: string }) {
    return inline.putInline(this.#iam, 'role', input);
  }
  putGroupPolicy(input: { GroupName: string; PolicyName: string; PolicyDocument: string }) {
    return inline.putInline(this.#iam, 'group', input);
  }
  async getUserPolicy(input: { UserName: string; PolicyName: string }) {
    return inline.getInline(this.#iam, 'user', input);
  }
  async getRolePolicy(input: { RoleName: string; PolicyName: string }) {
    return inline.getInline(this.#iam, 'role', input);
  }
  async getGroupPolicy(input: { GroupName: string; PolicyName: string }) {
    return inline.getInline(this.#iam, 'group', input);
  }
  deleteUserPolicy(input: { UserName: string; PolicyName: string }) {
    return inline.deleteInline(this.#iam, 'user', input);
  }
  deleteRolePolicy(input: { RoleName: string; PolicyName: string }) {
    return inline.deleteInline(this.#iam, 'role', input);
  }
  deleteGroupPolicy(input: { GroupName: string; PolicyName: string }) {
    return inline.deleteInline(this.#iam, 'group', input);
  }
  listUserPolicies(input: { UserName: string } & PageInput) {
    return inline.listInline(this.#iam, 'user', input);
  }
  listRolePolicies(input: { RoleName: string } & PageInput) {
    return inline.listInline(this.#iam, 'role', input);
  }
  listGroupPolicies(input: { GroupName: string } & PageInput) {
    return inline.listInline(this.#iam, 'group', input);
  }

  // ── users, groups, roles ────────────────────────────────────────────────────────────────

  async createUser(input: { UserName: string; Path?: string; Tags?: readonly Tag[] }) {
    return entities.createUser(this.#iam, input);
  }
  async getUser(input: { UserName: string }) {
    return entities.getEntity(this.#iam, 'user', input);
  }
  async deleteUser(input: { UserName: string }): Promise<void> {
    return entities.deleteEntity(this.#iam, 'user', input);
  }
  async listUsers(input: { PathPrefix?: string } & PageInput = {}) {
    return entities.listEntities(this.#iam, 'user', input);
  }
  async createGroup(input: { GroupName: string; Path?: string }) {
    return entities.createGroup(this.#iam, input);
  }
  async getGroup(input: { GroupName: string } & PageInput) {
    return members.getGroup(this.#iam, input);
  }
  async deleteGroup(input: { GroupName: string }): Promise<void> {
    return entities.deleteEntity(this.#iam, 'group', input);
  }
  async listGroups(input: { PathPrefix?: string } & PageInput = {}) {
    return entities.listEntities(this.#iam, 'group', input);
  }
  async addUserToGroup(input: { GroupName: string; UserName: string }): Promise<void> {
    return members.addUserToGroup(this.#iam, input);
  }
  async removeUserFromGroup(input: { GroupName: string; UserName: string }): Promise<void> {
    return members.removeUserFromGroup(this.#iam, input);
  }
  async listGroupsForUser(input: { UserName: string } & PageInput) {
    return members.listGroupsForUser(this.#iam, input);
  }
  async createRole(input: entities.CreateRoleInput) {
    return entities.createRole(this.#iam, input);
  }
  async getRole(input: { RoleName: string }) {
    return entities.getEntity(this.#iam, 'role', input);
  }
  async deleteRole(input: { RoleName: string }): Promise<void> {
    return entities.deleteEntity(this.#iam, 'role', input);
  }
  async listRoles(input: { PathPrefix?: string } & PageInput = {}) {
    return entities.listEntities(this.#iam, 'role', input);
  }
  async createAccessKey(input: { UserName: string }) {
    return accessKeys.createAccessKey(this.#iam, input);
  }
  async deleteAccessKey(input: { UserName: string; AccessKeyId: string }): Promise<void> {
    return accessKeys.deleteAccessKey(this.#iam, input);
  }
  async listAccessKeys(input: { UserName: string } & PageInput) {
    return accessKeys.listAccessKeys(this.#iam, input);
  }

  // ── account ─────────────────────────────────────────────────────────────────────────────

  async getAccountAuthorizationDetails(
    input: { Filter?: readonly AuthorizationDetailsFilter[] } & PageInput = {},
  ): Promise<AccountAuthorizationDetails> {
    return details.getAccountAuthorizationDetails(this.#iam, input);
  }
  async generateCredentialReport(): Promise<{ State: 'STARTED' | 'COMPLETE'; Description: string }> {
    return reports.generateCredentialReport(this.#iam);
  }
  async getCredentialReport(): Promise<CredentialReport> {
    return reports.getCredentialReport(this.#iam);
  }

  // ── STS and SNS ─────────────────────────────────────────────────────────────────────────

  async getCallerIdentity(): Promise<CallerIdentity> {
    return this.#caller ?? this.rootIdentity();
  }

  rootIdentity(): CallerIdentity {
    return { UserId: this.accountId, Account: this.accountId, Arn: this.#iam.rootArn };
  }

  async publish(input: PublishInput): Promise<{ MessageId: string }> {
    return sns.publish(this.#iam, input);
  }

  /** Messages published so far, oldest first (local backend only). */
  async listPublishedMessages(filter: { TopicArn?: string } = {}): Promise<PublishedMessage[]> {
    return sns.listPublishedMessages(this.#iam, filter);
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
    return policies.putAwsManagedPolicy(this.#iam, input);
  }

  /**
   * The access key used to sign emulator requests as the account root: the configured one, else
   * the one stored on first use, else a new one (stored, so clients keep working across restarts).
   */
  async rootAccessKey(configured?: { AccessKeyId: string; SecretAccessKey: string }) {
    return account.rootAccessKey(this.#iam, configured);
  }

  /** Who an access key belongs to, or undefined for a key this account never issued. */
  async accessKeyOwner(id: string): Promise<KeyOwner | undefined> {
    return accessKeys.accessKeyOwner(this.#iam, id);
  }

  /**
   * Every identity-based policy that applies to a user: its inline and attached policies and those
   * of its groups (attached ones at their default version).
   */
  async userPolicies(userName: string): Promise<{ source: string; document: string }[]> {
    return effective.userPolicies(this.#iam, userName);
  }
}

/** Opens the embedded IAM over a store. */
export function openLocalBackend(store: Store, options?: LocalBackendOptions): Promise<LocalIamBackend> {
  return LocalIamBackend.open(store, options);
}
