// `grantflow audit`: scan an account's IAM (a get-account-authorization-details file, or live
// through the IAM backend) over each principal's effective permissions, record the scan in the
// store, and report the findings as text, JSON, SARIF, HTML or Markdown.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AuditInputError,
  SEVERITIES,
  atLeast,
  buildReport,
  formatAuditHtml,
  formatAuditJson,
  formatAuditMarkdown,
  formatAuditSarif,
  formatAuditText,
  loadLiveAccount,
  readAuthorizationDetails,
  readCredentialReport,
  recordScan,
  runAudit,
} from '../audit/index.ts';
import type { AuditReport, RecordedScan, Severity } from '../audit/index.ts';
import type { AccountSnapshot, CredentialReport } from '../analyze/index.ts';
import { backendConfigFor, openBackend } from '../cloud/index.ts';
import { DatabaseUrlError, StoreError, describeStore, openStore, storeConfigFor } from '../store/index.ts';
import type { StoreConfig } from '../store/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, oneOf, readInputFile } from './io.ts';
import type { CliIo } from './io.ts';

const FORMATS = ['text', 'json', 'sarif', 'html', 'markdown'] as const;
type Format = (typeof FORMATS)[number];

const HELP = `Usage: grantflow audit [options]

Audits an AWS account's IAM over each principal's effective permissions (identity, group and
inline policies, Deny statements, permissions boundaries and conditions, through the policy
evaluation engine): administrators, privilege-escalation paths (also when split across
policies), data exfiltration, credentials and resource exposure, service-wide wildcards, risky
trust policies, credential report problems and expired grantflow policies.

Each scan is recorded in the store, so the report says which findings are new and which were
resolved since the last scan of the account.

Source (default: the account of the IAM backend):
  --input FILE               aws iam get-account-authorization-details output ("-": standard input)
  --credential-report FILE   the credential report CSV (aws iam get-credential-report, decoded)
  --backend KIND             read the account live: local (the embedded IAM, default) or aws
  --endpoint URL             with --backend aws: send calls to this endpoint
  --region REGION            with --backend aws
  --no-credential-report     with a live backend: do not fetch the credential report

Output:
  --format FORMAT            text (default), json, sarif, html (one self-contained file), markdown
  --output FILE              write the report to FILE instead of standard output
  --min-severity LEVEL       leave out findings below LEVEL: critical, high, medium, low, info (default)
  --fail-on LEVEL            exit 1 when a finding is at or above LEVEL (default: none, exit 0)

Store:
  --data-dir DIR             where grantflow keeps its data (default ./.grantflow, GRANTFLOW_DATA_DIR)
  --database-url URL         postgres://…, mysql://…, sqlite:PATH (or GRANTFLOW_DATABASE_URL)
  --no-store                 do not record the scan (nothing is new or resolved)

Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 bad usage or input,
3 runtime failure (the backend or the store failed).
`;

export const auditCommand: Command = {
  help: HELP,
  run: runAuditCommand,
};

async function runAuditCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      input: { type: 'string' },
      'credential-report': { type: 'string' },
      backend: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      'no-credential-report': { type: 'boolean' },
      format: { type: 'string' },
      output: { type: 'string' },
      'min-severity': { type: 'string' },
      'fail-on': { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      'no-store': { type: 'boolean' },
    },
  });
  const format = oneOf<Format>('format', values.format, FORMATS, 'text');
  const minSeverity = oneOf<Severity>('min-severity', values['min-severity'], SEVERITIES, 'info');
  const failOn =
    values['fail-on'] === undefined || values['fail-on'] === 'none'
      ? undefined
      : oneOf<Severity | 'none'>('fail-on', values['fail-on'], [...SEVERITIES, 'none'], 'none');
  if (values.input !== undefined && values.backend !== undefined) {
    throw new UsageError('--input and --backend are alternatives: audit a file, or an account live');
  }
  if (values.input !== undefined && values['no-credential-report']) {
    throw new UsageError(
      '--no-credential-report applies to a live backend; with --input just leave out --credential-report',
    );
  }
  const storeConfig = values['no-store'] ? undefined : storeConfigOf(values, io);

  const progress = progressBar(io);
  let snapshot: AccountSnapshot;
  const report = values['credential-report']
    ? await credentialReportFile(values['credential-report'], io)
    : undefined;
  if (values.input !== undefined) {
    const text = values.input === '-' ? await io.readStdin() : await readFileIn(io, values.input);
    snapshot = inputError(() =>
      readAuthorizationDetails(text, {
        source: values.input === '-' ? '<stdin>' : values.input!,
        ...(report ? { credentialReport: report } : {}),
      }),
    );
  } else {
    const loaded = await liveSnapshot(values, io, report, progress.update);
    if (typeof loaded === 'number') return loaded;
    snapshot = loaded;
  }

  let result;
  try {
    result = await runAudit(snapshot, { onProgress: progress.update });
  } finally {
    progress.done();
  }

  let recorded: RecordedScan | undefined;
  if (storeConfig) {
    const stored = await record(storeConfig, result, io);
    if (typeof stored === 'number') return stored;
    recorded = stored;
  }
  const built = buildReport(result, { minSeverity, ...(recorded ? { recorded } : {}) });
  const text = render(format, built, values.input && values.input !== '-' ? values.input : undefined);
  if (values.output !== undefined) {
    try {
      await writeFile(resolve(io.cwd, values.output), text);
    } catch (err) {
      throw new UsageError(`cannot write ${values.output}: ${(err as Error).message}`);
    }
    io.stderr.write(`grantflow audit: wrote the ${format} report to ${values.output}\n`);
  } else io.stdout.write(text);

  const failing =
    failOn !== undefined && failOn !== 'none' && result.findings.some((f) => atLeast(f.severity, failOn));
  return failing ? EXIT.checkFailed : EXIT.ok;
}

function render(format: Format, report: AuditReport, artifact: string | undefined): string {
  switch (format) {
    case 'json':
      return formatAuditJson(report);
    case 'sarif':
      return formatAuditSarif(report, artifact ? { artifact } : {});
    case 'html':
      return formatAuditHtml(report);
    case 'markdown':
      return formatAuditMarkdown(report);
    case 'text':
      return formatAuditText(report);
  }
}

function inputError<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof AuditInputError) throw new UsageError(err.message);
    throw err;
  }
}

/** Reads a file named relative to the command's working directory; errors name it as given. */
async function readFileIn(io: CliIo, path: string): Promise<string> {
  try {
    return await readInputFile(resolve(io.cwd, path));
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message.replace(resolve(io.cwd, path), path));
    throw err;
  }
}

async function credentialReportFile(path: string, io: CliIo): Promise<CredentialReport> {
  const text = await readFileIn(io, path);
  return inputError(() => readCredentialReport(text, { source: path }));
}

function storeConfigOf(values: { 'data-dir'?: string; 'database-url'?: string }, io: CliIo): StoreConfig {
  try {
    return storeConfigFor({
      dataDir: values['data-dir'],
      databaseUrl: values['database-url'],
      env: io.env,
      cwd: io.cwd,
    });
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new UsageError(err.message);
    throw err;
  }
}

async function liveSnapshot(
  values: {
    backend?: string;
    endpoint?: string;
    region?: string;
    'data-dir'?: string;
    'no-credential-report'?: boolean;
  },
  io: CliIo,
  report: CredentialReport | undefined,
  onProgress: (p: { phase: string; done: number; total: number }) => void,
): Promise<AccountSnapshot | number> {
  const backendName = values.backend ?? io.env.GRANTFLOW_BACKEND ?? 'local';
  if (backendName !== 'local' && backendName !== 'aws') {
    throw new UsageError(`--backend must be local or aws (got "${backendName}")`);
  }
  const config = backendConfigFor({
    backend: backendName,
    dataDir: values['data-dir'],
    endpoint: values.endpoint,
    region: values.region,
    env: io.env,
    cwd: io.cwd,
  });
  let backend;
  try {
    backend = await openBackend(config);
  } catch (err) {
    io.stderr.write(`grantflow audit: cannot open the ${backendName} backend: ${(err as Error).message}\n`);
    return EXIT.runtime;
  }
  try {
    const snapshot = await loadLiveAccount(backend, {
      credentialReport: report === undefined && !values['no-credential-report'],
      source: backendName === 'aws' ? 'AWS (live)' : 'the embedded IAM (live)',
      onProgress,
    });
    return report ? { ...snapshot, credentialReport: report } : snapshot;
  } catch (err) {
    io.stderr.write(
      `grantflow audit: reading the account from the ${backendName} backend failed: ${(err as Error).message}\n`,
    );
    return EXIT.runtime;
  } finally {
    await backend.close();
  }
}

async function record(
  config: StoreConfig,
  result: Awaited<ReturnType<typeof runAudit>>,
  io: CliIo,
): Promise<RecordedScan | number> {
  let store;
  try {
    store = await openStore(config);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    io.stderr.write(`grantflow audit: ${err.message}\n`);
    return EXIT.runtime;
  }
  try {
    return await recordScan(store.db, result);
  } catch (err) {
    io.stderr.write(
      `grantflow audit: recording the scan in ${describeStore(config)} failed: ${(err as Error).message}\n`,
    );
    return EXIT.runtime;
  } finally {
    await store.close();
  }
}

/** A progress bar on standard error when it is a terminal; nothing otherwise. */
function progressBar(io: CliIo): {
  update: (p: { phase: string; done: number; total: number }) => void;
  done: () => void;
} {
  if (!io.stderr.isTTY) return { update: () => {}, done: () => {} };
  let last = 0;
  let drawn = false;
  const width = 30;
  return {
    update({ phase, done, total }) {
      const now = Date.now();
      if (drawn && now - last < 100 && done < total) return;
      last = now;
      drawn = true;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      io.stderr.write(
        `\r${phase.padEnd(24).slice(0, 24)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${done}/${total}`,
      );
    },
    done() {
      if (drawn) io.stderr.write(`\r${' '.repeat(width + 50)}\r`);
      drawn = false;
    },
  };
}
