// stepfunctions/: grantflow's lifecycle on AWS Step Functions. The service's side (start, read and
// answer executions there), the tasks function that runs grantflow's steps on Lambda, and a local
// endpoint speaking Step Functions' API over the embedded engine, so SDK clients of Step Functions
// (grantflow's own included) run against grantflow.
export { StepFunctionsExecutions } from './executions.ts';
export type { StepFunctionsTarget } from './executions.ts';
export { stepFunctionsTargetFromEnv } from './target.ts';
export { tasksFunction, TaskFunctionError } from './tasks-function.ts';
export type { TasksFunction, TasksFunctionContext } from './tasks-function.ts';
export { openTasksRuntime, handler } from './lambda-handler.ts';
export type { TasksRuntime } from './lambda-handler.ts';
export { startLocalStepFunctions } from './local-endpoint.ts';
export type { LocalStepFunctionsOptions, RunningStepFunctions } from './local-endpoint.ts';
export { deployLifecycleLocally, LOCAL_TASKS_FUNCTION } from './local-deployment.ts';
export type { LocalDeployment, LocalDeploymentOptions } from './local-deployment.ts';
