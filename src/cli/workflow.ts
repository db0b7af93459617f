// `grantflow workflow`: run Amazon States Language definitions (QueryLanguage JSONata) on the
// embedded, durable interpreter: `run` one execution to its end, `resume` what a stopped process
// left, `describe` an execution, answer task tokens.
import { parseArgs } from 'node:util';
import { LocalIamBackend, isCloudError } from '../cloud/index.ts';
import type { IamBackend } from '../cloud/index.ts';
import { LLM_PROVIDER_NAMES } from '../generate/llm.ts';
import type { LlmProviderName } from '../generate/llm.ts';
import { openStore, storeConfigFor } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, daysOption, oneOf, osUserName, readInputFile } from './io.ts';
import { openData } from './data.ts';
import type { CliIo } from './io.ts';
import type {
  BedrockModel,
  ExecutionDescription,
  HistoryEvent,
  Json,
  WorkflowEngine,
  WorkflowRunner,
} from '../workflow/index.ts';

const PROVIDERS = ['offline', ...LLM_PROVIDER_NAMES] as const;

const HELP = `Usage: grantflow workflow <subcommand> [options]

Runs Amazon States Language state machines (QueryLanguage JSONata) on grantflow's embedded,
durable interpreter: every step is stored before it takes effect, waits are stored as absolute
times, and an execution stopped by a crash is resumed where it stood. Tasks run on the embedded
defaults: the IAM in the data directory (or AWS with GRANTFLOW_BACKEND=aws), the offline drafter
for bedrock:invokeModel, the validator for accessanalyzer:validatePolicy, SNS through the backend.

Subcommands:
  run --definition FILE --input FILE    start an execution and run it to its end
  resume                                resume the executions a stopped process left
  describe ID                           an execution's status, output and history
  send-task-success --token T [--output JSON]
  send-task-failure --token T [--error NAME] [--cause TEXT]
                                        answer a .waitForTaskToken task
  export --target stepfunctions --definition FILE [--name NAME] [--out DIR]
                                        write the definition and a CloudFormation template
  prune --older-than-days N [--actor ID]
                                        delete the executions that ended more than N days ago
                                        (N ≥ 1) with their history, as Step Functions forgets
                                        closed executions after 90 days; access requests,
                                        approvals and the audit log are kept, and each deletion
                                        is recorded there

Options:
  --data-dir DIR         where the store is (default ./.grantflow, or GRANTFLOW_DATA_DIR)
  --format FORMAT        text (default) or json
  --wait-scale N         multiply Wait and Retry delays by N (e.g. 0.01 for a demo); default 1
  --name NAME            run: the execution's name (default a UUID)
  --create-target        run: create the request's target user or role in the embedded IAM
                         when it does not exist (seed-shaped input; embedded IAM only)
  --provider NAME        who answers bedrock:invokeModel: offline (default), bedrock,
                         bedrock-converse, anthropic, openai
  --model ID, --region REGION, --endpoint URL
                         the provider's model, Bedrock region, endpoint or base URL
  --once                 resume: one pass over what is due now, without waiting (by default
                         resume waits until every execution has ended, except those waiting
                         for a task token to be answered)

run prints {"status", "output", "history": [{"type", "stateName", "timestamp"}]} with
--format json. Every subcommand that runs executions also resumes the due ones in the data dir.

Exit codes: 0 the execution(s) succeeded, 1 an execution failed, timed out or was aborted,
2 bad usage, definition or input, 3 runtime failure.
`;

export const workflowCommand: Command = {
  help: HELP,
  run: runWorkflow,
};

const SHARED = {
  'data-dir': { type: 'string' },
  format: { type: 'string' },
  'wait-scale': { type: 'string' },
  provider: { type: 'string' },
  model: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
} as const;

const SUBCOMMANDS = [
  'run',
  'resume',
  'describe',
  'send-task-success',
  'send-task-failure',
  'export',
  'prune',
] as const;

async function runWorkflow(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'run':
      return runExecution(rest, io);
    case 'resume':
      return resumeExecutions(rest, io);
    case 'describe':
      return describe(rest, io);
    case 'send-task-success':
    case 'send-task-failure':
      return answerToken(sub, rest, io);
    case 'export':
      return (await import('./workflow-export.ts')).runWorkflowExport(rest, io);
    case 'prune':
      return prune(rest, io);
    case undefined:
      throw new UsageError(`a subcommand is required: ${SUBCOMMANDS.join(', ')}`);
    default:
      throw new UsageError(`unknown subcommand "${sub}": use ${SUBCOMMANDS.join(', ')}`);
  }
}

interface Environment {
  readonly store: Store;
  readonly backend: IamBackend;
  readonly engine: WorkflowEngine;
  readonly runner: WorkflowRunner;
  close(): Promise<void>;
}

function waitScaleOf(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 0 || raw.trim() === '') {
    throw new UsageError(`--wait-scale must be a non-negative number (got "${raw}")`);
  }
  return scale;
}

async function modelFor(
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
): Promise<BedrockModel | undefined> {
  const provider = oneOf('provider', values.provider as string | undefined, PROVIDERS, 'offline');
  if (provider === 'offline') return undefined;
  const { createProvider } = await import('../generate/providers/index.ts');
  const { providerModel } = await import('../workflow/index.ts');
  const endpoint = values.endpoint as string | undefined;
  return providerModel(
    createProvider(
      provider as LlmProviderName,
      {
        model: values.model as string | undefined,
        region: values.region as string | undefined,
        ...(provider.startsWith('bedrock') ? { endpoint } : { baseURL: endpoint }),
      },
      io.env,
    ),
  );
}

async function openEnvironment(
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
  onEvents?: (id: string, events: readonly HistoryEvent[]) => void,
): Promise<Environment> {
  const waitScale = waitScaleOf(values['wait-scale'] as string | undefined);
  const model = await modelFor(values, io);
  const dataDir = values['data-dir'] as string | undefined;
  const workflow = await import('../workflow/index.ts');
  return openData(dataDir, io, async ({ store, backend, close }) => {
    const { Account } = await backend.getCallerIdentity();
    const engine = new workflow.WorkflowEngine({
      store: new workflow.KyselyExecutionStore(store.db),
      connectors: workflow.defaultConnectors({ backend, ...(model ? { model } : {}) }),
      accountId: Account,
      waitScale,
      ...(onEvents ? { onEvents } : {}),
    });
    const runner = new workflow.WorkflowRunner(engine, { pollIntervalMs: 250 });
    return {
      store,
      backend,
      engine,
      runner,
      async close() {
        await runner.stop();
        await close();
      },
    };
  });
}

async function readJsonFile(path: string, what: string, io: CliIo): Promise<unknown> {
  const text = path === '-' ? await io.readStdin() : await readInputFile(path);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

function historyItems(events: readonly HistoryEvent[]) {
  return events.map((e) => ({ type: e.type, stateName: e.stateName ?? null, timestamp: e.timestamp }));
}

function eventLine(event: HistoryEvent): string {
  const detail = event.details.error !== undefined ? `  ${String(event.details.error)}` : '';
  return `  ${event.timestamp}  ${event.type}${event.stateName ? `  ${event.stateName}` : ''}${detail}\n`;
}

function exitFor(status: string): number {
  return status === 'SUCCEEDED' ? EXIT.ok : EXIT.checkFailed;
}

async function runExecution(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...SHARED,
      definition: { type: 'string' },
      input: { type: 'string' },
      name: { type: 'string' },
      'create-target': { type: 'boolean' },
    },
  });
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  if (values.definition === undefined) throw new UsageError('--definition FILE is required');
  if (values.input === undefined)
    throw new UsageError('--input FILE is required (use "-" for standard input)');
  const definition = (await readJsonFile(values.definition, 'definition', io)) as object;
  const input = (await readJsonFile(values.input, 'input', io)) as Json;
  const workflow = await import('../workflow/index.ts');

  const progress = format === 'text';
  let started: ExecutionDescription | undefined;
  const env = await openEnvironment(values, io, (id, events) => {
    if (progress && id === started?.executionId) for (const e of events) io.stdout.write(eventLine(e));
  });
  try {
    if (values['create-target']) await createTarget(env.backend, input);
    try {
      started = await env.engine.startExecution({
        definition,
        definitionName: definitionNameOf(values.definition),
        input,
        ...(values.name !== undefined ? { name: values.name } : {}),
      });
    } catch (err) {
      if (
        err instanceof workflow.DefinitionError ||
        err instanceof RangeError ||
        err instanceof workflow.ExecutionExistsError
      ) {
        throw new UsageError(err.message);
      }
      if (err instanceof workflow.StatesError) throw new UsageError(`the input: ${err.cause}`);
      throw err;
    }
    if (progress) {
      io.stdout.write(`Execution ${started.executionId}\n`);
      for (const e of await env.engine.getExecutionHistory(started.executionId))
        io.stdout.write(eventLine(e));
    }
    env.runner.start();
    await env.runner.settled(started.executionId);
    const done = await env.engine.describeExecution(started.executionId);
    const history = await env.engine.getExecutionHistory(started.executionId);
    if (format === 'json') {
      io.stdout.write(
        `${JSON.stringify({ status: done.status, output: done.output ?? null, history: historyItems(history) }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(`Status: ${done.status}\n`);
      if (done.output !== undefined) io.stdout.write(`Output: ${JSON.stringify(done.output, null, 2)}\n`);
    }
    if (done.error !== undefined || done.cause !== undefined) {
      io.stderr.write(
        `grantflow workflow run: ${done.status}: ${done.error ?? ''}${done.cause ? `: ${done.cause}` : ''}\n`,
      );
    }
    return exitFor(done.status);
  } finally {
    await env.close();
  }
}

function definitionNameOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? 'grantflow';
  const name = base
    .replace(/\.(asl\.)?json$/i, '')
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 80);
  return name === '' || name === '-' ? 'grantflow' : name;
}

/** Creates the seed input's target user or role in the embedded IAM when it is missing. */
async function createTarget(backend: IamBackend, input: Json): Promise<void> {
  if (!(backend instanceof LocalIamBackend)) {
    throw new UsageError('--create-target works on the embedded IAM only (GRANTFLOW_BACKEND is not local)');
  }
  const request = input as Record<string, unknown> | null;
  const arn = request?.target_iam_identity_arn;
  const match =
    typeof arn === 'string'
      ? /^arn:[a-z-]+:iam::\d{12}:(user|role)\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(arn)
      : null;
  if (!match) {
    throw new UsageError(
      "--create-target needs the input's target_iam_identity_arn: an IAM user or role ARN",
    );
  }
  const [, kind, name] = match as unknown as [string, 'user' | 'role', string];
  try {
    if (kind === 'user') await backend.getUser({ UserName: name });
    else await backend.getRole({ RoleName: name });
    return;
  } catch (err) {
    if (!isCloudError(err, 'NoSuchEntity')) throw err;
  }
  if (kind === 'user') {
    await backend.createUser({ UserName: name });
  } else {
    const { Account } = await backend.getCallerIdentity();
    await backend.createRole({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${Account}:root` }, Action: 'sts:AssumeRole' },
        ],
      }),
    });
  }
}

async function resumeExecutions(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...SHARED, once: { type: 'boolean' } } });
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  const env = await openEnvironment(values, io, (id, events) => {
    if (format === 'text') for (const e of events) io.stdout.write(`${id}${eventLine(e)}`);
  });
  try {
    // Access-request executions need grantflow's own connectors: `grants --resume`, `reconcile`
    // and `serve` run them; here they are left alone rather than failed for a missing connector.
    const running = await env.store.db
      .selectFrom('workflow_executions')
      .select('id')
      .where('status', '=', 'RUNNING')
      .where(
        'id',
        'not in',
        env.store.db
          .selectFrom('access_requests')
          .select('execution_id')
          .where('execution_id', 'is not', null),
      )
      .execute();
    const ids = running.map((r) => r.id);
    if (values.once) {
      // One pass: each execution runs what is due now, up to its next wait or its end.
      for (const id of ids) if (!(await waitsOnToken(env, id))) await env.engine.drive(id);
    } else {
      env.runner.start();
      await Promise.all(
        ids.map(async (id) => {
          // An execution waiting for a task token waits for someone to answer: leave it.
          if (await waitsOnToken(env, id)) return;
          await env.runner.settled(id);
        }),
      );
    }
    const results = await Promise.all(ids.map((id) => env.engine.describeExecution(id)));
    if (format === 'json') {
      io.stdout.write(
        `${JSON.stringify(
          results.map((r) => ({
            executionId: r.executionId,
            status: r.status,
            output: r.output ?? null,
            ...(r.error !== undefined ? { error: r.error } : {}),
            ...(r.cause !== undefined ? { cause: r.cause } : {}),
          })),
          null,
          2,
        )}\n`,
      );
    } else {
      if (results.length === 0) io.stdout.write('No execution to resume.\n');
      for (const r of results)
        io.stdout.write(`${r.executionId}: ${r.status}${r.error ? ` (${r.error})` : ''}\n`);
    }
    return results.every((r) => r.status === 'SUCCEEDED' || r.status === 'RUNNING')
      ? EXIT.ok
      : EXIT.checkFailed;
  } finally {
    await env.close();
  }
}

/** Whether an execution waits for a task token to be answered (which `resume` does not wait for). */
async function waitsOnToken(env: Environment, id: string): Promise<boolean> {
  const tail = await env.engine.store.loadTail(id);
  if (!tail) return false;
  const now = new Date().toISOString();
  const pending = tail.waits.filter((w) => w.completedAt === undefined);
  return (
    pending.length > 0 &&
    pending.every((w) => w.kind === 'task_token' && (w.wakeAt === undefined || w.wakeAt > now))
  );
}

async function describe(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, format: { type: 'string' } },
    allowPositionals: true,
  });
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  if (positionals.length !== 1) throw new UsageError('describe takes one execution id');
  const workflow = await import('../workflow/index.ts');
  const store = await openStore(storeConfigFor({ dataDir: values['data-dir'], env: io.env, cwd: io.cwd }));
  try {
    const engine = new workflow.WorkflowEngine({
      store: new workflow.KyselyExecutionStore(store.db),
      connectors: {},
    });
    let description: ExecutionDescription;
    try {
      description = await engine.describeExecution(positionals[0]!);
    } catch (err) {
      if (err instanceof workflow.ExecutionNotFoundError) throw new UsageError(err.message);
      throw err;
    }
    const history = await engine.getExecutionHistory(description.executionId);
    if (format === 'json') {
      io.stdout.write(`${JSON.stringify({ ...description, history }, null, 2)}\n`);
    } else {
      io.stdout.write(`Execution ${description.executionId}: ${description.status}\n`);
      if (description.currentState) io.stdout.write(`Current state: ${description.currentState}\n`);
      for (const e of history) io.stdout.write(eventLine(e));
      if (description.output !== undefined)
        io.stdout.write(`Output: ${JSON.stringify(description.output, null, 2)}\n`);
      if (description.error !== undefined)
        io.stdout.write(`Error: ${description.error}: ${description.cause ?? ''}\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function answerToken(
  sub: 'send-task-success' | 'send-task-failure',
  argv: string[],
  io: CliIo,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...SHARED,
      token: { type: 'string' },
      output: { type: 'string' },
      error: { type: 'string' },
      cause: { type: 'string' },
    },
  });
  if (values.token === undefined) throw new UsageError('--token is required');
  let output: Json = {};
  if (values.output !== undefined) {
    try {
      output = JSON.parse(values.output) as Json;
    } catch (err) {
      throw new UsageError(`--output is not valid JSON: ${(err as Error).message}`);
    }
  }
  const workflow = await import('../workflow/index.ts');
  const env = await openEnvironment(values, io);
  try {
    try {
      if (sub === 'send-task-success') await env.engine.sendTaskSuccess(values.token, output);
      else await env.engine.sendTaskFailure(values.token, values.error, values.cause);
    } catch (err) {
      if (err instanceof workflow.InvalidTaskTokenError) throw new UsageError(`${err.code}: ${err.message}`);
      if (err instanceof workflow.StatesError) throw new UsageError(err.cause);
      throw err;
    }
    io.stdout.write('The task token was answered; the execution continues when a runner picks it up.\n');
    return EXIT.ok;
  } finally {
    await env.close();
  }
}

async function prune(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      format: { type: 'string' },
      'older-than-days': { type: 'string' },
      actor: { type: 'string' },
    },
    allowPositionals: true,
  });
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  if (positionals.length > 0) throw new UsageError(`prune takes no arguments (got "${positionals[0]}")`);
  if (values['older-than-days'] === undefined) throw new UsageError('--older-than-days N is required');
  const workflow = await import('../workflow/index.ts');
  const days = daysOption('older-than-days', values['older-than-days'], workflow.MIN_RETENTION_DAYS);
  const store = await openStore(storeConfigFor({ dataDir: values['data-dir'], env: io.env, cwd: io.cwd }));
  try {
    const outcome = await workflow.pruneEndedExecutions(store, {
      retentionDays: days,
      now: new Date(),
      actor: values.actor ?? osUserName(),
    });
    io.stdout.write(
      format === 'json'
        ? `${JSON.stringify(outcome, null, 2)}\n`
        : `Deleted ${outcome.deleted} execution${outcome.deleted === 1 ? '' : 's'} that ended before ${outcome.stoppedBefore}, with their history.\n`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
