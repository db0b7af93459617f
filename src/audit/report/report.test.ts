import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../fingerprint.ts';
import type { AuditResult } from '../scan.ts';
import type { RecordedScan } from '../store.ts';
import type { AuditFinding, Severity } from '../types.ts';
import { formatAuditHtml } from './html.ts';
import { formatAuditJson } from './json.ts';
import { formatAuditMarkdown } from './markdown.ts';
import { buildReport, describeEvidence } from './report.ts';
import { formatAuditSarif } from './sarif.ts';
import { formatAuditText } from './text.ts';

const span = { start: { line: 3, column: 4, offset: 40 }, end: { line: 7, column: 5, offset: 120 } };

function finding(check: string, severity: Severity, principal: string, title: string): AuditFinding {
  return {
    check,
    severity,
    principal,
    principalType: 'user',
    title,
    details: `Details of ${title}`,
    evidence: [
      {
        kind: 'policy',
        policy: 'Admin',
        policyArn: 'arn:aws:iam::111122223333:policy/Admin',
        attachedTo: principal,
        policyType: 'identity',
        statement: 0,
        sid: 'All',
        span,
        action: '*',
        resource: '*',
      },
    ],
    remediation: 'Fix it.',
    fingerprint: fingerprintOf(check, principal, [title]),
  };
}

const findings = [
  finding('full-admin', 'critical', 'arn:aws:iam::111122223333:user/ann', 'ann is an admin'),
  finding(
    'privilege-escalation',
    'high',
    'arn:aws:iam::111122223333:user/ben',
    'ben <b>escalates</b> | via "x"',
  ),
  finding('service-wildcard', 'low', 'arn:aws:iam::111122223333:user/ben', 'ben has s3:*'),
];

const result: AuditResult = {
  accountId: '111122223333',
  source: 'authz.json',
  scannedAt: new Date('2025-06-01T00:00:00Z'),
  durationMs: 12.4,
  counts: { users: 2, groups: 0, roles: 1, policies: 4 },
  findings,
  checksRun: ['full-admin', 'privilege-escalation', 'service-wildcard'],
};

const recorded: RecordedScan = {
  scan: {
    id: 'scan-2',
    accountId: '111122223333',
    source: 'authz.json',
    startedAt: '2025-06-01T00:00:00.000Z',
    finishedAt: '2025-06-01T00:00:00.012Z',
    checks: result.checksRun,
    principals: 3,
    findings: 3,
    newFindings: 1,
    resolvedFindings: 1,
  },
  findings: findings.map((f, i) => ({
    finding: f,
    status: i === 1 ? 'new' : 'existing',
    firstSeen: i === 1 ? '2025-06-01T00:00:00.000Z' : '2025-05-01T00:00:00.000Z',
  })),
  newFindings: [findings[1]!],
  resolved: [
    {
      fingerprint: 'f'.repeat(32),
      accountId: '111122223333',
      check: 'full-admin',
      severity: 'critical',
      principal: 'arn:aws:iam::111122223333:user/cid',
      title: 'cid was an admin',
      details: '',
      evidence: [],
      remediation: '',
      firstSeen: '2025-05-01T00:00:00.000Z',
      lastSeen: '2025-05-31T00:00:00.000Z',
      resolvedAt: '2025-06-01T00:00:00.000Z',
    },
  ],
};

describe('buildReport', () => {
  it('keeps findings at or above the minimum severity and counts the rest as hidden', () => {
    const report = buildReport(result, { minSeverity: 'high', recorded });
    expect(report.findings.map((f) => f.check)).toEqual(['full-admin', 'privilege-escalation']);
    expect(report.summary).toMatchObject({
      account: '111122223333',
      scanId: 'scan-2',
      findings: 2,
      hidden: 1,
      new: 1,
      bySeverity: { critical: 1, high: 1, medium: 0, low: 0, info: 0 },
      byCheck: { 'full-admin': 1, 'privilege-escalation': 1 },
    });
    expect(report.summary.resolved?.map((r) => r.title)).toEqual(['cid was an admin']);
    expect(report.findings[1]).toMatchObject({ status: 'new', firstSeen: '2025-06-01T00:00:00.000Z' });
  });

  it('without a store says nothing about new or resolved', () => {
    const report = buildReport(result);
    expect(report.summary.new).toBeUndefined();
    expect(report.summary.resolved).toBeUndefined();
    expect(report.findings[0]).not.toHaveProperty('status');
  });

  it('describes each kind of evidence in one line', () => {
    expect(describeEvidence(findings[0]!.evidence[0]!)).toBe(
      'policy Admin (attached to user/ann), statement 0 (All), lines 3–7: *',
    );
    expect(
      describeEvidence({ kind: 'credential-report', user: 'ann', field: 'mfa_active', value: 'false' }),
    ).toBe('credential report: ann mfa_active = false');
    expect(
      describeEvidence({
        kind: 'policy',
        policy: 'trust policy',
        attachedTo: 'arn:aws:iam::111122223333:role/r',
        policyType: 'trust',
        statement: 1,
        action: 'sts:AssumeRole',
        resource: 'arn:aws:iam::111122223333:role/r',
        context: { 'aws:SourceIp': '10.0.0.0' },
      }),
    ).toBe(
      'trust policy of role/r, statement 1: sts:AssumeRole on arn:aws:iam::111122223333:role/r when aws:SourceIp="10.0.0.0"',
    );
  });
});

describe('formats', () => {
  const report = buildReport(result, { recorded });

  it('JSON is {findings, summary} with each finding in the documented shape', () => {
    const json = JSON.parse(formatAuditJson(report)) as {
      findings: Record<string, unknown>[];
      summary: object;
    };
    expect(Object.keys(json)).toEqual(['findings', 'summary']);
    expect(json.findings).toHaveLength(3);
    for (const f of json.findings) {
      for (const key of ['check', 'severity', 'principal', 'title', 'evidence', 'fingerprint'])
        expect(f).toHaveProperty(key);
    }
    expect(json.summary).toMatchObject({ findings: 3, new: 1 });
  });

  it('text lists findings with their evidence, fix and new marker, then what was resolved', () => {
    const text = formatAuditText(report);
    expect(text).toContain('grantflow audit of account 111122223333 (authz.json)');
    expect(text).toContain('3 findings (1 critical, 1 high, 1 low)');
    expect(text).toContain('1 new since the last scan, 1 resolved');
    expect(text).toMatch(/HIGH {2}privilege-escalation {2}arn:aws:iam::111122223333:user\/ben {2}\[new\]/);
    expect(text).toContain('  - policy Admin (attached to user/ann), statement 0 (All), lines 3–7: *');
    expect(text).toContain('  fix: Fix it.');
    expect(text).toContain(
      'Resolved since the last scan:\n  CRITICAL  full-admin  arn:aws:iam::111122223333:user/cid: cid was an admin',
    );
    expect(formatAuditText(buildReport({ ...result, findings: [] }))).toContain(
      'No findings at or above info.',
    );
  });

  it('SARIF 2.1.0 has a rule per check used and a result per finding with its fingerprint', () => {
    const sarif = JSON.parse(formatAuditSarif(report, { artifact: 'data/authz details.json' })) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } };
        results: Record<string, unknown>[];
        artifacts: unknown[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const [run] = sarif.runs;
    expect(run!.tool.driver.rules.map((r) => r.id)).toEqual([
      'full-admin',
      'privilege-escalation',
      'service-wildcard',
    ]);
    expect(run!.tool.driver.rules[0]!.properties['security-severity']).toBe('9.5');
    expect(run!.results.map((r) => [r.ruleId, r.ruleIndex, r.level])).toEqual([
      ['full-admin', 0, 'error'],
      ['privilege-escalation', 1, 'error'],
      ['service-wildcard', 2, 'note'],
    ]);
    expect(run!.results[0]).toMatchObject({
      partialFingerprints: { 'grantflowAudit/v1': findings[0]!.fingerprint },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: 'data/authz%20details.json' } },
          logicalLocations: [{ fullyQualifiedName: 'arn:aws:iam::111122223333:user/ann', kind: 'user' }],
        },
      ],
    });
  });

  it('HTML is one self-contained file: inline CSS and SVG charts, no scripts or external assets', () => {
    const html = formatAuditHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect((html.match(/<svg /g) ?? []).length).toBe(3);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
    expect(html.match(/https?:\/\/[^"\s<]+/g)).toEqual([
      'http://www.w3.org/2000/svg',
      'http://www.w3.org/2000/svg',
      'http://www.w3.org/2000/svg',
    ]);
    // One section per principal, worst first, each opening to its findings.
    const principals = [
      ...html.matchAll(/<details class="principal"><summary>.*?<code>([^<]+)<\/code>/g),
    ].map((m) => m[1]);
    expect(principals).toEqual(['arn:aws:iam::111122223333:user/ann', 'arn:aws:iam::111122223333:user/ben']);
    // Text from the account is escaped.
    expect(html).toContain('ben &lt;b&gt;escalates&lt;/b&gt; | via &quot;x&quot;');
    expect(html).not.toContain('<b>escalates');
    expect(html).toContain('Resolved since the last scan');
  });

  it('Markdown has a summary table, sections by severity and escaped text', () => {
    const md = formatAuditMarkdown(report);
    expect(md).toContain('# grantflow audit: account 111122223333');
    expect(md).toContain('| Findings | 3 |');
    expect(md).toContain('| critical | 1 |');
    expect(md).toContain('## Critical');
    expect(md).toContain('## High');
    expect(md).toContain('ben \\<b\\>escalates\\</b\\> \\| via "x"');
    expect(md).toContain('- policy Admin (attached to user/ann), statement 0 (All), lines 3–7: \\*');
    expect(md).toContain('## Resolved since the last scan');
    expect(md).toContain('· **new**');
  });
});
