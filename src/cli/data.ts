// Opening what most commands act on: the store in the data directory (or database URL) and the
// IAM backend (the embedded IAM in that same store, or AWS when configured).
import { LocalIamBackend, backendConfigFor, openBackend } from '../cloud/index.ts';
import type { IamBackend } from '../cloud/index.ts';
import { openStore, storeConfigFor } from '../store/index.ts';
import type { Store } from '../store/index.ts';
import type { CliIo } from './io.ts';

export interface OpenedData {
  readonly store: Store;
  readonly backend: IamBackend;
  /** Closes the backend (unless it is the embedded one, which lives in the store) and the store. */
  close(): Promise<void>;
}

/**
 * Opens the store and the backend, then `use` builds on them; if that fails, both are closed
 * again before the error goes on.
 */
export async function openData<T>(
  dataDir: string | undefined,
  io: CliIo,
  use: (data: OpenedData) => Promise<T>,
): Promise<T> {
  const store = await openStore(storeConfigFor({ dataDir, env: io.env, cwd: io.cwd }));
  let backend: IamBackend | undefined;
  try {
    const config = backendConfigFor({ dataDir, env: io.env, cwd: io.cwd });
    backend = config.kind === 'local' ? await LocalIamBackend.open(store) : await openBackend(config);
    const opened = backend;
    return await use({
      store,
      backend,
      async close() {
        if (config.kind !== 'local') await opened.close();
        await store.close();
      },
    });
  } catch (err) {
    if (backend && !(backend instanceof LocalIamBackend)) await backend.close();
    await store.close();
    throw err;
  }
}
