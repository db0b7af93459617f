// The batch command and the library must give identical results: thousands of varied requests,
// asked both ways.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchResult, compilePolicySet, decide } from '../src/evaluate/index.ts';
import type { EvaluationRequest, PolicySetInput } from '../src/evaluate/index.ts';
import { runCli, spawnCli } from './helpers/cli.ts';

const A = '111122223333';
const B = '444455556666';
const dir = mkdtempSync(join(tmpdir(), 'grantflow-simulate-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seed = 2024;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return (seed >>> 8) % n;
};
const pick = <T>(list: readonly T[]): T => list[rand(list.length)]!;

const identity = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Read',
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*'],
      Resource: ['arn:aws:s3:::app-*', 'arn:aws:s3:::app-*/*'],
    },
    {
      Sid: 'Home',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::app-home/${aws:username}/*',
    },
    { Sid: 'NoSecret', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::*/secret/*' },
    {
      Sid: 'Office',
      Effect: 'Allow',
      Action: ['ec2:Describe*', 'ec2:StartInstances'],
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
    },
    {
      Sid: 'Team',
      Effect: 'Allow',
      Action: 'dynamodb:*',
      Resource: `arn:aws:dynamodb:*:${A}:table/\${aws:PrincipalTag/team}-*`,
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } },
    },
    { Sid: 'Assume', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/deploy` },
    {
      Sid: 'Keys',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
    },
  ],
};
const full = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const bucketPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: [B, `arn:aws:sts::${A}:assumed-role/app/s1`] },
      Action: 's3:GetObject',
      Resource: '*',
    },
    { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::app-public/*' },
    {
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
};
const trust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${B}:root` },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'x' } },
    },
    { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};
const keyPolicy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
  ],
};
const sets: PolicySetInput[] = [
  { identityPolicies: [identity] },
  { identityPolicies: [identity], resourcePolicy: bucketPolicy },
  {
    identityPolicies: [identity, full],
    permissionsBoundaries: [{ Statement: { Effect: 'Allow', Action: ['s3:*', 'ec2:*'], Resource: '*' } }],
  },
  {
    identityPolicies: [full],
    sessionPolicy: { Statement: { Effect: 'Allow', Action: 's3:Get*', Resource: '*' } },
  },
  {
    identityPolicies: [full],
    serviceControlPolicies: [
      [full],
      [
        {
          Statement: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: 'dynamodb:*', Resource: '*' },
          ],
        },
      ],
      [],
    ],
  },
  {
    identityPolicies: [identity],
    serviceControlPolicies: [[full]],
    resourceControlPolicies: [
      [{ Statement: { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' } }],
    ],
  },
  { identityPolicies: [identity], resourcePolicy: trust },
  {
    identityPolicies: [identity],
    resourcePolicy: keyPolicy,
    vpcEndpointPolicies: [{ Statement: { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' } }],
  },
];
const principals = [
  `arn:aws:iam::${A}:user/alice`,
  `arn:aws:iam::${A}:user/bob`,
  `arn:aws:sts::${A}:assumed-role/app/s1`,
  `arn:aws:sts::${A}:assumed-role/app/s2`,
  `arn:aws:sts::${A}:federated-user/carol`,
  `arn:aws:iam::${A}:root`,
  `arn:aws:iam::${B}:user/eve`,
  'ec2.amazonaws.com',
  '*',
];
const actions: [string, string[]][] = [
  [
    's3:GetObject',
    [
      'arn:aws:s3:::app-data/k',
      'arn:aws:s3:::app-public/p',
      'arn:aws:s3:::app-data/secret/k',
      'arn:aws:s3:::other/k',
    ],
  ],
  ['s3:PutObject', ['arn:aws:s3:::app-home/alice/f', 'arn:aws:s3:::app-home/bob/f']],
  ['ec2:StartInstances', ['*']],
  [
    'dynamodb:PutItem',
    [`arn:aws:dynamodb:us-east-1:${A}:table/red-orders`, `arn:aws:dynamodb:us-east-1:${A}:table/blue-orders`],
  ],
  ['sts:AssumeRole', [`arn:aws:iam::${A}:role/deploy`]],
  ['kms:Decrypt', [`arn:aws:kms:us-east-1:${A}:key/k1`]],
  ['iam:CreateUser', ['*']],
];

function randomRequest(): EvaluationRequest {
  const [action, resources] = pick(actions);
  const context: Record<string, string | boolean | string[]> = {};
  if (rand(2)) context['aws:SourceIp'] = pick(['203.0.113.4', '198.51.100.1', '2001:db8::9']);
  if (rand(2)) context['aws:PrincipalTag/team'] = pick(['red', 'blue']);
  if (rand(2)) context['aws:TagKeys'] = pick([[], ['env'], ['env', 'cost']]);
  if (rand(2)) context['aws:SecureTransport'] = pick([true, false, 'true']);
  if (rand(3) === 0) context['sts:ExternalId'] = 'x';
  return { principal: pick(principals), action, resource: pick(resources), ...(rand(4) ? { context } : {}) };
}

describe('simulate --batch and the library agree', () => {
  const cases = Array.from({ length: 3000 }, () => ({ set: pick(sets), request: randomRequest() }));
  const compiled = new Map(sets.map((s) => [s, compilePolicySet(s)]));
  const expected = cases.map(({ set, request }) => batchResult(compiled.get(set)!, request));
  const input = `${cases.map(({ set, request }) => JSON.stringify({ request, ...set })).join('\n')}\n`;
  const file = join(dir, 'requests.jsonl');
  writeFileSync(file, input);

  it('the fast path decides as the explaining path does', () => {
    const fast = cases.map(({ set, request }) => decide(compiled.get(set)!, request));
    expect(fast).toEqual(expected.map((e) => e.decision));
  });

  it('covers every decision and many blocking types', () => {
    const decisions = new Set(expected.map((e) => e.decision));
    const blocked = new Set(expected.map((e) => e.blockedBy));
    expect(decisions).toEqual(new Set(['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied']));
    expect(blocked.size).toBeGreaterThanOrEqual(6);
  });

  it('in process', async () => {
    const r = await runCli(['simulate', '--batch', file]);
    expect(r.code).toBe(0);
    const out = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(out).toEqual(expected);
  });

  it('through the built command, from standard input', () => {
    const r = spawnCli(['simulate', '--batch', '-'], { input });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(out).toEqual(expected);
  });
});
