// `grantflow generate` with the offline drafter: the whole command per request (a new process
// each time, as a user runs it) and the library call in a warm process.
// Run: `npm run build && node bench/generate.ts`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePolicy } from '../src/generate/generate.ts';

const cases = JSON.parse(
  readFileSync(new URL('../../shared/data/requests/sample.json', import.meta.url), 'utf8'),
) as { id: string; request: object }[];
const bin = fileURLToPath(new URL('../bin/grantflow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'grantflow-bench-'));

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

// Warm process: every case many times.
for (const c of cases) await generatePolicy(c.request);
const warm: number[] = [];
for (let round = 0; round < 20; round++) {
  for (const c of cases) {
    const t0 = performance.now();
    await generatePolicy(c.request);
    warm.push(performance.now() - t0);
  }
}
warm.sort((a, b) => a - b);
console.log(
  `generatePolicy in process: median ${pct(warm, 50).toFixed(1)} ms, p90 ${pct(warm, 90).toFixed(1)} ms, max ${warm.at(-1)!.toFixed(1)} ms over ${warm.length} requests`,
);

// Cold command per request.
const cold: number[] = [];
for (let round = 0; round < 3; round++) {
  for (const c of cases) {
    const file = join(dir, `${c.id}.json`);
    writeFileSync(file, JSON.stringify(c.request));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, 'generate', '--input', file, '--format', 'json'], {
      encoding: 'utf8',
    });
    cold.push(performance.now() - t0);
    if (r.status !== 0 && r.status !== 1) throw new Error(`generate failed for ${c.id}: ${r.stderr}`);
  }
}
cold.sort((a, b) => a - b);
console.log(
  `grantflow generate (new process each): median ${pct(cold, 50).toFixed(0)} ms, p90 ${pct(cold, 90).toFixed(0)} ms, max ${cold.at(-1)!.toFixed(0)} ms over ${cold.length} requests`,
);
