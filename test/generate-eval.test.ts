// The bar for the offline drafter: at least 12 of the 14 shared sample cases, no
// forbidden grant. Our own cases are scored too (eval/cases), and must not regress either.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { getCatalog } from '../src/catalog/index.ts';
import { generatePolicy } from '../src/generate/generate.ts';
import type { RequestCase } from '../src/generate/scoring.ts';
import { scoreCase } from '../src/generate/scoring.ts';

const catalog = getCatalog();
const load = (path: string) =>
  JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as RequestCase[];

async function score(cases: RequestCase[]) {
  const now = new Date('2026-11-22T10:00:00Z');
  return Promise.all(
    cases.map(async (c) => scoreCase(c, await generatePolicy(c.request, { now }), catalog, now)),
  );
}

describe('offline drafter on the request cases', () => {
  it('passes at least 12 of the 14 shared sample cases with no forbidden grant', async () => {
    const scores = await score(load('../../shared/data/requests/sample.json'));
    expect(scores).toHaveLength(14);
    expect(scores.filter((s) => s.forbiddenGrant)).toEqual([]);
    expect(scores.filter((s) => s.passed).length).toBeGreaterThanOrEqual(12);
  });

  it('passes our own cases', async () => {
    const scores = await score(load('../eval/cases/grantflow.json'));
    expect(scores.filter((s) => s.forbiddenGrant)).toEqual([]);
    expect(scores.filter((s) => !s.passed).map((s) => `${s.id}: ${s.failures.join('; ')}`)).toEqual([]);
  });

  it('fails a case whose policy misses what it must allow (the scorer can fail)', async () => {
    const [c] = load('../../shared/data/requests/sample.json').filter((x) => x.id === 'ddb-read-orders');
    const result = await generatePolicy({
      ...c!.request,
      requested_task: 'DynamoDB orders 테이블의 항목을 GetItem 만 하려고 합니다.',
    });
    const s = scoreCase(c!, result, catalog, new Date());
    expect(s.passed).toBe(false);
    expect(s.failures.join()).toContain('dynamodb:Query');
  });
});
