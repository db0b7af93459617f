// The batch command and the library must give identical results: thousands of varied requests,
// asked both ways; and the threaded command must write the very bytes the single-thread one does.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/io.ts';
import { defaultThreads, parseThreads, runBatch } from '../src/cli/simulate-batch.ts';
import type { BatchStats } from '../src/cli/simulate-batch.ts';
import { BatchEvaluator, batchResult, compilePolicySet, decide } from '../src/evaluate/index.ts';
import type { EvaluationRequest, PolicySetInput } from '../src/evaluate/index.ts';
import { repoRoot, runCli, spawnCli } from './helpers/cli.ts';

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

/** An io whose output is captured; standard input comes in the given chunks, each after a pause. */
function batchIo(
  options: { chunks?: readonly (string | Uint8Array)[]; pauseMs?: number; drainEvery?: number } = {},
) {
  let stdout = '';
  let stderr = '';
  let writes = 0;
  let maxListeners = 0;
  const listeners: (() => void)[] = [];
  const io: CliIo = {
    stdout: Object.assign(
      {
        write: (t: string) => {
          stdout += t;
          // A stream whose buffer fills now and then: the command must wait for 'drain'.
          if (options.drainEvery !== undefined && ++writes % options.drainEvery === 0) {
            setTimeout(() => listeners.splice(0).forEach((f) => f()), 1);
            return false;
          }
          return true;
        },
      },
      {
        once: (_event: string, f: () => void) => {
          listeners.push(f);
          maxListeners = Math.max(maxListeners, listeners.length);
        },
      },
    ),
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => (options.chunks ?? []).join(''),
    stdinStream:
      options.chunks === undefined
        ? undefined
        : async function* () {
            for (const chunk of options.chunks!) {
              if (options.pauseMs !== undefined)
                await new Promise((done) => setTimeout(done, options.pauseMs));
              yield chunk;
            }
          },
    cwd: dir,
    env: {},
  };
  return { io, out: () => stdout, err: () => stderr, maxListeners: () => maxListeners };
}

/** The text cut in pieces of `size` bytes (through multi-byte characters too). */
function pieces(text: string, size: number): Uint8Array[] {
  const bytes = Buffer.from(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(new Uint8Array(bytes.subarray(i, i + size)));
  return out;
}

describe('simulate --batch on worker threads', () => {
  const cases = Array.from({ length: 3000 }, () => ({ set: pick(sets), request: randomRequest() }));
  cases[2404] = {
    set: {
      identityPolicies: [{ Statement: { Sid: 'Café', Effect: 'Allow', Action: 's3:*', Resource: '*' } }],
    },
    request: { principal: principals[0]!, action: 's3:GetObject', resource: 'arn:aws:s3:::app-café/ü' },
  };
  const lines = cases.map(({ set, request }) => JSON.stringify({ request, ...set }));
  // Errors far into the input, blank lines (counted, not answered), a CRLF line and a non-ASCII one.
  lines[1999] = '{"request": {"principal": "arn:aws:iam::111122223333:user/x", "action": "s3:GetObject"';
  lines[2400] = '   ';
  lines[2401] = '';
  lines[2402] = JSON.stringify({ request: { principal: 'nobody', action: 's3:GetObject', resource: '*' } });
  lines[2403] = `${lines[2403]}\r`;
  lines[2998] = '[1, 2]';
  const input = `${lines.join('\n')}\n`;
  const file = join(dir, 'threads.jsonl');
  writeFileSync(file, input);
  const runOne = async (threads: number, blockSize?: number, source = file, io = batchIo()) => {
    const code = await runBatch(source, io.io, { threads, blockSize });
    return { code, stdout: io.out(), stderr: io.err() };
  };

  it('the single-thread command answers every line, numbering errors by input line', async () => {
    const r = await runOne(1);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'grantflow simulate: 3 of 3000 lines could not be evaluated (see their error results)\n',
    );
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(2998);
    const errors = out.map((l) => JSON.parse(l) as { line?: number; field?: string }).filter((l) => l.line);
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [2000, null],
      [2403, 'request.principal'],
      [2999, null],
    ]);
    const expected = cases.map(({ set, request }) => batchResult(compilePolicySet(set), request));
    const good = out.map((l) => JSON.parse(l) as unknown).filter((l) => !(l as { line?: number }).line);
    const kept = expected.filter((_, i) => ![1999, 2400, 2401, 2402, 2998].includes(i));
    expect(kept).toContainEqual(
      expect.objectContaining({ matchedStatements: [expect.objectContaining({ sid: 'Café' })] }),
    );
    expect(good).toEqual(kept);
  });

  /**
   * Standard input that gives a first part (enough to start the workers) and the rest once every
   * started worker is ready, so that the workers, not only the main thread, evaluate blocks.
   */
  const gatedStdin = (stats: BatchStats, first: number) =>
    async function* () {
      yield input.slice(0, first);
      for (let waited = 0; !(stats.workersStarted > 0 && stats.workersReady === stats.workersStarted);) {
        if ((waited += 10) > 20_000) throw new Error('the workers did not start');
        await new Promise((done) => setTimeout(done, 10));
      }
      yield input.slice(first);
    };
  const newStats = (): BatchStats => ({ blocks: 0, workerBlocks: 0, workersStarted: 0, workersReady: 0 });

  it('writes the same bytes with any number of threads and block size', async () => {
    const single = await runOne(1);
    for (const [threads, blockSize] of [
      [2, 64 << 10],
      [3, 16 << 10],
      [8, 4 << 10],
    ] as const) {
      const stats = newStats();
      const io = batchIo();
      (io.io as { stdinStream: CliIo['stdinStream'] }).stdinStream = gatedStdin(stats, 5 * blockSize + 1000);
      const code = await runBatch('-', io.io, { threads, blockSize, stats, workerPayoffMs: 0 });
      expect({ threads, blockSize, code, stdout: io.out(), stderr: io.err() }).toEqual({
        threads,
        blockSize,
        ...single,
      });
      expect(stats.workersStarted).toBe(threads - 1);
      expect(stats.workerBlocks).toBeGreaterThan(0);
      expect(stats.blocks).toBeGreaterThan(Buffer.byteLength(input) / blockSize - 1);
    }
    // A file under four blocks is evaluated on the main thread; a larger one starts the workers.
    const small = newStats();
    const smallIo = batchIo();
    await runBatch(file, smallIo.io, { threads: 2, stats: small, workerPayoffMs: 0 });
    expect(small).toMatchObject({ workersStarted: 0, workerBlocks: 0 });
    expect(small.blocks).toBeGreaterThan(1);
    expect(smallIo.out()).toBe(single.stdout);
    const large = newStats();
    const largeIo = batchIo();
    await runBatch(file, largeIo.io, { threads: 3, blockSize: 256 << 10, stats: large, workerPayoffMs: 0 });
    expect(large.workersStarted).toBe(2);
    expect(largeIo.out()).toBe(single.stdout);
    // Workers start only for an input that would take the main thread long enough.
    const short = newStats();
    const shortIo = batchIo();
    await runBatch(file, shortIo.io, { threads: 2, blockSize: 4 << 10, stats: short, workerPayoffMs: 1e9 });
    expect(short).toMatchObject({ workersStarted: 0, workerBlocks: 0 });
    expect(short.blocks).toBeGreaterThan(16);
    expect(shortIo.out()).toBe(single.stdout);
  });

  it('the compiled command (dist/) finds its worker script and evaluates on it', async () => {
    const compiled = (await import(pathToFileURL(join(repoRoot, 'dist/cli/simulate-batch.js')).href)) as {
      runBatch: typeof runBatch;
    };
    const single = await runOne(1);
    const stats = newStats();
    const io = batchIo();
    (io.io as { stdinStream: CliIo['stdinStream'] }).stdinStream = gatedStdin(stats, 5 * (64 << 10) + 1000);
    const code = await compiled.runBatch('-', io.io, {
      threads: 2,
      blockSize: 64 << 10,
      stats,
      workerPayoffMs: 0,
    });
    expect({ code, stdout: io.out(), stderr: io.err() }).toEqual(single);
    expect(stats.workerBlocks).toBeGreaterThan(0);
  });

  it("the bundled command's worker script (dist/cli-bundle) evaluates blocks", async () => {
    const single = await runOne(1);
    const stats = newStats();
    const io = batchIo();
    (io.io as { stdinStream: CliIo['stdinStream'] }).stdinStream = gatedStdin(stats, 5 * (64 << 10) + 1000);
    const code = await runBatch('-', io.io, {
      threads: 2,
      blockSize: 64 << 10,
      stats,
      workerPayoffMs: 0,
      workerUrl: pathToFileURL(join(repoRoot, 'dist/cli-bundle/simulate-batch-worker.js')),
    });
    expect({ code, stdout: io.out(), stderr: io.err() }).toEqual(single);
    expect(stats.workerBlocks).toBeGreaterThan(0);
  });

  it('reads a file given as standard input as it reads a named file, from where standard input stands', async () => {
    const single = await runOne(1);
    const fd = openSync(file, 'r');
    try {
      const io = batchIo();
      const notStreamed = () => {
        throw new Error('standard input was streamed');
      };
      const viaFd = { ...io.io, stdinFd: fd, stdinStream: notStreamed };
      const stats = newStats();
      expect(await runBatch('-', viaFd, { threads: 1, blockSize: 64 << 10, stats })).toBe(single.code);
      expect({ stdout: io.out(), stderr: io.err() }).toEqual({
        stdout: single.stdout,
        stderr: single.stderr,
      });
      expect(stats.blocks).toBeGreaterThan(Buffer.byteLength(input) / (64 << 10) - 1);
      // Standard input already read up to the first line's end (`{ head -n 1; grantflow …; } < FILE`):
      // the command answers the lines after it, numbered from there.
      const rest = join(dir, 'rest.jsonl');
      writeFileSync(rest, input.slice(input.indexOf('\n') + 1));
      const expected = await runOne(1, undefined, rest);
      const firstLine = Buffer.byteLength(input.slice(0, input.indexOf('\n') + 1));
      const restIo = batchIo();
      const fromLine2 = openSync(file, 'r');
      expect(readSync(fromLine2, Buffer.alloc(firstLine), 0, firstLine, null)).toBe(firstLine);
      try {
        await runBatch('-', { ...restIo.io, stdinFd: fromLine2, stdinStream: notStreamed }, { threads: 1 });
      } finally {
        closeSync(fromLine2);
      }
      expect({ stdout: restIo.out(), stderr: restIo.err() }).toEqual({
        stdout: expected.stdout,
        stderr: expected.stderr,
      });
    } finally {
      closeSync(fd);
    }
    // The command, its standard input redirected from the file (`grantflow simulate --batch - < FILE`).
    const stdin = openSync(file, 'r');
    try {
      expect(spawnCli(['simulate', '--batch', '-'], { stdinFd: stdin })).toEqual(single);
    } finally {
      closeSync(stdin);
    }
  });

  it('reads standard input as it comes, in pieces that cut lines and characters', async () => {
    const single = await runOne(1);
    const r = await runOne(2, 32 << 10, '-', batchIo({ chunks: pieces(input, 7001) }));
    expect(r).toEqual(single);
    const strings = await runOne(
      2,
      32 << 10,
      '-',
      batchIo({ chunks: [input.slice(0, 5000), input.slice(5000)] }),
    );
    expect(strings).toEqual(single);
    const whole = batchIo();
    (whole.io as { readStdin: () => Promise<string> }).readStdin = async () => input;
    expect(await runOne(2, 32 << 10, '-', whole)).toEqual(single);
  });

  it('answers lines from a slow producer without waiting for a full block', async () => {
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    const io = batchIo();
    (io.io as { stdinStream: CliIo['stdinStream'] }).stdinStream = async function* () {
      yield `${lines.slice(0, 6).join('\n')}\n`;
      await gate;
      yield lines[6]!;
    };
    const run = runBatch('-', io.io, { threads: 2 });
    for (let waited = 0; io.out().split('\n').length < 7 && waited < 5000; waited += 10) {
      await new Promise((done) => setTimeout(done, 10));
    }
    // The first six results are out while the seventh line has not come.
    expect(io.out().trimEnd().split('\n')).toHaveLength(6);
    release();
    expect(await run).toBe(0);
    expect(io.out().trimEnd().split('\n')).toHaveLength(7);
  });

  it('waits for output to drain, and gives a line longer than a block a block of its own', async () => {
    const single = await runOne(1);
    const draining = batchIo({ drainEvery: 3 });
    const r = await runOne(2, 4 << 10, file, draining);
    expect(r).toEqual(single);
    // One 'drain' listener at a time, however many blocks are written before it fires.
    expect(draining.maxListeners()).toBe(1);
    const long = JSON.stringify({
      request: {
        principal: principals[0],
        action: 's3:GetObject',
        resource: `arn:aws:s3:::app-x/${'k'.repeat(50_000)}`,
      },
      identityPolicies: [JSON.parse(JSON.stringify(sets[0]!.identityPolicies![0]))],
    });
    const longFile = join(dir, 'long.jsonl');
    writeFileSync(
      longFile,
      `${lines.slice(0, 50).join('\n')}\n${long}\n${long}\n${lines.slice(50, 100).join('\n')}`,
    );
    const one = await runOne(1, undefined, longFile);
    expect(await runOne(3, 1 << 10, longFile)).toEqual(one);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(102);
  });

  it('reads a named pipe as it comes, as it reads standard input', async () => {
    const fifo = join(dir, 'requests.fifo');
    execFileSync('mkfifo', [fifo]);
    const io = batchIo();
    const run = runBatch(fifo, io.io, { threads: 2 });
    const writer = await open(fifo, 'w');
    await writer.write(`${lines.slice(0, 6).join('\n')}\n`);
    for (let waited = 0; io.out().split('\n').length < 7 && waited < 5000; waited += 10) {
      await new Promise((done) => setTimeout(done, 10));
    }
    expect(io.out().trimEnd().split('\n')).toHaveLength(6);
    await writer.write(`${lines.slice(6, 1000).join('\n')}\n`);
    await writer.close();
    expect(await run).toBe(0);
    expect(io.out()).toBe(
      (await runOne(1, undefined, '-', batchIo({ chunks: [lines.slice(0, 1000).join('\n')] }))).stdout,
    );
  });

  it('an empty input gets no output', async () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    expect(await runOne(2, 1 << 10, empty)).toEqual({ code: 0, stdout: '', stderr: '' });
    writeFileSync(empty, '\n \n\t\n');
    expect(await runOne(2, 1 << 10, empty)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('stops with an error when a worker fails', async () => {
    const failing = {
      replies:
        'parentPort.on("message", (t) => parentPort.postMessage({ seq: t.seq, error: "Error: boom", buffer: t.buffer }, [t.buffer]));',
      exits: 'process.exit(7);',
      throws: 'throw new Error("no evaluator here");',
    };
    const expected = {
      replies: /a batch worker failed: Error: boom/,
      exits: /a batch worker stopped \(exit code 7\)/,
      throws: /no evaluator here/,
    };
    for (const [name, body] of Object.entries(failing)) {
      const script = join(dir, `${name}-worker.mjs`);
      writeFileSync(
        script,
        `import { parentPort } from 'node:worker_threads';\nparentPort.postMessage({ ready: true });\n${body}\n`,
      );
      // Blocks enough to start the workers, then a pause while they start (and fail), then the rest.
      const io = batchIo();
      (io.io as { stdinStream: CliIo['stdinStream'] }).stdinStream = async function* () {
        yield input.slice(0, 200_000);
        await new Promise((done) => setTimeout(done, 1000));
        yield input.slice(200_000);
      };
      await expect(
        runBatch('-', io.io, {
          threads: 2,
          blockSize: 16 << 10,
          workerUrl: pathToFileURL(script),
          workerPayoffMs: 0,
        }),
      ).rejects.toThrow(expected[name as keyof typeof expected]);
    }
  });

  it('through the command: --threads, in process and built, from a file and standard input', async () => {
    const single = await runCli(['simulate', '--batch', file, '--threads', '1']);
    const threaded = await runCli(['simulate', '--batch', file, '--threads', '2']);
    expect(threaded).toEqual(single);
    const built = spawnCli(['simulate', '--batch', '-', '--threads', '2'], { input });
    expect(built).toEqual(single);
    const builtFile = spawnCli(['simulate', '--batch', file]);
    expect(builtFile).toEqual(single);
  });

  it('numbers error results by input line when a block is evaluated apart from those before it', () => {
    const bytes = Buffer.from(lines.slice(1990, 2410).join('\n'));
    const inPlace = new BatchEvaluator().evaluateBlock(bytes, 1991);
    const apart = new BatchEvaluator().evaluateBlock(bytes, 1);
    expect(apart.errorOffsets).toHaveLength(2);
    const text = (out: Buffer) => out.toString('utf8');
    expect(text(apart.out)).not.toBe(text(inPlace.out));
    expect(text(BatchEvaluator.renumberErrors(apart, 1990))).toBe(text(inPlace.out));
    expect(BatchEvaluator.renumberErrors(inPlace, 0)).toBe(inPlace.out);
    expect(apart.lines).toBe(420);
  });

  it('rejects a bad --threads', async () => {
    for (const bad of ['0', '65', '1.5', 'two', '']) {
      const r = await runCli(['simulate', '--batch', file, '--threads', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `grantflow simulate: --threads must be a whole number from 1 to 64 (got "${bad}")\n`,
      );
    }
    const r = await runCli([
      'simulate',
      '--threads',
      '2',
      '--principal',
      'p',
      '--action',
      'a',
      '--resource',
      '*',
    ]);
    expect(r).toMatchObject({ code: 2, stderr: 'grantflow simulate: --threads is for --batch only\n' });
    expect(parseThreads(undefined)).toBe(defaultThreads());
  });

  it('by default, evaluates on the idle cores only', () => {
    expect(defaultThreads(2, 0)).toBe(2);
    expect(defaultThreads(2, 1.2)).toBe(2); // one core left idle: a worker for it
    expect(defaultThreads(2, 1.6)).toBe(1);
    expect(defaultThreads(2, 7)).toBe(1);
    expect(defaultThreads(1, 0)).toBe(1);
    expect(defaultThreads(4, 1)).toBe(4);
    expect(defaultThreads(16, 0.5)).toBe(8);
    expect(defaultThreads(16, 12)).toBe(5);
  });
});
