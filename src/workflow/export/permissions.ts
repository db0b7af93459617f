// The execution role's policy, derived from the definition's Task resources: each integration
// becomes the IAM action Step Functions calls with, on the narrowest resource the definition
// shows. Strings keep CloudFormation placeholders (${AWS::Partition}, ${AWS::AccountId},
// ${AWS::Region}, ${RequesterTopic}, ${AdminTopic}); `resolvePlaceholders` fills them in for checks.
import { getCatalog } from '../../catalog/index.ts';
import type { Catalog } from '../../catalog/index.ts';
import { splitResource } from '../connectors/types.ts';
import { TASKS_FUNCTION_ARN } from './grantflow-tasks.ts';
import { literalPrefix } from './tasks.ts';
import type { TaskRef } from './tasks.ts';

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string[]>>;
}

export interface RolePolicy {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

export interface DerivedRole {
  readonly policy: RolePolicy;
  /** Task resource (without pattern suffix) → the IAM actions it needs. */
  readonly actionsByResource: Readonly<Record<string, readonly string[]>>;
  /** Tasks that cannot run on Step Functions (grantflow's own steps, unknown integrations). */
  readonly unsupported: readonly { state: string; resource: string; reason: string }[];
  /** What a reader of the template should know: broad scopes and why. */
  readonly notes: readonly string[];
  /** Whether a publish takes its topic from the execution (then the template's topics are granted). */
  readonly usesTemplateTopics: boolean;
}

/** SDK service names (in aws-sdk:<service>:<action>) whose IAM prefix differs. */
const IAM_PREFIX: Record<string, string> = {
  accessanalyzer: 'access-analyzer',
  sfn: 'states',
  cloudwatchlogs: 'logs',
  elasticloadbalancingv2: 'elasticloadbalancing',
};

/** Placeholders of the service reference's ARN templates, as CloudFormation pseudo parameters. */
const PSEUDO: Record<string, string> = {
  '${Partition}': '${AWS::Partition}',
  '${Region}': '${AWS::Region}',
  '${Account}': '${AWS::AccountId}',
};

/** The template's tasks function, as Fn::Sub names it in the role policy. */
export const TASKS_FUNCTION_RESOURCE = '${TasksFunction.Arn}';

const ATTACH_ACTIONS = /^iam:(Attach|Detach)(User|Role|Group)Policy$/;

type Grant = { action: string; resources: Set<string>; condition?: PolicyStatement['Condition'] };

export function deriveRolePolicy(tasks: readonly TaskRef[], catalog: Catalog = getCatalog()): DerivedRole {
  const notes: string[] = [];
  const unsupported: { state: string; resource: string; reason: string }[] = [];
  const grants = new Map<string, Grant>();
  const actionsByResource: Record<string, string[]> = {};
  let usesTemplateTopics = false;
  const policyScope = policyResources(tasks, notes);

  const grant = (resource: string, action: string, resources: string[], condition?: Grant['condition']) => {
    const listed = (actionsByResource[resource] ??= []);
    if (!listed.includes(action)) listed.push(action);
    const key = `${action} ${JSON.stringify(condition ?? null)}`;
    const g = grants.get(key) ?? {
      action,
      resources: new Set<string>(),
      ...(condition ? { condition } : {}),
    };
    for (const r of resources) g.resources.add(r);
    grants.set(key, g);
  };

  for (const task of tasks) {
    const { base } = splitResource(task.resource);
    const args = (task.arguments ?? {}) as Record<string, unknown>;
    const sdk = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/.exec(base);
    if (sdk) {
      const [, service, method] = sdk as unknown as [string, string, string];
      const action = `${IAM_PREFIX[service] ?? service}:${method[0]!.toUpperCase()}${method.slice(1)}`;
      const info = catalog.action(action);
      if (!info) {
        unsupported.push({
          state: task.state,
          resource: task.resource,
          reason: `${action} is not in the IAM service reference`,
        });
        continue;
      }
      const types = catalog.resourceTypesOfAction(info);
      const resources =
        types.length === 0
          ? ['*']
          : types.flatMap((t) =>
              t.key === 'policy'
                ? policyScope.map((p) => scopeArn(t.arnTemplate, p))
                : [scopeArn(t.arnTemplate)],
            );
      const condition = ATTACH_ACTIONS.test(action)
        ? {
            ArnLike: {
              'iam:PolicyARN': policyScope.map(
                (p) => `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${p}`,
              ),
            },
          }
        : undefined;
      grant(base, action, resources, condition);
      continue;
    }
    if (base === 'arn:aws:states:::bedrock:invokeModel') {
      grant(base, 'bedrock:InvokeModel', [modelArn(task, args.ModelId, notes)]);
      continue;
    }
    if (base === TASKS_FUNCTION_ARN || base === 'arn:aws:states:::lambda:invoke') {
      const fn = base === TASKS_FUNCTION_ARN ? base : args.FunctionName;
      if (fn !== TASKS_FUNCTION_ARN) {
        unsupported.push({
          state: task.state,
          resource: task.resource,
          reason:
            "only the template's own tasks function is invoked: FunctionName must be ${GrantflowTasksFunctionArn}",
        });
        continue;
      }
      // The function the template creates, and its versions and aliases (Step Functions may call a qualified ARN).
      grant(base, 'lambda:InvokeFunction', [TASKS_FUNCTION_RESOURCE, `${TASKS_FUNCTION_RESOURCE}:*`]);
      continue;
    }
    if (base === 'arn:aws:states:::sns:publish') {
      const topic = args.TopicArn ?? args.TargetArn;
      if (typeof topic === 'string' && !topic.startsWith('{%') && topic.startsWith('arn:')) {
        grant(base, 'sns:Publish', [topic]);
        notes.push(
          `"${task.state}" publishes to the fixed topic ${topic}, which this template does not create; the role may publish to it as the definition says.`,
        );
      } else {
        usesTemplateTopics = true;
        grant(base, 'sns:Publish', ['${RequesterTopic}', '${AdminTopic}']);
      }
      continue;
    }
    unsupported.push({
      state: task.state,
      resource: task.resource,
      reason: /^arn:aws:states:::grantflow:/.test(base)
        ? "a grantflow step runs only on grantflow's embedded interpreter"
        : 'no IAM mapping for this integration',
    });
  }

  // One statement per (resources, condition): actions that share them are grouped.
  const byScope = new Map<
    string,
    { actions: string[]; resources: string[]; condition?: Grant['condition'] }
  >();
  for (const g of grants.values()) {
    const resources = [...g.resources].sort();
    const key = `${JSON.stringify(resources)} ${JSON.stringify(g.condition ?? null)}`;
    const s = byScope.get(key) ?? {
      actions: [],
      resources,
      ...(g.condition ? { condition: g.condition } : {}),
    };
    s.actions.push(g.action);
    byScope.set(key, s);
  }
  const Statement = [...byScope.values()]
    .map((s) => ({ ...s, actions: s.actions.sort() }))
    .sort((a, b) => a.actions[0]!.localeCompare(b.actions[0]!))
    .map((s, i) => ({
      Sid: sidFor(s.actions, i),
      Effect: 'Allow' as const,
      Action: s.actions,
      Resource: s.resources,
      ...(s.condition ? { Condition: s.condition } : {}),
    }));
  for (const list of Object.values(actionsByResource)) list.sort();
  return {
    policy: { Version: '2012-10-17', Statement },
    actionsByResource,
    unsupported,
    notes: [...new Set(notes)],
    usesTemplateTopics,
  };
}

/** `IamCreatePolicyAnd1More2`: the first action, how many more, and a number that keeps it unique. */
function sidFor(actions: readonly string[], index: number): string {
  const [service = '', name = ''] = actions[0]!.split(':');
  const pascal = service.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()) + name;
  return `${pascal}${actions.length > 1 ? `And${actions.length - 1}More` : ''}${index}`.slice(0, 100);
}

/** An ARN template with pseudo parameters, the policy scope for policies and `*` for the rest. */
function scopeArn(template: string, policyScope?: string): string {
  let arn = template;
  for (const [from, to] of Object.entries(PSEUDO)) arn = arn.split(from).join(to);
  if (policyScope !== undefined) arn = arn.replace('${PolicyNameWithPath}', policyScope);
  return arn.replace(/\$\{(?!AWS::)[A-Za-z]+\}/g, '*');
}

/**
 * The policies the definition manages, as `path/name-pattern` below `policy/`: from the Path and
 * PolicyName of its createPolicy tasks (`grantflow/*` for grantflow's own definition, the name
 * prefix under `/` for the seed).
 */
function policyResources(tasks: readonly TaskRef[], notes: string[]): string[] {
  const creates = tasks.filter(
    (t) => splitResource(t.resource).base === 'arn:aws:states:::aws-sdk:iam:createPolicy',
  );
  const scopes = new Set<string>();
  for (const t of creates) {
    const args = (t.arguments ?? {}) as Record<string, unknown>;
    const path =
      args.Path === undefined
        ? '/'
        : typeof args.Path === 'string' && !args.Path.startsWith('{%')
          ? args.Path
          : undefined;
    if (path === undefined) {
      notes.push(`"${t.state}" computes the policy Path: the role may manage every customer managed policy.`);
      scopes.add('*');
      continue;
    }
    if (path !== '/') {
      scopes.add(`${path.slice(1)}*`);
      continue;
    }
    const name = literalPrefix(args.PolicyName);
    if (name === undefined) {
      notes.push(
        `"${t.state}" creates policies at path / with a computed name: the role may manage every customer managed policy. Give CreatePolicy a Path such as /grantflow/ to narrow it.`,
      );
      scopes.add('*');
    } else {
      scopes.add(name);
    }
  }
  if (scopes.size === 0) {
    scopes.add('grantflow/*');
    notes.push('No createPolicy task: IAM policy actions are scoped to the /grantflow/ path.');
  }
  return scopes.has('*') ? ['*'] : [...scopes].sort();
}

function modelArn(task: TaskRef, modelId: unknown, notes: string[]): string {
  if (typeof modelId === 'string' && !modelId.startsWith('{%')) {
    if (modelId.startsWith('arn:')) return modelId;
    return `arn:\${AWS::Partition}:bedrock:\${AWS::Region}::foundation-model/${modelId}`;
  }
  notes.push(`"${task.state}" computes its ModelId: the role may invoke any foundation model in the region.`);
  return 'arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/*';
}

/** Fills the placeholders in, for checking the policy with grantflow's validator and evaluator. */
export function resolvePlaceholders<T>(
  value: T,
  values: {
    partition: string;
    accountId: string;
    region: string;
    requesterTopic: string;
    adminTopic: string;
    tasksFunctionArn?: string;
  },
): T {
  const table: Record<string, string> = {
    'AWS::Partition': values.partition,
    'AWS::AccountId': values.accountId,
    'AWS::Region': values.region,
    RequesterTopic: values.requesterTopic,
    AdminTopic: values.adminTopic,
    ...(values.tasksFunctionArn !== undefined
      ? { 'TasksFunction.Arn': values.tasksFunctionArn, GrantflowTasksFunctionArn: values.tasksFunctionArn }
      : {}),
  };
  return JSON.parse(
    JSON.stringify(value).replace(/\$\{([A-Za-z:.]+)\}/g, (m, name: string) => table[name] ?? m),
  ) as T;
}
