// The access-request lifecycle service: submit, inspect, approve, deny and revoke requests, each
// carried out by an execution of grantflow's lifecycle definition on the durable engine (or on
// AWS Step Functions, see ../stepfunctions).
export {
  LifecycleService,
  LifecycleError,
  lifecycleDefinition,
  LIFECYCLE_DEFINITION_NAME,
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
} from './service.ts';
export type { LifecycleOptions, LifecycleErrorCode, RequestView } from './service.ts';
export { EmbeddedExecutions } from './executions.ts';
export type { ExecutionSummary, HistoryEntry, LifecycleExecutions } from './executions.ts';
export { REQUEST_STATUSES, TERMINAL_REQUEST_STATUSES, policyHash } from '../connectors/grantflow.ts';
export type { RequestStatus } from '../connectors/grantflow.ts';
