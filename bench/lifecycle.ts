// The access-request lifecycle on the embedded engine (SQLite store, embedded IAM, offline drafter):
//  1. throughput: N requests submitted through LifecycleService with a short required_attach_time,
//     timed from the first submit until every request is terminal;
//  2. revocation lateness: G grants held at once whose expiries fall within a short window; for
//     each, the time from its expiresAt to its policy being detached in IAM (whoever detached it:
//     its execution or the reconciler, which runs as `grantflow serve` runs it unless
//     --without-reconciler), and to its execution's DeletePolicy task succeeding.
// Run: `node bench/lifecycle.ts [--requests 500] [--attach-seconds 1] [--grants 10000]
//   [--window-seconds 10] [--lead-seconds 30] [--batch 250] [--skip-throughput] [--skip-lateness]
//   [--without-reconciler]`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalIamBackend } from '../src/cloud/index.ts';
import type { IamBackend } from '../src/cloud/index.ts';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/index.ts';
import { TERMINAL_REQUEST_STATUSES } from '../src/workflow/connectors/grantflow.ts';
import { LifecycleService } from '../src/workflow/lifecycle/index.ts';
import { startReconciler } from '../src/workflow/reconciler.ts';
import type { RunningReconciler } from '../src/workflow/reconciler.ts';

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '500' },
    'attach-seconds': { type: 'string', default: '1' },
    grants: { type: 'string', default: '10000' },
    'window-seconds': { type: 'string', default: '10' },
    'lead-seconds': { type: 'string', default: '30' },
    batch: { type: 'string', default: '250' },
    'poll-ms': { type: 'string', default: '250' },
    'timeout-seconds': { type: 'string', default: '1500' },
    'skip-throughput': { type: 'boolean', default: false },
    'skip-lateness': { type: 'boolean', default: false },
    /** Measure the engine alone, without the reconciler `grantflow serve` runs beside it. */
    'without-reconciler': { type: 'boolean', default: false },
    /** Executions the runner drives at once (default the runner's, 8). */
    concurrency: { type: 'string' },
  },
});
const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
  throw new Error('--concurrency: must be a positive whole number');
}

function positive(name: string): number {
  const v = Number(opts[name as keyof typeof opts]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name}: must be a positive whole number`);
  return v;
}
const requests = positive('requests');
const attachSeconds = positive('attach-seconds');
const grants = positive('grants');
const windowSeconds = positive('window-seconds');
const leadSeconds = positive('lead-seconds');
const batch = positive('batch');
const pollMs = positive('poll-ms');
const timeoutMs = positive('timeout-seconds') * 1000;
// The embedded IAM keeps AWS's default quota of 10 managed policies per user.
const PER_USER = 10;
const TERMINAL = TERMINAL_REQUEST_STATUSES as readonly string[];

const request = (user: string, seconds: number) => ({
  requested_task: 'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다. 권한 요청드립니다.',
  target_iam_identity: 'USER',
  target_iam_identity_arn: `arn:aws:iam::123456789012:user/${user}`,
  required_attach_time: seconds,
  account_id: '123456789012',
  region: 'ap-northeast-2',
});
const userName = (i: number) => `bench-${String(Math.floor(i / PER_USER)).padStart(5, '0')}`;

function machine(): void {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.startsWith('Model name:'));
    if (line) model = line.replace('Model name:', '').trim();
  } catch {
    // lscpu missing: keep os.cpus()'s model
  }
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  console.log(`machine: nproc ${nproc}; ${model}; node ${process.version}; ${process.platform}`);
  console.log(`date: ${new Date().toISOString()}`);
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`command: node bench/lifecycle.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
}

interface Bench {
  readonly dir: string;
  readonly dbPath: string;
  readonly store: Store;
  readonly service: LifecycleService;
  /** When each policy was first detached from its user (ms since the epoch), by policy ARN. */
  readonly detachedAt: Map<string, number>;
  close(): Promise<void>;
}

/** The backend, noting when each policy is first detached from a user, whoever asks. */
function timingDetaches(backend: IamBackend, detachedAt: Map<string, number>): IamBackend {
  return new Proxy(backend, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      // Bound to the backend itself: its methods use private fields a proxy does not have.
      if (prop !== 'detachUserPolicy') return (value as (...a: unknown[]) => unknown).bind(target);
      return async (input: { PolicyArn: string }) => {
        const out = (await (value as (i: unknown) => Promise<unknown>).call(target, input)) as unknown;
        if (!detachedAt.has(input.PolicyArn)) detachedAt.set(input.PolicyArn, Date.now());
        return out;
      };
    },
  });
}

async function openBench(users: number): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'grantflow-bench-lifecycle-'));
  const dbPath = join(dir, 'grantflow.db');
  const store = await openStore({ kind: 'sqlite', path: dbPath });
  const local = await LocalIamBackend.open(store);
  for (let u = 0; u < users; u++) await local.createUser({ UserName: userName(u * PER_USER) });
  const detachedAt = new Map<string, number>();
  const backend = timingDetaches(local, detachedAt);
  // No drafter given: the generate step uses the offline drafter. No notifier: nothing to send.
  const service = await LifecycleService.open({
    store,
    backend,
    pollIntervalMs: pollMs,
    ...(concurrency !== undefined ? { concurrency } : {}),
  });
  return {
    dir,
    dbPath,
    store,
    service,
    detachedAt,
    async close() {
      await service.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function statusCounts(store: Store): Promise<Map<string, number>> {
  const rows = await store.db
    .selectFrom('access_requests')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

const countOf = (counts: Map<string, number>, statuses: readonly string[]) =>
  statuses.reduce((sum, s) => sum + (counts.get(s) ?? 0), 0);

async function waitFor(store: Store, statuses: readonly string[], total: number, label: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await statusCounts(store);
    if (countOf(counts, statuses) >= total) return counts;
    if (Date.now() > deadline)
      throw new Error(`${label}: timed out; statuses ${JSON.stringify(Object.fromEntries(counts))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const fmt = (counts: Map<string, number>) => [...counts].map(([s, n]) => `${s} ${n}`).join(', ');

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function throughput(): Promise<void> {
  console.log(
    `\n[1] throughput: ${requests} requests, required_attach_time ${attachSeconds} s, ` +
      `${Math.ceil(requests / PER_USER)} target users, runner poll ${pollMs} ms, runner concurrency ${concurrency ?? 'default (8)'}`,
  );
  const b = await openBench(Math.ceil(requests / PER_USER));
  try {
    b.service.start();
    const started = performance.now();
    for (let i = 0; i < requests; i++)
      await b.service.submitRequest(request(userName(i), attachSeconds), 'bench');
    const submitted = performance.now();
    const counts = await waitFor(b.store, TERMINAL, requests, 'throughput');
    const ended = performance.now();
    const seconds = (ended - started) / 1000;
    console.log(
      `  store: SQLite file ${b.dbPath} (node:sqlite), ${statSync(b.dbPath).size} bytes at the end`,
    );
    console.log(`  submitting took ${((submitted - started) / 1000).toFixed(2)} s`);
    console.log(`  first submit → all terminal: ${seconds.toFixed(2)} s; statuses: ${fmt(counts)}`);
    console.log(
      `  ${(requests / seconds).toFixed(1)} requests/s through the whole lifecycle ` +
        `(includes the ${attachSeconds} s hold of each grant)`,
    );
  } finally {
    await b.close();
  }
}

async function lateness(): Promise<void> {
  const users = Math.ceil(grants / PER_USER);
  console.log(
    `\n[2] revocation lateness: ${grants} grants on ${users} users, expiries spread over ${windowSeconds} s, ` +
      `submitted in batches of ${batch} (each batch waited on until active), runner poll ${pollMs} ms`,
  );
  const b = await openBench(users);
  let reconciler: RunningReconciler | undefined;
  try {
    b.service.start();
    // As `grantflow serve` runs it: grace 60 s, a pass every 15 s, a policy left to its own
    // execution for 30 s after its expiry.
    if (!opts['without-reconciler'])
      reconciler = startReconciler({ backend: b.service.backend, runner: b.service.runner, store: b.store });
    console.log(`  reconciler: ${reconciler ? 'running, as grantflow serve runs it' : 'not running'}`);
    // Expiries are absolute (generate time + required_attach_time); each request's duration is
    // chosen so that it expires at `target + (i mod window)`, wherever creation has got to; the target
    // is `lead` seconds after the first submit, so creation must finish within it.
    const createStart = Date.now();
    const target = createStart + leadSeconds * 1000;
    let lastLog = createStart;
    for (let i = 0; i < grants; i += batch) {
      const n = Math.min(batch, grants - i);
      // Creation still under way near the target: the earliest grants would expire before the last
      // is attached, so measure the creation first (see --lead-seconds).
      if (Date.now() > target - 5000)
        throw new Error(
          `creation of ${i} grants took ${((Date.now() - createStart) / 1000).toFixed(0)} s, past the ` +
            `--lead-seconds ${leadSeconds} window; raise it`,
        );
      for (let k = 0; k < n; k++) {
        const seconds = Math.round((target - Date.now()) / 1000) + ((i + k) % windowSeconds);
        await b.service.submitRequest(request(userName(i + k), seconds), 'bench');
      }
      await waitFor(b.store, ['active', ...TERMINAL], i + n, 'creation');
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        console.log(`  … ${i + n} active after ${((Date.now() - createStart) / 1000).toFixed(1)} s`);
      }
    }
    const created = Date.now();
    const counts = await statusCounts(b.store);
    console.log(
      `  creating ${grants} grants (submit → active) took ${((created - createStart) / 1000).toFixed(1)} s ` +
        `(${((grants * 1000) / (created - createStart)).toFixed(1)} grants/s); statuses: ${fmt(counts)}`,
    );
    const bounds = await b.store.db
      .selectFrom('access_requests')
      .select((eb) => [eb.fn.min('expires_at').as('first'), eb.fn.max('expires_at').as('last')])
      .executeTakeFirstOrThrow();
    console.log(
      `  expiries from ${String(bounds.first)} to ${String(bounds.last)}; all attached ` +
        `${((Date.parse(String(bounds.first)) - created) / 1000).toFixed(1)} s before the first expiry`,
    );

    const final = await waitFor(b.store, TERMINAL, grants, 'revocation');
    console.log(`  all terminal at ${new Date().toISOString()}; statuses: ${fmt(final)}`);
    const ms = (v: number) => `${v} ms`;
    const summary = (values: number[]) =>
      `min ${ms(values[0]!)}, p50 ${ms(quantile(values, 0.5))}, p99 ${ms(quantile(values, 0.99))}, ` +
      `max ${ms(values.at(-1)!)}`;

    const policies = await b.store.db
      .selectFrom('access_requests')
      .select(['policy_arn', 'expires_at'])
      .where('policy_arn', 'is not', null)
      .execute();
    const detached = policies
      .filter((p) => b.detachedAt.has(p.policy_arn!))
      .map((p) => b.detachedAt.get(p.policy_arn!)! - Date.parse(String(p.expires_at)))
      .sort((x, y) => x - y);
    if (detached.length !== grants)
      console.log(`  WARNING: ${detached.length} of ${grants} policies were seen detached`);
    console.log(`  lateness (detached in IAM − expiresAt, ${detached.length} grants): ${summary(detached)}`);
    const pastGrace = detached.filter((v) => v > 60_000).length;
    console.log(`  detached more than 60 s (the grace period) after expiresAt: ${pastGrace}`);

    const rows = await b.store.db
      .selectFrom('access_requests')
      .innerJoin(
        'workflow_history_events',
        'workflow_history_events.execution_id',
        'access_requests.execution_id',
      )
      .select(['access_requests.id', 'access_requests.expires_at', 'workflow_history_events.timestamp'])
      .where('workflow_history_events.type', '=', 'TaskSucceeded')
      .where('workflow_history_events.state_name', '=', 'DeletePolicy')
      .execute();
    const late = rows
      .map((r) => Date.parse(r.timestamp) - Date.parse(String(r.expires_at)))
      .sort((x, y) => x - y);
    if (late.length !== grants)
      console.log(
        `  ${grants - late.length} of ${grants} policies were deleted by the reconciler before their ` +
          `execution's DeletePolicy, which found them gone`,
      );
    console.log(
      `  lateness (the execution's DeletePolicy succeeded − expiresAt, ${late.length} grants): ${summary(late)}`,
    );
    const early = late.filter((v) => v < 0).length;
    if (early > 0) console.log(`  ${early} grants were deleted before their expiresAt (negative lateness)`);
  } finally {
    await reconciler?.stop();
    await b.close();
  }
}

machine();
if (!opts['skip-throughput']) await throughput();
if (!opts['skip-lateness']) await lateness();
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
