// `grantflow workflow export --target stepfunctions`: the definition unchanged, a CloudFormation
// template whose execution role is derived from the Task resources (checked with grantflow's own
// validator), and every JSONata expression parsed with jsonata 2.0.x.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compilePolicySet, decide } from '../src/evaluate/index.ts';
import type { PolicyInput } from '../src/evaluate/index.ts';
import { validatePolicy } from '../src/validate/index.ts';
import { exportStepFunctions, resolvePlaceholders, tasksOf } from '../src/workflow/export/index.ts';
import { runCli } from './helpers/cli.ts';

const SEED_PATH = new URL('../../shared/data/seed-workflow.asl.json', import.meta.url).pathname;
const SEED_TEXT = readFileSync(SEED_PATH, 'utf8');
const SEED = JSON.parse(SEED_TEXT) as Record<string, unknown>;
const LIFECYCLE_PATH = new URL('../src/workflow/definitions/grantflow-lifecycle.asl.json', import.meta.url)
  .pathname;
const ACCOUNT = '123456789012';
const resolveFor = <T>(value: T) =>
  resolvePlaceholders(value, {
    partition: 'aws',
    accountId: ACCOUNT,
    region: 'ap-northeast-2',
    requesterTopic: `arn:aws:sns:ap-northeast-2:${ACCOUNT}:requesters`,
    adminTopic: `arn:aws:sns:ap-northeast-2:${ACCOUNT}:admins`,
  });

/** What each Task resource needs, written out independently of the exporter's tables. */
function expectedAction(resource: string): string {
  const base = resource.replace(/\.waitForTaskToken$/, '');
  const sdk = /^arn:aws:states:::aws-sdk:(\w+):(\w+)$/.exec(base);
  if (sdk) {
    const prefix = sdk[1] === 'accessanalyzer' ? 'access-analyzer' : sdk[1]!;
    return `${prefix}:${sdk[2]![0]!.toUpperCase()}${sdk[2]!.slice(1)}`;
  }
  if (base === 'arn:aws:states:::bedrock:invokeModel') return 'bedrock:InvokeModel';
  if (base === 'arn:aws:states:::sns:publish') return 'sns:Publish';
  throw new Error(`no expectation for ${resource}`);
}

const allowed = (policy: { Statement: { Effect: string; Action: string[] }[] }) =>
  new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));

function checkRole(definition: unknown) {
  const result = exportStepFunctions(definition, { name: 'under-test' });
  const expected = new Set(tasksOf(definition).map((t) => expectedAction(t.resource)));
  const role = result.template.Resources.ExecutionRole!.Properties as {
    Policies: { PolicyDocument: unknown }[];
  };
  return { result, expected, role };
}

describe('exportStepFunctions on the seed definition', () => {
  const result = exportStepFunctions(SEED, { name: 'seed' });

  it('derives a role covering exactly the Task resources, scoped to what the definition names', () => {
    expect(result.errors).toEqual([]);
    const expected = new Set(tasksOf(SEED).map((t) => expectedAction(t.resource)));
    expect([...allowed(result.role.policy)].sort()).toEqual([...expected].sort());
    expect([...expected].sort()).toEqual([
      'access-analyzer:ValidatePolicy',
      'bedrock:InvokeModel',
      'iam:AttachRolePolicy',
      'iam:AttachUserPolicy',
      'iam:CreatePolicy',
      'iam:DeletePolicy',
      'iam:DetachRolePolicy',
      'iam:DetachUserPolicy',
      'sns:Publish',
    ]);
    const resourcesOf = (action: string) =>
      result.role.policy.Statement.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);
    // The seed names its policies 'generated_by_workflow_' & $millis() at path /.
    const seedPolicies = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/generated_by_workflow_*';
    expect(resourcesOf('iam:CreatePolicy')).toEqual([seedPolicies]);
    expect(resourcesOf('iam:DeletePolicy')).toEqual([seedPolicies]);
    expect(resourcesOf('bedrock:InvokeModel')).toEqual([
      'arn:aws:bedrock:ap-northeast-2::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0',
    ]);
    expect(resourcesOf('sns:Publish')).toEqual(['arn:aws:sns:ap-northeast-2:617709266586:TEMP']);
    expect(resourcesOf('access-analyzer:ValidatePolicy')).toEqual(['*']);
    const attach = result.role.policy.Statement.find((s) => s.Action.includes('iam:AttachUserPolicy'))!;
    expect(attach.Resource).toEqual(['arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*']);
    expect(attach.Condition).toEqual({ ArnLike: { 'iam:PolicyARN': [seedPolicies] } });
    expect(
      result.role.notes.some((n) => n.includes('fixed topic arn:aws:sns:ap-northeast-2:617709266586:TEMP')),
    ).toBe(true);
  });

  it("passes grantflow's validator: no ERROR, and only the warnings attaching policies implies", () => {
    const role = result.template.Resources.ExecutionRole!.Properties as {
      Policies: { PolicyDocument: unknown }[];
    };
    // The template's policy (Fn::Sub strings) resolved the way CloudFormation would.
    const document = JSON.parse(
      JSON.stringify(role.Policies[0]!.PolicyDocument).replace(/\{"Fn::Sub":("(?:[^"\\]|\\.)*")\}/g, '$1'),
    ) as unknown;
    const { findings } = validatePolicy(resolveFor(document) as object, {
      policyType: 'identity',
      policyKind: 'inline-role',
    });
    expect(findings.filter((f) => f.findingType === 'ERROR')).toEqual([]);
    const security = findings.filter((f) => f.findingType === 'SECURITY_WARNING');
    // Attaching and detaching is the state machine's job; the statements are held to the seed's
    // policies by the iam:PolicyARN condition, which the validator cannot prove narrows them.
    expect(new Set(security.map((f) => f.issueCode))).toEqual(
      new Set(['PRIVILEGE_ESCALATION_ACTION', 'PERMISSIONS_MANAGEMENT_ON_STAR']),
    );
    for (const f of security) expect(f.findingDetails).toMatch(/iam:(Attach|Detach)(User|Role)Policy/);
  });

  it('builds the template: state machine with the definition as is, trusted role, topics, parameters, outputs', () => {
    const t = result.template;
    const machine = t.Resources.StateMachine!;
    expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine.Properties.Definition).toEqual(SEED);
    expect((machine.Properties.Definition as { QueryLanguage: string }).QueryLanguage).toBe('JSONata');
    expect(machine.Properties.RoleArn).toEqual({ 'Fn::GetAtt': ['ExecutionRole', 'Arn'] });
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    const role = t.Resources.ExecutionRole!.Properties as {
      AssumeRolePolicyDocument: { Statement: unknown[] };
    };
    expect(role.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Principal: { Service: 'states.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': { 'Fn::Sub': '${AWS::AccountId}' } } },
    });
    const trustDoc = resolveFor(role.AssumeRolePolicyDocument);
    const { findings } = validatePolicy(
      JSON.parse(
        JSON.stringify(trustDoc)
          .replace(/\{"Fn::Sub":("(?:[^"\\]|\\.)*")\}/g, '$1')
          .replace('${StateMachineName}', 'seed'),
      ),
      { policyType: 'trust' },
    );
    expect(findings.filter((f) => f.findingType === 'ERROR' || f.findingType === 'SECURITY_WARNING')).toEqual(
      [],
    );
    expect(t.Resources.RequesterTopic!.Type).toBe('AWS::SNS::Topic');
    expect(t.Resources.AdminTopic!.Type).toBe('AWS::SNS::Topic');
    expect(t.Resources.AdminEmailSubscription).toMatchObject({
      Type: 'AWS::SNS::Subscription',
      Condition: 'HasAdminEmail',
      Properties: { Protocol: 'email', TopicArn: { Ref: 'AdminTopic' }, Endpoint: { Ref: 'AdminEmail' } },
    });
    expect(Object.keys(t.Parameters).sort()).toEqual(['AdminEmail', 'RequesterEmail', 'StateMachineName']);
    expect(Object.keys(t.Outputs).sort()).toEqual([
      'AdminTopicArn',
      'ExecutionRoleArn',
      'RequesterTopicArn',
      'StateMachineArn',
      'StateMachineName',
    ]);
    // Every Ref and GetAtt points at something the template declares.
    const names = new Set([...Object.keys(t.Parameters), ...Object.keys(t.Resources)]);
    const refs = [...JSON.stringify(t).matchAll(/"(?:Ref|Fn::GetAtt)":\[?"([A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !names.has(r))).toEqual([]);
  });

  it('parses every JSONata expression of the seed with jsonata 2.0.x', () => {
    expect(result.expressions.checked).toBeGreaterThan(30);
    expect(result.expressions.problems).toEqual([]);
  });
});

describe('exportStepFunctions on other definitions', () => {
  const lifecycleLike = {
    QueryLanguage: 'JSONata',
    StartAt: 'Create',
    States: {
      Create: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:iam:createPolicy',
        Arguments: {
          PolicyName: '{% $states.context.Execution.Name %}',
          Path: '/grantflow/',
          PolicyDocument: '{% $doc %}',
        },
        Next: 'Tag',
      },
      Tag: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:iam:listEntitiesForPolicy',
        Arguments: { PolicyArn: '{% $arn %}' },
        Next: 'Ask',
      },
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
        Arguments: {
          TopicArn: '{% $states.input.adminTopicArn %}',
          Message: '{% $states.context.Task.Token %}',
        },
        Next: 'Model',
      },
      Model: {
        Type: 'Task',
        Resource: 'arn:aws:states:::bedrock:invokeModel',
        Arguments: { ModelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', Body: {} },
        End: true,
      },
    },
  };

  it('scopes policy actions to /grantflow/ and grants publish on the template topics for computed topics', () => {
    const { result, expected, role } = checkRole(lifecycleLike);
    expect(result.errors).toEqual([]);
    expect([...allowed(result.role.policy)].sort()).toEqual([...expected].sort());
    const scoped = result.role.policy.Statement.find((s) => s.Action.includes('iam:CreatePolicy'))!;
    expect(scoped.Resource).toEqual(['arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/grantflow/*']);
    expect(scoped.Action).toEqual(['iam:CreatePolicy', 'iam:ListEntitiesForPolicy']);
    const publish = result.role.policy.Statement.find((s) => s.Action.includes('sns:Publish'))!;
    expect(publish.Resource).toEqual(['${AdminTopic}', '${RequesterTopic}']);
    expect(JSON.stringify(role.Policies[0]!.PolicyDocument)).toContain('{"Fn::Sub":"${AdminTopic}"}');
    const model = result.role.policy.Statement.find((s) => s.Action.includes('bedrock:InvokeModel'))!;
    expect(model.Resource).toEqual([
      'arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0',
    ]);
  });

  it('names the state and field of an expression jsonata 2.0.x cannot parse', () => {
    const broken = structuredClone(lifecycleLike) as typeof lifecycleLike;
    (broken.States.Tag.Arguments as Record<string, string>).PolicyArn = '{% $states.input.( %}';
    (broken.States as Record<string, unknown>).Check = {
      Type: 'Choice',
      Choices: [{ Condition: '{% $x = = 1 %}', Next: 'Model' }],
      Default: 'Model',
    };
    const result = exportStepFunctions(broken, { name: 'broken' });
    expect(result.expressions.problems.map((p) => `${p.state} ${p.field}`).sort()).toEqual([
      'Check /Choices[0]/Condition',
      'Tag /Arguments/PolicyArn',
    ]);
    expect(
      result.errors.some((e) =>
        e.startsWith('state "Tag", field /Arguments/PolicyArn: the JSONata expression does not parse'),
      ),
    ).toBe(true);
  });

  it('refuses tasks Step Functions cannot run and definitions that are not JSONata', () => {
    const own = (Resource: string, extra: object = {}) => ({
      QueryLanguage: 'JSONata',
      StartAt: 'Gen',
      States: { Gen: { Type: 'Task', Resource, End: true, ...extra } },
    });
    expect(exportStepFunctions(own('arn:aws:states:::grantflow:teleport'), { name: 'own' }).errors).toEqual([
      'state "Gen": arn:aws:states:::grantflow:teleport: grantflow has no step "teleport"',
    ]);
    expect(
      exportStepFunctions(own('arn:aws:states:::grantflow:record', { Arguments: '{% $states.input %}' }), {
        name: 'own',
      }).errors,
    ).toEqual(['state "Gen": a grantflow step takes its Arguments as an object']);
    expect(
      exportStepFunctions(own('arn:aws:states:::glue:startJobRun.sync'), { name: 'own' }).errors,
    ).toEqual(['state "Gen": arn:aws:states:::glue:startJobRun.sync: no IAM mapping for this integration']);
    expect(
      exportStepFunctions(
        own('arn:aws:states:::lambda:invoke', { Arguments: { FunctionName: 'someone-elses', Payload: {} } }),
        { name: 'own' },
      ).errors[0],
    ).toMatch(/only the template's own tasks function is invoked/);
    const jsonPath = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    expect(exportStepFunctions(jsonPath, { name: 'jp' }).errors[0]).toMatch(/QueryLanguage is "JSONPath"/);
    expect(() => exportStepFunctions({ StartAt: 'x' }, { name: 'x' })).toThrow(/with States/);
    expect(() => exportStepFunctions(SEED, { name: 'bad name!' })).toThrow(/state machine name/);
  });

  it("exports grantflow's lifecycle: its grantflow steps call the tasks function, nothing else changes", () => {
    const definition = JSON.parse(readFileSync(LIFECYCLE_PATH, 'utf8')) as {
      States: Record<string, Record<string, unknown>>;
    };
    const result = exportStepFunctions(definition, { name: 'grantflow-lifecycle' });
    expect(result.errors).toEqual([]);
    expect(result.expressions.checked).toBeGreaterThan(0);
    expect(result.expressions.problems).toEqual([]);
    const deployed = result.definition as typeof definition;
    const own = tasksOf(definition).filter((t) => t.resource.startsWith('arn:aws:states:::grantflow:'));
    expect(own.length).toBeGreaterThan(5);
    expect(result.rewritten.map((r) => r.state).sort()).toEqual(own.map((t) => t.state).sort());
    for (const [name, state] of Object.entries(definition.States)) {
      const after = deployed.States[name]!;
      const resource = state.Resource as string | undefined;
      if (!resource?.startsWith('arn:aws:states:::grantflow:')) {
        expect(after, name).toEqual(state);
        continue;
      }
      // Only Resource, the Arguments' envelope and a first retrier for Lambda's transient errors.
      const { Resource: _r, Arguments: _a, Retry: retry, ...rest } = after;
      const { Resource: _r0, Arguments: _a0, Retry: retry0, ...rest0 } = state;
      expect(rest, name).toEqual(rest0);
      expect((retry as { ErrorEquals: string[] }[])[0]!.ErrorEquals).toContain('Lambda.ServiceException');
      expect((retry as unknown[]).slice(1), name).toEqual(retry0 ?? []);
      const task = resource.replace(/^arn:aws:states:::grantflow:/, '').replace(/\.waitForTaskToken$/, '');
      if (resource.endsWith('.waitForTaskToken')) {
        expect(after.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
        const args = after.Arguments as { FunctionName: string; Payload: Record<string, unknown> };
        expect(args.FunctionName).toBe('${GrantflowTasksFunctionArn}');
        expect(args.Payload.Task).toBe(task);
        expect(args.Payload.Arguments).toEqual(state.Arguments);
        expect(args.Payload.TaskToken).toBe('{% $states.context.Task.Token %}');
      } else {
        expect(after.Resource).toBe('${GrantflowTasksFunctionArn}');
        const args = after.Arguments as Record<string, unknown>;
        expect(args.Task).toBe(task);
        expect(args.Arguments).toEqual(state.Arguments);
        expect(args.TaskToken).toBeUndefined();
      }
    }
    // The role: the AWS integrations exactly, and invoking the template's own function only.
    const portable = tasksOf(definition).filter((t) => !t.resource.startsWith('arn:aws:states:::grantflow:'));
    expect([...allowed(result.role.policy)].sort()).toEqual(
      [...new Set([...portable.map((t) => expectedAction(t.resource)), 'lambda:InvokeFunction'])].sort(),
    );
    const invoke = result.role.policy.Statement.find((s) => s.Action.includes('lambda:InvokeFunction'))!;
    expect(invoke.Resource).toEqual(['${TasksFunction.Arn}', '${TasksFunction.Arn}:*']);
    const resolved = resolvePlaceholders(result.role.policy, {
      partition: 'aws',
      accountId: ACCOUNT,
      region: 'ap-northeast-2',
      requesterTopic: `arn:aws:sns:ap-northeast-2:${ACCOUNT}:requesters`,
      adminTopic: `arn:aws:sns:ap-northeast-2:${ACCOUNT}:admins`,
      tasksFunctionArn: `arn:aws:lambda:ap-northeast-2:${ACCOUNT}:function:grantflow-lifecycle-tasks`,
    });
    expect(JSON.stringify(resolved)).not.toContain('${');
    const { findings } = validatePolicy(resolved as object, {
      policyType: 'identity',
      policyKind: 'inline-role',
    });
    expect(findings.filter((f) => f.findingType === 'ERROR')).toEqual([]);
    // The template: the function, its role, and the state machine's substitution.
    const { Resources, Parameters, Outputs } = result.template;
    expect(Resources.StateMachine!.Properties.DefinitionSubstitutions).toEqual({
      GrantflowTasksFunctionArn: { 'Fn::GetAtt': ['TasksFunction', 'Arn'] },
    });
    expect(Resources.StateMachine!.Properties.Definition).toEqual(result.definition);
    const fn = Resources.TasksFunction!.Properties as {
      Runtime: string;
      Handler: string;
      Role: unknown;
      Environment: { Variables: Record<string, unknown> };
    };
    expect(fn.Runtime).toMatch(/^nodejs\d+\.x$/);
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['TasksFunctionRole', 'Arn'] });
    // The database URL stays in Secrets Manager: the function gets the secret's ARN, its role may
    // read that secret alone.
    expect(fn.Environment.Variables.GRANTFLOW_DATABASE_URL).toBeUndefined();
    expect(fn.Environment.Variables.GRANTFLOW_DATABASE_URL_SECRET).toEqual({ Ref: 'DatabaseUrlSecretArn' });
    expect(fn.Environment.Variables.GRANTFLOW_NOTIFY_SNS_TOPIC_ADMINS).toEqual({ Ref: 'AdminTopic' });
    const pattern = new RegExp(
      (Parameters.DatabaseUrlSecretArn as { AllowedPattern: string }).AllowedPattern,
    );
    expect(
      pattern.test('arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:grantflow-db-AbCdEf'),
    ).toBe(true);
    expect(pattern.test('postgres://grantflow:password@db/grantflow')).toBe(false);
    // A partial ARN (without the suffix Secrets Manager appends) would match neither the role's
    // permission nor, with a key of its own, the key's encryption context.
    expect(pattern.test('arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:grantflow-db')).toBe(
      false,
    );
    const keyPattern = new RegExp(
      (Parameters.DatabaseUrlSecretKeyArn as { AllowedPattern: string; Default: string }).AllowedPattern,
    );
    expect((Parameters.DatabaseUrlSecretKeyArn as { Default: string }).Default).toBe('');
    expect(keyPattern.test('')).toBe(true);
    expect(
      keyPattern.test('arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    ).toBe(true);
    expect(keyPattern.test('arn:aws:kms:ap-northeast-2:123456789012:alias/grantflow')).toBe(false);
    expect(keyPattern.test('alias/aws/secretsmanager')).toBe(false);
    const rolePolicy = (
      Resources.TasksFunctionRole!.Properties as {
        Policies: {
          PolicyDocument: { Statement: { Sid?: string; Action?: string[]; Resource?: unknown }[] };
        }[];
      }
    ).Policies[0]!.PolicyDocument.Statement;
    expect(rolePolicy.find((st) => st.Sid === 'DatabaseUrl')).toEqual({
      Sid: 'DatabaseUrl',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [{ Ref: 'DatabaseUrlSecretArn' }],
    });
    // With a key of its own, the role may decrypt with it (what that allows: the next test).
    expect(result.template.Conditions.SecretHasOwnKey).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'DatabaseUrlSecretKeyArn' }, ''] }],
    });
    expect(Object.keys(Parameters)).toEqual(expect.arrayContaining(['TasksCodeS3Bucket', 'TasksCodeS3Key']));
    expect(Outputs.TasksFunctionArn).toBeDefined();
    // Every Ref and GetAtt names a parameter, a resource or a pseudo parameter.
    const names = new Set([...Object.keys(Parameters), ...Object.keys(Resources)]);
    const refs = [
      ...JSON.stringify(result.template).matchAll(/"Ref":"([^"]+)"|"Fn::GetAtt":\["([^"]+)"/g),
    ].map((m) => m[1] ?? m[2]!);
    for (const ref of refs) if (!ref.startsWith('AWS::')) expect(names.has(ref), ref).toBe(true);
    const subs = [...JSON.stringify(result.template).matchAll(/\$\{([A-Za-z0-9:.]+)\}/g)].map((m) => m[1]!);
    for (const sub of subs)
      if (!sub.startsWith('AWS::') && sub !== 'GrantflowTasksFunctionArn')
        expect(names.has(sub.split('.')[0]!), sub).toBe(true);
  });

  it("the tasks function's role reads its database secret, and decrypts it with the secret's own key only through Secrets Manager", () => {
    const definition = JSON.parse(readFileSync(LIFECYCLE_PATH, 'utf8')) as Record<string, unknown>;
    const { template } = exportStepFunctions(definition, { name: 'grantflow-lifecycle' });
    const secret = 'arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:grantflow-db-AbCdEf';
    const key = 'arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const role = 'arn:aws:sts::123456789012:assumed-role/grantflow-lifecycle-tasks/fn';
    const policy = (parameters: Record<string, string>) => {
      const values: Record<string, string> = {
        ...parameters,
        'AWS::Region': 'ap-northeast-2',
        'AWS::AccountId': '123456789012',
        'AWS::Partition': 'aws',
        StateMachineName: 'grantflow-lifecycle',
        RequesterTopic: 'arn:aws:sns:ap-northeast-2:123456789012:requester',
        AdminTopic: 'arn:aws:sns:ap-northeast-2:123456789012:admins',
        BedrockModelId: 'anthropic.claude',
        Provider: 'offline',
      };
      // The template's intrinsic functions, for the values above.
      const resolve = (node: unknown): unknown => {
        if (Array.isArray(node)) return node.map(resolve).filter((v) => v !== undefined);
        if (node === null || typeof node !== 'object') return node;
        const o = node as Record<string, unknown>;
        if ('Ref' in o) return o.Ref === 'AWS::NoValue' ? undefined : values[o.Ref as string];
        if ('Fn::Sub' in o)
          return (o['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => values[name]!);
        if ('Fn::If' in o) {
          const [condition, yes, no] = o['Fn::If'] as [string, unknown, unknown];
          const holds = { SecretHasOwnKey: values.DatabaseUrlSecretKeyArn !== '', UsesBedrock: false }[
            condition as 'SecretHasOwnKey' | 'UsesBedrock'
          ];
          return resolve(holds ? yes : no);
        }
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v)]));
      };
      const props = template.Resources.TasksFunctionRole!.Properties as {
        Policies: { PolicyDocument: unknown }[];
      };
      return compilePolicySet({
        identityPolicies: [resolve(props.Policies[0]!.PolicyDocument) as PolicyInput],
        // A KMS key's own policy must allow too: the default one leaves it to the account's IAM policies.
        resourcePolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::123456789012:root' },
              Action: 'kms:*',
              Resource: '*',
            },
          ],
        },
      });
    };
    const ask = (
      set: ReturnType<typeof compilePolicySet>,
      action: string,
      resource: string,
      context: Record<string, string> = {},
    ) => decide(set, { principal: role, action, resource, context });
    const viaSecretsManager = {
      'kms:ViaService': 'secretsmanager.ap-northeast-2.amazonaws.com',
      'kms:EncryptionContext:SecretARN': secret,
    };

    const withKey = policy({ DatabaseUrlSecretArn: secret, DatabaseUrlSecretKeyArn: key });
    expect(ask(withKey, 'secretsmanager:GetSecretValue', secret)).toBe('Allowed');
    expect(ask(withKey, 'secretsmanager:GetSecretValue', `${secret.slice(0, -6)}XyZ123`)).toBe(
      'ImplicitlyDenied',
    );
    expect(ask(withKey, 'kms:Decrypt', key, viaSecretsManager)).toBe('Allowed');
    // Not directly, not through another service, not for another secret, not with another key.
    expect(ask(withKey, 'kms:Decrypt', key)).toBe('ImplicitlyDenied');
    expect(
      ask(withKey, 'kms:Decrypt', key, {
        ...viaSecretsManager,
        'kms:ViaService': 's3.ap-northeast-2.amazonaws.com',
      }),
    ).toBe('ImplicitlyDenied');
    expect(
      ask(withKey, 'kms:Decrypt', key, {
        ...viaSecretsManager,
        'kms:EncryptionContext:SecretARN': secret.replace('grantflow-db', 'other'),
      }),
    ).toBe('ImplicitlyDenied');
    expect(ask(withKey, 'kms:Decrypt', key.replace('1234abcd', 'ffffffff'), viaSecretsManager)).toBe(
      'ImplicitlyDenied',
    );
    expect(ask(withKey, 'kms:Encrypt', key, viaSecretsManager)).toBe('ImplicitlyDenied');

    // Secrets Manager's own key (the default): no KMS permission at all.
    const ownKey = policy({ DatabaseUrlSecretArn: secret, DatabaseUrlSecretKeyArn: '' });
    expect(ask(ownKey, 'secretsmanager:GetSecretValue', secret)).toBe('Allowed');
    expect(ask(ownKey, 'kms:Decrypt', key, viaSecretsManager)).toBe('ImplicitlyDenied');
  });

  it('leaves a definition without grantflow steps as it is, with no tasks function', () => {
    const result = exportStepFunctions(SEED, { name: 'seed' });
    expect(result.rewritten).toEqual([]);
    expect(result.definition).toEqual(SEED);
    expect(result.template.Resources.TasksFunction).toBeUndefined();
    expect(result.template.Parameters.DatabaseUrlSecretArn).toBeUndefined();
  });
});

describe('grantflow workflow export', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'grantflow-export-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the definition unchanged and the template', async () => {
    const out = join(dir, 'out');
    const r = await runCli([
      'workflow',
      'export',
      '--target',
      'stepfunctions',
      '--definition',
      SEED_PATH,
      '--name',
      'seed',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'seed.asl.json'), 'utf8')).toBe(SEED_TEXT);
    const template = JSON.parse(readFileSync(join(out, 'seed.template.json'), 'utf8'));
    expect(template.Resources.StateMachine.Properties.Definition).toEqual(SEED);
    expect(r.stdout).toContain('arn:aws:states:::aws-sdk:iam:createPolicy → iam:CreatePolicy');
    expect(r.stdout).toMatch(/Checked \d+ JSONata expressions with jsonata 2\.0\.x; 0 do not parse/);

    const json = await runCli([
      'workflow',
      'export',
      '--target',
      'stepfunctions',
      '--definition',
      SEED_PATH,
      '--out',
      out,
      '--format',
      'json',
    ]);
    const report = JSON.parse(json.stdout);
    expect(report.written.template).toBe(join(out, 'seed-workflow.template.json'));
    expect(report.errors).toEqual([]);
  });

  it("writes grantflow's lifecycle with its steps on the tasks function, and the function in the template", async () => {
    const out = join(dir, 'lifecycle');
    const r = await runCli([
      'workflow',
      'export',
      '--target',
      'stepfunctions',
      '--definition',
      LIFECYCLE_PATH,
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'state "AwaitApproval": grantflow:approval runs in the tasks function (lambda:invoke.waitForTaskToken)',
    );
    expect(r.stdout).toContain('${GrantflowTasksFunctionArn} → lambda:InvokeFunction');
    const written = JSON.parse(readFileSync(join(out, 'grantflow-lifecycle.asl.json'), 'utf8'));
    const template = JSON.parse(readFileSync(join(out, 'grantflow-lifecycle.template.json'), 'utf8'));
    expect(template.Resources.StateMachine.Properties.Definition).toEqual(written);
    expect(written.States.Generate.Resource).toBe('${GrantflowTasksFunctionArn}');
    expect(template.Resources.TasksFunction.Type).toBe('AWS::Lambda::Function');
  });

  it('writes nothing and exits 1 when an expression does not parse; exits 2 on bad usage', async () => {
    const bad = structuredClone(SEED) as { States: Record<string, { Arguments?: Record<string, unknown> }> };
    bad.States.CreatePolicy!.Arguments!.PolicyName = "{% 'x' & %}";
    const file = join(dir, 'bad.asl.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = await runCli([
      'workflow',
      'export',
      '--target',
      'stepfunctions',
      '--definition',
      file,
      '--out',
      dir,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'state "CreatePolicy", field /Arguments/PolicyName: the JSONata expression does not parse',
    );
    expect(existsSync(join(dir, 'bad.template.json'))).toBe(false);

    const target = await runCli(['workflow', 'export', '--target', 'terraform', '--definition', SEED_PATH]);
    expect(target.code).toBe(2);
    expect(target.stderr).toContain('--target must be one of stepfunctions');
    const missing = await runCli(['workflow', 'export', '--target', 'stepfunctions']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--definition FILE is required');
    writeFileSync(join(dir, 'nojson.json'), '{ nope');
    const notJson = await runCli([
      'workflow',
      'export',
      '--target',
      'stepfunctions',
      '--definition',
      join(dir, 'nojson.json'),
    ]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('is not valid JSON');
  });
});
