// Benchmark of the evaluation engine: decisions per second in process (one core), and requests per
// second through `grantflow simulate --batch` including JSON in and out.
//
//   npx tsc -p tsconfig.build.json   (the batch part runs bin/grantflow.js, which runs dist/)
//   node bench/simulate.ts [--requests N] [--skip-cli] [--cli-threads 1,2,default] [--cli-runs 5]
//                          [--unique]
//   taskset -c 0 node bench/simulate.ts ...   (the same on one core: the commands it runs inherit it)
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  fsyncSync,
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
    /** The --threads values to run the command with ("default": without the option). */
    'cli-threads': { type: 'string', default: '1,2' },
    /** Runs of the command per --threads value, interleaved. */
    'cli-runs': { type: 'string', default: '5' },
    /**
     * Make every request distinct: a resource and an aws:CurrentTime of its own. The generated
     * requests repeat (1,758 distinct ones in 100,000), and the batch command keeps the strings and
     * contexts it has read by their bytes; this measures it when they do not repeat.
     */
    unique: { type: 'boolean', default: false },
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

function makeRequests(n: number, unique: boolean): EvaluationRequest[] {
  const out: EvaluationRequest[] = [];
  const start = Date.UTC(2026, 10, 23);
  for (let i = 0; i < n; i++) {
    const user = pick(USERS);
    const action = pick(ACTIONS);
    const resource = resourceFor(action, user);
    out.push({
      principal: `arn:aws:iam::111122223333:user/${user}`,
      action,
      resource: unique && resource !== '*' ? `${resource}-${i}` : resource,
      context: {
        'aws:SourceIp': pick(['203.0.113.9', '198.51.100.4', '2001:db8::1']),
        'aws:PrincipalTag/team': pick(['payments', 'search']),
        'aws:RequestedRegion': pick(['us-east-1', 'eu-west-1', 'ap-south-1']),
        ...(unique ? { 'aws:CurrentTime': new Date(start + i * 1000).toISOString() } : {}),
      },
    });
  }
  return out;
}

function perSecond(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

const requests = makeRequests(N, values.unique);
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
  // How much the input repeats itself (what the command keeps by bytes: strings, contexts).
  const distinct = (values: Iterable<string>) => new Set(values).size.toLocaleString('en-US');
  console.log(
    `batch input: ${lines.length.toLocaleString('en-US')} lines, ${distinct(lines)} distinct requests, ` +
      `${distinct(requests.map((r) => r.resource))} resources, ` +
      `${distinct(requests.map((r) => JSON.stringify(r.context)))} contexts${values.unique ? ' (--unique)' : ''}`,
  );
  const evaluator = new BatchEvaluator();
  for (const l of lines.slice(0, 20_000)) evaluator.evaluate(l, 0);
  const start = performance.now();
  for (let i = 0; i < lines.length; i++) evaluator.evaluate(lines[i]!, i + 1);
  console.log(
    `in-process BatchEvaluator (lines already in memory): ${perSecond(lines.length, performance.now() - start)}`,
  );

  if (!values['skip-cli']) {
    // The whole command as a user runs it: a process reading the file and writing results to a file,
    // for each --threads value in turn, several times (the machine may be shared: the best run is the
    // least disturbed one, the median the typical one). The command's CPU time, all its threads
    // included, is read from process.resourceUsage() at its exit.
    const repeat = Number(values['cli-repeat']);
    writeFileSync(file, '');
    for (let i = 0; i < repeat; i++) appendFileSync(file, text);
    // Written out to disk now: otherwise the kernel writes these 168+ MB back while the first runs
    // are timed, and they measure that.
    const input = openSync(file, 'r+');
    fsyncSync(input);
    closeSync(input);
    const threadOptions = values['cli-threads'].split(',').map((t) => t.trim());
    const runsEach = Number(values['cli-runs']);
    const rusage =
      'data:text/javascript,process.on("exit",()=>{const u=process.resourceUsage();' +
      'process.stderr.write(`\\n@rusage ${u.userCPUTime} ${u.systemCPUTime}\\n`)})';
    const runs = new Map<string, { wall: number; user: number; sys: number }[]>();
    const outputs = new Map<string, Buffer>();
    const loadBefore = loadavg();
    for (let run = 0; run < runsEach; run++) {
      for (const threads of threadOptions) {
        const out = join(dir, `results-${threads}.jsonl`);
        const args = ['--import', rusage, 'bin/grantflow.js', 'simulate', '--batch', file];
        if (threads !== 'default') args.push('--threads', threads);
        const fd = openSync(out, 'w');
        const t0 = performance.now();
        const r = spawnSync(process.execPath, args, { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
        const wall = performance.now() - t0;
        closeSync(fd);
        const usage = /@rusage (\d+) (\d+)/.exec(r.stderr);
        if (r.status !== 0 || usage === null) {
          throw new Error(`the command failed (exit ${r.status}): ${r.stderr.replace(/\n@rusage.*$/s, '')}`);
        }
        const list = runs.get(threads) ?? [];
        list.push({ wall, user: Number(usage[1]) / 1000, sys: Number(usage[2]) / 1000 });
        runs.set(threads, list);
        if (run === 0) outputs.set(threads, readFileSync(out));
      }
    }
    const loadAfter = loadavg();
    const resultLines = outputs.get(threadOptions[0]!)!.toString('utf8').split('\n').length - 1;
    const same = [...outputs.values()].every((o) => o.equals(outputs.get(threadOptions[0]!)!));
    console.log(
      `batch CLI: node bin/grantflow.js simulate --batch FILE [--threads T] (${(statSync(file).size / 1e6).toFixed(1)} MB in, ` +
        `${resultLines.toLocaleString('en-US')} results, ${same ? 'identical' : 'DIFFERENT'} outputs for every T), ` +
        `${runsEach} runs each, wall including process start; load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after`,
    );
    for (const threads of threadOptions) {
      const list = runs.get(threads)!;
      const walls = list.map((r) => r.wall).sort((a, b) => a - b);
      const best = walls[0]!;
      const median = walls[Math.floor(walls.length / 2)]!;
      console.log(
        `  --threads ${threads}: best ${best.toFixed(0)} ms = ${perSecond(resultLines, best)}, median ${median.toFixed(0)} ms = ` +
          `${perSecond(resultLines, median)}; runs (wall/user/sys ms) ` +
          list.map((r) => `${r.wall.toFixed(0)}/${r.user.toFixed(0)}/${r.sys.toFixed(0)}`).join(' '),
      );
    }
    if (!same) process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
