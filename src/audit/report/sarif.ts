// SARIF 2.1.0: one run, a rule per audit check, a result per finding located at the principal
// (a logical location; the input file too when there was one), with the finding's fingerprint as
// SARIF's partial fingerprint so code-scanning tools track it across runs as the store does.
import { VERSION } from '../../version.ts';
import { AUDIT_CHECKS } from '../checks/registry.ts';
import type { Severity } from '../types.ts';
import type { AuditReport } from './report.ts';
import { describeEvidence } from './report.ts';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub's security-severity scale (0–10): critical ≥ 9, high ≥ 7, medium ≥ 4, low below. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

export function formatAuditSarif(report: AuditReport, options: { readonly artifact?: string } = {}): string {
  const artifact = options.artifact === undefined ? undefined : toUri(options.artifact);
  const used = [...new Set(report.findings.map((f) => f.check))];
  const rules = AUDIT_CHECKS.filter((c) => used.includes(c.id)).map((c) => ({
    id: c.id,
    name: c.id.replace(/(^|-)(\w)/g, (_, __, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.summary },
    help: { text: c.remediation },
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: { tags: ['iam', 'security', c.family], 'security-severity': SECURITY_SEVERITY[c.severity] },
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.findings.map((f) => ({
    ruleId: f.check,
    ruleIndex: ruleIndex.get(f.check),
    level: LEVEL[f.severity],
    message: { text: `${f.title}. ${f.details}` },
    locations: [
      {
        ...(artifact ? { physicalLocation: { artifactLocation: { uri: artifact } } } : {}),
        logicalLocations: [{ fullyQualifiedName: f.principal, kind: f.principalType }],
      },
    ],
    partialFingerprints: { 'grantflowAudit/v1': f.fingerprint },
    properties: {
      severity: f.severity,
      'security-severity': SECURITY_SEVERITY[f.severity],
      principal: f.principal,
      evidence: f.evidence.map((e) => ({ ...e, description: describeEvidence(e) })),
      remediation: f.remediation,
      ...(f.status ? { status: f.status } : {}),
    },
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'grantflow audit', semanticVersion: VERSION, rules },
        },
        ...(artifact ? { artifacts: [{ location: { uri: artifact } }] } : {}),
        results,
        properties: { summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** SARIF wants URIs: forward slashes, relative paths kept relative, special characters escaped. */
function toUri(file: string): string {
  const path = file.replace(/\\/g, '/');
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return path.startsWith('/') ? `file://${encoded}` : encoded;
}
