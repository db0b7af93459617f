// IAM's default quotas ("IAM and AWS STS quotas" in the IAM User Guide). The adjustable ones can be
// raised per backend, as an account can ask AWS to raise them.
export interface IamQuotas {
  /** Managed policies attached to one user, role or group (adjustable, default 10). */
  readonly managedPoliciesPerUser: number;
  readonly managedPoliciesPerRole: number;
  readonly managedPoliciesPerGroup: number;
  /** Groups one user can be a member of. */
  readonly groupsPerUser: number;
  /** Versions one managed policy keeps. */
  readonly versionsPerPolicy: number;
  /** Access keys per user. */
  readonly accessKeysPerUser: number;
  /** Tags per user, role or policy. */
  readonly tagsPerResource: number;
  /** Non-whitespace characters of one managed policy document. */
  readonly managedPolicySize: number;
  /** Non-whitespace characters of all of one identity's inline policies together. */
  readonly inlineUserPoliciesSize: number;
  readonly inlineRolePoliciesSize: number;
  readonly inlineGroupPoliciesSize: number;
  /** Non-whitespace characters of a role trust policy (adjustable, default 2,048). */
  readonly trustPolicySize: number;
}

export const DEFAULT_QUOTAS: IamQuotas = {
  managedPoliciesPerUser: 10,
  managedPoliciesPerRole: 10,
  managedPoliciesPerGroup: 10,
  groupsPerUser: 10,
  versionsPerPolicy: 5,
  accessKeysPerUser: 2,
  tagsPerResource: 50,
  managedPolicySize: 6144,
  inlineUserPoliciesSize: 2048,
  inlineRolePoliciesSize: 10_240,
  inlineGroupPoliciesSize: 5120,
  trustPolicySize: 2048,
};
