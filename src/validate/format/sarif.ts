// SARIF 2.1.0 output, in the form GitHub code scanning accepts: one run, a rule per issue code
// with its help link, results with physical locations (1-based lines and columns).
import { VERSION } from '../../version.ts';
import type { CheckDefinition } from '../check.ts';
import type { Finding, FindingType } from '../finding.ts';
import type { FileReport } from './report.ts';

const LEVEL: Record<FindingType, 'error' | 'warning' | 'note'> = {
  ERROR: 'error',
  SECURITY_WARNING: 'error',
  WARNING: 'warning',
  SUGGESTION: 'note',
};

/** GitHub ranks security alerts by this 0–10 score; only security findings get one. */
const SECURITY_SEVERITY: Partial<Record<FindingType, string>> = { SECURITY_WARNING: '7.5' };

export interface SarifOptions {
  /** Known checks, for rule descriptions. */
  readonly checks: readonly CheckDefinition[];
}

export function formatSarif(reports: readonly FileReport[], options: SarifOptions): string {
  const checksByCode = new Map(options.checks.map((c) => [c.issueCode, c]));
  const ruleIndex = new Map<string, number>();
  const rules: object[] = [];
  const ruleFor = (f: Finding): number => {
    let index = ruleIndex.get(f.issueCode);
    if (index === undefined) {
      const check = checksByCode.get(f.issueCode);
      const severity = SECURITY_SEVERITY[f.findingType];
      index = rules.length;
      ruleIndex.set(f.issueCode, index);
      rules.push({
        id: f.issueCode,
        name: toPascalCase(f.issueCode),
        shortDescription: { text: check?.summary ?? f.issueCode.replace(/_/g, ' ').toLowerCase() },
        helpUri: f.learnMoreLink,
        defaultConfiguration: { level: LEVEL[f.findingType] },
        properties: {
          tags: ['iam', 'security', f.findingType.toLowerCase()],
          ...(severity ? { 'security-severity': severity } : {}),
        },
      });
    }
    return index;
  };

  const results = reports.flatMap((report) =>
    report.findings.map((f) => ({
      ruleId: f.issueCode,
      ruleIndex: ruleFor(f),
      level: LEVEL[f.findingType],
      message: { text: f.findingDetails },
      locations: (f.locations.length > 0 ? f.locations : [undefined]).map((loc) => ({
        physicalLocation: {
          artifactLocation: { uri: toUri(report.file) },
          ...(loc
            ? {
                region: {
                  startLine: loc.span.start.line,
                  startColumn: loc.span.start.column + 1,
                  endLine: loc.span.end.line,
                  endColumn: loc.span.end.column + 1,
                },
              }
            : {}),
        },
      })),
      properties: { findingType: f.findingType },
    })),
  );

  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'grantflow', semanticVersion: VERSION, rules } },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function toPascalCase(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** SARIF wants URIs: forward slashes, relative paths kept relative, spaces and the like escaped. */
function toUri(file: string): string {
  const path = file.replace(/\\/g, '/');
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return path.startsWith('/') ? `file://${encoded}` : encoded;
}
