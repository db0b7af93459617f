// stepfunctions/: grantflow and AWS Step Functions. A local endpoint speaking Step Functions' API
// over the embedded engine, so SDK clients of Step Functions run against grantflow.
export { startLocalStepFunctions } from './local-endpoint.ts';
export type { LocalStepFunctionsOptions, RunningStepFunctions } from './local-endpoint.ts';
