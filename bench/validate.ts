// Validation throughput over the AWS managed policy corpus, and `grantflow validate` start-to-finish
// time for one file. Run: `npm run build && node bench/validate.ts` (Node 24 runs the TypeScript).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validatePolicy } from '../src/validate/index.ts';

const corpusDir = fileURLToPath(new URL('../../shared/data/managed-policies/', import.meta.url));
const texts = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readFileSync(corpusDir + f, 'utf8'));

// Warm up: first use loads each service's catalog data once, as a long-lived process would.
for (const t of texts) validatePolicy(t);

// Wall time suffers from whatever else the machine runs; the process's CPU time does not (run
// it pinned to one core, `taskset -c 0`, so that garbage collection threads count too).
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
let count = 0;
let findings = 0;
const cpu0 = process.cpuUsage();
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  for (const t of texts) findings += validatePolicy(t).findings.length;
  count += texts.length;
}
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  `validate corpus: ${texts.length} policies, ${count} validations: ${Math.round(count / elapsed)} policies/s wall, ` +
    `${Math.round(count / cpuSeconds)} policies per CPU-second (${findings / (count / texts.length)} findings per pass)`,
);

// Cold start: the real command on one file, as a user runs it.
const bin = fileURLToPath(new URL('../bin/grantflow.js', import.meta.url));
const file = fileURLToPath(
  new URL('../examples/policies/translate-transcribe-console.json', import.meta.url),
);
const runs = Number(process.env.BENCH_RUNS ?? 20);
const times: number[] = [];
for (let i = 0; i < runs + 2; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'validate', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`grantflow validate failed: ${r.stderr}`);
  if (i >= 2) times.push(performance.now() - t0); // the first runs warm the file cache
}
times.sort((a, b) => a - b);
const pct = (p: number) =>
  times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(0);
console.log(
  `grantflow validate <one file>: median ${pct(50)} ms, p90 ${pct(90)} ms, max ${pct(100)} ms over ${runs} runs`,
);
