// The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing fetched) with
// the summary, charts of findings by severity, by check and by principal, and a per-principal
// view in which each principal opens to its findings, evidence and fixes.
import { SEVERITIES } from '../types.ts';
import type { Severity } from '../types.ts';
import type { AuditReport, ReportedFinding } from './report.ts';
import { describeEvidence, shortArn } from './report.ts';

const COLORS: Record<Severity, string> = {
  critical: '#b91c1c',
  high: '#ea580c',
  medium: '#ca8a04',
  low: '#2563eb',
  info: '#6b7280',
};

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#f9fafb;padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#d1d5db}
main{padding:24px 32px;max-width:1200px}
h2{font-size:18px;margin:28px 0 12px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px;min-width:130px}
.card b{display:block;font-size:24px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.chart{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px}
.chart h3{margin:0 0 8px;font-size:14px}
details.principal{background:#fff;border:1px solid #e5e7eb;border-radius:8px;margin:8px 0}
details.principal>summary{cursor:pointer;padding:10px 14px;display:flex;gap:12px;align-items:center}
details.principal>summary code{flex:1}
.finding{border-top:1px solid #e5e7eb;padding:10px 14px}
.finding h4{margin:0 0 4px;font-size:14px}
.badge{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px;font-weight:600;text-transform:uppercase}
.new{background:#059669}
.meta{color:#6b7280;font-size:12px}
ul{margin:4px 0 4px 18px;padding:0}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
table{border-collapse:collapse;background:#fff}
td,th{border:1px solid #e5e7eb;padding:4px 10px;text-align:left}
`;

function badge(severity: Severity): string {
  return `<span class="badge" style="background:${COLORS[severity]}">${severity}</span>`;
}

/** A horizontal bar chart as inline SVG. */
function barChart(title: string, bars: readonly { label: string; value: number; color: string }[]): string {
  const rowHeight = 22;
  const labelWidth = 230;
  const barWidth = 260;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const rows = bars
    .map((b, i) => {
      const y = 4 + i * rowHeight;
      const w = Math.round((b.value / max) * barWidth);
      const label = b.label.length > 34 ? `${b.label.slice(0, 33)}…` : b.label;
      return (
        `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end" font-size="12" fill="#374151">${escapeHtml(label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 6}" rx="3" fill="${b.color}"><title>${escapeHtml(`${b.label}: ${b.value}`)}</title></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 15}" font-size="12" fill="#111827">${b.value}</text>`
      );
    })
    .join('');
  return `<div class="chart"><h3>${escapeHtml(title)}</h3><svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 50}" height="${height}" role="img" aria-label="${escapeHtml(title)}">${rows}</svg></div>`;
}

function worst(findings: readonly ReportedFinding[]): Severity {
  return SEVERITIES.find((s) => findings.some((f) => f.severity === s)) ?? 'info';
}

function findingHtml(f: ReportedFinding): string {
  const evidence =
    f.evidence.length === 0
      ? ''
      : `<ul>${f.evidence.map((e) => `<li>${escapeHtml(describeEvidence(e))}</li>`).join('')}</ul>`;
  return (
    `<div class="finding"><h4>${badge(f.severity)} ${f.status === 'new' ? '<span class="badge new">new</span> ' : ''}${escapeHtml(f.title)}</h4>` +
    `<p>${escapeHtml(f.details)}</p>${evidence}` +
    `<p><b>Fix:</b> ${escapeHtml(f.remediation)}</p>` +
    `<p class="meta">check <code>${escapeHtml(f.check)}</code> · fingerprint <code>${f.fingerprint}</code>${f.firstSeen ? ` · first seen ${escapeHtml(f.firstSeen)}` : ''}</p></div>`
  );
}

export function formatAuditHtml(report: AuditReport): string {
  const s = report.summary;
  const byPrincipal = new Map<string, ReportedFinding[]>();
  for (const f of report.findings) {
    const list = byPrincipal.get(f.principal) ?? [];
    list.push(f);
    byPrincipal.set(f.principal, list);
  }
  const principals = [...byPrincipal.entries()].sort(
    (a, b) =>
      SEVERITIES.indexOf(worst(a[1])) - SEVERITIES.indexOf(worst(b[1])) ||
      b[1].length - a[1].length ||
      a[0].localeCompare(b[0]),
  );
  const cards = [
    ['Findings', String(s.findings)],
    ...SEVERITIES.filter((sev) => s.bySeverity[sev] > 0).map((sev) => [sev, String(s.bySeverity[sev])]),
    ...(s.new !== undefined ? [['New', String(s.new)]] : []),
    ...(s.resolved !== undefined ? [['Resolved', String(s.resolved.length)]] : []),
    ['Principals', String(s.principals.users + s.principals.groups + s.principals.roles)],
  ]
    .map(([k, v]) => `<div class="card"><b>${escapeHtml(v!)}</b>${escapeHtml(k!)}</div>`)
    .join('');
  const charts = [
    barChart(
      'Findings by severity',
      SEVERITIES.map((sev) => ({ label: sev, value: s.bySeverity[sev], color: COLORS[sev] })),
    ),
    barChart(
      'Findings by check',
      Object.entries(s.byCheck)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 12)
        .map(([label, value]) => ({ label, value, color: '#4f46e5' })),
    ),
    barChart(
      'Principals with the most findings',
      principals
        .slice()
        .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
        .slice(0, 10)
        .map(([arn, list]) => ({ label: shortArn(arn), value: list.length, color: COLORS[worst(list)] })),
    ),
  ].join('');
  const principalView = principals
    .map(
      ([arn, list]) =>
        `<details class="principal"><summary>${badge(worst(list))}<code>${escapeHtml(arn)}</code><span>${list.length} finding${list.length === 1 ? '' : 's'}</span></summary>${list.map(findingHtml).join('')}</details>`,
    )
    .join('');
  const resolved =
    s.resolved && s.resolved.length > 0
      ? `<h2>Resolved since the last scan</h2><table><tr><th>Severity</th><th>Check</th><th>Principal</th><th>Finding</th></tr>${s.resolved
          .map(
            (r) =>
              `<tr><td>${badge(r.severity)}</td><td><code>${escapeHtml(r.check)}</code></td><td><code>${escapeHtml(r.principal)}</code></td><td>${escapeHtml(r.title)}</td></tr>`,
          )
          .join('')}</table>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>grantflow audit: account ${escapeHtml(s.account)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>grantflow audit: account ${escapeHtml(s.account)}</h1><p>${escapeHtml(s.source)} · scanned ${escapeHtml(s.scannedAt)} · ${s.principals.users} users, ${s.principals.groups} groups, ${s.principals.roles} roles, ${s.policies} managed policies${s.hidden > 0 ? ` · ${s.hidden} findings below ${s.minSeverity} not shown` : ''}</p></header>
<main>
<section><h2>Summary</h2><div class="cards">${cards}</div></section>
<section><h2>Charts</h2><div class="charts">${charts}</div></section>
<section><h2>Principals</h2>${principalView || `<p>No findings at or above ${s.minSeverity}.</p>`}</section>
${resolved}
</main>
</body>
</html>
`;
}
