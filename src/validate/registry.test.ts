import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ALL_CHECKS } from './registry.ts';
import { FINDING_TYPES } from './finding.ts';

const docs = readFileSync(new URL('../../docs/checks.md', import.meta.url), 'utf8');
/** The anchors docs/checks.md defines: explicit <a id="…"> anchors and GitHub's heading anchors. */
const anchors = new Set([
  ...[...docs.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!),
  ...[...docs.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
    m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\w\s-]/g, '')
      .replace(/\s/g, '-'),
  ),
]);

describe('check registry', () => {
  it('has one check per issue code', () => {
    const codes = ALL_CHECKS.map((c) => c.issueCode);
    expect(codes.filter((c, i) => codes.indexOf(c) !== i)).toEqual([]);
  });

  it('declares a finding type, family, summary and link for every check', () => {
    for (const c of ALL_CHECKS) {
      expect(FINDING_TYPES).toContain(c.findingType);
      expect(c.summary.length, c.issueCode).toBeGreaterThan(10);
      expect(c.issueCode).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(c.learnMoreLink).toMatch(
        /^(https:\/\/docs\.aws\.amazon\.com\/IAM\/latest\/UserGuide\/access-analyzer-reference-policy-checks\.html#access-analyzer-reference-policy-checks-|docs\/checks\.md#)/,
      );
    }
  });

  it("documents each of grantflow's own issue codes in docs/checks.md", () => {
    const own = ALL_CHECKS.filter((c) => c.learnMoreLink.startsWith('docs/checks.md#'));
    expect(own.length).toBeGreaterThan(10);
    const missing = own.filter((c) => !anchors.has(c.learnMoreLink.split('#')[1]!)).map((c) => c.issueCode);
    expect(missing).toEqual([]);
  });

  it('covers every family the architecture names', () => {
    expect(new Set(ALL_CHECKS.map((c) => c.family))).toEqual(
      new Set([
        'structure',
        'actions',
        'resources',
        'conditions',
        'principals',
        'variables',
        'organizations',
        'security',
      ]),
    );
  });
});
