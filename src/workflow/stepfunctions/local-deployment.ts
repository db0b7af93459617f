// grantflow's lifecycle deployed on the local Step Functions endpoint as CloudFormation would deploy
// the exported template on AWS: the definition `workflow export` writes, with the tasks function's
// ARN substituted, created through the Step Functions API; the tasks function hosted in this
// process as a Lambda function; the state machine's IAM calls on the given backend. For trying the
// Step Functions path on one machine (`grantflow emulator --stepfunctions-port`) and for tests.
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Kysely } from 'kysely';
import type { IamBackend } from '../../cloud/index.ts';
import type { StoreTables } from '../../store/index.ts';
import { defaultConnectors } from '../connectors/index.ts';
import { lambdaConnectors } from '../connectors/lambda.ts';
import { WorkflowEngine } from '../engine.ts';
import { exportStepFunctions } from '../export/cloudformation.ts';
import { TASKS_FUNCTION_ARN } from '../export/grantflow-tasks.ts';
import { KyselyExecutionStore } from '../kysely-store.ts';
import { LIFECYCLE_DEFINITION_NAME, lifecycleDefinition } from '../lifecycle/service.ts';
import { startLocalStepFunctions } from './local-endpoint.ts';
import type { RunningStepFunctions } from './local-endpoint.ts';
import type { TasksFunction } from './tasks-function.ts';

export interface LocalDeploymentOptions {
  /** Where the endpoint keeps its executions: a store of its own, as Step Functions is not grantflow's. */
  readonly executions: Kysely<StoreTables>;
  /** The IAM (and SNS) the state machine's aws-sdk tasks call. */
  readonly backend: IamBackend;
  /** grantflow's tasks function, as the Lambda function would run it. */
  readonly tasks: TasksFunction;
  readonly credentials: { readonly AccessKeyId: string; readonly SecretAccessKey: string };
  readonly accountId: string;
  readonly region?: string;
  readonly host?: string;
  readonly port?: number;
  readonly pollIntervalMs?: number;
  /** Called for each invocation of the tasks function (tests count them). */
  readonly onInvoke?: (event: unknown) => void;
}

export interface LocalDeployment {
  readonly endpoint: RunningStepFunctions;
  readonly stateMachineArn: string;
  readonly functionArn: string;
  readonly region: string;
  close(): Promise<void>;
}

export const LOCAL_TASKS_FUNCTION = `${LIFECYCLE_DEFINITION_NAME}-tasks`;

export async function deployLifecycleLocally(options: LocalDeploymentOptions): Promise<LocalDeployment> {
  const region = options.region ?? 'us-east-1';
  const functionArn = `arn:aws:lambda:${region}:${options.accountId}:function:${LOCAL_TASKS_FUNCTION}`;
  const engine = new WorkflowEngine({
    store: new KyselyExecutionStore(options.executions),
    accountId: options.accountId,
    region,
    connectors: {
      ...defaultConnectors({ backend: options.backend }),
      ...lambdaConnectors({
        region,
        accountId: options.accountId,
        functions: {
          [LOCAL_TASKS_FUNCTION]: async (event, context) => {
            options.onInvoke?.(event);
            return options.tasks(event, context);
          },
        },
      }),
    },
  });
  const endpoint = await startLocalStepFunctions({
    engine,
    credentials: options.credentials,
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
  const client = new SFNClient({
    region,
    endpoint: endpoint.url,
    credentials: {
      accessKeyId: options.credentials.AccessKeyId,
      secretAccessKey: options.credentials.SecretAccessKey,
    },
  });
  try {
    const exported = exportStepFunctions(lifecycleDefinition(), { name: LIFECYCLE_DEFINITION_NAME });
    if (exported.errors.length > 0)
      throw new Error(`the lifecycle does not export: ${exported.errors.join('; ')}`);
    // What CloudFormation's DefinitionSubstitutions does with the template.
    const definition = JSON.stringify(exported.definition).replaceAll(TASKS_FUNCTION_ARN, functionArn);
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({
        name: LIFECYCLE_DEFINITION_NAME,
        definition,
        roleArn: `arn:aws:iam::${options.accountId}:role/grantflow-service/${LIFECYCLE_DEFINITION_NAME}`,
        type: 'STANDARD',
      }),
    );
    return {
      endpoint,
      stateMachineArn: stateMachineArn!,
      functionArn,
      region,
      close: () => endpoint.close(),
    };
  } catch (err) {
    await endpoint.close();
    throw err;
  } finally {
    client.destroy();
  }
}
