// `grantflow emulator`: serves the embedded IAM over AWS's wire protocol (IAM, STS
// GetCallerIdentity, SNS Publish) so the AWS CLI and SDKs work against it with an endpoint URL.
import { parseArgs } from 'node:util';
import { LocalIamBackend, backendConfigFor, startEmulator } from '../cloud/index.ts';
import { describeStore, openStore } from '../store/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, oneOf } from './io.ts';
import type { CliIo } from './io.ts';

const HELP = `Usage: grantflow emulator [options]

Serves the embedded IAM (the data directory's) as an AWS-compatible endpoint: the IAM Query API
(2010-05-08), STS GetCallerIdentity and SNS Publish. Requests must be signed (SigV4) with the
root access key printed at start, or with a user's key from CreateAccessKey.

Options:
  --port PORT              port to listen on (default 4566; 0 picks a free one)
  --host HOST              address to bind (default 127.0.0.1)
  --data-dir DIR           the embedded IAM's data directory (default ./.grantflow)
  --authorize              decide each IAM user's call with its identity policies (AccessDenied)
  --access-key-id ID       use this root access key (with --secret-access-key) instead of the
  --secret-access-key KEY  stored one (also GRANTFLOW_EMULATOR_ACCESS_KEY_ID / _SECRET_ACCESS_KEY)
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
      format: { type: 'string' },
    },
  });
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  const portText = values.port ?? '4566';
  if (!/^\d+$/.test(portText) || Number(portText) > 65_535) {
    throw new UsageError(`--port must be a number from 0 to 65535 (got "${portText}")`);
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
  const info = {
    endpoint: emulator.url,
    accountId: backend.accountId,
    accessKeyId: emulator.credentials.AccessKeyId,
    secretAccessKey: emulator.credentials.SecretAccessKey,
    database: describeStore(config.store),
    authorize: values.authorize ?? false,
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
  }
  await (run.until ?? untilSignal());
  await emulator.close();
  await backend.close();
  return EXIT.ok;
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
