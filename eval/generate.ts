// `npm run eval:generate`: scores the drafter on the request cases and prints the pass rate,
// forbidden grants and the over-permission ratio, with the reason for each failure.
// Cases: ../shared/data/requests/*.json (the project's shared set) and eval/cases/*.json (ours).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getCatalog } from '../src/catalog/index.ts';
import { generatePolicy } from '../src/generate/generate.ts';
import type { RequestCase } from '../src/generate/scoring.ts';
import { scoreCase } from '../src/generate/scoring.ts';

const dirs = [
  fileURLToPath(new URL('../../shared/data/requests/', import.meta.url)),
  fileURLToPath(new URL('./cases/', import.meta.url)),
];
const sets: { name: string; cases: RequestCase[] }[] = [];
for (const dir of dirs) {
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    sets.push({ name: file, cases: JSON.parse(readFileSync(dir + file, 'utf8')) as RequestCase[] });
  }
}

const catalog = getCatalog();
const now = new Date();
const json = process.argv.includes('--json');
const all: ReturnType<typeof scoreCase>[] = [];
for (const set of sets) {
  const scores = [];
  for (const c of set.cases) {
    const result = await generatePolicy(c.request, { now, catalog });
    scores.push(scoreCase(c, result, catalog, now));
  }
  all.push(...scores);
  if (json) continue;
  const passed = scores.filter((s) => s.passed).length;
  console.log(`\n${set.name}: ${passed}/${scores.length} passed`);
  for (const s of scores) {
    const ratio =
      s.overPermission === undefined
        ? ''
        : `  over-permission ${s.overPermission.toFixed(1)}x (${s.grantedActions} actions)`;
    console.log(`  ${s.passed ? 'PASS' : 'FAIL'}  ${s.id.padEnd(36)} ${s.outcome.padEnd(15)}${ratio}`);
    for (const f of s.failures) console.log(`        - ${f}`);
  }
}
const passed = all.filter((s) => s.passed).length;
const forbidden = all.filter((s) => s.forbiddenGrant).length;
const ratios = all.flatMap((s) => (s.overPermission === undefined ? [] : [s.overPermission]));
const median = ratios.length > 0 ? [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]! : 0;
const summary = {
  cases: all.length,
  passed,
  passRate: all.length > 0 ? passed / all.length : 0,
  forbiddenGrants: forbidden,
  overPermissionMedian: median,
  overPermissionMax: ratios.length > 0 ? Math.max(...ratios) : 0,
};
if (json) console.log(JSON.stringify({ summary, cases: all }, null, 2));
else {
  console.log(
    `\nTotal: ${passed}/${all.length} passed (${(summary.passRate * 100).toFixed(0)}%), ${forbidden} forbidden grants, ` +
      `over-permission median ${median.toFixed(1)}x, max ${summary.overPermissionMax.toFixed(1)}x ` +
      '(granted actions / actions the case needs, grants only)',
  );
}
