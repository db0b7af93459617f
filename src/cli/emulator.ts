// `grantflow emulator`: serves the embedded IAM over AWS's wire protocol (IAM, STS
// GetCallerIdentity, SNS Publish) so the AWS CLI and SDKs work against it with an endpoint URL;
// with --stepfunctions-port, also Step Functions with grantflow's lifecycle deployed on it.
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalIamBackend, backendConfigFor, startEmulator } from '../cloud/index.ts';
import { DEFAULT_DATA_DIR, describeStore, openStore } from '../store/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, oneOf } from './io.ts';
import type { CliIo } from './io.ts';

const HELP = `Usage: grantflow emulator [options]

Serves the embedded IAM (the data directory's) as an AWS-compatible endpoint: the IAM Query API
(2010-05-08), STS GetCallerIdentity and SNS Publish. Requests must be signed (SigV4) with the
root access key printed at start, or with a user's key from CreateAccessKey.

With --stepfunctions-port, a Step Functions endpoint (AWS JSON 1.0, same key) runs grantflow's
lifecycle as \`workflow export\` deploys it on AWS: the exported definition, its grantflow steps in
the tasks function (hosted here, on the data directory's store), its IAM calls on the embedded
IAM. Set the printed GRANTFLOW_STATE_MACHINE_ARN and GRANTFLOW_STEPFUNCTIONS_ENDPOINT (and the key)
and the lifecycle commands use it. Its executions are kept in stepfunctions.db beside the store.

Options:
  --port PORT              port to listen on (default 4566; 0 picks a free one)
  --host HOST              address to bind (default 127.0.0.1)
  --data-dir DIR           the embedded IAM's data directory (default ./.grantflow)
  --authorize              decide each IAM user's call with its identity policies (AccessDenied)
  --access-key-id ID       use this root access key (with --secret-access-key) instead of the
  --secret-access-key KEY  stored one (also GRANTFLOW_EMULATOR_ACCESS_KEY_ID / _SECRET_ACCESS_KEY)
  --stepfunctions-port PORT  also serve Step Functions there, with the lifecycle deployed (0: any)
  --format FORMAT          text (default) or json: how the start-up line is printed

Stops on Ctrl-C (SIGINT) or SIGTERM.
`;

export const emulatorCommand: Command = {
  help: HELP,
  run: (argv, io) => runEmulator(argv, io),
};

export interface EmulatorRunOptions {
  /** Resolves when the emulator should stop; default: SIGINT or SIGTERM. */
  readonly until?: Promise<unknown>;
}

export async function runEmulator(argv: string[], io: CliIo, run: EmulatorRunOptions = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      authorize: { type: 'boolean' },
      'access-key-id': { type: 'string' },
      'secret-access-key': { type: 'string' },
      'stepfunctions-port': { type: 'string' },
      format: { type: 'string' },
    },
  });
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  const portText = values.port ?? '4566';
  if (!/^\d+$/.test(portText) || Number(portText) > 65_535) {
    throw new UsageError(`--port must be a number from 0 to 65535 (got "${portText}")`);
  }
  const sfnPortText = values['stepfunctions-port'];
  if (sfnPortText !== undefined && (!/^\d+$/.test(sfnPortText) || Number(sfnPortText) > 65_535)) {
    throw new UsageError(`--stepfunctions-port must be a number from 0 to 65535 (got "${sfnPortText}")`);
  }
  const keyId = values['access-key-id'] ?? io.env.GRANTFLOW_EMULATOR_ACCESS_KEY_ID;
  const secret = values['secret-access-key'] ?? io.env.GRANTFLOW_EMULATOR_SECRET_ACCESS_KEY;
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new UsageError('give both --access-key-id and --secret-access-key, or neither');
  }
  if (keyId !== undefined && !/^[A-Z0-9]{16,128}$/.test(keyId)) {
    throw new UsageError('--access-key-id must be 16 to 128 upper-case letters and digits');
  }
  const config = backendConfigFor({
    dataDir: values['data-dir'],
    env: io.env,
    cwd: io.cwd,
    backend: 'local',
  });
  if (config.kind !== 'local') throw new UsageError('the emulator serves the embedded IAM only');
  const store = await openStore(config.store);
  const backend = await LocalIamBackend.open(store, { ownsStore: true });
  const emulator = await startEmulator({
    backend,
    host: values.host ?? '127.0.0.1',
    port: Number(portText),
    authorize: values.authorize ?? false,
    ...(keyId !== undefined && secret !== undefined
      ? { rootCredentials: { AccessKeyId: keyId, SecretAccessKey: secret } }
      : {}),
  });
  let sfn: Awaited<ReturnType<typeof startStepFunctions>> | undefined;
  try {
    if (sfnPortText !== undefined) {
      const executionsPath = join(
        config.store.kind === 'sqlite'
          ? dirname(config.store.path)
          : resolve(io.cwd, io.env.GRANTFLOW_DATA_DIR ?? DEFAULT_DATA_DIR),
        'stepfunctions.db',
      );
      sfn = await startStepFunctions(io, backend, {
        executionsPath,
        credentials: emulator.credentials,
        host: values.host ?? '127.0.0.1',
        port: Number(sfnPortText),
      });
    }
  } catch (err) {
    await emulator.close();
    await backend.close();
    throw err;
  }
  const info = {
    endpoint: emulator.url,
    accountId: backend.accountId,
    accessKeyId: emulator.credentials.AccessKeyId,
    secretAccessKey: emulator.credentials.SecretAccessKey,
    database: describeStore(config.store),
    authorize: values.authorize ?? false,
    ...(sfn
      ? {
          stepFunctionsEndpoint: sfn.deployment.endpoint.url,
          stateMachineArn: sfn.deployment.stateMachineArn,
        }
      : {}),
  };
  if (format === 'json') io.stdout.write(`${JSON.stringify(info)}\n`);
  else {
    io.stdout.write(
      `grantflow emulator listening on ${info.endpoint} (account ${info.accountId}${info.authorize ? ', authorizing calls' : ''})\n` +
        `  data:   ${info.database}\n` +
        `  export AWS_ACCESS_KEY_ID=${info.accessKeyId}\n` +
        `  export AWS_SECRET_ACCESS_KEY=${info.secretAccessKey}\n` +
        `  aws iam list-users --endpoint-url ${info.endpoint} --region us-east-1\n`,
    );
    if (sfn)
      io.stdout.write(
        `Step Functions on ${info.stepFunctionsEndpoint}, grantflow's lifecycle deployed:\n` +
          `  export GRANTFLOW_STEPFUNCTIONS_ENDPOINT=${info.stepFunctionsEndpoint}\n` +
          `  export GRANTFLOW_STATE_MACHINE_ARN=${info.stateMachineArn}\n`,
      );
  }
  await (run.until ?? untilSignal());
  await sfn?.close();
  await emulator.close();
  await backend.close();
  return EXIT.ok;
}

/** The local Step Functions endpoint with the lifecycle deployed, its tasks function on this store. */
async function startStepFunctions(
  io: CliIo,
  backend: LocalIamBackend,
  options: {
    executionsPath: string;
    credentials: { AccessKeyId: string; SecretAccessKey: string };
    host: string;
    port: number;
  },
) {
  const [{ deployLifecycleLocally, tasksFunction }, { grantflowConnectors }, { configuredNotifier }] =
    await Promise.all([
      import('../workflow/stepfunctions/index.ts'),
      import('../workflow/connectors/grantflow.ts'),
      import('./lifecycle.ts'),
    ]);
  const executions = await openStore({ kind: 'sqlite', path: options.executionsPath });
  try {
    const tasks = tasksFunction(
      grantflowConnectors({ db: backend.store.db, notifier: await configuredNotifier(io, backend) }),
    );
    const deployment = await deployLifecycleLocally({
      executions: executions.db,
      backend,
      tasks,
      credentials: options.credentials,
      accountId: backend.accountId,
      host: options.host,
      port: options.port,
    });
    return {
      deployment,
      async close() {
        await deployment.close();
        await executions.close();
      },
    };
  } catch (err) {
    await executions.close();
    throw err;
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
