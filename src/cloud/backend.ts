// Choosing a backend from configuration: the embedded IAM by default, AWS when asked for.
import { openStore, storeConfigFor } from '../store/index.ts';
import type { StoreConfig } from '../store/index.ts';
import { AwsIamBackend } from './aws/index.ts';
import type { AwsBackendOptions } from './aws/index.ts';
import { openLocalBackend } from './local/index.ts';
import type { LocalBackendOptions } from './local/index.ts';
import type { IamBackend } from './types.ts';

export type BackendConfig =
  | ({ readonly kind: 'local'; readonly store: StoreConfig } & LocalBackendOptions)
  | ({ readonly kind: 'aws' } & AwsBackendOptions);

export async function openBackend(config: BackendConfig): Promise<IamBackend> {
  if (config.kind === 'aws') return new AwsIamBackend(config);
  const store = await openStore(config.store);
  try {
    return await openLocalBackend(store, { ...config, ownsStore: true });
  } catch (err) {
    await store.close();
    throw err;
  }
}

/**
 * The backend a command uses: `aws` when GRANTFLOW_BACKEND=aws (with GRANTFLOW_AWS_ENDPOINT
 * as an optional endpoint), else the embedded IAM in the data directory.
 */
export function backendConfigFor(options: {
  readonly backend?: string;
  readonly dataDir?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}): BackendConfig {
  const kind = options.backend ?? options.env.GRANTFLOW_BACKEND ?? 'local';
  if (kind === 'aws') {
    const endpoint = options.endpoint ?? options.env.GRANTFLOW_AWS_ENDPOINT;
    return {
      kind: 'aws',
      env: options.env,
      ...(endpoint ? { endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
    };
  }
  if (kind !== 'local') throw new Error(`unknown backend "${kind}": use local or aws`);
  return { kind: 'local', store: storeConfigFor(options) };
}
