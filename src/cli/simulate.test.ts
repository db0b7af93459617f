import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers/cli.ts';
import { main } from './main.ts';
import type { CliIo } from './io.ts';

const dir = mkdtempSync(join(tmpdir(), 'grantflow-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

const USER = 'arn:aws:iam::111122223333:user/alice';
const identity = file('identity.json', {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ReadData', Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::data/*' },
    { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::data/secret/*' },
    {
      Sid: 'TaggedWrites',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: '*',
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    },
  ],
});
const s3Only = file('s3-only.json', {
  Version: '2012-10-17',
  Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' },
});
const everything = file('all.json', {
  Version: '2012-10-17',
  Statement: { Effect: 'Allow', Action: '*', Resource: '*' },
});
const request = (action: string, resource: string) => [
  '--principal',
  USER,
  '--action',
  action,
  '--resource',
  resource,
];

describe('grantflow simulate', () => {
  it('explains an allowed request and exits 0', async () => {
    const r = await runCli([
      'simulate',
      '--policy',
      identity,
      ...request('s3:GetObject', 'arn:aws:s3:::data/a'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Allowed\n/);
    expect(r.stdout).toContain(`${identity}:4:5  Allow identity Sid "ReadData"`);
    expect(r.stdout).toMatch(/identity\s+Allowed/);
  });

  it('says which statement denied and exits 1', async () => {
    const r = await runCli([
      'simulate',
      '--policy',
      identity,
      ...request('s3:GetObject', 'arn:aws:s3:::data/secret/k'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ExplicitlyDenied by a Deny statement in the identity-based policies\n/);
    expect(r.stdout).toContain('Deny  identity Sid "NoSecrets"');
  });

  it('names the policy type that did not allow', async () => {
    const r = await runCli([
      'simulate',
      '--policy',
      everything,
      '--boundary',
      s3Only,
      ...request('ec2:RunInstances', '*'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ImplicitlyDenied: the permissions boundary does not allow it\n/);
    expect(r.stdout).toMatch(/boundary\s+ImplicitlyDenied/);
  });

  it('reads repeated --context keys as one multivalued key, and lists missing keys', async () => {
    const put = ['simulate', '--policy', identity, ...request('s3:PutObject', 'arn:aws:s3:::x/y')];
    const both = await runCli([...put, '--context', 'aws:TagKeys=env', '--context', 'aws:TagKeys=team']);
    expect(both.code).toBe(0);
    const extra = await runCli([...put, '--context', 'aws:TagKeys=env', '--context', 'aws:TagKeys=cost']);
    expect(extra.code).toBe(1);
    const none = await runCli(put);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('Missing context keys: aws:TagKeys');
    // Values are not split on commas.
    const comma = await runCli([...put, '--context', 'aws:TagKeys=env,team']);
    expect(comma.code).toBe(1);
  });

  it('takes one organization level per --scp, several policies of a level separated by commas', async () => {
    const base = ['simulate', '--policy', everything, ...request('ec2:RunInstances', '*')];
    expect((await runCli([...base, '--scp', everything, '--scp', s3Only])).code).toBe(1);
    expect((await runCli([...base, '--scp', everything, '--scp', `${s3Only},${everything}`])).code).toBe(0);
    const r = await runCli([...base, '--scp', s3Only, '--format', 'json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'ImplicitlyDenied', blockedBy: 'scp' });
  });

  it('writes the whole explanation as JSON', async () => {
    const r = await runCli([
      'simulate',
      '--policy',
      identity,
      ...request('s3:GetObject', 'arn:aws:s3:::data/a'),
      '--format',
      'json',
    ]);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      decision: 'Allowed',
      blockedBy: null,
      principalKind: 'user',
      matchedStatements: [
        {
          policyType: 'identity',
          sid: 'ReadData',
          source: identity,
          span: { start: { line: 4, column: 4 } },
        },
      ],
      missingContextKeys: [],
      warnings: [],
    });
  });

  it('reports a malformed policy file with its position and exits 2', async () => {
    const broken = file('broken.json', '{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}');
    const r = await runCli(['simulate', '--policy', broken, ...request('s3:GetObject', '*')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`${broken.replace(/[.\\]/g, '\\$&')}:3:24: invalid JSON: Trailing comma`),
    );
    const notObject = file('list.json', '[]');
    expect(
      (await runCli(['simulate', '--policy', notObject, ...request('s3:GetObject', '*')])).stderr,
    ).toContain('a policy must be a JSON object');
  });

  it('rejects bad usage with a message naming the option', async () => {
    const cases: [string[], RegExp][] = [
      [['--policy', identity, '--action', 's3:GetObject', '--resource', '*'], /--principal is required/],
      [
        ['--policy', join(dir, 'missing.json'), ...request('s3:GetObject', '*')],
        /cannot read .*missing\.json: no such file/,
      ],
      [[...request('s3:GetObject', '*'), '--context', 'novalue'], /--context takes KEY=VALUE/],
      [
        ['--principal', 'somebody', '--action', 's3:GetObject', '--resource', '*'],
        /--principal: cannot tell/,
      ],
      [['--principal', USER, '--action', 'GetObject', '--resource', '*'], /--action: must be/],
      [[...request('s3:GetObject', '*'), '--principal-kind', 'robot'], /--principal-kind must be one of/],
      [[...request('s3:GetObject', '*'), '--format', 'xml'], /--format must be one of text, json/],
      [['--batch', '-', '--policy', identity], /--policy cannot be used with it/],
      [[...request('s3:GetObject', '*'), 'extra'], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['simulate', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});

describe('grantflow simulate --batch', () => {
  const POLICY = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }],
  };
  const line = (action: string) =>
    JSON.stringify({
      request: { principal: USER, action, resource: 'arn:aws:s3:::b/k' },
      identityPolicies: [POLICY],
    });

  it('writes one result per line, in order, and error results for bad lines', async () => {
    const input = [line('s3:GetObject'), line('s3:PutObject'), '', 'oops', line('s3:GetBucketAcl')].join(
      '\n',
    );
    const r = await runCli(['simulate', '--batch', file('batch.jsonl', `${input}\n`)]);
    const out = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => o.decision ?? o.line)).toEqual(['Allowed', 'ImplicitlyDenied', 4, 'Allowed']);
    expect(out[2]).toMatchObject({ line: 4, field: null, error: expect.stringMatching(/invalid JSON/) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1 of 5 lines could not be evaluated');
  });

  it('exits 0 when every line was evaluated, whatever the decisions', async () => {
    const r = await runCli(['simulate', '--batch', '-'], {
      stdin: `${line('s3:GetObject')}\r\n${line('s3:PutObject')}`,
    });
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { decision: string }).decision),
    ).toEqual(['Allowed', 'ImplicitlyDenied']);
  });

  it('streams standard input in pieces of any size, UTF-8 included', async () => {
    const lines = [
      line('s3:GetObject'),
      line('s3:PutObject').replace('"b/k"', '"b/é"'),
      line('s3:GetObject'),
    ];
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    const expected = (await runCli(['simulate', '--batch', '-'], { stdin: bytes.toString('utf8') })).stdout;
    for (const size of [1, 7, 64, 4096]) {
      let stdout = '';
      const io: CliIo = {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: () => true },
        readStdin: async () => {
          throw new Error('should stream');
        },
        stdinStream: async function* () {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        },
        cwd: dir,
        env: {},
      };
      expect(await main(['simulate', '--batch', '-'], io)).toBe(0);
      expect(stdout, `chunks of ${size}`).toBe(expected);
    }
    expect(expected.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('numbers lines across read chunks, with error results in their place', async () => {
    const lines = Array.from({ length: 8000 }, (_, i) =>
      i % 500 === 7 ? '{"request": 1}' : line(i % 3 ? 's3:GetObject' : 's3:PutObject'),
    );
    const text = `${lines.join('\n')}\n`;
    expect(text.length).toBeGreaterThan(1 << 20); // more than one read
    const r = await runCli(['simulate', '--batch', file('many.jsonl', text)]);
    const out = r.stdout.split('\n').filter(Boolean);
    expect(out).toHaveLength(8000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('16 of 8000 lines could not be evaluated');
    expect(JSON.parse(out[2507]!)).toEqual({
      line: 2508,
      field: 'request',
      error: 'request: must be a JSON object',
    });
    expect(JSON.parse(out[2509]!)).toMatchObject({ decision: 'Allowed' });
  });

  it('reports an unreadable batch file and exits 2', async () => {
    const r = await runCli(['simulate', '--batch', join(dir, 'nope.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*nope\.jsonl: no such file/);
    expect((await runCli(['simulate', '--batch', dir])).stderr).toMatch(/it is a directory/);
  });
});
