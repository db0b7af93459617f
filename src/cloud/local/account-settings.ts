// The account's own settings in iam_settings: its id and creation time, fixed on first use, and the
// root access key the emulator accepts.
import type { Store } from '../../store/index.ts';
import { CloudError } from '../errors.ts';
import type { IamContext, Reader } from './context.ts';
import { accessKeyId, secretAccessKey } from './ids.ts';

export const DEFAULT_ACCOUNT_ID = '123456789012';

type Settings = Map<string, string>;

async function readSettings(db: Reader, names: readonly string[]): Promise<Settings> {
  const rows = await db.selectFrom('iam_settings').selectAll().where('name', 'in', names).execute();
  return new Map(rows.map((r) => [r.name, r.value]));
}

/**
 * The account a store holds, stored on first use (as `wanted`, else the default); InvalidInput when
 * the store already holds another account than `wanted`.
 */
export async function openAccount(
  store: Store,
  wanted: string | undefined,
  now: string,
): Promise<{ accountId: string; created: string }> {
  const { accountId, created } = await store.db.transaction().execute(async (trx) => {
    const stored = await readSettings(trx, ['account_id', 'account_created']);
    const id = stored.get('account_id');
    if (id !== undefined) return { accountId: id, created: stored.get('account_created') ?? now };
    const fresh = wanted ?? DEFAULT_ACCOUNT_ID;
    await trx
      .insertInto('iam_settings')
      .values([
        { name: 'account_id', value: fresh },
        { name: 'account_created', value: now },
      ])
      .execute();
    return { accountId: fresh, created: now };
  });
  if (wanted !== undefined && wanted !== accountId) {
    throw new CloudError('InvalidInput', `This store holds account ${accountId}, not ${wanted}.`);
  }
  return { accountId, created };
}

export interface RootKey {
  AccessKeyId: string;
  SecretAccessKey: string;
}

const ROOT_KEY = ['root_access_key_id', 'root_secret_access_key'] as const;

/** The stored root access key id and secret, each undefined when not stored. */
export async function storedRootKey(db: Reader): Promise<{ id?: string; secret?: string }> {
  const stored = await readSettings(db, ROOT_KEY);
  return { id: stored.get(ROOT_KEY[0]), secret: stored.get(ROOT_KEY[1]) };
}

/**
 * The access key used to sign emulator requests as the account root: the configured one, else the
 * one stored on first use, else a new one (stored, so clients keep working across restarts).
 */
export async function rootAccessKey(iam: IamContext, configured?: RootKey): Promise<RootKey> {
  return iam.write(async (trx) => {
    if (configured) {
      for (const [name, value] of [
        [ROOT_KEY[0], configured.AccessKeyId],
        [ROOT_KEY[1], configured.SecretAccessKey],
      ] as const) {
        await iam.upsert(trx.insertInto('iam_settings').values({ name, value }), ['name'], { value });
      }
      return configured;
    }
    const { id, secret } = await storedRootKey(trx);
    if (id && secret) return { AccessKeyId: id, SecretAccessKey: secret };
    const fresh = { AccessKeyId: accessKeyId(iam.random), SecretAccessKey: secretAccessKey(iam.random) };
    await trx
      .insertInto('iam_settings')
      .values([
        { name: ROOT_KEY[0], value: fresh.AccessKeyId },
        { name: ROOT_KEY[1], value: fresh.SecretAccessKey },
      ])
      .execute();
    return fresh;
  });
}
