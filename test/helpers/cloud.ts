// Backends for cross-module cloud tests: the embedded IAM in process, and the AWS SDK backend
// talking to the emulator (serving its own embedded IAM) on an ephemeral 127.0.0.1 port.
import { AwsIamBackend, LocalIamBackend, startEmulator } from '../../src/cloud/index.ts';
import type { IamBackend, LocalBackendOptions, RunningEmulator } from '../../src/cloud/index.ts';
import { openStore } from '../../src/store/index.ts';

export interface BackendUnderTest {
  readonly name: 'local' | 'aws-via-emulator';
  readonly backend: IamBackend;
  /** The embedded IAM holding the data (the emulator's, for the aws path). */
  readonly local: LocalIamBackend;
  readonly emulator?: RunningEmulator;
  close(): Promise<void>;
}

export async function openMemoryLocal(options: LocalBackendOptions = {}): Promise<LocalIamBackend> {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  return LocalIamBackend.open(store, { ownsStore: true, ...options });
}

export async function localUnderTest(options: LocalBackendOptions = {}): Promise<BackendUnderTest> {
  const local = await openMemoryLocal(options);
  return { name: 'local', backend: local, local, close: () => local.close() };
}

export async function awsUnderTest(
  options: LocalBackendOptions & { authorize?: boolean } = {},
): Promise<BackendUnderTest> {
  const local = await openMemoryLocal(options);
  const emulator = await startEmulator({ backend: local, authorize: options.authorize ?? false });
  const backend = new AwsIamBackend({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: {
      accessKeyId: emulator.credentials.AccessKeyId,
      secretAccessKey: emulator.credentials.SecretAccessKey,
    },
  });
  return {
    name: 'aws-via-emulator',
    backend,
    local,
    emulator,
    close: async () => {
      await backend.close();
      await emulator.close();
      await local.close();
    },
  };
}

/** An identity policy allowing the given actions on everything. */
export function allowDoc(actions: string | string[], resource: string | string[] = '*'): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
  });
}

/** Runs a call expected to fail and returns its error. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; httpStatus: number }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string; httpStatus: number };
  }
  throw new Error('expected the call to fail');
}
