// JSON output: one element per input, findings exactly as ValidatePolicy returns them.
import type { FileReport } from './report.ts';

export function formatJson(reports: readonly FileReport[]): string {
  const out = reports.map((r) => ({ file: r.file, policyType: r.policyType, findings: r.findings }));
  return `${JSON.stringify(out, null, 2)}\n`;
}
