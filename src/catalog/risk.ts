// Risky IAM actions as data: what each one lets a principal do that matters for security, in
// one line. The validator's security checks, the audit and the drafter's guardrails read these
// tables; the facts come from AWS documentation and public privilege-escalation research.
//
// Deliberately left out:
// - sso:GetRoleCredentials is not an IAM action: the IAM Identity Center portal authorizes it with
//   the user's portal access token, so no IAM policy grants or denies it.
// - cognito-identity:GetCredentialsForIdentity is a public API that needs no AWS credentials, so
//   an IAM policy allowing it changes nothing; the risk lives in the identity pool's roles.
// - ECR image pulls (ecr:BatchGetImage) are left out of data exfiltration: images are deployable
//   artifacts that nearly every consumer must read, and flagging them would bury real findings.

export type RiskCategory =
  'privilege-escalation' | 'credentials-exposure' | 'data-exfiltration' | 'resource-exposure';

export interface RiskyAction {
  /** `service:Action` as AWS spells it. */
  readonly action: string;
  readonly reason: string;
}

export interface PrivilegeEscalationAction extends RiskyAction {
  /** False when the action escalates only together with others (see the combinations). */
  readonly standalone: boolean;
}

export interface CredentialsExposureAction extends RiskyAction {
  /**
   * Whose access the credential carries: `caller` when it is the caller's own permissions in
   * another form, `other` when it lets the caller act as another identity or log in somewhere.
   */
  readonly grants: 'caller' | 'other';
}

/** Permissions that escalate only together: every step allowed, each by any one of its actions. */
export interface PrivilegeEscalationCombination {
  readonly id: string;
  readonly reason: string;
  readonly steps: readonly (readonly string[])[];
  /** The service principals the role is passed to (what iam:PassedToService sees). */
  readonly passedToService: readonly string[];
}

export const PRIVILEGE_ESCALATION_ACTIONS: readonly PrivilegeEscalationAction[] = [
  {
    action: 'iam:CreatePolicyVersion',
    standalone: true,
    reason:
      'writes a new default version of a managed policy, so it can grant any permission to whoever has the policy',
  },
  {
    action: 'iam:SetDefaultPolicyVersion',
    standalone: true,
    reason: 'switches a managed policy to another stored version, which may be broader than the current one',
  },
  {
    action: 'iam:AttachUserPolicy',
    standalone: true,
    reason: 'attaches any managed policy, AdministratorAccess included, to a user such as the caller',
  },
  {
    action: 'iam:AttachGroupPolicy',
    standalone: true,
    reason: 'attaches any managed policy to a group, including a group the caller belongs to',
  },
  {
    action: 'iam:AttachRolePolicy',
    standalone: true,
    reason: 'attaches any managed policy to a role the caller uses or can assume',
  },
  {
    action: 'iam:PutUserPolicy',
    standalone: true,
    reason: 'writes an inline policy with arbitrary permissions on a user such as the caller',
  },
  {
    action: 'iam:PutGroupPolicy',
    standalone: true,
    reason: 'writes an inline policy with arbitrary permissions on a group the caller belongs to',
  },
  {
    action: 'iam:PutRolePolicy',
    standalone: true,
    reason: 'writes an inline policy with arbitrary permissions on a role the caller uses or can assume',
  },
  {
    action: 'iam:CreateAccessKey',
    standalone: true,
    reason: "creates access keys for another user, letting the caller act with that user's permissions",
  },
  {
    action: 'iam:CreateLoginProfile',
    standalone: true,
    reason: 'sets a console password for a user that has none, so the caller can sign in as that user',
  },
  {
    action: 'iam:UpdateLoginProfile',
    standalone: true,
    reason: "changes another user's console password, so the caller can sign in as that user",
  },
  {
    action: 'iam:AddUserToGroup',
    standalone: true,
    reason: 'adds the caller to a group with more permissions',
  },
  {
    action: 'iam:UpdateAssumeRolePolicy',
    standalone: true,
    reason: "rewrites a role's trust policy so the caller can assume that role",
  },
  {
    action: 'iam:PutUserPermissionsBoundary',
    standalone: true,
    reason: "replaces a user's permissions boundary with a looser one",
  },
  {
    action: 'iam:DeleteUserPermissionsBoundary',
    standalone: true,
    reason: "removes the permissions boundary that caps a user's permissions",
  },
  {
    action: 'iam:PutRolePermissionsBoundary',
    standalone: true,
    reason: "replaces a role's permissions boundary with a looser one",
  },
  {
    action: 'iam:DeleteRolePermissionsBoundary',
    standalone: true,
    reason: "removes the permissions boundary that caps a role's permissions",
  },
  {
    action: 'iam:PassRole',
    standalone: false,
    reason:
      "hands a role to a service; together with creating compute it runs the caller's code as that role",
  },
  {
    action: 'lambda:UpdateFunctionCode',
    standalone: true,
    reason: "replaces the code of an existing function, which then runs with that function's execution role",
  },
  {
    action: 'lambda:UpdateFunctionConfiguration',
    standalone: true,
    reason:
      'adds a layer or changes the handler of an existing function to run new code with its execution role',
  },
  {
    action: 'glue:UpdateDevEndpoint',
    standalone: true,
    reason: 'adds an SSH key to an existing Glue development endpoint and runs code with its role',
  },
  {
    action: 'cloudformation:UpdateStack',
    standalone: true,
    reason: "changes an existing stack, which then creates resources with the stack's service role",
  },
  {
    action: 'codebuild:StartBuild',
    standalone: true,
    reason:
      "starts a build with an overridden buildspec, running the caller's commands with the project's role",
  },
  {
    action: 'sagemaker:CreatePresignedNotebookInstanceUrl',
    standalone: true,
    reason: 'opens an existing notebook instance and runs code with its execution role',
  },
  {
    action: 'ec2:ModifyInstanceAttribute',
    standalone: true,
    reason:
      "changes the user data of a stopped instance so it runs the caller's script with the instance role",
  },
  {
    action: 'ssm:SendCommand',
    standalone: true,
    reason: "runs commands on managed instances, which can read the instance role's credentials",
  },
  {
    action: 'ssm:StartSession',
    standalone: true,
    reason: "opens a shell on managed instances, which can read the instance role's credentials",
  },
  {
    action: 'ecs:ExecuteCommand',
    standalone: true,
    reason: "runs commands inside running containers, which can read the task role's credentials",
  },
  {
    action: 'ec2-instance-connect:SendSSHPublicKey',
    standalone: true,
    reason: 'installs an SSH key on an instance so the caller can log in and use the instance role',
  },
  {
    action: 'ec2-instance-connect:SendSerialConsoleSSHPublicKey',
    standalone: true,
    reason: 'opens the serial console of an instance, giving the caller control of it and its role',
  },
  {
    action: 'sts:AssumeRole',
    standalone: true,
    reason: "on every role, takes on any role whose trust policy trusts the caller's account",
  },
];

export const PRIVILEGE_ESCALATION_COMBINATIONS: readonly PrivilegeEscalationCombination[] = [
  {
    id: 'passrole-lambda',
    reason: 'creates a Lambda function with any role and runs it, so the function acts with that role',
    steps: [
      ['iam:PassRole'],
      ['lambda:CreateFunction'],
      ['lambda:InvokeFunction', 'lambda:CreateEventSourceMapping'],
    ],
    passedToService: ['lambda.amazonaws.com'],
  },
  {
    id: 'passrole-ec2',
    reason: "launches an instance with any role's instance profile and reads the role's credentials on it",
    steps: [['iam:PassRole'], ['ec2:RunInstances']],
    passedToService: ['ec2.amazonaws.com'],
  },
  {
    id: 'passrole-ec2-associate',
    reason: "attaches any role's instance profile to an instance the caller already controls",
    steps: [
      ['iam:PassRole'],
      ['ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation'],
    ],
    passedToService: ['ec2.amazonaws.com'],
  },
  {
    id: 'passrole-glue-dev-endpoint',
    reason: 'creates a Glue development endpoint with any role and logs in to it',
    steps: [['iam:PassRole'], ['glue:CreateDevEndpoint']],
    passedToService: ['glue.amazonaws.com'],
  },
  {
    id: 'passrole-glue-job',
    reason: 'creates and runs a Glue job with any role',
    steps: [['iam:PassRole'], ['glue:CreateJob'], ['glue:StartJobRun', 'glue:CreateTrigger']],
    passedToService: ['glue.amazonaws.com'],
  },
  {
    id: 'passrole-cloudformation',
    reason:
      'creates a stack with any role as its service role, which then creates whatever the template says',
    steps: [['iam:PassRole'], ['cloudformation:CreateStack']],
    passedToService: ['cloudformation.amazonaws.com'],
  },
  {
    id: 'passrole-datapipeline',
    reason: 'defines and activates a data pipeline that runs commands with any role',
    steps: [
      ['iam:PassRole'],
      ['datapipeline:CreatePipeline'],
      ['datapipeline:PutPipelineDefinition'],
      ['datapipeline:ActivatePipeline'],
    ],
    passedToService: ['datapipeline.amazonaws.com', 'elasticmapreduce.amazonaws.com', 'ec2.amazonaws.com'],
  },
  {
    id: 'passrole-ecs',
    reason: 'registers a task definition with any role as task role and runs it',
    steps: [
      ['iam:PassRole'],
      ['ecs:RegisterTaskDefinition'],
      ['ecs:RunTask', 'ecs:StartTask', 'ecs:CreateService'],
    ],
    passedToService: ['ecs-tasks.amazonaws.com'],
  },
  {
    id: 'passrole-sagemaker-notebook',
    reason: 'creates a notebook instance with any role and opens it',
    steps: [
      ['iam:PassRole'],
      ['sagemaker:CreateNotebookInstance'],
      ['sagemaker:CreatePresignedNotebookInstanceUrl'],
    ],
    passedToService: ['sagemaker.amazonaws.com'],
  },
  {
    id: 'passrole-sagemaker-job',
    reason: "runs a training or processing job with any role and the caller's container",
    steps: [['iam:PassRole'], ['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob']],
    passedToService: ['sagemaker.amazonaws.com'],
  },
  {
    id: 'passrole-codebuild',
    reason: "creates a build project with any role and runs the caller's buildspec in it",
    steps: [['iam:PassRole'], ['codebuild:CreateProject'], ['codebuild:StartBuild']],
    passedToService: ['codebuild.amazonaws.com'],
  },
  {
    id: 'passrole-stepfunctions',
    reason: 'creates a state machine with any role and starts it, calling AWS APIs as that role',
    steps: [['iam:PassRole'], ['states:CreateStateMachine'], ['states:StartExecution']],
    passedToService: ['states.amazonaws.com'],
  },
  {
    id: 'passrole-autoscaling',
    reason: 'creates a launch template with any role and an Auto Scaling group that launches it',
    steps: [['iam:PassRole'], ['ec2:CreateLaunchTemplate'], ['autoscaling:CreateAutoScalingGroup']],
    passedToService: ['ec2.amazonaws.com'],
  },
  {
    id: 'passrole-batch',
    reason: 'registers a Batch job definition with any role and submits a job',
    steps: [['iam:PassRole'], ['batch:RegisterJobDefinition'], ['batch:SubmitJob']],
    passedToService: ['batch.amazonaws.com', 'ecs-tasks.amazonaws.com'],
  },
  {
    id: 'passrole-apprunner',
    reason: 'creates an App Runner service with any role as its instance role',
    steps: [['iam:PassRole'], ['apprunner:CreateService']],
    passedToService: ['tasks.apprunner.amazonaws.com', 'build.apprunner.amazonaws.com'],
  },
  {
    id: 'passrole-emr',
    reason: 'starts an EMR cluster with any role and runs steps on it',
    steps: [['iam:PassRole'], ['elasticmapreduce:RunJobFlow']],
    passedToService: ['elasticmapreduce.amazonaws.com', 'ec2.amazonaws.com'],
  },
];

export const CREDENTIALS_EXPOSURE_ACTIONS: readonly CredentialsExposureAction[] = [
  {
    action: 'iam:CreateAccessKey',
    grants: 'other',
    reason: 'creates long-term access keys for a user, usable from anywhere until deleted',
  },
  {
    action: 'iam:CreateLoginProfile',
    grants: 'other',
    reason: 'creates a console password for a user',
  },
  {
    action: 'iam:UpdateLoginProfile',
    grants: 'other',
    reason: "resets a user's console password",
  },
  {
    action: 'iam:CreateServiceSpecificCredential',
    grants: 'other',
    reason: 'creates a service-specific password (CodeCommit, Amazon Keyspaces, Bedrock) for a user',
  },
  {
    action: 'iam:ResetServiceSpecificCredential',
    grants: 'other',
    reason: "resets a user's service-specific password and returns the new one",
  },
  {
    action: 'iam:UploadSSHPublicKey',
    grants: 'other',
    reason: 'registers an SSH key that authenticates to CodeCommit as a user',
  },
  {
    action: 'ec2:GetPasswordData',
    grants: 'other',
    reason: 'returns the encrypted Windows Administrator password of an instance',
  },
  {
    action: 'glue:GetConnection',
    grants: 'other',
    reason: 'returns Glue connection properties, which can include database user names and passwords',
  },
  {
    action: 'redshift:GetClusterCredentials',
    grants: 'other',
    reason: 'issues a temporary password for a Redshift database user and can create that user',
  },
  {
    action: 'redshift:GetClusterCredentialsWithIAM',
    grants: 'caller',
    reason: "issues a temporary Redshift database password mapped to the caller's identity",
  },
  {
    action: 'redshift-serverless:GetCredentials',
    grants: 'other',
    reason: 'issues temporary database credentials for a Redshift Serverless workgroup',
  },
  {
    action: 'rds-db:connect',
    grants: 'other',
    reason: 'creates authentication tokens that log in to a database as the named database user',
  },
  {
    action: 'lightsail:GetInstanceAccessDetails',
    grants: 'other',
    reason: 'returns temporary SSH keys or passwords for a Lightsail instance',
  },
  {
    action: 'lightsail:DownloadDefaultKeyPair',
    grants: 'other',
    reason: "downloads the private key of the Region's default Lightsail key pair",
  },
  {
    action: 'gamelift:GetInstanceAccess',
    grants: 'other',
    reason: 'returns credentials for remote access to GameLift fleet instances',
  },
  {
    action: 'cognito-idp:AdminSetUserPassword',
    grants: 'other',
    reason: 'sets the password of any user in a Cognito user pool',
  },
  {
    action: 'sts:GetFederationToken',
    grants: 'caller',
    reason:
      "issues temporary credentials (up to 36 hours) that stay valid even after the caller's access key is removed",
  },
  {
    action: 'sts:GetSessionToken',
    grants: 'caller',
    reason:
      "issues temporary credentials (up to 36 hours) that stay valid even after the caller's access key is removed",
  },
  {
    action: 'ecr:GetAuthorizationToken',
    grants: 'caller',
    reason: "issues a registry token valid for 12 hours that carries the caller's ECR permissions",
  },
  {
    action: 'ecr-public:GetAuthorizationToken',
    grants: 'caller',
    reason: "issues a public registry token that carries the caller's ECR Public permissions",
  },
  {
    action: 'codeartifact:GetAuthorizationToken',
    grants: 'caller',
    reason: "issues a CodeArtifact token (up to 12 hours) that carries the caller's permissions",
  },
];

// Reading data the caller can take out of the account. The check flags these only on every
// resource of their kind: reading one named bucket or secret is what policies are for.
export const DATA_EXFILTRATION_ACTIONS: readonly RiskyAction[] = [
  { action: 's3:GetObject', reason: 'reads object contents' },
  {
    action: 's3:GetObjectVersion',
    reason: 'reads the contents of earlier object versions, deleted ones included',
  },
  { action: 'secretsmanager:GetSecretValue', reason: 'reads secret values' },
  { action: 'secretsmanager:BatchGetSecretValue', reason: 'reads many secret values in one call' },
  { action: 'ssm:GetParameter', reason: 'reads parameters, decrypting SecureString values' },
  { action: 'ssm:GetParameters', reason: 'reads parameters, decrypting SecureString values' },
  {
    action: 'ssm:GetParametersByPath',
    reason: 'reads whole parameter hierarchies, decrypting SecureString values',
  },
  {
    action: 'ssm:GetParameterHistory',
    reason: 'reads earlier parameter values, decrypting SecureString values',
  },
  { action: 'kms:Decrypt', reason: 'decrypts data encrypted under the keys' },
  { action: 'dynamodb:GetItem', reason: 'reads table items' },
  { action: 'dynamodb:BatchGetItem', reason: 'reads table items in bulk' },
  { action: 'dynamodb:Query', reason: 'reads table items' },
  { action: 'dynamodb:Scan', reason: 'reads every item of a table' },
  {
    action: 'dynamodb:ExportTableToPointInTime',
    reason: 'exports a whole table to an S3 bucket the caller names',
  },
  {
    action: 'rds-data:ExecuteStatement',
    reason: 'runs SQL, reads included, against databases through the Data API',
  },
  { action: 'sqs:ReceiveMessage', reason: 'reads message bodies from queues' },
  { action: 'kinesis:GetRecords', reason: 'reads records from data streams' },
  { action: 'ebs:GetSnapshotBlock', reason: 'reads raw disk blocks of EBS snapshots' },
  { action: 'glacier:GetJobOutput', reason: 'downloads archive contents from Glacier vaults' },
  { action: 'athena:GetQueryResults', reason: 'reads the results of queries run by anyone in the workgroup' },
  { action: 'logs:GetLogEvents', reason: 'reads log events, which often hold tokens and personal data' },
  {
    action: 'logs:FilterLogEvents',
    reason: 'searches log events, which often hold tokens and personal data',
  },
  { action: 'lambda:GetFunction', reason: 'downloads function code and reads its environment variables' },
  { action: 'codecommit:GitPull', reason: 'clones repository source code' },
];

// Changing who may use a resource: resource policies, ACLs, grants and sharing settings.
export const RESOURCE_EXPOSURE_ACTIONS: readonly RiskyAction[] = [
  {
    action: 's3:PutBucketPolicy',
    reason: 'rewrites a bucket policy, e.g. to grant another account or everyone',
  },
  { action: 's3:DeleteBucketPolicy', reason: 'removes a bucket policy together with the denies it held' },
  { action: 's3:PutBucketAcl', reason: 'grants bucket access to other accounts or everyone through an ACL' },
  {
    action: 's3:PutObjectAcl',
    reason: 'makes objects readable by other accounts or everyone through an ACL',
  },
  { action: 's3:PutObjectVersionAcl', reason: 'makes object versions readable by others through an ACL' },
  { action: 's3:PutBucketPublicAccessBlock', reason: "turns off a bucket's block on public access" },
  {
    action: 's3:PutAccountPublicAccessBlock',
    reason: 'turns off the account-wide block on public S3 access',
  },
  { action: 's3:PutAccessPointPolicy', reason: 'rewrites an access point policy' },
  { action: 'kms:PutKeyPolicy', reason: 'rewrites a key policy, e.g. to let another account decrypt' },
  { action: 'kms:CreateGrant', reason: 'delegates use of a key to any principal, other accounts included' },
  { action: 'lambda:AddPermission', reason: 'lets other accounts, services or everyone invoke a function' },
  {
    action: 'lambda:AddLayerVersionPermission',
    reason: 'shares a layer version with other accounts or everyone',
  },
  {
    action: 'lambda:CreateFunctionUrlConfig',
    reason: 'creates a function URL, which can be public without authentication',
  },
  { action: 'sns:AddPermission', reason: 'lets other accounts use a topic' },
  { action: 'sns:SetTopicAttributes', reason: "rewrites a topic's access policy" },
  { action: 'sqs:AddPermission', reason: 'lets other accounts use a queue' },
  { action: 'sqs:SetQueueAttributes', reason: "rewrites a queue's access policy" },
  { action: 'ecr:SetRepositoryPolicy', reason: 'lets other accounts or everyone pull or push images' },
  { action: 'ecr-public:SetRepositoryPolicy', reason: "rewrites a public repository's policy" },
  { action: 'secretsmanager:PutResourcePolicy', reason: 'lets other accounts read a secret' },
  { action: 'iam:UpdateAssumeRolePolicy', reason: 'lets other accounts or identity providers assume a role' },
  { action: 'glacier:SetVaultAccessPolicy', reason: "rewrites a vault's access policy" },
  { action: 'backup:PutBackupVaultAccessPolicy', reason: "rewrites a backup vault's access policy" },
  {
    action: 'elasticfilesystem:PutFileSystemPolicy',
    reason: "rewrites a file system's policy, e.g. to allow other accounts",
  },
  { action: 'es:UpdateDomainConfig', reason: "rewrites an OpenSearch domain's access policy" },
  {
    action: 'es:UpdateElasticsearchDomainConfig',
    reason: "rewrites an Elasticsearch domain's access policy",
  },
  { action: 'events:PutPermission', reason: 'lets other accounts put events on an event bus' },
  { action: 'logs:PutResourcePolicy', reason: 'lets other accounts or services write to log groups' },
  { action: 'glue:PutResourcePolicy', reason: 'shares the Data Catalog with other accounts' },
  {
    action: 'ec2:ModifySnapshotAttribute',
    reason: 'shares an EBS snapshot with other accounts or makes it public',
  },
  { action: 'ec2:ModifyImageAttribute', reason: 'shares an AMI with other accounts or makes it public' },
  { action: 'ec2:DisableSnapshotBlockPublicAccess', reason: 'allows EBS snapshots to be made public' },
  { action: 'ec2:DisableImageBlockPublicAccess', reason: 'allows AMIs to be made public' },
  {
    action: 'ec2:ModifyVpcEndpointServicePermissions',
    reason: 'lets other accounts connect to an endpoint service',
  },
  {
    action: 'rds:ModifyDBSnapshotAttribute',
    reason: 'shares a database snapshot with other accounts or makes it public',
  },
  {
    action: 'rds:ModifyDBClusterSnapshotAttribute',
    reason: 'shares a cluster snapshot with other accounts or makes it public',
  },
  { action: 'redshift:AuthorizeSnapshotAccess', reason: 'shares a Redshift snapshot with other accounts' },
  { action: 'ram:CreateResourceShare', reason: 'shares resources with other accounts through AWS RAM' },
  { action: 'apigateway:UpdateRestApiPolicy', reason: "rewrites an API's resource policy" },
  {
    action: 'serverlessrepo:PutApplicationPolicy',
    reason: 'shares a serverless application with other accounts or everyone',
  },
  { action: 'mediastore:PutContainerPolicy', reason: 'rewrites a MediaStore container policy' },
  {
    action: 'codeartifact:PutDomainPermissionsPolicy',
    reason: 'lets other accounts use a CodeArtifact domain',
  },
  {
    action: 'codeartifact:PutRepositoryPermissionsPolicy',
    reason: 'lets other accounts use a CodeArtifact repository',
  },
  { action: 'dynamodb:PutResourcePolicy', reason: 'lets other accounts use a table or stream' },
  { action: 'kinesis:PutResourcePolicy', reason: 'lets other accounts use a data stream' },
  {
    action: 'ssm:ModifyDocumentPermission',
    reason: 'shares an SSM document with other accounts or makes it public',
  },
  { action: 'ssm:PutResourcePolicy', reason: 'shares parameters or other SSM resources with other accounts' },
  { action: 'acm-pca:PutPolicy', reason: 'lets other accounts issue certificates from a private CA' },
];

function indexBy<T extends { readonly action: string }>(list: readonly T[]): ReadonlyMap<string, T> {
  return new Map(list.map((entry) => [entry.action.toLowerCase(), entry]));
}

const escalationIndex = indexBy(PRIVILEGE_ESCALATION_ACTIONS);
const credentialsIndex = indexBy(CREDENTIALS_EXPOSURE_ACTIONS);
const exfiltrationIndex = indexBy(DATA_EXFILTRATION_ACTIONS);
const exposureIndex = indexBy(RESOURCE_EXPOSURE_ACTIONS);

/** The privilege-escalation entry for an action (`iam:attachuserpolicy` works too). */
export function privilegeEscalationAction(action: string): PrivilegeEscalationAction | undefined {
  return escalationIndex.get(action.toLowerCase());
}

export function credentialsExposureAction(action: string): CredentialsExposureAction | undefined {
  return credentialsIndex.get(action.toLowerCase());
}

export function dataExfiltrationAction(action: string): RiskyAction | undefined {
  return exfiltrationIndex.get(action.toLowerCase());
}

export function resourceExposureAction(action: string): RiskyAction | undefined {
  return exposureIndex.get(action.toLowerCase());
}

/** Every risk category an action belongs to, in a fixed order. */
export function riskCategoriesOf(action: string): RiskCategory[] {
  const out: RiskCategory[] = [];
  if (privilegeEscalationAction(action)) out.push('privilege-escalation');
  if (credentialsExposureAction(action)) out.push('credentials-exposure');
  if (dataExfiltrationAction(action)) out.push('data-exfiltration');
  if (resourceExposureAction(action)) out.push('resource-exposure');
  return out;
}

/** The combinations in which an action is one of the steps. */
export function combinationsInvolving(action: string): PrivilegeEscalationCombination[] {
  const lower = action.toLowerCase();
  return PRIVILEGE_ESCALATION_COMBINATIONS.filter((c) =>
    c.steps.some((step) => step.some((a) => a.toLowerCase() === lower)),
  );
}
