export { AwsIamBackend, toCloudError } from './backend.ts';
export type { AwsBackendOptions } from './backend.ts';
