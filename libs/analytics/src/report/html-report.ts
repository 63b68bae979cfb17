import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FunnelReplayReport } from '../funnel-measures';
import type { ModelComparison } from './model-comparison';

/** Chart.js's browser build, inlined so that the report opens offline and can be mailed. */
function chartJs(): string {
  // The build sits beside the package's entry point (the package does not export its path).
  return readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.js'), 'utf8');
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);
const days = (s: number | null) => (s === null ? '–' : `${(s / 86_400).toFixed(1)} d`);

function table(header: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escape(String(c))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const canvas = (id: string) => `<div class="chart"><canvas id="${id}"></canvas></div>`;

/**
 * One self-contained HTML file: the funnel with counts and percentages, the conversion trend,
 * time-to-convert histograms, drop-off and disqualification reasons, the breakdown, and the backtest
 * charts when a model comparison is given. Every chart has labelled axes with their units.
 */
export function funnelReportHtml(report: FunnelReplayReport, comparison?: ModelComparison, generatedAt = new Date()): string {
  const d = report.definition;
  const steps = report.totals.steps;
  const travel = [
    report.knownAt ? `as known at ${report.knownAt} (recorded time)` : null,
    report.asOccurred ? `as it had happened by ${report.asOccurred} (business time)` : null,
  ].filter(Boolean);
  const histogramIds = steps.slice(1).map((_, i) => `time-${i + 1}`);
  const data = {
    converted: d.converted,
    cohort: d.cohort,
    steps: steps.map((s) => ({ label: `${s.step}: ${s.entered} (${pct(s.conversionFromFirst)})`, entered: s.entered })),
    trend: report.trend.map((t) => ({
      period: t.period,
      entered: t.steps[0].entered,
      rate: t.conversionRate === null ? null : 100 * t.conversionRate,
    })),
    histograms: steps.slice(1).map((s, i) => ({
      id: histogramIds[i],
      title: `${steps[i].step} → ${s.step}: ${s.timeFromPrevious.count} leads, median ${days(s.timeFromPrevious.medianSeconds)}, p90 ${days(s.timeFromPrevious.p90Seconds)}`,
      buckets: s.timeFromPrevious.histogram.map((h) => h.bucket),
      counts: s.timeFromPrevious.histogram.map((h) => h.count),
    })),
    dropOff: {
      steps: report.dropOff.map((x) => x.step),
      statuses: [...new Set(report.dropOff.flatMap((x) => Object.keys(x.byStatus)))].map((status) => ({
        status,
        counts: report.dropOff.map((x) => x.byStatus[status] ?? 0),
      })),
    },
    reasons: Object.entries(report.totals.disqualifiedByReason),
    breakdown: report.breakdown
      ? {
          by: report.breakdown.by,
          groups: report.breakdown.groups.map((g) => g.group),
          rates: report.breakdown.groups.map((g) => (g.conversionRate === null ? null : 100 * g.conversionRate)),
        }
      : null,
    comparison: comparison ?? null,
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const title = `Funnel "${d.name}"`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
.chart{height:340px;margin:1em 0}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}.grid .chart{height:260px}
table{border-collapse:collapse;font-size:12px;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}
.note{color:#555}</style>
<script>${chartJs()}</script></head>
<body>
<h1>${escape(title)}</h1>
<p>${escape(d.description)}</p>
<p class="note">Steps ${d.order === 'ordered' ? 'in order' : 'in any order'}${d.window ? `, within ${escape(d.window)} of the first step` : ', no conversion window'}; converted = <b>${escape(d.converted)}</b>; cohorts by ${d.cohort} of entry.
${travel.length ? `Time travel: ${escape(travel.join(', '))}.` : 'The whole history as known now.'}
${report.eventsRead} events read, ${report.eventsLeftOut} left out by time travel, ${report.excluded} leads excluded. Generated ${generatedAt.toISOString()}.</p>

<h2>Funnel</h2>
${canvas('funnel')}
${table(
  ['step', 'entered', 'converted to next', 'dropped', '% of previous', '% of first', 'median from previous', 'p90 from previous'],
  steps.map((s) => [
    s.step,
    s.entered,
    s.converted,
    s.dropped,
    pct(s.conversionFromPrevious),
    pct(s.conversionFromFirst),
    days(s.timeFromPrevious.medianSeconds),
    days(s.timeFromPrevious.p90Seconds),
  ]),
)}

<h2>Conversion trend</h2>
${canvas('trend')}

<h2>Time to convert</h2>
<div class="grid">${histogramIds.map(canvas).join('')}</div>

<h2>Drop-off and disqualification reasons</h2>
<div class="grid">${canvas('dropoff')}${canvas('reasons')}</div>

${
  report.breakdown
    ? `<h2>Breakdown by ${escape(report.breakdown.by)}</h2>${canvas('breakdown')}${table(
        [report.breakdown.by, ...steps.map((s) => s.step), 'conversion'],
        report.breakdown.groups.map((g) => [g.group, ...g.steps.map((s) => s.entered), pct(g.conversionRate)]),
      )}`
    : ''
}
${comparison ? backtestSection(comparison) : ''}
<script>
const d = ${json};
Chart.defaults.animation = false;
// One colour per dataset, the same in every chart: the first model or status always looks the same.
const palette = ['#3b82c4', '#e4572e', '#29a36a', '#f3a712', '#8e44ad', '#5f6b73', '#17becf', '#bcbd22', '#d62790', '#8c564b'];
Chart.register({ id: 'palette', beforeUpdate(c) {
  c.data.datasets.forEach((ds, i) => { if (!ds.borderDash) { ds.backgroundColor ??= palette[i % palette.length] + 'bb'; ds.borderColor ??= palette[i % palette.length]; } });
} });
Chart.defaults.maintainAspectRatio = false;
const axis = (text, extra = {}) => ({ title: { display: true, text }, ...extra });
const chart = (id, type, data, x, y, extra = {}) =>
  new Chart(document.getElementById(id), { type, data, options: { scales: { x: axis(x), y: axis(y, { beginAtZero: true }) }, ...extra } });
const title = (text) => ({ plugins: { title: { display: true, text } } });

chart('funnel', 'bar', { labels: d.steps.map((s) => s.label), datasets: [{ label: 'leads that reached the step', data: d.steps.map((s) => s.entered) }] },
  'step (leads, % of the first step)', 'leads');
new Chart(document.getElementById('trend'), {
  data: { labels: d.trend.map((t) => t.period), datasets: [
    { type: 'line', label: 'conversion to ' + d.converted + ' (%)', data: d.trend.map((t) => t.rate), yAxisID: 'rate' },
    { type: 'bar', label: 'leads entered', data: d.trend.map((t) => t.entered), yAxisID: 'leads' },
  ] },
  options: { scales: { x: axis('cohort (' + d.cohort + ' of entry)'), rate: axis('conversion (%)', { position: 'left', beginAtZero: true }),
    leads: axis('leads entered', { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } }) } },
});
for (const h of d.histograms)
  chart(h.id, 'bar', { labels: h.buckets, datasets: [{ label: 'leads', data: h.counts }] }, 'time from the previous step', 'leads', title(h.title));
chart('dropoff', 'bar', { labels: d.dropOff.steps, datasets: d.dropOff.statuses.map((s) => ({ label: s.status, data: s.counts })) },
  'last step reached', 'leads that stopped there', { scales: { x: { ...axis('last step reached'), stacked: true }, y: { ...axis('leads that stopped there (by status now)'), stacked: true } } });
chart('reasons', 'bar', { labels: d.reasons.map((r) => r[0]), datasets: [{ label: 'leads', data: d.reasons.map((r) => r[1]) }] },
  'reason of the latest disqualification', 'leads', title('Disqualification reasons'));
if (d.breakdown)
  chart('breakdown', 'bar', { labels: d.breakdown.groups, datasets: [{ label: 'conversion to ' + d.converted + ' (%)', data: d.breakdown.rates }] },
    d.breakdown.by, 'conversion (%)');
if (d.comparison) {
  const models = d.comparison.models;
  const xy = (points) => points.map(([x, y]) => ({ x, y }));
  const scatter = (id, datasets, x, y) => new Chart(document.getElementById(id), { type: 'scatter',
    data: { datasets }, options: { scales: { x: axis(x, { min: 0, max: 1 }), y: axis(y, { min: 0, max: 1 }) } } });
  const diagonal = { label: 'chance / perfect calibration', data: xy([[0, 0], [1, 1]]), showLine: true, borderDash: [4, 4], pointRadius: 0, borderColor: '#999' };
  scatter('roc', [...models.map((m) => ({ label: m.name + ' (AUC ' + m.rocAuc.toFixed(3) + ')', data: m.roc.map((p) => ({ x: p.fpr, y: p.tpr })), showLine: true, pointRadius: 0 })), diagonal],
    'false positive rate', 'true positive rate (recall)');
  scatter('calibration', [...models.map((m) => ({ label: m.name + ' (Brier ' + m.calibration.brier.toFixed(3) + ')', data: m.calibration.bins.map((b) => ({ x: b.predicted, y: b.observed })), showLine: true })), diagonal],
    'predicted probability of conversion', 'observed conversion rate');
  chart('lift', 'bar', { labels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], datasets: models.map((m) => ({ label: m.name, data: m.liftByDecile })) },
    'score decile (1 = highest scores)', 'lift (× the average conversion rate)');
  const weeks = [...new Set(models.flatMap((m) => m.workloadPerWeek.map((w) => w.week)))].sort();
  chart('workload', 'line', { labels: weeks, datasets: models.map((m) => ({ label: m.name,
    data: weeks.map((w) => m.workloadPerWeek.find((x) => x.week === w)?.handedToSales ?? 0) })) },
    'ISO week', 'leads handed to sales per week (at the hot threshold)');
}
</script></body></html>
`;
}

function backtestSection(c: ModelComparison): string {
  return `<h2>Backtest: champion and challenger</h2>
<p class="note">Split: seed ${c.split.seed}, ${pct(c.split.testShare)} held out (${c.split.trainLeads} training leads, ${c.split.testLeads} test leads, ${c.split.convertedInTest} converted). Generated ${escape(c.generatedAt)}. ${c.routedDifferently.count} test leads would be routed differently.</p>
${table(
  ['model', 'version', 'ROC AUC', '95 % CI', 'Brier score'],
  c.models.map((m) => [
    m.name,
    m.version,
    m.rocAuc.toFixed(3),
    `${m.rocAucCi95[0].toFixed(3)} – ${m.rocAucCi95[1].toFixed(3)}`,
    m.calibration.brier.toFixed(4),
  ]),
)}
<div class="grid">${canvas('roc')}${canvas('calibration')}${canvas('lift')}${canvas('workload')}</div>`;
}
