// The tasks function as deployed on AWS Lambda (the `handler` export; see `grantflow workflow export
// --target stepfunctions`). Its configuration is the environment, with the names the CLI reads:
//
//   GRANTFLOW_DATABASE_URL   the store grantflow's other processes share: postgres://… or mysql://…
//                            (a Lambda's disk does not outlive it, so no SQLite)
//   GRANTFLOW_DATABASE_URL_SECRET
//                            or the ARN of a Secrets Manager secret holding that URL (what the
//                            deployed template gives: see database-secret.ts); one of the two
//   GRANTFLOW_PROVIDER       the drafter's LLM provider (bedrock, bedrock-converse, anthropic,
//                            openai) with that provider's variables; unset: the offline drafter
//   GRANTFLOW_NOTIFY_*       notification channels (SNS topics, Slack, webhook, e-mail, log)
//
// The store, notifier and connectors are built on the first invocation and kept for the next ones
// of the same Lambda instance.
import { openBackend } from '../../cloud/index.ts';
import type { Drafter } from '../../generate/drafter.ts';
import { createNotifier, loadNotifyConfig } from '../../notify/index.ts';
import { openStore, storeConfigFor } from '../../store/index.ts';
import type { Store } from '../../store/index.ts';
import { grantflowConnectors } from '../connectors/grantflow.ts';
import type { Json } from '../json.ts';
import { databaseUrlFromSecret } from './database-secret.ts';
import { tasksFunction } from './tasks-function.ts';
import type { TasksFunction, TasksFunctionContext } from './tasks-function.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface TasksRuntime {
  readonly run: TasksFunction;
  readonly store: Store;
  close(): Promise<void>;
}

/** Builds the tasks function from the environment (exported for tests and other hosts). */
export async function openTasksRuntime(env: Env = process.env, cwd = process.cwd()): Promise<TasksRuntime> {
  const secret = env.GRANTFLOW_DATABASE_URL_SECRET;
  if (secret && env.GRANTFLOW_DATABASE_URL)
    throw new Error('set GRANTFLOW_DATABASE_URL or GRANTFLOW_DATABASE_URL_SECRET, not both');
  const drafter = await drafterFrom(env);
  const url = secret ? await databaseUrlFromSecret(secret, env) : env.GRANTFLOW_DATABASE_URL;
  const config = storeConfigFor({ env: { ...env, GRANTFLOW_DATABASE_URL: url }, cwd });
  if (!url || config.kind === 'sqlite')
    throw new Error(
      'GRANTFLOW_DATABASE_URL (or the secret GRANTFLOW_DATABASE_URL_SECRET names) must name the shared ' +
        'PostgreSQL or MySQL database (postgres://… or mysql://…)',
    );
  const store = await openStore(config);
  try {
    // SNS notifications publish through the AWS backend; the other channels need no backend.
    const backend = await openBackend({ kind: 'aws', env });
    const log = {
      write: (chunk: string, done: (err?: Error | null) => void) => (process.stdout.write(chunk), done()),
    };
    const notifier = createNotifier(await loadNotifyConfig({ env, cwd }), {
      backend,
      stdout: log,
      stderr: log,
    });
    const run = tasksFunction(
      grantflowConnectors({
        db: store.db,
        notifier,
        ...(drafter ? { drafter } : {}),
        onNotifierError: (err, n) =>
          console.error(`grantflow: notification ${n.event} failed: ${(err as Error)?.message ?? err}`),
      }),
    );
    return {
      run,
      store,
      async close() {
        await backend.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function drafterFrom(env: Env): Promise<Drafter | undefined> {
  const name = env.GRANTFLOW_PROVIDER;
  if (name === undefined || name === '' || name === 'offline') return undefined;
  const providers = await import('../../generate/providers/index.ts');
  if (!providers.isLlmProviderName(name))
    throw new Error(
      `GRANTFLOW_PROVIDER "${name}" is not a provider: use offline, bedrock, bedrock-converse, anthropic or openai`,
    );
  const { llmDrafter } = await import('../../generate/llm-drafter.ts');
  return llmDrafter(providers.createProvider(name, {}, env));
}

let runtime: Promise<TasksRuntime> | undefined;

/** The Lambda handler (runtime nodejs22.x or later). */
export async function handler(event: unknown, context?: TasksFunctionContext): Promise<Json> {
  runtime ??= openTasksRuntime().catch((err: unknown) => {
    // The next invocation tries again (the database may have been briefly unreachable).
    runtime = undefined;
    throw err;
  });
  return (await runtime).run(event, context);
}
