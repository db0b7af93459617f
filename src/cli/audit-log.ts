// `grantflow audit-log`: check the hash chain of the audit log, and read it.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  AuditLogError,
  DatabaseUrlError,
  StoreError,
  describeStore,
  listAuditLog,
  openStore,
  storeConfigFor,
  verifyAuditLog,
} from '../store/index.ts';
import type { AuditAnchor, AuditEntry, AuditVerification, Store, StoreConfig } from '../store/index.ts';
import type { Command } from './commands.ts';
import { EXIT, UsageError, oneOf } from './io.ts';
import type { CliIo } from './io.ts';

const FORMATS = ['text', 'json'] as const;
const PAGE = 1000;

const HELP = `Usage: grantflow audit-log <verify|list> [options]

grantflow records every step of every request in an append-only audit log in which each
entry carries the SHA-256 of the one before it.

Subcommands:
  verify   Walk the chain from the first entry and report the first broken link: an edited
           entry, a deleted one, entries reordered or inserted, entries cut from the end
  list     Print entries in order

Options:
  --data-dir DIR         the data directory (default ./.grantflow, or GRANTFLOW_DATA_DIR)
  --database-url URL     postgres://…, mysql://…, sqlite:PATH or a file path
                         (or GRANTFLOW_DATABASE_URL)
  --format FORMAT        text (default) or json
verify:
  --anchor SEQ:HASH      also require entry SEQ to have HASH: a head printed by an earlier
                         verify and kept elsewhere, which catches a chain rewritten from scratch
list:
  --since TIME           entries at or after TIME: ISO 8601 (2025-01-01, 2025-01-01T09:30:00Z;
                         UTC when no offset is given) or a duration ago (90s, 30m, 12h, 7d)
  --subject ID           only entries about ID (a request id, execution id or policy ARN)
  --type TYPE            only entries of this type, e.g. policy.detached
  --limit N              at most N entries

Exit codes: 0 intact (verify) or listed, 1 the log is broken, 2 bad usage, 3 the store
cannot be read.
`;

export const auditLogCommand: Command = {
  help: HELP,
  run: runAuditLog,
};

const STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  format: { type: 'string' },
} as const;

async function runAuditLog(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined)
    throw new UsageError('name a subcommand, verify or list; see grantflow audit-log --help');
  if (sub === 'verify') return runVerify(rest, io);
  if (sub === 'list') return runList(rest, io);
  throw new UsageError(`unknown subcommand "${sub}": use verify or list`);
}

async function runVerify(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...STORE_OPTIONS, anchor: { type: 'string' } } });
  const format = oneOf('format', values.format, FORMATS, 'text');
  const anchor = values.anchor === undefined ? undefined : parseAnchor(values.anchor);
  return withStore(values, io, async (store) => {
    let result: AuditVerification;
    try {
      result = await verifyAuditLog(store.db, anchor ? { anchor } : {});
    } catch (err) {
      if (!(err instanceof AuditLogError)) throw err;
      if (format === 'json')
        io.stdout.write(`${JSON.stringify({ intact: false, error: err.message }, null, 2)}\n`);
      else io.stdout.write(`audit log BROKEN: ${err.message}\n`);
      return EXIT.checkFailed;
    }
    if (format === 'json') io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else io.stdout.write(verificationText(result));
    return result.intact ? EXIT.ok : EXIT.checkFailed;
  });
}

function verificationText(result: AuditVerification): string {
  const head = `head ${result.head.seq}:${result.head.hash}`;
  if (!result.broken) {
    return `audit log intact: ${result.entries} ${result.entries === 1 ? 'entry' : 'entries'}, ${head}\n`;
  }
  const { broken } = result;
  return (
    `audit log BROKEN at entry ${broken.seq}: ${broken.message}\n` +
    `  expected: ${broken.expected}\n` +
    `  found:    ${broken.found}\n` +
    `  (${result.entries} ${result.entries === 1 ? 'entry' : 'entries'} intact before it; ${head})\n`
  );
}

function parseAnchor(text: string): AuditAnchor {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!match || Number(match[1]) < 1) {
    throw new UsageError(
      `--anchor must be SEQ:HASH, a sequence number from 1 and 64 hex digits (got "${text}")`,
    );
  }
  return { seq: Number(match[1]), hash: match[2]! };
}

async function runList(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      since: { type: 'string' },
      subject: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const format = oneOf('format', values.format, FORMATS, 'text');
  const since = values.since === undefined ? undefined : parseSince(values.since, new Date());
  let limit = Infinity;
  if (values.limit !== undefined) {
    if (!/^[1-9]\d*$/.test(values.limit))
      throw new UsageError(`--limit must be a positive whole number (got "${values.limit}")`);
    limit = Number(values.limit);
  }
  const filters = {
    ...(since ? { since } : {}),
    ...(values.subject !== undefined ? { subject: values.subject } : {}),
    ...(values.type !== undefined ? { type: values.type } : {}),
  };
  return withStore(values, io, async (store) => {
    // Page by sequence number so a long log streams out in bounded memory.
    let afterSeq = 0;
    let written = 0;
    if (format === 'json') io.stdout.write('{"entries":[');
    try {
      while (written < limit) {
        const page = await listAuditLog(store.db, {
          ...filters,
          afterSeq,
          limit: Math.min(PAGE, limit - written),
        });
        for (const entry of page) {
          if (format === 'json') io.stdout.write(`${written > 0 ? ',' : ''}\n  ${JSON.stringify(entry)}`);
          else io.stdout.write(entryLine(entry));
          written += 1;
        }
        if (page.length === 0) break;
        afterSeq = page[page.length - 1]!.seq;
      }
    } catch (err) {
      if (!(err instanceof AuditLogError)) throw err;
      if (format === 'json') io.stdout.write('\n]}\n');
      io.stderr.write(`grantflow audit-log: ${err.message}\n`);
      return EXIT.checkFailed;
    }
    if (format === 'json') io.stdout.write(`${written > 0 ? '\n' : ''}]}\n`);
    else if (written === 0) io.stdout.write('no entries\n');
    return EXIT.ok;
  });
}

function entryLine(entry: AuditEntry): string {
  const details = Object.keys(entry.details).length > 0 ? `  ${JSON.stringify(entry.details)}` : '';
  return `${String(entry.seq).padStart(6)}  ${entry.at}  ${entry.type}  ${entry.actor}  ${entry.subject ?? '-'}${details}\n`;
}

const DURATION = /^(\d+)(s|m|h|d)$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since`: an ISO 8601 date or time (UTC unless it says otherwise), or a duration before `now`. */
export function parseSince(text: string, now: Date): Date {
  const duration = DURATION.exec(text);
  if (duration)
    return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS]);
  if (ISO_TIME.test(text)) {
    const zoned = text.length > 10 && !/(Z|[+-]\d{2}:\d{2})$/.test(text) ? `${text}Z` : text;
    const time = new Date(zoned);
    if (!Number.isNaN(time.getTime())) return time;
  }
  throw new UsageError(
    `--since must be an ISO 8601 time (2025-01-01, 2025-01-01T09:30:00Z) or a duration (90s, 30m, 12h, 7d), got "${text}"`,
  );
}

async function withStore(
  values: { 'data-dir'?: string; 'database-url'?: string },
  io: CliIo,
  work: (store: Store) => Promise<number>,
): Promise<number> {
  let config: StoreConfig;
  try {
    config = storeConfigFor({
      dataDir: values['data-dir'],
      databaseUrl: values['database-url'],
      env: io.env,
      cwd: io.cwd,
    });
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new UsageError(err.message);
    throw err;
  }
  // Reading a log should not create an empty database where the user mistyped a path.
  if (config.kind === 'sqlite' && config.path !== ':memory:' && !existsSync(config.path)) {
    throw new UsageError(`no grantflow database at ${config.path} (give --data-dir or --database-url)`);
  }
  let store: Store;
  try {
    store = await openStore(config);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    io.stderr.write(`grantflow audit-log: ${err.message}\n`);
    return EXIT.runtime;
  }
  try {
    return await work(store);
  } catch (err) {
    io.stderr.write(
      `grantflow audit-log: reading the audit log at ${describeStore(config)} failed: ${(err as Error).message}\n`,
    );
    return EXIT.runtime;
  } finally {
    await store.close();
  }
}
