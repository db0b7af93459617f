// `grantflow reconcile`: one reconciler pass over the data directory's executions and the IAM
// backend — what `grantflow serve` runs at start and periodically — for cron jobs and for after
// an outage.
import { parseArgs } from 'node:util';
import { LocalIamBackend, backendConfigFor, openBackend } from '../cloud/index.ts';
import type { IamBackend } from '../cloud/index.ts';
import { openStore, storeConfigFor } from '../store/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, oneOf } from './io.ts';
import type { CliIo } from './io.ts';
import type { ReconcileSummary } from '../workflow/index.ts';

const HELP = `Usage: grantflow reconcile [options]

Runs one reconciler pass: resumes workflow executions whose waits are overdue (they revoke their
own grants), then finds every policy under /grantflow/ whose grantflow:expires-at tag is past and
revokes it: detaches it from every user, group and role, checks nothing is attached, deletes its
non-default versions and the policy. Throttling and 5xx errors are retried with backoff; a policy
that cannot be revoked is reported to administrators (critical). A policy with a missing or
malformed expiry tag is reported, never deleted. Every action goes to the audit log.

Options:
  --data-dir DIR      where the store is (default ./.grantflow, or GRANTFLOW_DATA_DIR); the
                      embedded IAM lives there too unless GRANTFLOW_BACKEND=aws
  --format FORMAT     text (default) or json (the summary)
  --dry-run           report what would be revoked and which executions are due; change nothing
  --grace SECONDS     how late a revocation may be before it is flagged late (default 60)
  --handoff SECONDS   leave a policy overdue by less than this to its own execution
                      (default half the grace period; 0 takes over at once)

Notifications go to the channels configured for administrators (GRANTFLOW_NOTIFY_*).

Exit codes: 0 nothing is left overdue, 1 a policy could not be revoked, 2 bad usage,
3 runtime failure (the backend could not be listed).
`;

export const reconcileCommand: Command = {
  help: HELP,
  run: runReconcile,
};

function seconds(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 31_536_000) {
    throw new UsageError(`--${name} must be a number of seconds from 0 to 31536000 (got "${raw}")`);
  }
  return value;
}

async function runReconcile(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      format: { type: 'string' },
      'dry-run': { type: 'boolean' },
      grace: { type: 'string' },
      handoff: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text');
  const graceSeconds = seconds('grace', values.grace);
  const handoffSeconds = seconds('handoff', values.handoff);
  const dataDir = values['data-dir'];
  const dryRun = values['dry-run'] ?? false;

  const workflow = await import('../workflow/index.ts');
  const notify = await import('../notify/index.ts');
  const store = await openStore(storeConfigFor({ dataDir, env: io.env, cwd: io.cwd }));
  let backend: IamBackend | undefined;
  const config = backendConfigFor({ dataDir, env: io.env, cwd: io.cwd });
  try {
    backend = config.kind === 'local' ? await LocalIamBackend.open(store) : await openBackend(config);
    let notifyConfig;
    try {
      notifyConfig = await notify.loadNotifyConfig({ env: io.env, cwd: io.cwd });
    } catch (err) {
      if (err instanceof notify.NotifyConfigError) throw new UsageError(err.message);
      throw err;
    }
    const notifier = notify.createNotifier(notifyConfig, {
      backend,
      stderr: {
        write(chunk: string, done: (err?: Error | null) => void) {
          io.stderr.write(chunk);
          done();
        },
      },
    });
    const { Account } = await backend.getCallerIdentity();
    const engine = new workflow.WorkflowEngine({
      store: new workflow.KyselyExecutionStore(store.db),
      connectors: workflow.defaultConnectors({ backend, notifier }),
      accountId: Account,
    });
    const summary = await workflow.reconcile({
      backend,
      engine,
      store,
      notifier,
      now: new Date(),
      dryRun,
      ...(graceSeconds !== undefined ? { graceSeconds } : {}),
      ...(handoffSeconds !== undefined ? { handoffSeconds } : {}),
    });
    if (format === 'json') io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else io.stdout.write(textSummary(summary));
    return summary.failed.length > 0 ? EXIT.checkFailed : EXIT.ok;
  } finally {
    if (backend && config.kind !== 'local') await backend.close();
    await store.close();
  }
}

function textSummary(s: ReconcileSummary): string {
  const out: string[] = [];
  const verb = s.dryRun ? 'would revoke' : 'revoked';
  out.push(
    `${s.dryRun ? 'Dry run: ' : ''}${s.scanned} grantflow ${s.scanned === 1 ? 'policy' : 'policies'} checked: ` +
      `${s.revoked.length} ${verb}, ${s.active} active, ${s.handedOff} just expired (left to their execution), ` +
      `${s.invalid.length} without a usable expiry, ${s.failed.length} failed.`,
  );
  if (s.executionsResumed !== undefined)
    out.push(`Executions ${s.dryRun ? 'due' : 'resumed'}: ${s.executionsResumed}.`);
  for (const r of s.revoked) {
    const from = r.detached.map((d) => `${d.kind.toLowerCase()} ${d.name}`).join(', ') || 'nothing';
    out.push(
      `  ${verb} ${r.policyArn} (expired ${r.expiresAt}, ${Math.round(r.overdueSeconds)} s ago${r.late ? ', LATE' : ''}; detached from ${from}${r.alreadyGone ? '; already gone' : ''})`,
    );
  }
  for (const i of s.invalid)
    out.push(
      `  left ${i.policyArn}: ${i.reason === 'missing-expiry-tag' ? 'no grantflow:expires-at tag' : `malformed grantflow:expires-at ${JSON.stringify(i.value)}`}`,
    );
  for (const f of s.failed)
    out.push(
      `  FAILED ${f.policyArn}: ${f.error} (${f.attempts} calls${f.notified ? ', administrators notified' : ''})`,
    );
  for (const e of s.executionErrors) out.push(`  execution error: ${e}`);
  for (const e of s.auditErrors) out.push(`  audit log error: ${e}`);
  return `${out.join('\n')}\n`;
}
