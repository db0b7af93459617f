// `grantflow audit-log verify|list`: exit codes 0 intact, 1 broken (naming where), 2 bad usage,
// 3 store unreachable; on SQLite always, and on PostgreSQL and MySQL/MariaDB when their test URLs
// are set.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSince } from '../src/cli/audit-log.ts';
import { appendAuditEvent, openStore, storeConfigFor } from '../src/store/index.ts';
import type { AuditEntry, StoreConfig } from '../src/store/index.ts';
import { runCli } from './helpers/cli.ts';
import { ENGINES, createTestDatabase } from './helpers/store-databases.ts';
import type { TestDatabase } from './helpers/store-databases.ts';

const dirs: string[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const database of databases.splice(0)) await database.drop();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grantflow-audit-cli-'));
  dirs.push(dir);
  return dir;
}

/** Three entries about two requests, an hour apart from 2025-01-01T00:00Z. */
async function seed(config: StoreConfig): Promise<AuditEntry[]> {
  const store = await openStore(config);
  const entries: AuditEntry[] = [];
  const events = [
    { type: 'request.created', actor: 'alice', subject: 'req-1', details: { task: 'S3 읽기' } },
    { type: 'approval.recorded', actor: 'bob', subject: 'req-1' },
    { type: 'request.created', actor: 'carol', subject: 'req-2' },
  ];
  for (const [i, event] of events.entries()) {
    entries.push(await appendAuditEvent(store.db, { ...event, at: new Date(Date.UTC(2025, 0, 1, i)) }));
  }
  await store.close();
  return entries;
}

async function tamper(config: StoreConfig): Promise<void> {
  const store = await openStore(config);
  await store.db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 2).execute();
  await store.close();
}

async function seededDataDir(): Promise<{ dir: string; entries: AuditEntry[] }> {
  const dir = tempDir();
  return { dir, entries: await seed(storeConfigFor({ dataDir: dir, cwd: '/' })) };
}

describe('grantflow audit-log verify', () => {
  it('exits 0 on an intact log and prints its head', async () => {
    const { dir, entries } = await seededDataDir();
    const r = await runCli(['audit-log', 'verify', '--data-dir', dir]);
    expect(r).toEqual({
      code: 0,
      stdout: `audit log intact: 3 entries, head 3:${entries[2]!.hash}\n`,
      stderr: '',
    });
    const json = await runCli(['audit-log', 'verify', '--data-dir', dir, '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      intact: true,
      entries: 3,
      head: { seq: 3, hash: entries[2]!.hash },
    });
  });

  it('exits 1 on a tampered log, naming the entry, what it expected and what it found', async () => {
    const { dir, entries } = await seededDataDir();
    await tamper(storeConfigFor({ dataDir: dir, cwd: '/' }));
    const r = await runCli(['audit-log', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `^audit log BROKEN at entry 2: entry 2 was altered: its content no longer matches its hash\\n` +
          `  expected: [0-9a-f]{64}\\n  found:    ${entries[1]!.hash}\\n  \\(1 entry intact before it; head 3:`,
      ),
    );
    const json = await runCli(['audit-log', 'verify', '--data-dir', dir, '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      intact: false,
      entries: 1,
      broken: { kind: 'hash', seq: 2 },
    });
  });

  it('exits 1 when the head row is gone', async () => {
    const { dir } = await seededDataDir();
    const store = await openStore(storeConfigFor({ dataDir: dir, cwd: '/' }));
    await store.db.deleteFrom('audit_log_head').execute();
    await store.close();
    const r = await runCli(['audit-log', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('audit log BROKEN: the audit log head row is missing');
  });

  it('checks an anchor', async () => {
    const { dir, entries } = await seededDataDir();
    const ok = await runCli(['audit-log', 'verify', '--data-dir', dir, '--anchor', `2:${entries[1]!.hash}`]);
    expect(ok.code).toBe(0);
    const wrong = await runCli([
      'audit-log',
      'verify',
      '--data-dir',
      dir,
      '--anchor',
      `2:${entries[0]!.hash}`,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('audit log BROKEN at entry 2: entry 2 does not have the anchored hash');
  });

  it('exits 2 on bad usage, saying what is wrong', async () => {
    const { dir } = await seededDataDir();
    const cases: [string[], string][] = [
      [['audit-log'], 'name a subcommand, verify or list'],
      [['audit-log', 'check'], 'unknown subcommand "check": use verify or list'],
      [
        ['audit-log', 'verify', '--data-dir', dir, '--format', 'sarif'],
        '--format must be one of text, json (got "sarif")',
      ],
      [['audit-log', 'verify', '--data-dir', dir, '--verbose'], "Unknown option '--verbose'"],
      [['audit-log', 'verify', '--data-dir', dir, '--anchor', '2:abc'], '--anchor must be SEQ:HASH'],
      [
        ['audit-log', 'verify', '--data-dir', dir, '--database-url', 'sqlite:x.db'],
        'give --data-dir or --database-url, not both',
      ],
      [
        ['audit-log', 'verify', '--database-url', 'oracle://h/db'],
        '--database-url: unsupported scheme "oracle:"',
      ],
      [
        ['audit-log', 'verify', '--data-dir', join(dir, 'nope')],
        `no grantflow database at ${join(dir, 'nope', 'grantflow.db')}`,
      ],
      [['audit-log', 'list', '--data-dir', dir, '--since', 'yesterday'], '--since must be an ISO 8601 time'],
      [
        ['audit-log', 'list', '--data-dir', dir, '--limit', '0'],
        '--limit must be a positive whole number (got "0")',
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toContain(message);
    }
  });

  it('exits 3 when the database cannot be reached, without showing the password', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const r = await runCli([
      'audit-log',
      'verify',
      '--database-url',
      `postgres://gf:hunter2@127.0.0.1:${port}/gf`,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot connect to the store at postgres://gf:***@127.0.0.1:${port}/gf`);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('prints its help', async () => {
    const r = await runCli(['audit-log', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: grantflow audit-log <verify|list> [options]');
  });
});

describe('grantflow audit-log list', () => {
  it('prints entries in order, filtered by time, subject, type and count', async () => {
    const { dir, entries } = await seededDataDir();
    const all = await runCli(['audit-log', 'list', '--data-dir', dir]);
    expect(all).toEqual({
      code: 0,
      stdout:
        '     1  2025-01-01T00:00:00.000Z  request.created  alice  req-1  {"task":"S3 읽기"}\n' +
        '     2  2025-01-01T01:00:00.000Z  approval.recorded  bob  req-1\n' +
        '     3  2025-01-01T02:00:00.000Z  request.created  carol  req-2\n',
      stderr: '',
    });
    const seqs = async (...options: string[]) => {
      const r = await runCli(['audit-log', 'list', '--data-dir', dir, '--format', 'json', ...options]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { entries: AuditEntry[] }).entries.map((e) => e.seq);
    };
    expect(await seqs('--since', '2025-01-01T01:00')).toEqual([2, 3]);
    expect(await seqs('--since', '2025-01-01T10:00:00+09:00')).toEqual([2, 3]);
    expect(await seqs('--subject', 'req-1')).toEqual([1, 2]);
    expect(await seqs('--type', 'request.created', '--limit', '1')).toEqual([1]);
    expect(await seqs('--since', '2026-01-01')).toEqual([]);
    const json = await runCli(['audit-log', 'list', '--data-dir', dir, '--format', 'json', '--limit', '1']);
    expect(JSON.parse(json.stdout)).toEqual({ entries: [entries[0]] });
    const none = await runCli(['audit-log', 'list', '--data-dir', dir, '--subject', 'req-9']);
    expect(none.stdout).toBe('no entries\n');
  });

  it('exits 1 on an entry whose details cannot be read', async () => {
    const { dir } = await seededDataDir();
    const store = await openStore(storeConfigFor({ dataDir: dir, cwd: '/' }));
    await store.db.updateTable('audit_log').set({ details: 'not json' }).where('seq', '=', 2).execute();
    await store.close();
    const r = await runCli(['audit-log', 'list', '--data-dir', dir, '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('audit log entry 2 has malformed details');
    // The output stays valid JSON; the page holding the unreadable entry is not printed.
    expect(JSON.parse(r.stdout)).toEqual({ entries: [] });
  });
});

describe('parseSince', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  it('reads durations before now and ISO times, UTC unless an offset is given', () => {
    expect(parseSince('90s', now).toISOString()).toBe('2025-06-01T11:58:30.000Z');
    expect(parseSince('30m', now).toISOString()).toBe('2025-06-01T11:30:00.000Z');
    expect(parseSince('12h', now).toISOString()).toBe('2025-06-01T00:00:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2025-05-25T12:00:00.000Z');
    expect(parseSince('2025-01-02', now).toISOString()).toBe('2025-01-02T00:00:00.000Z');
    expect(parseSince('2025-01-02T03:04:05.6', now).toISOString()).toBe('2025-01-02T03:04:05.600Z');
    expect(parseSince('2025-01-02T03:04-02:00', now).toISOString()).toBe('2025-01-02T05:04:00.000Z');
  });
  it('refuses anything else', () => {
    for (const bad of ['', 'now', '5 minutes', '2025-13-01', '2025-01-01T25:00Z', '-5m', '1w']) {
      expect(() => parseSince(bad, now), bad).toThrow('--since must be an ISO 8601 time');
    }
  });
});

for (const target of ENGINES) {
  describe.skipIf(target.skip !== undefined)(`grantflow audit-log --database-url on ${target.title}`, () => {
    it('verifies an intact log (0) and a tampered one (1)', async () => {
      const database = await createTestDatabase(target.engine);
      databases.push(database);
      const entries = await seed(database.config);
      const ok = await runCli(['audit-log', 'verify', '--database-url', database.url]);
      expect(ok).toEqual({
        code: 0,
        stdout: `audit log intact: 3 entries, head 3:${entries[2]!.hash}\n`,
        stderr: '',
      });
      const listed = await runCli(['audit-log', 'list', '--database-url', database.url, '--format', 'json']);
      expect(JSON.parse(listed.stdout)).toEqual({ entries });
      await tamper(database.config);
      const broken = await runCli([
        'audit-log',
        'verify',
        '--database-url',
        database.url,
        '--format',
        'json',
      ]);
      expect(broken.code).toBe(1);
      expect(JSON.parse(broken.stdout)).toMatchObject({
        broken: { kind: 'hash', seq: 2, found: entries[1]!.hash },
      });
    });
  });
}
