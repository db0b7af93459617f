// `grantflow audit` end to end, in process: sources (file, standard input, the embedded IAM),
// formats, the store across runs, exit codes and error messages, and the progress bar.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { runCli } from './helpers/cli.ts';

const EXAMPLE = new URL('../../shared/data/accounts/example-authz-details.json', import.meta.url).pathname;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'grantflow-audit-cli-'));
  dirs.push(d);
  return d;
}

interface JsonReport {
  findings: { check: string; severity: string; principal: string; status?: string; fingerprint: string }[];
  summary: {
    findings: number;
    new?: number;
    resolved?: { check: string; principal: string }[];
    hidden: number;
  };
}

const ACCOUNT = '123456789012';
function authz(users: Record<string, object>): string {
  return JSON.stringify({
    UserDetailList: Object.entries(users).map(([name, doc]) => ({
      UserName: name,
      Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      UserPolicyList: [{ PolicyName: 'p', PolicyDocument: encodeURIComponent(JSON.stringify(doc)) }],
    })),
  });
}
const admin = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const reader = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
};

describe('grantflow audit', () => {
  it('audits a file and prints JSON, exiting 0 without --fail-on', async () => {
    const r = await runCli(['audit', '--input', EXAMPLE, '--no-store', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.summary.findings).toBe(report.findings.length);
    expect(report.findings.some((f) => f.check === 'full-admin' && f.principal.endsWith('user/obama'))).toBe(
      true,
    );
    expect(report.findings[0]).not.toHaveProperty('status');
  });

  it('exits 1 when a finding is at or above --fail-on, and filters with --min-severity', async () => {
    expect((await runCli(['audit', '--input', EXAMPLE, '--no-store', '--fail-on', 'critical'])).code).toBe(1);
    expect((await runCli(['audit', '--input', EXAMPLE, '--no-store', '--fail-on', 'none'])).code).toBe(0);
    const cwd = tempDir();
    writeFileSync(join(cwd, 'calm.json'), authz({ ann: reader }));
    expect(
      (await runCli(['audit', '--input', 'calm.json', '--no-store', '--fail-on', 'high'], { cwd })).code,
    ).toBe(0);
    const high = JSON.parse(
      (
        await runCli([
          'audit',
          '--input',
          EXAMPLE,
          '--no-store',
          '--format',
          'json',
          '--min-severity',
          'high',
        ])
      ).stdout,
    ) as JsonReport;
    expect(new Set(high.findings.map((f) => f.severity))).toEqual(new Set(['critical', 'high']));
    expect(high.summary.hidden).toBeGreaterThan(0);
  });

  it('records each scan: the second run says what is new and what was resolved', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'a.json'), authz({ ann: admin, ben: reader }));
    const first = await runCli(['audit', '--input', 'a.json', '--format', 'json'], { cwd });
    expect(first.code).toBe(0);
    const one = JSON.parse(first.stdout) as JsonReport;
    expect(one.summary.new).toBe(2);
    expect(one.findings.every((f) => f.status === 'new')).toBe(true);

    writeFileSync(join(cwd, 'a.json'), authz({ ann: reader, ben: reader }));
    const two = JSON.parse(
      (await runCli(['audit', '--input', 'a.json', '--format', 'json'], { cwd })).stdout,
    ) as JsonReport;
    expect(two.summary.new).toBe(1);
    expect(two.summary.resolved?.map((r) => `${r.check} ${r.principal.split('/').pop()}`)).toEqual([
      'full-admin ann',
    ]);
    expect(two.findings.find((f) => f.principal.endsWith('user/ben'))?.status).toBe('existing');

    const text = (await runCli(['audit', '--input', 'a.json'], { cwd })).stdout;
    expect(text).toContain('0 new since the last scan, 0 resolved');
  });

  it('reads standard input and a credential report file', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'report.csv'),
      `user,arn,mfa_active,password_enabled,access_key_1_active,access_key_2_active\n<root_account>,arn:aws:iam::${ACCOUNT}:root,false,not_supported,true,false\n`,
    );
    const r = await runCli(
      ['audit', '--input', '-', '--credential-report', 'report.csv', '--no-store', '--format', 'json'],
      {
        cwd,
        stdin: authz({ ann: reader }),
      },
    );
    expect(r.code).toBe(0);
    const checks = (JSON.parse(r.stdout) as JsonReport).findings.map((f) => f.check).sort();
    expect(checks).toEqual(['data-exfiltration', 'root-access-key', 'root-without-mfa']);
  });

  it('writes SARIF, HTML and Markdown, to a file with --output', async () => {
    const cwd = tempDir();
    const sarif = JSON.parse(
      (await runCli(['audit', '--input', EXAMPLE, '--no-store', '--format', 'sarif'])).stdout,
    ) as {
      version: string;
      runs: { results: unknown[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.length).toBeGreaterThan(10);
    const md = await runCli(['audit', '--input', EXAMPLE, '--no-store', '--format', 'markdown']);
    expect(md.stdout).toContain('# grantflow audit: account 012345678901');
    const html = await runCli(
      ['audit', '--input', EXAMPLE, '--no-store', '--format', 'html', '--output', 'report.html'],
      { cwd },
    );
    expect(html.code).toBe(0);
    expect(html.stdout).toBe('');
    expect(html.stderr).toContain('wrote the html report to report.html');
    const written = readFileSync(join(cwd, 'report.html'), 'utf8');
    expect(written).toContain('<!doctype html>');
    expect(written).toContain('arn:aws:iam::012345678901:role/OverprivilegedEC2');
  });

  it('audits the embedded IAM live when there is no --input', async () => {
    const cwd = tempDir();
    expect((await runCli(['iam', 'seed', '--data-dir', 'd'], { cwd })).code).toBe(0);
    const r = await runCli(['audit', '--data-dir', 'd', '--format', 'json', '--fail-on', 'critical'], {
      cwd,
    });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(
      report.findings.find((f) => f.check === 'full-admin' && f.principal.endsWith('user/alice')),
    ).toBeDefined();
    expect(report.findings.map((f) => f.check)).toContain('root-without-mfa');
    const skipped = await runCli(
      ['audit', '--data-dir', 'd', '--format', 'json', '--no-credential-report', '--no-store'],
      { cwd },
    );
    expect((JSON.parse(skipped.stdout) as JsonReport).findings.map((f) => f.check)).not.toContain(
      'root-without-mfa',
    );
  });

  it.each([
    [['--format', 'pdf'], /--format must be one of text, json, sarif, html, markdown \(got "pdf"\)/],
    [['--min-severity', 'urgent'], /--min-severity must be one of critical, high, medium, low, info/],
    [['--fail-on', 'bad'], /--fail-on must be one of critical, high, medium, low, info, none/],
    [['--input', 'missing.json'], /cannot read missing.json: no such file/],
    [['--input', 'x.json', '--backend', 'aws'], /--input and --backend are alternatives/],
    [['--backend', 'gcp'], /--backend must be local or aws \(got "gcp"\)/],
    [['--input', 'bad.json'], /bad.json is not valid JSON/],
    [['--input', 'odd.json'], /UserDetailList\[0\]\.Arn: expected a non-empty string/],
    [['--input', 'x.json', '--credential-report', 'bad.csv'], /bad.csv: the header has no "user" column/],
    [['--positional'], /Unknown option/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'x.json'), authz({ ann: reader }));
    writeFileSync(join(cwd, 'bad.json'), '{"UserDetailList": [');
    writeFileSync(join(cwd, 'odd.json'), '{"UserDetailList": [{"UserName": "x"}]}');
    writeFileSync(join(cwd, 'bad.csv'), 'name,value\n');
    const r = await runCli(['audit', ...args], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 3 when the store or the backend fails', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'x.json'), authz({ ann: reader }));
    writeFileSync(join(cwd, 'not-a-dir'), 'file');
    const store = await runCli(['audit', '--input', 'x.json', '--data-dir', 'not-a-dir'], { cwd });
    expect(store.code).toBe(3);
    expect(store.stderr).toContain('grantflow audit: cannot open the store');
    const backend = await runCli(['audit', '--data-dir', 'not-a-dir'], { cwd });
    expect(backend.code).toBe(3);
    expect(backend.stderr).toContain('cannot open the local backend');
  });

  it('draws a progress bar on standard error when it is a terminal, and only then', async () => {
    let stderr = '';
    let stdout = '';
    const io: CliIo = {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t), isTTY: true },
      readStdin: async () => '',
      cwd: process.cwd(),
      env: {},
    };
    expect(await main(['audit', '--input', EXAMPLE, '--no-store'], io)).toBe(0);
    expect(stderr).toMatch(/\rfinding administrators +\[#*\.*\] +\d+% \d+\/24/);
    expect(stderr).toContain('100% 24/24');
    expect(stderr.endsWith('\r')).toBe(true);
    expect(stdout).not.toContain('\r');
    const quiet = await runCli(['audit', '--input', EXAMPLE, '--no-store']);
    expect(quiet.stderr).toBe('');
  });

  it('has help', async () => {
    const r = await runCli(['audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: grantflow audit [options]');
  });
});
