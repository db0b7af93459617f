import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runCli, spawnCli } from './helpers/cli.ts';

const fixture = (name: string) => `test/fixtures/policies/${name}`;

describe('grantflow validate', () => {
  it('passes a clean least-privilege policy with exit 0', async () => {
    const r = await runCli(['validate', fixture('translate-user.json')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('translate-user.json: no findings');
  });

  it('reports a JSON syntax error with its position, a code frame and exit 1', async () => {
    const r = await runCli(['validate', fixture('broken-syntax.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken-syntax\.json:4:\d+ ERROR JSON_SYNTAX_ERROR/);
    expect(r.stdout).toContain('Trailing comma');
    expect(r.stdout).toMatch(/> 4 \| {5}\{ "Effect"/);
  });

  it('writes one JSON element per input with file, policyType and findings', async () => {
    const r = await runCli([
      'validate',
      fixture('translate-user.json'),
      fixture('broken-syntax.json'),
      '--format',
      'json',
      '--policy-type',
      'identity',
    ]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      file: string;
      policyType: string;
      findings: { issueCode: string }[];
    }[];
    expect(out.map((o) => o.file)).toEqual([fixture('translate-user.json'), fixture('broken-syntax.json')]);
    expect(out[0]!.policyType).toBe('identity');
    expect(out[0]!.findings).toEqual([]);
    const syntax = out[1]!.findings[0] as unknown as Record<string, unknown>;
    expect(Object.keys(syntax).sort()).toEqual([
      'findingDetails',
      'findingType',
      'issueCode',
      'learnMoreLink',
      'locations',
    ]);
    expect(syntax.issueCode).toBe('JSON_SYNTAX_ERROR');
  });

  it('reads standard input when no file is given', async () => {
    const r = await runCli(['validate', '--format', 'json'], {
      stdin: readFileSync(fixture('translate-user.json'), 'utf8'),
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].file).toBe('<stdin>');
  });

  it('fails on a security warning by default and not with --fail-on error', async () => {
    const strict = await runCli(['validate', fixture('admin.json'), '--format', 'json']);
    const findings = JSON.parse(strict.stdout)[0].findings as { findingType: string }[];
    expect(findings.some((f) => f.findingType === 'SECURITY_WARNING')).toBe(true);
    expect(strict.code).toBe(1);
    const lenient = await runCli(['validate', fixture('admin.json'), '--fail-on', 'error']);
    expect(lenient.code).toBe(0);
  });

  it('leaves out ignored issue codes', async () => {
    const r = await runCli([
      'validate',
      fixture('broken-syntax.json'),
      '--ignore-finding',
      'json_syntax_error',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no findings');
  });

  it('writes SARIF 2.1.0 with rules and 1-based regions', async () => {
    const r = await runCli(['validate', fixture('broken-syntax.json'), '--format', 'sarif']);
    const log = JSON.parse(r.stdout);
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('grantflow');
    expect(run.tool.driver.rules[0].id).toBe('JSON_SYNTAX_ERROR');
    const result = run.results[0];
    expect(result.ruleId).toBe('JSON_SYNTAX_ERROR');
    expect(result.level).toBe('error');
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe(fixture('broken-syntax.json'));
    expect(result.locations[0].physicalLocation.region.startLine).toBe(4);
    expect(result.locations[0].physicalLocation.region.startColumn).toBeGreaterThanOrEqual(1);
  });

  it('exits 2 with a clear message on unreadable input or bad options', async () => {
    const missing = await runCli(['validate', 'no/such/file.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read no/such/file.json: no such file');
    expect(missing.stdout).toBe('');
    const badType = await runCli(['validate', fixture('admin.json'), '--policy-type', 'bucket']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain(
      '--policy-type must be one of identity, resource, trust, scp, rcp, boundary, session',
    );
    const badFail = await runCli(['validate', fixture('admin.json'), '--fail-on', 'fatal']);
    expect(badFail.code).toBe(2);
    expect(badFail.stderr).toContain('--fail-on');
    const unknown = await runCli(['validate', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--frobnicate'");
  });

  it('lists its checks', async () => {
    const r = await runCli(['validate', '--list-checks', '--format', 'json']);
    const rows = JSON.parse(r.stdout) as { issueCode: string; findingType: string }[];
    expect(rows.find((c) => c.issueCode === 'MISSING_VERSION')?.findingType).toBe('WARNING');
  });

  it('runs as a real command through bin/grantflow.js', () => {
    const r = spawnCli(['validate', fixture('broken-syntax.json'), '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)[0].findings[0].issueCode).toBe('JSON_SYNTAX_ERROR');
    const usage = spawnCli(['nonsense']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown command "nonsense"');
  });
});
