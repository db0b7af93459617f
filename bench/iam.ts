// CreatePolicy + AttachUserPolicy + DetachUserPolicy + DeletePolicy cycles per second: on the
// embedded IAM in process (in memory and on a WAL file), and through the emulator with the AWS
// SDK (HTTP, SigV4, XML). Run: `node bench/iam.ts` (Node 24 runs the TypeScript).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsIamBackend, LocalIamBackend, startEmulator } from '../src/cloud/index.ts';
import type { IamBackend } from '../src/cloud/index.ts';
import { openStore } from '../src/store/index.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const document = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::bench', 'arn:aws:s3:::bench/*'],
    },
  ],
});

async function cycles(label: string, iam: IamBackend): Promise<void> {
  await iam.createUser({ UserName: 'bench-user' });
  let n = 0;
  const run = async () => {
    const { Policy } = await iam.createPolicy({
      PolicyName: `bench-${n++}`,
      PolicyDocument: document,
      Path: '/grantflow/',
    });
    await iam.attachUserPolicy({ UserName: 'bench-user', PolicyArn: Policy.Arn });
    await iam.detachUserPolicy({ UserName: 'bench-user', PolicyArn: Policy.Arn });
    await iam.deletePolicy({ PolicyArn: Policy.Arn });
  };
  for (let i = 0; i < 20; i++) await run(); // warm up
  const start = performance.now();
  let done = 0;
  const latencies: number[] = [];
  while (performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    await run();
    latencies.push(performance.now() - t0);
    done++;
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2);
  console.log(
    `${label}: ${done} cycles in ${elapsed.toFixed(2)} s = ${(done / elapsed).toFixed(0)} cycles/s (4 calls each; cycle median ${pct(50)} ms, p99 ${pct(99)} ms)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'grantflow-bench-'));
try {
  {
    const iam = await LocalIamBackend.open(await openStore({ kind: 'sqlite', path: ':memory:' }), {
      ownsStore: true,
    });
    await cycles('local, in process, in-memory SQLite', iam);
    await iam.close();
  }
  {
    const iam = await LocalIamBackend.open(await openStore({ kind: 'sqlite', path: join(dir, 'file.db') }), {
      ownsStore: true,
    });
    await cycles('local, in process, SQLite file (WAL)', iam);
    await iam.close();
  }
  {
    const local = await LocalIamBackend.open(
      await openStore({ kind: 'sqlite', path: join(dir, 'emulator.db') }),
      { ownsStore: true },
    );
    const emulator = await startEmulator({ backend: local });
    const iam = new AwsIamBackend({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: emulator.credentials.AccessKeyId,
        secretAccessKey: emulator.credentials.SecretAccessKey,
      },
    });
    await cycles('aws SDK -> emulator (same process, SQLite file)', iam);
    await iam.close();
    await emulator.close();
    await local.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
