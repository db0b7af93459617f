// Benchmark of the evaluation engine: decisions per second in process (one core), and requests per
// second through `grantflow simulate --batch` including JSON in and out.
//
//   npx tsc -p tsconfig.build.json   (the batch part runs bin/grantflow.js, which runs dist/)
//   node bench/simulate.ts [--requests N] [--skip-cli]
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchEvaluator, compilePolicySet, decide, explain } from '../src/evaluate/index.ts';
import type { EvaluationRequest } from '../src/evaluate/index.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    'skip-cli': { type: 'boolean', default: false },
    /** Only write the batch input to this file (for profiling) and stop. */
    'write-jsonl': { type: 'string' },
    /** Repeat the requests this many times in the batch input (a longer run amortizes start-up). */
    'cli-repeat': { type: 'string', default: '1' },
  },
});
const N = Number(values.requests);

/** Ten statements: Allow and Deny, action and resource wildcards, a StringEquals and an IpAddress condition. */
const POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReadAppBuckets',
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*'],
      Resource: ['arn:aws:s3:::app-*', 'arn:aws:s3:::app-*/*'],
    },
    {
      Sid: 'WriteOwnPrefix',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::app-data/${aws:username}/*',
    },
    { Sid: 'DenySecrets', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::app-*/secret/*' },
    {
      Sid: 'TeamTables',
      Effect: 'Allow',
      Action: 'dynamodb:*',
      Resource: 'arn:aws:dynamodb:*:111122223333:table/team-*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } },
    },
    {
      Sid: 'OfficeOnlyEc2',
      Effect: 'Allow',
      Action: ['ec2:Describe*', 'ec2:StartInstances', 'ec2:StopInstances'],
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
    },
    { Sid: 'DenyTerminate', Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*' },
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: 'arn:aws:logs:*:111122223333:log-group:/app/*',
    },
    {
      Sid: 'DenyOutsideRegions',
      Effect: 'Deny',
      NotAction: ['iam:*', 'sts:*'],
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
    },
    {
      Sid: 'ReadQueues',
      Effect: 'Allow',
      Action: 'sqs:Receive*',
      Resource: 'arn:aws:sqs:us-east-1:111122223333:app-?',
    },
    {
      Sid: 'SelfIam',
      Effect: 'Allow',
      Action: ['iam:Get*', 'iam:List*'],
      Resource: 'arn:aws:iam::111122223333:user/${aws:username}',
    },
  ],
};

// A small deterministic generator, so every run asks the same questions.
let seed = 42;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return (seed >>> 8) % n;
};
const pick = <T>(list: readonly T[]): T => list[rand(list.length)]!;

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const ACTIONS = [
  's3:GetObject',
  's3:ListBucket',
  's3:PutObject',
  's3:DeleteObject',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'ec2:DescribeInstances',
  'ec2:StartInstances',
  'ec2:TerminateInstances',
  'logs:PutLogEvents',
  'sqs:ReceiveMessage',
  'iam:GetUser',
  'iam:CreateUser',
  'kms:Decrypt',
];
function resourceFor(action: string, user: string): string {
  const service = action.slice(0, action.indexOf(':'));
  switch (service) {
    case 's3':
      return pick([
        `arn:aws:s3:::app-data/${user}/f${rand(100)}`,
        'arn:aws:s3:::app-logs/secret/k',
        'arn:aws:s3:::other/x',
        'arn:aws:s3:::app-web',
      ]);
    case 'dynamodb':
      return `arn:aws:dynamodb:us-east-1:111122223333:table/${pick(['team-a', 'team-b', 'orders'])}`;
    case 'logs':
      return `arn:aws:logs:us-east-1:111122223333:log-group:${pick(['/app/web', '/other'])}:log-stream:s`;
    case 'sqs':
      return `arn:aws:sqs:us-east-1:111122223333:app-${pick(['1', '2', '10'])}`;
    case 'iam':
      return `arn:aws:iam::111122223333:user/${pick(USERS)}`;
    default:
      return '*';
  }
}

function makeRequests(n: number): EvaluationRequest[] {
  const out: EvaluationRequest[] = [];
  for (let i = 0; i < n; i++) {
    const user = pick(USERS);
    const action = pick(ACTIONS);
    out.push({
      principal: `arn:aws:iam::111122223333:user/${user}`,
      action,
      resource: resourceFor(action, user),
      context: {
        'aws:SourceIp': pick(['203.0.113.9', '198.51.100.4', '2001:db8::1']),
        'aws:PrincipalTag/team': pick(['payments', 'search']),
        'aws:RequestedRegion': pick(['us-east-1', 'eu-west-1', 'ap-south-1']),
      },
    });
  }
  return out;
}

function perSecond(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

const requests = makeRequests(N);
const jsonl = () =>
  requests.map((request) => JSON.stringify({ request, identityPolicies: [POLICY] })).join('\n') + '\n';
if (values['write-jsonl'] !== undefined) {
  writeFileSync(values['write-jsonl'], jsonl());
  process.exit(0);
}
const set = compilePolicySet({ identityPolicies: [POLICY] });

// Warm up the JIT and the per-action plans, then take the best of several rounds.
for (let round = 0; round < 3; round++) for (const r of requests) decide(set, r);
let best = Infinity;
const tally = { Allowed: 0, ExplicitlyDenied: 0, ImplicitlyDenied: 0 };
for (let round = 0; round < 5; round++) {
  const start = performance.now();
  for (const r of requests) tally[decide(set, r)]++;
  best = Math.min(best, performance.now() - start);
}
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cpus, node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `in-process decide(): ${N.toLocaleString('en-US')} requests in ${best.toFixed(1)} ms = ${perSecond(N, best)}`,
);
console.log(`  decisions over all rounds: ${JSON.stringify(tally)}`);

let bestExplain = Infinity;
for (let round = 0; round < 3; round++) {
  const start = performance.now();
  for (const r of requests) explain(set, r);
  bestExplain = Math.min(bestExplain, performance.now() - start);
}
console.log(`in-process explain(): ${perSecond(N, bestExplain)}`);

const dir = mkdtempSync(join(tmpdir(), 'grantflow-bench-'));
try {
  const file = join(dir, 'requests.jsonl');
  const text = jsonl();
  const lines = text.split('\n').filter((l) => l.length > 0);
  const evaluator = new BatchEvaluator();
  for (const l of lines.slice(0, 20_000)) evaluator.evaluate(l, 0);
  const start = performance.now();
  for (let i = 0; i < lines.length; i++) evaluator.evaluate(lines[i]!, i + 1);
  console.log(
    `in-process BatchEvaluator (lines already in memory): ${perSecond(lines.length, performance.now() - start)}`,
  );

  if (!values['skip-cli']) {
    // The whole command as a user runs it: a process reading the file and writing results to a file.
    const repeat = Number(values['cli-repeat']);
    writeFileSync(file, '');
    for (let i = 0; i < repeat; i++) appendFileSync(file, text);
    const out = join(dir, 'results.jsonl');
    const args = ['bin/grantflow.js', 'simulate', '--batch', file];
    // Best of three: the machine may be shared, and the best run is the least disturbed one.
    const runs: number[] = [];
    let resultLines = 0;
    let status: number | null = null;
    for (let run = 0; run < 3; run++) {
      const fd = openSync(out, 'w');
      const t0 = performance.now();
      status = spawnSync(process.execPath, args, { stdio: ['ignore', fd, 'inherit'] }).status;
      runs.push(performance.now() - t0);
      closeSync(fd);
      resultLines = readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0).length;
    }
    const ms = Math.min(...runs);
    console.log(
      `batch CLI: node ${args.join(' ')} (${(statSync(file).size / 1e6).toFixed(1)} MB in, ${(statSync(out).size / 1e6).toFixed(1)} MB out): ` +
        `${resultLines.toLocaleString('en-US')} results, exit ${status}, runs ${runs.map((r) => r.toFixed(0)).join(' / ')} ms ` +
        `wall including process start; best = ${perSecond(resultLines, ms)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
