// What every operation of the embedded IAM works with: the store, the account, its quotas, the clock
// and the random source, and the two kinds of transaction. Every change runs in one write
// transaction (BEGIN IMMEDIATE on SQLite: store/sqlite.ts), so concurrent callers, in this process or
// another, see each operation whole; operations check what needs only the input (syntax, validator
// findings) before they open it, so it stays short.
import type { InsertQueryBuilder, InsertResult, Kysely, Transaction, UpdateObject } from 'kysely';
import type { Store, StoreTables } from '../../store/index.ts';
import type { RandomBytes } from './ids.ts';
import type { IamQuotas } from './quotas.ts';

export type Db = Kysely<StoreTables>;
export type Trx = Transaction<StoreTables>;
/** Where reads run: inside a transaction, or straight on the database for single queries. */
export type Reader = Db | Trx;

const PARTITION = 'aws';

/** IAM names are unique without regard to case; rows are keyed by the lower-case name. */
export const key = (name: string) => name.toLowerCase();

export class IamContext {
  readonly store: Store;
  readonly db: Db;
  readonly accountId: string;
  /** When the account was first used, the root's creation time in the credential report. */
  readonly accountCreated: string;
  readonly quotas: IamQuotas;
  readonly clock: () => Date;
  readonly random: RandomBytes;

  constructor(fields: {
    store: Store;
    accountId: string;
    accountCreated: string;
    quotas: IamQuotas;
    clock: () => Date;
    random: RandomBytes;
  }) {
    this.store = fields.store;
    this.db = fields.store.db;
    this.accountId = fields.accountId;
    this.accountCreated = fields.accountCreated;
    this.quotas = fields.quotas;
    this.clock = fields.clock;
    this.random = fields.random;
  }

  now(): string {
    return this.clock().toISOString();
  }

  write<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  read<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return this.db.transaction().setAccessMode('read only').execute(fn);
  }

  /** arn:aws:iam::<account>:<type><path><name>, e.g. type 'user', path '/eng/', name 'kim'. */
  arn(type: string, path: string, name: string): string {
    return `arn:${PARTITION}:iam::${this.accountId}:${type}${path}${name}`;
  }

  get rootArn(): string {
    return `arn:${PARTITION}:iam::${this.accountId}:root`;
  }

  /** The ARN of an AWS managed policy, which lives in the `aws` account. */
  awsPolicyArn(path: string, name: string): string {
    return `arn:${PARTITION}:iam::aws:policy${path}${name}`;
  }

  /** Inserts a row, or updates `update` where one with the same `conflict` columns exists. */
  upsert<TB extends keyof StoreTables>(
    insert: InsertQueryBuilder<StoreTables, TB, InsertResult>,
    conflict: readonly (keyof StoreTables[TB] & string)[],
    update: UpdateObject<StoreTables, TB, TB>,
  ): Promise<InsertResult[]> {
    // MySQL spells an upsert differently from SQLite and PostgreSQL. (Kysely types the conflict
    // branch's update over its own view of the tables; the values are the same.)
    return (
      this.store.family === 'mysql'
        ? insert.onDuplicateKeyUpdate(update)
        : insert.onConflict((oc) => oc.columns(conflict).doUpdateSet(update as never))
    ).execute();
  }
}
