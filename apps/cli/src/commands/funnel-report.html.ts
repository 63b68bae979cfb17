import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FunnelReport } from '@lead/projections';

const STAGES = [
  ['captured', 'captured'],
  ['qualified', 'qualified'],
  ['handedToSales', 'handed to sales'],
  ['won', 'won'],
  ['lost', 'lost'],
  ['disqualified', 'disqualified'],
] as const;

/**
 * A self-contained HTML report: Chart.js is inlined, so the file opens offline and can be mailed.
 * Charts: stage counts per period, conversion rates per period, and (grouped) each group's totals.
 */
export function funnelHtmlReport(title: string, report: FunnelReport, columns: string[], rows: (string | number)[][]): string {
  // The browser build sits beside the package's entry point (the package does not export its path).
  const chartJs = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8');
  const periods = [...new Set(report.rows.map((r) => r.period!))];
  const sum = (period: string, pick: (r: FunnelReport['rows'][number]) => number) =>
    report.rows.filter((r) => r.period === period).reduce((a, r) => a + pick(r), 0);
  const counts = STAGES.map(([key, label]) => ({ label, data: periods.map((p) => sum(p, (r) => r.counts[key])) }));
  const rate = (num: number, den: number) => (den === 0 ? null : Math.round((1000 * num) / den) / 10);
  const rates = [
    {
      label: 'qualified / captured %',
      data: periods.map((p) =>
        rate(
          sum(p, (r) => r.counts.qualified),
          sum(p, (r) => r.counts.captured),
        ),
      ),
    },
    {
      label: 'won / handed %',
      data: periods.map((p) =>
        rate(
          sum(p, (r) => r.counts.won),
          sum(p, (r) => r.counts.handedToSales),
        ),
      ),
    },
    {
      label: 'won / captured %',
      data: periods.map((p) =>
        rate(
          sum(p, (r) => r.counts.won),
          sum(p, (r) => r.counts.captured),
        ),
      ),
    },
  ];
  const groups = report.groupBy ? report.totals.map((t) => t.group ?? '') : [];
  const byGroup = STAGES.slice(0, 4).map(([key, label]) => ({ label, data: report.totals.map((t) => t.counts[key]) }));
  const data = JSON.stringify({ periods, counts, rates, groups, byGroup }).replace(/</g, '\\u003c');
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const table = `<table><thead><tr>${columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escape(String(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.3em}.chart{max-width:1000px;margin:1.5em 0}
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#f4f4f4}td:nth-child(-n+2){text-align:left}</style>
<script>${chartJs}</script></head>
<body><h1>${escape(title)}</h1>
<p>View <b>${report.view}</b>: ${report.view === 'activity' ? 'what happened in each period' : 'the leads captured in each period, followed to their outcome'}. Generated ${new Date().toISOString()}.</p>
<div class="chart"><canvas id="counts"></canvas></div>
<div class="chart"><canvas id="rates"></canvas></div>
${groups.length > 0 ? '<div class="chart"><canvas id="groups"></canvas></div>' : ''}
${table}
<script>
const d = ${data};
const line = (id, datasets, y) => new Chart(document.getElementById(id), { type: 'line', data: { labels: d.periods, datasets }, options: { plugins: { title: { display: true, text: y } }, spanGaps: true } });
line('counts', d.counts, 'Leads per stage and period');
line('rates', d.rates, 'Conversion rates (%)');
if (d.groups.length) new Chart(document.getElementById('groups'), { type: 'bar', data: { labels: d.groups, datasets: d.byGroup }, options: { plugins: { title: { display: true, text: 'Totals by ${report.groupBy ?? ''}' } } } });
</script></body></html>
`;
}
