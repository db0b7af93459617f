// Shared setup for the lifecycle tests: a store and embedded IAM in a temporary directory, the
// seed's target user, a notifier that remembers what it was asked to send.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalIamBackend } from '../src/cloud/index.ts';
import type { Notification, Notifier } from '../src/notify/types.ts';
import { openStore } from '../src/store/index.ts';
import type { Store, StoreConfig } from '../src/store/index.ts';
import { LifecycleService } from '../src/workflow/lifecycle/index.ts';
import type { LifecycleOptions } from '../src/workflow/lifecycle/index.ts';

export const seedRequest = (seconds: number, task?: string) => ({
  requested_task:
    task ?? 'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다. 권한 요청드립니다.',
  target_iam_identity: 'USER',
  target_iam_identity_arn: 'arn:aws:iam::123456789012:user/dev-kim',
  required_attach_time: seconds,
  account_id: '123456789012',
  region: 'ap-northeast-2',
});

export interface Harness {
  readonly dir: string;
  readonly store: Store;
  readonly backend: LocalIamBackend;
  readonly service: LifecycleService;
  readonly sent: Notification[];
  close(): Promise<void>;
}

/** A harness on SQLite in `dir` (a new temporary directory by default), or on `database`. */
export async function harness(
  options: Partial<LifecycleOptions> = {},
  dir?: string,
  database?: StoreConfig,
): Promise<Harness> {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'grantflow-lifecycle-'));
  const store = await openStore(database ?? { kind: 'sqlite', path: join(root, 'grantflow.db') });
  const backend = await LocalIamBackend.open(store);
  try {
    await backend.getUser({ UserName: 'dev-kim' });
  } catch {
    await backend.createUser({ UserName: 'dev-kim' });
  }
  const sent: Notification[] = [];
  const notifier: Notifier = { notify: async (n) => void sent.push(n) };
  const service = await LifecycleService.open({
    store,
    backend,
    notifier,
    waitScale: 0.001,
    pollIntervalMs: 50,
    ...options,
  });
  return {
    dir: root,
    store,
    backend,
    service,
    sent,
    async close() {
      await service.stop();
      await store.close();
      if (!dir) rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function attachedPolicies(backend: LocalIamBackend): Promise<string[]> {
  const { AttachedPolicies } = await backend.listAttachedUserPolicies({ UserName: 'dev-kim' });
  return AttachedPolicies.map((p) => p.PolicyArn);
}

export async function grantflowPolicies(backend: LocalIamBackend): Promise<string[]> {
  const { Policies } = await backend.listPolicies({ Scope: 'Local', PathPrefix: '/grantflow/' });
  return Policies.map((p) => p.Arn);
}
