// The task connectors: a map from Resource ARN to the function that runs it. `defaultConnectors`
// wires the ones grantflow ships; spread more entries over it to add an integration.
import type { IamBackend } from '../../cloud/index.ts';
import type { Catalog } from '../../catalog/index.ts';
import type { Audience, Notifier } from '../../notify/types.ts';
import { accessAnalyzerConnectors } from './access-analyzer.ts';
import { iamConnectors } from './aws-sdk.ts';
import { bedrockConnectors } from './bedrock.ts';
import type { BedrockModel } from './bedrock.ts';
import { offlineModel } from './offline-model.ts';
import { snsConnectors } from './sns.ts';
import type { ConnectorMap, TaskInvocation } from './types.ts';

export interface DefaultConnectorOptions {
  readonly backend: IamBackend;
  /** Who answers bedrock:invokeModel (default: the offline model). */
  readonly model?: BedrockModel;
  readonly catalog?: Catalog;
  readonly notifier?: Notifier;
  readonly audienceFor?: (topicArn: string) => readonly Audience[];
  readonly onNotifierError?: (error: unknown, invocation: TaskInvocation) => void;
}

export function defaultConnectors(options: DefaultConnectorOptions): ConnectorMap {
  return {
    ...iamConnectors(options.backend),
    ...accessAnalyzerConnectors(),
    ...bedrockConnectors(options.model ?? offlineModel(options.catalog)),
    ...snsConnectors(options),
  };
}

export { iamConnectors, iamError, IAM_ACTIONS } from './aws-sdk.ts';
export type { IamAction } from './aws-sdk.ts';
export { accessAnalyzerConnectors, validatePolicyConnector, findingToPascalCase } from './access-analyzer.ts';
export { bedrockConnectors, providerModel, bedrockError, messagesText } from './bedrock.ts';
export type { BedrockModel } from './bedrock.ts';
export {
  offlineModel,
  readPromptFields,
  answerPolicyPrompt,
  answerMessagePrompt,
  OFFLINE_MODEL_ID,
} from './offline-model.ts';
export { snsConnectors } from './sns.ts';
export { lambdaConnectors, isLambdaFunctionArn, MAX_LAMBDA_RESPONSE_BYTES } from './lambda.ts';
export type { LambdaHandler, LambdaConnectorOptions } from './lambda.ts';
export type { SnsConnectorOptions } from './sns.ts';
export { splitResource, describeResource, WAIT_FOR_TASK_TOKEN } from './types.ts';
export type { Connector, ConnectorMap, TaskInvocation } from './types.ts';
