// `grantflow serve`: the long-running process — it carries access requests through their
// lifecycle (resuming what a stopped process left), runs the reconciler so overdue grants are
// revoked within the grace period, and runs scheduled audits that notify new findings.
import { parseArgs } from 'node:util';
import type { Severity } from '../audit/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, daysOption, oneOf } from './io.ts';
import type { CliIo } from './io.ts';
import { configuredNotifier, openLifecycle } from './lifecycle.ts';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
/** Between retention passes: deletions are not urgent, and a pass reads every ended execution. */
const RETENTION_INTERVAL_MS = 3_600_000;

const HELP = `Usage: grantflow serve [options]

Runs until stopped (SIGINT or SIGTERM):
  - the lifecycle worker: every access request's execution, resumed after a restart;
  - the reconciler: revokes grantflow policies past their expiry and resumes overdue executions,
    at start and then every --reconcile-interval seconds;
  - scheduled audits of the account (--audit-schedule), notifying new findings.
  - with --port, the HTTP API under /v1 (described at /v1/openapi.json), bearer tokens from
    GRANTFLOW_API_TOKENS (JSON: {"<sha256 of token>": {"identity": ARN, "roles": [...]}}) or
    GRANTFLOW_API_TOKENS_FILE; roles are requester, approver and admin.

Options:
  --data-dir DIR                the data directory (default ./.grantflow, or GRANTFLOW_DATA_DIR)
  --grace SECONDS               how late a revocation may be (default 60)
  --reconcile-interval SECONDS  between reconciler passes (default a quarter of --grace)
  --audit-schedule EXPR         an EventBridge expression, e.g. "cron(0 9 * * ? *)" or "rate(1 day)";
                                repeatable; also GRANTFLOW_AUDIT_SCHEDULES (separated by ";")
  --audit-min-severity LEVEL    notify new audit findings at or above this (default high)
  --audit-at-start              also run each audit once at start
  --execution-retention-days N  delete the executions that ended more than N days ago (N ≥ 1),
                                with their history, at start and then hourly; access requests,
                                approvals and the audit log are kept (default: keep everything;
                                Step Functions keeps closed executions for 90 days)
  --port PORT                   serve the HTTP API on this port (0: any free port)
  --host HOST                   the address the HTTP API binds (default 127.0.0.1)

Notifications use the configured channels (GRANTFLOW_NOTIFY_*), the log by default.
`;

export const serveCommand: Command = {
  help: HELP,
  run: runServe,
};

function seconds(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${name} must be a positive number of seconds (got "${raw}")`);
  return value;
}

async function runServe(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      grace: { type: 'string' },
      'reconcile-interval': { type: 'string' },
      'audit-schedule': { type: 'string', multiple: true },
      'audit-min-severity': { type: 'string' },
      'audit-at-start': { type: 'boolean' },
      'execution-retention-days': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
    },
  });
  const graceSeconds = seconds('grace', values.grace, 60);
  const intervalSeconds = seconds('reconcile-interval', values['reconcile-interval'], graceSeconds / 4);
  const minSeverity = oneOf<Severity>('audit-min-severity', values['audit-min-severity'], SEVERITIES, 'high');
  const expressions = [
    ...(values['audit-schedule'] ?? []),
    ...(io.env.GRANTFLOW_AUDIT_SCHEDULES ?? '')
      .split(';')
      .map((e) => e.trim())
      .filter((e) => e !== ''),
  ];
  const workflow = await import('../workflow/index.ts');
  const retentionDays =
    values['execution-retention-days'] === undefined
      ? undefined
      : daysOption(
          'execution-retention-days',
          values['execution-retention-days'],
          workflow.MIN_RETENTION_DAYS,
        );
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!/^\d+$/.test(values.port!) || port > 65535))
    throw new UsageError(`--port must be a port number from 0 to 65535 (got "${values.port}")`);
  if (values.host !== undefined && port === undefined) throw new UsageError('--host needs --port');
  const server = port === undefined ? undefined : await import('../server/index.ts');
  let tokens: Awaited<ReturnType<NonNullable<typeof server>['loadTokenTable']>>;
  if (server) {
    try {
      tokens = await server.loadTokenTable(io.env, io.cwd);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (!tokens || tokens.size === 0)
      throw new UsageError(
        'the HTTP API needs tokens: set GRANTFLOW_API_TOKENS or GRANTFLOW_API_TOKENS_FILE',
      );
  }
  const audit = await import('../audit/index.ts');
  for (const expression of expressions) {
    try {
      audit.parseSchedule(expression);
    } catch (err) {
      throw new UsageError(`--audit-schedule "${expression}": ${(err as Error).message}`);
    }
  }

  const log = (line: string) => io.stderr.write(`[grantflow serve] ${line}\n`);
  let notifier: Awaited<ReturnType<typeof configuredNotifier>> | undefined;
  const opened = await openLifecycle(values['data-dir'], io, {
    notifierFor: async (backend) => (notifier = await configuredNotifier(io, backend)),
  });
  const { service } = opened;
  service.start();
  const reconciler = workflow.startReconciler({
    backend: service.backend,
    // On Step Functions the executions resume themselves; the reconciler still sweeps IAM.
    ...(service.executions.engineKind === 'embedded' ? { runner: service.runner } : {}),
    store: service.store,
    notifier: notifier!,
    graceSeconds,
    intervalMs: intervalSeconds * 1000,
    onPass: (summary) => {
      if (summary.revoked.length > 0 || summary.failed.length > 0) {
        log(`reconciler: ${summary.revoked.length} revoked, ${summary.failed.length} failed`);
      }
    },
    onError: (err) => log(`reconciler pass failed: ${(err as Error).message}`),
  });
  const retention =
    retentionDays === undefined
      ? undefined
      : workflow.startRetention({
          store: service.store,
          retentionDays,
          intervalMs: RETENTION_INTERVAL_MS,
          actor: 'grantflow:retention',
          onPass: (outcome) => {
            if (outcome.deleted > 0)
              log(
                `retention: deleted ${outcome.deleted} executions that ended before ${outcome.stoppedBefore}`,
              );
          },
          onError: (err) => log(`retention pass failed: ${(err as Error).message}`),
        });
  const scheduler =
    expressions.length === 0
      ? undefined
      : audit.startAuditScheduler({
          schedules: expressions.map((expression, i) => ({
            name: `audit-${i + 1}`,
            expression,
            notifyMinSeverity: minSeverity,
          })),
          audit: audit.auditJob({ load: () => audit.loadLiveAccount(service.backend), db: service.store.db }),
          notifier: notifier!,
          runAtStart: values['audit-at-start'] ?? false,
          onRun: (schedule, outcome) =>
            log(`audit ${schedule.name}: ${outcome.findings} findings, ${outcome.newFindings.length} new`),
          onError: (schedule, err) => log(`audit ${schedule.name} failed: ${(err as Error).message}`),
        });

  let api: Awaited<ReturnType<NonNullable<typeof server>['startApiServer']>> | undefined;
  try {
    api = await server?.startApiServer({
      service,
      tokens: tokens!,
      ...(values.host !== undefined ? { host: values.host } : {}),
      port: port!,
      log: (line) => log(`api: ${line}`),
    });
  } catch (err) {
    await scheduler?.stop();
    await retention?.stop();
    await reconciler.stop();
    await opened.close();
    throw err;
  }
  if (api) log(`HTTP API listening on ${api.url}/v1`);
  log(
    `running: ${service.executions.engineKind === 'stepfunctions' ? `executions on Step Functions (${io.env.GRANTFLOW_STATE_MACHINE_ARN})` : 'lifecycle worker'}, reconciler every ${intervalSeconds} s (grace ${graceSeconds} s)` +
      (scheduler ? `, audits on ${expressions.join(', ')}` : ', no audit schedule') +
      (retentionDays === undefined ? '' : `, executions kept ${retentionDays} days after they end`),
  );
  let stop = () => {};
  await new Promise<void>((resolve) => {
    stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  log('stopping');
  await api?.close();
  await scheduler?.stop();
  await retention?.stop();
  await reconciler.stop();
  await opened.close();
  return EXIT.ok;
}
