// workflow/export: deploying a definition elsewhere. Today: AWS Step Functions with CloudFormation.
export { exportStepFunctions } from './cloudformation.ts';
export type { StepFunctionsExport, CloudFormationTemplate } from './cloudformation.ts';
export { deriveRolePolicy, resolvePlaceholders } from './permissions.ts';
export type { DerivedRole, RolePolicy, PolicyStatement } from './permissions.ts';
export { checkExpressions, tasksOf, statesOf, literalPrefix } from './tasks.ts';
export type { TaskRef, ExpressionProblem } from './tasks.ts';
export {
  withTasksFunction,
  TASKS_FUNCTION_ARN,
  GRANTFLOW_TASKS,
  LAMBDA_TRANSIENT_RETRY,
} from './grantflow-tasks.ts';
export type { GrantflowTask, RewrittenTask, TaskEvent } from './grantflow-tasks.ts';
