// The lifecycle commands, in process and in a child process killed with SIGKILL during the wait.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './helpers/cli.ts';
import { attachedPolicies, grantflowPolicies, harness, seedRequest } from './lifecycle-helpers.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'grantflow-lifecycle-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function inputFile(seconds: number, task?: string): string {
  const path = join(dir, `request-${seconds}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(seedRequest(seconds, task)));
  return path;
}

async function withTargetUser(): Promise<void> {
  const h = await harness({}, join(dir, 'data'));
  await h.close();
}

const data = () => ['--data-dir', join(dir, 'data')];

/** `grantflow request` without --wait, as alice, in JSON. */
const requestAsAlice = (seconds: number) =>
  runCli(['request', '--input', inputFile(seconds), '--requester', 'alice', '--format', 'json', ...data()]);

describe('grantflow request / status / grants / approve / deny / revoke', () => {
  it('request --wait runs the whole lifecycle; status and grants show it', async () => {
    await withTargetUser();
    const r = await runCli([
      'request',
      '--input',
      inputFile(1),
      '--wait',
      '--requester',
      'alice',
      '--format',
      'json',
      ...data(),
    ]);
    expect(r.stderr).toContain('grant.attached');
    expect(r.code).toBe(0);
    const view = JSON.parse(r.stdout) as { id: string; status: string; policyArn: string };
    expect(view.status).toBe('revoked');
    const status = await runCli(['status', view.id, ...data()]);
    expect(status.stdout).toContain(`Request ${view.id}: revoked (final)`);
    const grants = await runCli(['grants', '--format', 'json', ...data()]);
    expect((JSON.parse(grants.stdout) as { id: string }[]).map((g) => g.id)).toEqual([view.id]);
    const active = await runCli(['grants', '--active', ...data()]);
    expect(active.stdout).toBe('No requests.\n');
  });

  it('request without --wait returns while the grant is held; revoke ends it', async () => {
    await withTargetUser();
    const r = await requestAsAlice(3600);
    const view = JSON.parse(r.stdout) as { id: string; status: string };
    expect(view.status).toBe('active');
    const revoked = await runCli(['revoke', view.id, '--actor', 'alice', ...data()]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('revoked (final)');
    const h = await harness({}, join(dir, 'data'));
    try {
      expect(await grantflowPolicies(h.backend)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('approve and deny name what is wrong; refused requests exit 1', async () => {
    await withTargetUser();
    const refused = await runCli([
      'request',
      '--input',
      inputFile(60, 'give me iam:* admin everything'),
      '--requester',
      'alice',
      ...data(),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('refused (final)');
    const id = /Request (req-[\w-]+) submitted/.exec(refused.stdout)![1]!;
    const approve = await runCli(['approve', id, '--approver', 'alice', ...data()]);
    expect(approve.code).toBe(2);
    expect(approve.stderr).toMatch(/cannot decide on it/);
    expect((await runCli(['approve', id, ...data()])).stderr).toMatch(/--approver ID is required/);
    expect((await runCli(['deny', 'req-nope', '--approver', 'bob', ...data()])).stderr).toMatch(
      /no access request req-nope/,
    );
    expect((await runCli(['request', '--input', join(dir, 'missing.json'), ...data()])).stderr).toMatch(
      /no such file/,
    );
    const bad = inputFile(60);
    writeFileSync(bad, JSON.stringify({ ...seedRequest(60), required_attach_time: -5 }));
    const badRun = await runCli(['request', '--input', bad, ...data()]);
    expect(badRun.code).toBe(2);
    expect(badRun.stderr).toMatch(/required_attach_time/);
  });

  it('extend asks for a new approval; approve attaches it; revoke of the grant ends both', async () => {
    await withTargetUser();
    const env = { GRANTFLOW_APPROVERS: 'bob' };
    const r = await requestAsAlice(3600);
    const grant = JSON.parse(r.stdout) as { id: string; status: string; expiresAt: string };
    expect(grant.status).toBe('active');
    expect((await runCli(['extend', grant.id, ...data()])).stderr).toMatch(/--seconds N is required/);
    expect((await runCli(['extend', grant.id, '--seconds', '1h', ...data()])).stderr).toMatch(/whole number/);
    const ext = await runCli(
      ['extend', grant.id, '--seconds', '600', '--actor', 'alice', '--format', 'json', ...data()],
      {
        env,
      },
    );
    expect(ext.code).toBe(0);
    const pending = JSON.parse(ext.stdout) as {
      id: string;
      status: string;
      expiresAt: string;
      extendsRequestId: string;
    };
    expect(pending).toMatchObject({ status: 'pending_approval', extendsRequestId: grant.id });
    expect(Date.parse(pending.expiresAt)).toBe(Date.parse(grant.expiresAt) + 600_000);
    const again = await runCli(['extend', grant.id, '--seconds', '60', ...data()], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already has an extension in progress/);
    const approved = await runCli(['approve', pending.id, '--approver', 'bob', ...data()], { env });
    expect(approved.stdout).toContain(`Request ${pending.id}: active`);
    const revoked = await runCli(['revoke', grant.id, '--actor', 'alice', ...data()], { env });
    expect(revoked.code).toBe(0);
    const status = await runCli(['status', pending.id, ...data()]);
    expect(status.stdout).toContain('revoked (final)');
    const h = await harness({}, join(dir, 'data'));
    try {
      expect(await grantflowPolicies(h.backend)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('demo runs the seed example to the end and the policy is gone from IAM', async () => {
    const r = await runCli(['demo', '--seconds', '1', ...data()]);
    expect(r.code).toBe(0);
    for (const step of [
      'policy drafted',
      'policy attached',
      'waiting 1 s',
      'policy detached',
      'verified',
      'policy deleted',
      'notified',
      'is gone from IAM',
    ])
      expect(r.stdout).toContain(step);
    expect((await runCli(['demo', '--seconds', '0', ...data()])).code).toBe(2);
  });
});

describe('a crash during the wait', () => {
  it('SIGKILL of `request --wait` while the grant is held; after expiry `grants --resume` revokes it', async () => {
    await withTargetUser();
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { main } = await import(${JSON.stringify(new URL('src/cli/main.ts', `file://${repoRoot}`).href)}); process.exitCode = await main(process.argv.slice(1));`,
        'request',
        '--input',
        inputFile(3),
        '--wait',
        '--requester',
        'alice',
        ...data(),
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the child never attached the policy:\n${err}`)),
        20_000,
      );
      const poll = setInterval(() => {
        // The log channel writes grant.attached once the policy is attached and the hold begins.
        if (err.includes('"event":"grant.attached"')) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const h = await harness({}, join(dir, 'data'));
    try {
      expect(await attachedPolicies(h.backend)).toHaveLength(1);
      const [grant] = await h.service.listGrants({ active: true });
      expect(grant?.status).toBe('active');
      // The hold times out on the first whole second at or after expiresAt.
      await new Promise((r) =>
        setTimeout(r, Math.max(0, Date.parse(grant!.expiresAt!) - Date.now() + 1_200)),
      );
    } finally {
      await h.close();
    }
    const resumed = await runCli(['grants', '--resume', '--format', 'json', ...data()]);
    expect(resumed.code).toBe(0);
    const [after] = JSON.parse(resumed.stdout) as { status: string; execution: { status: string } }[];
    expect(after).toMatchObject({ status: 'revoked', execution: { status: 'SUCCEEDED' } });
    const h2 = await harness({}, join(dir, 'data'));
    try {
      expect(await attachedPolicies(h2.backend)).toEqual([]);
      expect(await grantflowPolicies(h2.backend)).toEqual([]);
    } finally {
      await h2.close();
    }
  }, 40_000);
});
