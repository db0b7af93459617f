// `grantflow serve --port`: the HTTP API runs beside the worker and the reconciler, prints its URL,
// carries a request through its lifecycle, and stops (first) when the process is told to stop.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalIamBackend } from '../src/cloud/index.ts';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { hashToken } from '../src/server/index.ts';
import { openStore, storeConfigFor } from '../src/store/index.ts';
import { seedRequest } from './lifecycle-helpers.ts';

const KIM = 'arn:aws:iam::123456789012:user/dev-kim';

function io(env: Record<string, string>, signal?: AbortSignal) {
  const out = { stdout: '', stderr: '' };
  const cli: CliIo = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    readStdin: async () => '',
    cwd: process.cwd(),
    env,
    ...(signal ? { signal } : {}),
  };
  return { cli, out };
}

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('grantflow serve --port', () => {
  it('serves the API until stopped', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'grantflow-serve-api-'));
    const store = await openStore(storeConfigFor({ dataDir, cwd: process.cwd(), env: {} }));
    const iam = await LocalIamBackend.open(store, { ownsStore: true });
    await iam.createUser({ UserName: 'dev-kim' });
    await iam.close();
    const tokensFile = join(dataDir, 'tokens.json');
    writeFileSync(
      tokensFile,
      JSON.stringify({ [hashToken('kim-secret')]: { identity: KIM, roles: ['requester'] } }),
    );

    const controller = new AbortController();
    const { cli, out } = io({ GRANTFLOW_API_TOKENS_FILE: tokensFile }, controller.signal);
    const served = main(['serve', '--data-dir', dataDir, '--port', '0', '--grace', '2'], cli);
    const url = await until(
      () => /HTTP API listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(out.stderr)?.[1],
    );
    const auth = { authorization: 'Bearer kim-secret' };
    const created = await fetch(`${url}/v1/requests`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(seedRequest(1)),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const done = await until(async () => {
      const r = (await (await fetch(`${url}/v1/requests/${id}`, { headers: auth })).json()) as {
        status: string;
        terminal: boolean;
      };
      return r.terminal ? r : undefined;
    });
    expect(done.status).toBe('revoked');
    expect((await fetch(`${url}/v1/grants`)).status).toBe(401);
    expect(out.stderr).not.toContain('kim-secret');

    controller.abort();
    expect(await served).toBe(0);
    await expect(fetch(`${url}/v1/grants`, { headers: auth })).rejects.toThrow();
  });

  it('refuses a bad port, --host without --port, and an API without tokens', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'grantflow-serve-api-'));
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--port', 'http'], {}, /--port must be a port number/],
      [['--port', '70000'], {}, /--port must be a port number/],
      [['--host', '0.0.0.0'], {}, /--host needs --port/],
      [['--port', '0'], {}, /GRANTFLOW_API_TOKENS/],
      [['--port', '0'], { GRANTFLOW_API_TOKENS: '{"short": {}}' }, /64 hex digits/],
      [['--port', '0'], { GRANTFLOW_API_TOKENS_FILE: join(dataDir, 'missing.json') }, /missing\.json/],
    ];
    for (const [args, env, message] of cases) {
      const { cli, out } = io(env);
      expect(await main(['serve', '--data-dir', dataDir, ...args], cli)).toBe(2);
      expect(out.stderr).toMatch(message);
    }
  });
});
