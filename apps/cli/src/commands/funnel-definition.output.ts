import {
  cellLeads,
  isBreakdown,
  measureFunnel,
  parseCell,
  replayHistory,
  BREAKDOWNS,
  type FunnelDefinition,
  type FunnelMeasures,
  type FunnelReplayReport,
  type TimeTravel,
} from '@lead/analytics';
import type { EventStore } from '@lead/event-store';
import { fail, printTable, toCsv } from '../output';

export interface DefinedFunnelOptions {
  travel: TimeTravel;
  from?: string;
  to?: string;
  breakdown?: string;
  cell?: string;
  format: 'table' | 'csv' | 'json';
}

/** A time for --known-at / --as-occurred: a date means the end of that day (UTC). */
export function parseTravelTime(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value);
  if (Number.isNaN(ms)) fail(`--${flag} must be an ISO-8601 date or time, got "${value}"`);
  return new Date(ms).toISOString();
}

export function checkBreakdown(value: string | undefined): string | undefined {
  if (value !== undefined && !isBreakdown(value))
    fail(`--breakdown must be one of ${BREAKDOWNS.join(', ')} or attributes.<name>, got "${value}"`);
  return value;
}

/** Replays the whole history under a definition and prints the report, or the lead ids of one cell. */
export async function runDefinedFunnel(
  store: EventStore,
  definition: FunnelDefinition,
  options: DefinedFunnelOptions,
  onProgress?: (events: number) => void,
): Promise<string> {
  let cell;
  try {
    cell = options.cell === undefined ? undefined : parseCell(options.cell, definition);
  } catch (error) {
    fail(`--${(error as Error).message}`);
  }
  const replay = await replayHistory(store, definition, options.travel, onProgress);
  const scope = { from: options.from, to: options.to, breakdown: options.breakdown };
  if (cell) {
    const leads = cellLeads(replay, cell, scope);
    if (options.format === 'json') return JSON.stringify(leads, null, 2) + '\n';
    const header = ['leadId', 'enteredAt', `${cell.step}At`, 'status', ...(options.breakdown ? [options.breakdown] : [])];
    const rows = leads.map((l) => [l.leadId, l.enteredAt, l.stepAt ?? '', l.status, ...(options.breakdown ? [l.group ?? ''] : [])]);
    if (options.format === 'csv') return toCsv(header, rows);
    printTable(header, rows);
    return '';
  }
  const report = measureFunnel(replay, scope);
  if (options.format === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (options.format === 'csv') return toCsv(CSV_HEADER, csvRows(report));
  printReport(report);
  return '';
}

const CSV_HEADER = [
  'scope',
  'key',
  'step',
  'entered',
  'converted',
  'dropped',
  'conversionFromPrevious',
  'conversionFromFirst',
  'medianSecondsFromPrevious',
  'p90SecondsFromPrevious',
];

function csvRows(report: FunnelReplayReport): (string | number)[][] {
  const rows = (scope: string, key: string, m: FunnelMeasures) =>
    m.steps.map((s) => [
      scope,
      key,
      s.step,
      s.entered,
      s.converted,
      s.dropped,
      s.conversionFromPrevious ?? '',
      s.conversionFromFirst ?? '',
      s.timeFromPrevious.medianSeconds ?? '',
      s.timeFromPrevious.p90Seconds ?? '',
    ]);
  return [
    ...rows('total', '', report.totals),
    ...report.trend.flatMap((t) => rows('period', t.period, t)),
    ...(report.breakdown?.groups.flatMap((g) => rows(report.breakdown!.by, g.group, g)) ?? []),
  ];
}

const pct = (x: number | null) => (x === null ? '' : `${(100 * x).toFixed(1)}%`);
const days = (s: number | null) => (s === null ? '' : (s / 86_400).toFixed(1));

function printReport(report: FunnelReplayReport): void {
  const d = report.definition;
  const travel = [report.knownAt && `known at ${report.knownAt}`, report.asOccurred && `as occurred by ${report.asOccurred}`].filter(
    Boolean,
  );
  console.log(
    `Funnel "${d.name}" (${d.order}${d.window ? `, window ${d.window}` : ''}, converted: ${d.converted})${travel.length ? `, ${travel.join(', ')}` : ''}`,
  );
  console.log(`${report.eventsRead} events read, ${report.eventsLeftOut} left out by time travel, ${report.excluded} leads excluded`);
  printTable(
    ['step', 'entered', 'converted', 'dropped', '% of previous', '% of first', 'median days from previous', 'p90 days from previous'],
    report.totals.steps.map((s) => [
      s.step,
      String(s.entered),
      String(s.converted),
      String(s.dropped),
      pct(s.conversionFromPrevious),
      pct(s.conversionFromFirst),
      days(s.timeFromPrevious.medianSeconds),
      days(s.timeFromPrevious.p90Seconds),
    ]),
  );
  console.log(`\nConversion to ${d.converted} per ${d.cohort} of entry`);
  printTable(
    ['period', 'entered', d.converted, 'conversion'],
    report.trend.map((t) => [
      t.period,
      String(t.steps[0].entered),
      String(t.steps.find((s) => s.step === d.converted)!.entered),
      pct(t.conversionRate),
    ]),
  );
  if (report.breakdown) {
    console.log(`\nBy ${report.breakdown.by}`);
    printTable(
      [report.breakdown.by, ...report.totals.steps.map((s) => s.step), 'conversion'],
      report.breakdown.groups.map((g) => [g.group, ...g.steps.map((s) => String(s.entered)), pct(g.conversionRate)]),
    );
  }
}
