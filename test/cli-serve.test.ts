// grantflow serve: at start it revokes a grant left overdue by a stopped process and runs the
// scheduled audit, notifying its new findings; it stops cleanly when told to.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalIamBackend } from '../src/cloud/index.ts';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { openStore, storeConfigFor } from '../src/store/index.ts';
import { stoppableIo } from './helpers/cli.ts';

async function until(condition: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('grantflow serve', () => {
  it('revokes an overdue grant and audits at start, then stops when told', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'grantflow-serve-'));
    // What a stopped process left behind: an expired grantflow policy still attached, and an admin.
    const store = await openStore(storeConfigFor({ dataDir, cwd: process.cwd(), env: {} }));
    const iam = await LocalIamBackend.open(store, { ownsStore: true });
    await iam.createUser({ UserName: 'dev-kim' });
    await iam.createUser({ UserName: 'ops-admin' });
    await iam.putUserPolicy({
      UserName: 'ops-admin',
      PolicyName: 'everything',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    });
    const { Policy } = await iam.createPolicy({
      PolicyName: 'grantflow-left-behind',
      Path: '/grantflow/',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'translate:TranslateText', Resource: '*' }],
      }),
      Tags: [{ Key: 'grantflow:expires-at', Value: '2026-01-01T00:00:00Z' }],
    });
    await iam.attachUserPolicy({ UserName: 'dev-kim', PolicyArn: Policy.Arn });
    await iam.close();

    const { io, stderr, stop } = stoppableIo();
    const served = main(
      ['serve', '--data-dir', dataDir, '--audit-schedule', 'rate(1 day)', '--audit-at-start', '--grace', '2'],
      io,
    );
    await until(() => stderr().includes('reconciler: 1 revoked') && stderr().includes('audit audit-1:'));
    // The audit's new critical finding went out through the log channel as a notification.
    expect(stderr()).toContain('audit.new-findings');
    expect(stderr()).toContain('ops-admin');
    stop();
    expect(await served).toBe(0);
    expect(stderr()).toContain('stopping');

    const after = await LocalIamBackend.open(
      await openStore(storeConfigFor({ dataDir, cwd: process.cwd(), env: {} })),
      {
        ownsStore: true,
      },
    );
    try {
      expect((await after.listAttachedUserPolicies({ UserName: 'dev-kim' })).AttachedPolicies).toEqual([]);
      await expect(after.getPolicy({ PolicyArn: Policy.Arn })).rejects.toMatchObject({
        code: 'NoSuchEntity',
      });
    } finally {
      await after.close();
    }
  });

  it('refuses a bad schedule with exit 2', async () => {
    let stderr = '';
    const io: CliIo = {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      readStdin: async () => '',
      cwd: process.cwd(),
      env: {},
    };
    expect(await main(['serve', '--audit-schedule', 'every day'], io)).toBe(2);
    expect(stderr).toContain('--audit-schedule "every day"');
  });
});
