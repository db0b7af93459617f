// `grantflow iam` and `grantflow emulator`, run in process on a temporary data directory.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEmulator } from '../src/cli/emulator.ts';
import { main } from '../src/cli/main.ts';
import type { CliIo } from '../src/cli/io.ts';
import { AwsIamBackend } from '../src/cloud/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grantflow-cli-iam-'));
  dirs.push(dir);
  return dir;
}

function io(cwd: string, stdin = ''): CliIo & { out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => stdin,
    cwd,
    env: {},
    out: () => stdout,
    err: () => stderr,
  };
}

async function cli(cwd: string, args: string[], stdin?: string) {
  const x = io(cwd, stdin);
  const code = await main(args, x);
  return { code, stdout: x.out(), stderr: x.err() };
}

describe('grantflow iam', () => {
  it('seeds the same sample account every time, and a second seed changes nothing', async () => {
    const a = tempDir();
    const b = tempDir();
    const first = await cli(a, ['iam', 'seed', '--format', 'json']);
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as { created: string[]; existing: string[] };
    expect(summary.existing).toEqual([]);
    expect(summary.created).toContain('user/alice');
    expect(summary.created).toContain('role/external-auditor');
    const again = JSON.parse((await cli(a, ['iam', 'seed', '--format', 'json'])).stdout) as typeof summary;
    expect(again.created).toEqual([]);
    expect(again.existing.sort()).toEqual(summary.created.sort());

    await cli(b, ['iam', 'seed']);
    const details = async (dir: string) =>
      (await cli(dir, ['iam', 'get-account-authorization-details', '--format', 'json'])).stdout;
    expect(await details(a)).toBe(await details(b));
    const parsed = JSON.parse(await details(a));
    expect(parsed.RoleDetailList.map((r: { RoleName: string }) => r.RoleName)).toEqual([
      'app-server',
      'external-auditor',
      'image-resizer',
    ]);
    // Documents come out as JSON, the way the AWS CLI prints them.
    expect(parsed.RoleDetailList[0].AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'ec2.amazonaws.com',
    });
  });

  it('creates a policy from a file, attaches it and lists it, in text and JSON', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'p.json'),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    );
    expect((await cli(dir, ['iam', 'create-user', '--user-name', 'erin', '--tag', 'team=data'])).code).toBe(
      0,
    );
    const created = await cli(dir, [
      'iam',
      'create-policy',
      '--policy-name',
      'ErinRead',
      '--policy-document',
      'file://p.json',
      '--path',
      '/grantflow/',
      '--format',
      'json',
    ]);
    expect(created.code).toBe(0);
    const arn = JSON.parse(created.stdout).Policy.Arn;
    expect(arn).toBe('arn:aws:iam::123456789012:policy/grantflow/ErinRead');
    expect(
      (await cli(dir, ['iam', 'attach-user-policy', '--user-name', 'erin', '--policy-arn', arn])).code,
    ).toBe(0);
    const listed = await cli(dir, ['iam', 'list-attached-user-policies', '--user-name', 'erin']);
    expect(listed.stdout).toBe(
      `AttachedPolicies:\n  - PolicyName: ErinRead\n    PolicyArn: ${arn}\nIsTruncated: false\n`,
    );
    const fromStdin = await cli(
      dir,
      ['iam', 'put-user-policy', '--user-name', 'erin', '--policy-name', 'inline', '--policy-document', '-'],
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }],
      }),
    );
    expect(fromStdin.code).toBe(0);
  });

  it('lists every page unless --max-items asks for one', async () => {
    const dir = tempDir();
    for (const name of ['u1', 'u2', 'u3']) await cli(dir, ['iam', 'create-user', '--user-name', name]);
    const all = JSON.parse((await cli(dir, ['iam', 'list-users', '--format', 'json'])).stdout);
    expect(all.Users.map((u: { UserName: string }) => u.UserName)).toEqual(['u1', 'u2', 'u3']);
    expect(all.IsTruncated).toBe(false);
    const page = JSON.parse(
      (await cli(dir, ['iam', 'list-users', '--max-items', '2', '--format', 'json'])).stdout,
    );
    expect(page.Users).toHaveLength(2);
    const rest = JSON.parse(
      (
        await cli(dir, [
          'iam',
          'list-users',
          '--max-items',
          '2',
          '--starting-token',
          page.Marker,
          '--format',
          'json',
        ])
      ).stdout,
    );
    expect(rest.Users.map((u: { UserName: string }) => u.UserName)).toEqual(['u3']);
  });

  it('exits 2 with IAM’s error for a refused request, and for bad usage', async () => {
    const dir = tempDir();
    const missing = await cli(dir, ['iam', 'get-user', '--user-name', 'ghost']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('grantflow iam: NoSuchEntity: The user with name ghost cannot be found.\n');
    const malformed = await cli(dir, [
      'iam',
      'create-policy',
      '--policy-name',
      'x',
      '--policy-document',
      '{"Statement": []}',
    ]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^grantflow iam: MalformedPolicyDocument: /);
    expect((await cli(dir, ['iam', 'create-user'])).stderr).toContain('--user-name is required');
    expect((await cli(dir, ['iam', 'fly'])).code).toBe(2);
    expect((await cli(dir, ['iam', 'create-user', '--user-name', 'x', '--tag', 'novalue'])).stderr).toContain(
      'KEY=VALUE',
    );
    expect((await cli(dir, ['iam', 'get-policy', '--policy-arn', 'a', '--bogus'])).code).toBe(2);
  });

  it('prints the credential report as CSV and the SNS messages published locally', async () => {
    const dir = tempDir();
    await cli(dir, ['iam', 'create-user', '--user-name', 'frank']);
    expect((await cli(dir, ['iam', 'get-credential-report'])).stderr).toMatch(/ReportNotPresent/);
    expect((await cli(dir, ['iam', 'generate-credential-report'])).stdout).toMatch(/State: STARTED/);
    const report = await cli(dir, ['iam', 'get-credential-report']);
    expect(report.stdout.split('\n')[0]).toMatch(/^user,arn,user_creation_time,/);
    expect(report.stdout).toContain('frank,arn:aws:iam::123456789012:user/frank,');
    expect((await cli(dir, ['iam', 'list-messages'])).stdout).toBe('Messages:\n  (none)\n');
  });
});

describe('grantflow emulator', () => {
  it('serves the data directory to the SDK with the printed key until told to stop', async () => {
    const dir = tempDir();
    await cli(dir, ['iam', 'create-user', '--user-name', 'served']);
    const x = io(dir);
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const running = runEmulator(['--port', '0', '--format', 'json'], x, { until });
    while (!x.out().includes('\n')) await new Promise((r) => setTimeout(r, 10));
    const info = JSON.parse(x.out()) as { endpoint: string; accessKeyId: string; secretAccessKey: string };
    expect(info.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new AwsIamBackend({
      endpoint: info.endpoint,
      credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
    });
    expect((await client.listUsers()).Users.map((u) => u.UserName)).toEqual(['served']);
    await client.close();
    stop();
    expect(await running).toBe(0);
  });

  it("with --stepfunctions-port, runs grantflow's lifecycle on Step Functions for the lifecycle commands", async () => {
    const dir = tempDir();
    await cli(dir, ['iam', 'create-user', '--user-name', 'dev-kim']);
    const x = io(dir);
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const running = runEmulator(['--port', '0', '--stepfunctions-port', '0', '--format', 'json'], x, {
      until,
    });
    while (!x.out().includes('\n')) await new Promise((r) => setTimeout(r, 10));
    const info = JSON.parse(x.out()) as Record<string, string>;
    expect(info.stateMachineArn).toBe(
      `arn:aws:states:us-east-1:${info.accountId}:stateMachine:grantflow-lifecycle`,
    );
    const request = join(dir, 'request.json');
    writeFileSync(
      request,
      JSON.stringify({
        requested_task: 'Translate, Transcribe를 사용하고 싶은데 콘솔에서 테스트가 안됩니다.',
        target_iam_identity: 'USER',
        target_iam_identity_arn: `arn:aws:iam::${info.accountId}:user/dev-kim`,
        required_attach_time: 2,
        account_id: info.accountId,
        region: 'us-east-1',
      }),
    );
    const y = io(dir);
    Object.assign(y.env, {
      GRANTFLOW_STATE_MACHINE_ARN: info.stateMachineArn,
      GRANTFLOW_STEPFUNCTIONS_ENDPOINT: info.stepFunctionsEndpoint,
      AWS_ACCESS_KEY_ID: info.accessKeyId,
      AWS_SECRET_ACCESS_KEY: info.secretAccessKey,
      GRANTFLOW_NOTIFY_LOG: 'off',
    });
    const code = await main(
      ['request', '--input', request, '--requester', 'dev-kim', '--wait', '--format', 'json'],
      y,
    );
    expect(code, y.err()).toBe(0);
    const view = JSON.parse(y.out()) as { status: string; policyArn: string; execution: { status: string } };
    expect(view).toMatchObject({ status: 'revoked', execution: { status: 'SUCCEEDED' } });
    expect(view.policyArn).toMatch(/:policy\/grantflow\//);
    stop();
    expect(await running).toBe(0);
    // Its executions are Step Functions', beside the store, not the embedded engine's.
    expect(existsSync(join(dir, '.grantflow', 'stepfunctions.db'))).toBe(true);
  });

  it('refuses a bad port or half a key', async () => {
    const dir = tempDir();
    expect((await cli(dir, ['emulator', '--port', 'http'])).code).toBe(2);
    expect((await cli(dir, ['emulator', '--access-key-id', 'AKIAABCDEFGHIJKLMNOP'])).stderr).toContain(
      '--secret-access-key',
    );
  });
});
