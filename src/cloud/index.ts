// cloud/: the IamBackend interface and its backends (`local`: the embedded IAM; `aws`: the AWS
// SDK), and the emulator that serves the local backend over AWS's wire protocol.
export type * from './types.ts';
export {
  CloudError,
  isCloudError,
  isCloudErrorCode,
  CLOUD_ERROR_CODES,
  CLOUD_ERROR_STATUS,
} from './errors.ts';
export type { CloudErrorCode } from './errors.ts';
export { paginate, collectPages } from './pages.ts';
export { detachManagedPolicy } from './detach.ts';
export type { PolicyHolderKind } from './detach.ts';
export { openBackend, backendConfigFor } from './backend.ts';
export type { BackendConfig } from './backend.ts';
export {
  LocalIamBackend,
  openLocalBackend,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_QUOTAS,
  CREDENTIAL_REPORT_COLUMNS,
  ID_PREFIX,
  policySize,
  seedSampleAccount,
  seededRandomBytes,
  SEED_DATE,
} from './local/index.ts';
export type {
  LocalBackendOptions,
  KeyOwner,
  IamQuotas,
  PublishedMessage,
  SeedSummary,
} from './local/index.ts';
export { AwsIamBackend, toCloudError } from './aws/index.ts';
export type { AwsBackendOptions } from './aws/index.ts';
export { startEmulator } from './emulator/index.ts';
export type { EmulatorOptions, RunningEmulator } from './emulator/index.ts';
