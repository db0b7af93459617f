import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, spawnCli } from './helpers/cli.ts';

const seedInput = 'examples/requests/seed-translate-transcribe.json';
const dir = mkdtempSync(join(tmpdir(), 'grantflow-generate-'));
const requestFile = (task: string, extra: Record<string, unknown> = {}) => {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      requested_task: task,
      target_iam_identity: 'USER',
      target_iam_identity_arn: 'arn:aws:iam::111122223333:user/dev-kim',
      required_attach_time: 3600,
      account_id: '111122223333',
      region: 'ap-northeast-2',
      ...extra,
    }),
  );
  return file;
};

describe('grantflow generate', () => {
  it('grants the seed request with a hardened policy and the JSON shape of the issue', async () => {
    const r = await runCli(['generate', '--input', seedInput, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe('grant');
    expect(out.attempts).toBe(1);
    expect(Array.isArray(out.findings)).toBe(true);
    expect(out.summary).toContain('Amazon Translate');
    for (const s of out.policy.Statement) {
      expect(s.Condition.DateLessThan['aws:CurrentTime']).toBe(out.expiresAt);
      expect(s.Condition.ArnEquals['aws:PrincipalArn']).toBe('arn:aws:iam::111122223333:user/dev-kim');
    }
  });

  it('shows the policy, its summary in the request language and the outcome as text', async () => {
    const r = await runCli(['generate', '--input', seedInput]);
    expect(r.stdout).toContain('결과: grant');
    expect(r.stdout).toContain('이 정책이 허용하는 것:');
    expect(r.stdout).toContain('"Version": "2012-10-17"');
  });

  it('refuses admin with exit 1 and no policy', async () => {
    const r = await runCli([
      'generate',
      '--input',
      requestFile('Give me full admin access now'),
      '--format',
      'json',
    ]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe('refuse');
    expect(out.policy).toBeUndefined();
    expect(out.message).toContain('refused');
  });

  it('asks for what is missing in the request language', async () => {
    const r = await runCli(['generate', '--input', requestFile('권한 좀 주세요.'), '--format', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe('needs_info');
    expect(out.message).toMatch(/서비스/);
  });

  it('holds drafts to a permission ceiling', async () => {
    const ceiling = join(dir, 'ceiling.json');
    writeFileSync(
      ceiling,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }],
      }),
    );
    const r = await runCli([
      'generate',
      '--input',
      requestFile('Send test messages to the SQS queue billing-events.'),
      '--ceiling',
      ceiling,
      '--format',
      'json',
    ]);
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe('refuse');
    expect(out.reasons.map((x: { rule: string }) => x.rule)).toContain('outside-permission-ceiling');
  });

  it('exits 2 naming every bad field of the request', async () => {
    const r = await runCli([
      'generate',
      '--input',
      requestFile('read s3', { required_attach_time: -1, account_id: '12' }),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('required_attach_time: must be positive');
    expect(r.stderr).toContain('account_id: must be a 12-digit AWS account id');
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{"requested_task": ');
    const bad = await runCli(['generate', '--input', notJson]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not valid JSON');
    expect((await runCli(['generate'])).stderr).toContain('--input FILE is required');
    expect((await runCli(['generate', '--input', seedInput, '--provider', 'gpt'])).code).toBe(2);
    expect(
      (await runCli(['generate', '--input', seedInput, '--auto-grant-levels', 'Read,Admin'])).stderr,
    ).toContain('--auto-grant-levels');
  });

  it('reads the request from standard input', async () => {
    const r = await runCli(['generate', '--input', '-', '--format', 'json'], {
      stdin: JSON.stringify({
        requested_task: 'Please let me invoke the Lambda function order-processor.',
        target_iam_identity: 'ROLE',
        target_iam_identity_arn: 'arn:aws:iam::111122223333:role/ci',
        required_attach_time: 600,
        account_id: '111122223333',
        region: 'us-east-1',
      }),
    });
    const out = JSON.parse(r.stdout);
    expect(out.outcome).toBe('grant');
    expect(out.policy.Statement[0].Resource).toBe(
      'arn:aws:lambda:us-east-1:111122223333:function:order-processor',
    );
  });

  it('runs as a real command', () => {
    const r = spawnCli(['generate', '--input', seedInput, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).outcome).toBe('grant');
  });
});
