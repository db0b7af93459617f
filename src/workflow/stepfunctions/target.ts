// Which Step Functions state machine runs the lifecycle, from the environment:
//
//   GRANTFLOW_STATE_MACHINE_ARN        the deployed lifecycle (the stack's StateMachineArn output);
//                                      unset: the embedded interpreter runs it
//   GRANTFLOW_STEPFUNCTIONS_ENDPOINT   another Step Functions endpoint (a local one, in tests)
//
// The region is the state machine's; credentials are the AWS SDK's usual chain, or the
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) of the given environment.
import { SFNClient } from '@aws-sdk/client-sfn';
import { credentialsFromEnv } from './env-credentials.ts';
import { stateMachineRegion } from './executions.ts';
import type { StepFunctionsTarget } from './executions.ts';

type Env = Readonly<Record<string, string | undefined>>;

export function stepFunctionsTargetFromEnv(env: Env): StepFunctionsTarget | undefined {
  const arn = env.GRANTFLOW_STATE_MACHINE_ARN;
  if (arn === undefined || arn === '') return undefined;
  const region = stateMachineRegion(arn);
  if (region === undefined)
    throw new RangeError(
      `GRANTFLOW_STATE_MACHINE_ARN "${arn}" is not a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)`,
    );
  const endpoint = env.GRANTFLOW_STEPFUNCTIONS_ENDPOINT;
  if (endpoint !== undefined && endpoint !== '' && !URL.canParse(endpoint))
    throw new RangeError(`GRANTFLOW_STEPFUNCTIONS_ENDPOINT "${endpoint}" is not a URL`);
  return {
    client: new SFNClient({ region, ...(endpoint ? { endpoint } : {}), ...credentialsFromEnv(env) }),
    stateMachineArn: arn,
  };
}
