// `workflow export --target stepfunctions`: a CloudFormation template that deploys a definition on
// AWS Step Functions: the state machine (STANDARD: waits last hours), its execution role with the
// policy derived from the Task resources, and SNS topics for requesters and administrators with
// optional e-mail subscriptions. A definition with grantflow's own steps (grantflow's lifecycle)
// also gets grantflow's tasks function, which runs them (see grantflow-tasks.ts): the only change
// made to the definition.
import { DEFAULT_BEDROCK_MODEL } from '../../generate/providers/config.ts';
import { withTasksFunction } from './grantflow-tasks.ts';
import type { RewrittenTask } from './grantflow-tasks.ts';
import { deriveRolePolicy } from './permissions.ts';
import type { DerivedRole, RolePolicy } from './permissions.ts';
import { checkExpressions, tasksOf } from './tasks.ts';
import type { ExpressionProblem } from './tasks.ts';

export interface StepFunctionsExport {
  /** The definition to deploy: the one given, with grantflow steps calling the tasks function. */
  readonly definition: unknown;
  /** The grantflow steps that now call the tasks function (none: the definition is unchanged). */
  readonly rewritten: readonly RewrittenTask[];
  readonly template: CloudFormationTemplate;
  readonly role: DerivedRole;
  readonly expressions: { readonly checked: number; readonly problems: readonly ExpressionProblem[] };
  /** Problems that make the export unusable: not JSONata, unsupported tasks, expressions that do not parse. */
  readonly errors: readonly string[];
}

export interface CloudFormationTemplate {
  readonly AWSTemplateFormatVersion: '2010-09-09';
  readonly Description: string;
  readonly Parameters: Record<string, unknown>;
  readonly Conditions: Record<string, unknown>;
  readonly Resources: Record<
    string,
    { Type: string; Condition?: string; DependsOn?: string; Properties: Record<string, unknown> }
  >;
  readonly Outputs: Record<string, unknown>;
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
export const SERVICE_ROLE_PATH = '/grantflow-service/';

/** A role that may attach policies to roles must not attach them to itself (or other service roles). */
function withSelfProtection(policy: RolePolicy): RolePolicy {
  const roleActions = policy.Statement.flatMap((s) => s.Action).filter((a) =>
    /^iam:(Attach|Put)RolePolicy$/.test(a),
  );
  if (roleActions.length === 0) return policy;
  return {
    ...policy,
    Statement: [
      ...policy.Statement,
      {
        Sid: 'NoGrantsToServiceRoles',
        Effect: 'Deny',
        Action: roleActions,
        Resource: [`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role${SERVICE_ROLE_PATH}*`],
      },
    ],
  };
}

/** Placeholder strings become Fn::Sub, so CloudFormation fills in the partition, account, region and topics. */
function withSub(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('${') ? { 'Fn::Sub': value } : value;
  if (Array.isArray(value)) return value.map(withSub);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSub(v)]));
  }
  return value;
}

export function exportStepFunctions(definition: unknown, options: { name: string }): StepFunctionsExport {
  if (!NAME.test(options.name)) {
    throw new RangeError(
      `the state machine name must be 1-80 letters, digits, - or _ (got "${options.name}")`,
    );
  }
  const errors: string[] = [];
  const doc = definition as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || typeof doc.States !== 'object') {
    throw new RangeError('the definition must be an Amazon States Language object with States');
  }
  if (doc.QueryLanguage !== 'JSONata') {
    errors.push(
      `QueryLanguage is ${JSON.stringify(doc.QueryLanguage ?? 'JSONPath')}: grantflow exports JSONata definitions only`,
    );
  }
  const deployed = withTasksFunction(definition);
  errors.push(...deployed.problems);
  const tasks = tasksOf(deployed.definition);
  const role = deriveRolePolicy(tasks);
  for (const u of role.unsupported) {
    // A grantflow step that could not be rewritten is already reported, with why.
    if (!errors.some((e) => e.startsWith(`state "${u.state}": `)))
      errors.push(`state "${u.state}": ${u.resource}: ${u.reason}`);
  }
  const expressions = checkExpressions(deployed.definition);
  for (const p of expressions.problems) {
    errors.push(`state "${p.state}", field ${p.field}: the JSONata expression does not parse: ${p.message}`);
  }
  const base = template(deployed.definition, options.name, role.policy);
  return {
    definition: deployed.definition,
    rewritten: deployed.rewritten,
    template: deployed.rewritten.length > 0 ? withTasksFunctionResources(base) : base,
    role,
    expressions,
    errors,
  };
}

function template(definition: unknown, name: string, policy: RolePolicy): CloudFormationTemplate {
  const emailParameter = (who: string) => ({
    Type: 'String',
    Default: '',
    AllowedPattern: '^$|^[^@\\s]+@[^@\\s]+$',
    Description: `An e-mail address to subscribe to the ${who} topic (empty: none; confirm the subscription from the e-mail).`,
  });
  const subscription = (topic: string, parameter: string, condition: string) => ({
    Type: 'AWS::SNS::Subscription',
    Condition: condition,
    Properties: { TopicArn: { Ref: topic }, Protocol: 'email', Endpoint: { Ref: parameter } },
  });
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `grantflow: the ${name} state machine on AWS Step Functions, its least-privilege execution role and notification topics (generated by grantflow workflow export).`,
    Parameters: {
      StateMachineName: {
        Type: 'String',
        Default: name,
        AllowedPattern: '^[A-Za-z0-9_-]{1,80}$',
        Description: 'The state machine name (the execution role trusts only this state machine).',
      },
      AdminEmail: emailParameter('administrators'),
      RequesterEmail: emailParameter('requesters'),
    },
    Conditions: {
      HasAdminEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AdminEmail' }, ''] }] },
      HasRequesterEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RequesterEmail' }, ''] }] },
    },
    Resources: {
      RequesterTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          DisplayName: 'grantflow requesters',
          Tags: [{ Key: 'grantflow:audience', Value: 'requester' }],
        },
      },
      AdminTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          DisplayName: 'grantflow administrators',
          Tags: [{ Key: 'grantflow:audience', Value: 'admins' }],
        },
      },
      AdminEmailSubscription: subscription('AdminTopic', 'AdminEmail', 'HasAdminEmail'),
      RequesterEmailSubscription: subscription('RequesterTopic', 'RequesterEmail', 'HasRequesterEmail'),
      ExecutionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'Execution role of the grantflow state machine: only what its Task states call.',
          AssumeRolePolicyDocument: withSub({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'states.amazonaws.com' },
                Action: 'sts:AssumeRole',
                // Only this account's state machine of this name may use the role (confused deputy).
                Condition: {
                  StringEquals: { 'aws:SourceAccount': '${AWS::AccountId}' },
                  ArnLike: {
                    'aws:SourceArn':
                      'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachineName}',
                  },
                },
              },
            ],
          }),
          // Its own path, so that the policy can keep it from attaching grants to itself.
          Path: SERVICE_ROLE_PATH,
          Policies: [
            { PolicyName: 'grantflow-state-machine', PolicyDocument: withSub(withSelfProtection(policy)) },
          ],
        },
      },
      StateMachine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: { Ref: 'StateMachineName' },
          StateMachineType: 'STANDARD',
          RoleArn: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] },
          Definition: definition,
        },
      },
    },
    Outputs: {
      StateMachineArn: { Description: 'Start executions here.', Value: { Ref: 'StateMachine' } },
      StateMachineName: { Value: { 'Fn::GetAtt': ['StateMachine', 'Name'] } },
      ExecutionRoleArn: { Value: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] } },
      RequesterTopicArn: {
        Description: 'Where requesters are told what happened.',
        Value: { Ref: 'RequesterTopic' },
      },
      AdminTopicArn: {
        Description: 'Where administrators are told what happened.',
        Value: { Ref: 'AdminTopic' },
      },
    },
  };
}

/** The tasks function's resources, parameters and outputs, added to a template whose definition calls it. */
function withTasksFunctionResources(base: CloudFormationTemplate): CloudFormationTemplate {
  const logGroupArn =
    'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${StateMachineName}-tasks';
  const stateMachine = base.Resources.StateMachine!;
  return {
    ...base,
    Parameters: {
      ...base.Parameters,
      TasksCodeS3Bucket: {
        Type: 'String',
        MinLength: 3,
        Description:
          "The S3 bucket holding the tasks function's code (the zip README's deployment section builds).",
      },
      TasksCodeS3Key: { Type: 'String', MinLength: 1, Description: "The zip's key in that bucket." },
      DatabaseUrlSecretArn: {
        Type: 'String',
        // The full ARN, with the six characters Secrets Manager appends to the name: IAM and KMS
        // match the role's permissions against it.
        AllowedPattern: '^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+-[A-Za-z0-9]{6}$',
        ConstraintDescription:
          'the full ARN of the secret, as create-secret prints it (ending in - and six characters)',
        Description:
          "The Secrets Manager secret whose text is the URL of the database grantflow's service uses (postgres://… or mysql://…): the tasks function records each request's steps there.",
      },
      DatabaseUrlSecretKeyArn: {
        Type: 'String',
        Default: '',
        AllowedPattern: '^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+)?$',
        ConstraintDescription: "a KMS key's ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or empty",
        Description:
          "The customer managed KMS key that encrypts that secret, if it is not Secrets Manager's own key (aws/secretsmanager): the function may then decrypt with it, through Secrets Manager and for that secret only.",
      },
      Provider: {
        Type: 'String',
        Default: 'offline',
        AllowedValues: ['offline', 'bedrock', 'bedrock-converse'],
        Description: 'Who drafts policies: the offline drafter, or a model on Amazon Bedrock.',
      },
      BedrockModelId: {
        Type: 'String',
        Default: DEFAULT_BEDROCK_MODEL,
        Description: 'The Bedrock model the drafter uses (with Provider bedrock or bedrock-converse).',
      },
      SubnetIds: {
        Type: 'CommaDelimitedList',
        Default: '',
        Description:
          'Subnets for the tasks function when the database is only reachable in a VPC (empty: none).',
      },
      SecurityGroupIds: {
        Type: 'CommaDelimitedList',
        Default: '',
        Description: 'Security groups for the tasks function in that VPC.',
      },
    },
    Conditions: {
      ...base.Conditions,
      InVpc: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'SubnetIds' }] }, ''] }] },
      UsesBedrock: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Provider' }, 'offline'] }] },
      SecretHasOwnKey: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'DatabaseUrlSecretKeyArn' }, ''] }] },
    },
    Resources: {
      ...base.Resources,
      TasksFunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description:
            "grantflow's tasks function: its logs, the database's secret, the notification topics, and the drafter's model.",
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'lambda.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
              },
            ],
          },
          Path: SERVICE_ROLE_PATH,
          // Network interfaces in the VPC, when it runs in one.
          ManagedPolicyArns: {
            'Fn::If': [
              'InVpc',
              [
                {
                  'Fn::Sub':
                    'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
                },
              ],
              { Ref: 'AWS::NoValue' },
            ],
          },
          Policies: [
            {
              PolicyName: 'grantflow-tasks',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'OwnLogs',
                    Effect: 'Allow',
                    Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
                    Resource: [{ 'Fn::Sub': logGroupArn }, { 'Fn::Sub': `${logGroupArn}:*` }],
                  },
                  {
                    Sid: 'DatabaseUrl',
                    Effect: 'Allow',
                    Action: ['secretsmanager:GetSecretValue'],
                    Resource: [{ Ref: 'DatabaseUrlSecretArn' }],
                  },
                  {
                    // Secrets Manager decrypts the secret with the caller's permission on its key:
                    // only through Secrets Manager, and only for this secret (its encryption context).
                    'Fn::If': [
                      'SecretHasOwnKey',
                      {
                        Sid: 'DatabaseUrlKey',
                        Effect: 'Allow',
                        Action: ['kms:Decrypt'],
                        Resource: [{ Ref: 'DatabaseUrlSecretKeyArn' }],
                        Condition: {
                          StringEquals: {
                            'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' },
                            'kms:EncryptionContext:SecretARN': { Ref: 'DatabaseUrlSecretArn' },
                          },
                        },
                      },
                      { Ref: 'AWS::NoValue' },
                    ],
                  },
                  {
                    Sid: 'Notify',
                    Effect: 'Allow',
                    Action: ['sns:Publish'],
                    Resource: [{ Ref: 'RequesterTopic' }, { Ref: 'AdminTopic' }],
                  },
                  {
                    'Fn::If': [
                      'UsesBedrock',
                      {
                        Sid: 'Draft',
                        Effect: 'Allow',
                        Action: ['bedrock:InvokeModel'],
                        Resource: [
                          {
                            'Fn::Sub':
                              'arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${BedrockModelId}',
                          },
                        ],
                      },
                      { Ref: 'AWS::NoValue' },
                    ],
                  },
                ],
              },
            },
          ],
        },
      },
      TasksFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: { 'Fn::Sub': '${StateMachineName}-tasks' },
          Description: "grantflow's own lifecycle steps: draft, harden, record, ask approvers, hold.",
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Code: { S3Bucket: { Ref: 'TasksCodeS3Bucket' }, S3Key: { Ref: 'TasksCodeS3Key' } },
          Role: { 'Fn::GetAtt': ['TasksFunctionRole', 'Arn'] },
          // Drafting with a model and its retries can take minutes.
          Timeout: 300,
          MemorySize: 1024,
          Environment: {
            Variables: {
              GRANTFLOW_DATABASE_URL_SECRET: { Ref: 'DatabaseUrlSecretArn' },
              GRANTFLOW_PROVIDER: { Ref: 'Provider' },
              GRANTFLOW_BEDROCK_MODEL_ID: { Ref: 'BedrockModelId' },
              GRANTFLOW_NOTIFY_SNS_TOPIC_REQUESTER: { Ref: 'RequesterTopic' },
              GRANTFLOW_NOTIFY_SNS_TOPIC_ADMINS: { Ref: 'AdminTopic' },
              GRANTFLOW_BACKEND: 'aws',
            },
          },
          VpcConfig: {
            'Fn::If': [
              'InVpc',
              { SubnetIds: { Ref: 'SubnetIds' }, SecurityGroupIds: { Ref: 'SecurityGroupIds' } },
              { Ref: 'AWS::NoValue' },
            ],
          },
        },
      },
      StateMachine: {
        ...stateMachine,
        Properties: {
          ...stateMachine.Properties,
          DefinitionSubstitutions: { GrantflowTasksFunctionArn: { 'Fn::GetAtt': ['TasksFunction', 'Arn'] } },
        },
      },
    },
    Outputs: {
      ...base.Outputs,
      TasksFunctionArn: {
        Description: "grantflow's tasks function, which the state machine's grantflow steps call.",
        Value: { 'Fn::GetAtt': ['TasksFunction', 'Arn'] },
      },
    },
  };
}
