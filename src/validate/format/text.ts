// Human-readable output: each finding with its position and a code frame of the policy text.
import { styleText } from 'node:util';
import type { Finding, FindingType } from '../finding.ts';
import type { FileReport } from './report.ts';
import { countFindings } from './report.ts';

type Style = Parameters<typeof styleText>[0];

const TYPE_STYLE: Record<FindingType, Style> = {
  ERROR: ['red', 'bold'],
  SECURITY_WARNING: ['magenta', 'bold'],
  WARNING: ['yellow', 'bold'],
  SUGGESTION: ['cyan'],
};

export interface TextOptions {
  /** Use ANSI colours (on a TTY without NO_COLOR). */
  readonly color: boolean;
  /** Lines of context above and below the finding. */
  readonly context?: number;
}

export function formatText(reports: readonly FileReport[], options: TextOptions): string {
  const paint = (style: Style, text: string) =>
    options.color ? styleText(style, text, { validateStream: false }) : text;
  const out: string[] = [];
  for (const report of reports) {
    const lines = report.text.split(/\r\n|\r|\n/);
    for (const f of report.findings) {
      const start = f.locations[0]?.span.start;
      const where = start ? `${report.file}:${start.line}:${start.column + 1}` : report.file;
      out.push(`${paint('bold', where)} ${paint(TYPE_STYLE[f.findingType], f.findingType)} ${f.issueCode}`);
      out.push(`  ${f.findingDetails}`);
      for (const loc of f.locations) out.push(...codeFrame(lines, loc.span, options.context ?? 1, paint));
      out.push(`  ${paint('dim', `Learn more: ${f.learnMoreLink}`)}`, '');
    }
    out.push(`${report.file}: ${countFindings(report.findings)}`);
  }
  return `${out.join('\n')}\n`;
}

function codeFrame(
  lines: readonly string[],
  span: Finding['locations'][number]['span'],
  context: number,
  paint: (style: Style, text: string) => string,
): string[] {
  const first = Math.max(1, span.start.line - context);
  const last = Math.min(lines.length, span.end.line + context);
  const width = String(last).length;
  const frame: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = lines[n - 1] ?? '';
    const marked = n >= span.start.line && n <= span.end.line;
    frame.push(`  ${marked ? paint('red', '>') : ' '} ${String(n).padStart(width)} | ${text}`);
    if (n === span.start.line) {
      const from = span.start.column;
      const to = span.end.line === n ? Math.max(span.end.column, from + 1) : text.length;
      frame.push(
        `    ${' '.repeat(width)} | ${' '.repeat(from)}${paint('red', '^'.repeat(Math.max(1, to - from)))}`,
      );
    }
  }
  return frame;
}
