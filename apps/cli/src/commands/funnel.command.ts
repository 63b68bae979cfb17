import { writeFileSync } from 'node:fs';
import { defaultFunnelDefinition, FunnelDefinitionError, readFunnelDefinition, type FunnelDefinition } from '@lead/analytics';
import type { Command } from 'commander';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import {
  FUNNEL_DIMENSIONS,
  FUNNEL_LEADS,
  FUNNEL_PERIODS,
  FUNNEL_VIEWS,
  funnelAsOf,
  funnelProjection,
  ProjectionRunner,
  queryFunnel,
  SqliteReadStore,
  type FunnelDimension,
  type FunnelPeriod,
  type FunnelReport,
  type FunnelRow,
  type FunnelView,
} from '@lead/projections';
import { Presets, SingleBar } from 'cli-progress';
import { withEngine } from '../cli.context';
import { fail, printTable, toCsv } from '../output';
import { funnelHtmlReport } from './funnel-report.html';
import { checkBreakdown, parseTravelTime, runDefinedFunnel } from './funnel-definition.output';

const FORMATS = ['table', 'csv', 'json', 'html'] as const;
type Format = (typeof FORMATS)[number];

interface FunnelOptions {
  from?: string;
  to?: string;
  asOf?: string;
  period: string;
  groupBy?: string;
  view: string;
  format: string;
  out?: string;
  definition?: string;
  knownAt?: string;
  asOccurred?: string;
  breakdown?: string;
  cell?: string;
}

/**
 * `funnel`: replays the event history into a scratch read store (the API's read models are not
 * touched) and answers a funnel question, optionally as the funnel stood on a past date.
 */
export function registerFunnel(program: Command): void {
  program
    .command('funnel')
    .description('funnel analysis by replaying the event history: activity or cohorts, by period and source/segment/owner, as of any date')
    .option('--from <day>', 'first day (YYYY-MM-DD); default: the first day in the history')
    .option('--to <day>', 'last day (YYYY-MM-DD); default: --as-of, else today')
    .option(
      '--as-of <time>',
      'the funnel as it stood then: events that occurred later are left out (a date means the end of that day, UTC)',
    )
    .option('--period <period>', `${FUNNEL_PERIODS.join(' | ')}`, 'month')
    .option('--group-by <dimension>', `${FUNNEL_DIMENSIONS.join(' | ')}`)
    .option('--view <view>', `${FUNNEL_VIEWS.join(' | ')} (see README, Read models)`, 'activity')
    .option('--format <format>', `${FORMATS.join(' | ')}`, 'table')
    .option('--out <file>', 'write to a file instead of the terminal (default for html: funnel-report.html)')
    .option('--definition <file>', 'replay the whole history under a funnel definition (YAML or JSON; see libs/analytics/funnels)')
    .option('--known-at <time>', 'as the data was known then: only events recorded by this time (with or without --definition)')
    .option('--as-occurred <time>', 'as it had happened by then: only events whose business time is at or before this time')
    .option('--breakdown <property>', 'with a definition: break down by a lead property (channel, campaign, touch.first, …)')
    .option('--cell <cell>', 'with a definition: the lead ids behind one cell, e.g. "step=qualified,outcome=dropped,period=2025-03"')
    .action(async (options: FunnelOptions) => {
      if (options.definition || options.knownAt || options.asOccurred || options.breakdown || options.cell) return defined(options);
      const checked = check(options);
      await withEngine(async (engine) => {
        const store = engine.get<EventStore>(EVENT_STORE);
        const report = await replayAndQuery(store, checked);
        output(report, checked);
      });
    });
}

/** The replay under a definition (the default one when only time travel or a breakdown is asked for). */
async function defined(options: FunnelOptions): Promise<void> {
  if (options.asOf !== undefined) fail('--as-of is the business-time option of the built-in funnel: with a definition, use --as-occurred');
  if (options.groupBy !== undefined) fail('--group-by is for the built-in funnel: with a definition, use --breakdown');
  if (!['table', 'csv', 'json'].includes(options.format))
    fail(`--format must be one of table, csv, json with a definition (got "${options.format}")`);
  let definition: FunnelDefinition;
  try {
    definition = options.definition ? readFunnelDefinition(options.definition) : defaultFunnelDefinition();
  } catch (error) {
    if (error instanceof FunnelDefinitionError) fail(error.message);
    fail(`cannot read --definition ${options.definition}: ${(error as Error).message}`);
  }
  const day = (name: string, value: string | undefined) => {
    if (value !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))))
      fail(`--${name} must be a date (YYYY-MM-DD), got "${value}"`);
    return value;
  };
  const knownAt = parseTravelTime('known-at', options.knownAt);
  const asOccurred = parseTravelTime('as-occurred', options.asOccurred);
  const settings = {
    travel: { ...(knownAt ? { knownAt } : {}), ...(asOccurred ? { asOccurred } : {}) },
    from: day('from', options.from),
    to: day('to', options.to),
    breakdown: checkBreakdown(options.breakdown),
    cell: options.cell,
    format: options.format as 'table' | 'csv' | 'json',
  };
  await withEngine(async (engine) => {
    const text = await runDefinedFunnel(engine.get<EventStore>(EVENT_STORE), definition, settings);
    if (options.out) {
      writeFileSync(options.out, text);
      console.error(`wrote ${options.out}`);
    } else process.stdout.write(text);
  });
}

interface Checked {
  from?: string;
  to: string;
  asOf?: string;
  period: FunnelPeriod;
  groupBy?: FunnelDimension;
  view: FunnelView;
  format: Format;
  out?: string;
}

function check(options: FunnelOptions): Checked {
  const oneOf = <T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined => {
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T)) fail(`--${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return value as T;
  };
  const day = (name: string, value: string | undefined) => {
    if (value !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))))
      fail(`--${name} must be a date (YYYY-MM-DD), got "${value}"`);
    return value;
  };
  let asOf: string | undefined;
  if (options.asOf !== undefined) {
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(options.asOf) ? `${options.asOf}T23:59:59.999Z` : options.asOf);
    if (Number.isNaN(ms)) fail(`--as-of must be an ISO-8601 date or time, got "${options.asOf}"`);
    asOf = new Date(ms).toISOString();
  }
  const from = day('from', options.from);
  const to = day('to', options.to) ?? (asOf ?? new Date().toISOString()).slice(0, 10);
  if (from !== undefined && from > to) fail('--from must not be after --to');
  return {
    from,
    to,
    asOf,
    period: oneOf('period', options.period, FUNNEL_PERIODS)!,
    groupBy: oneOf('group-by', options.groupBy, FUNNEL_DIMENSIONS),
    view: oneOf('view', options.view, FUNNEL_VIEWS)!,
    format: oneOf('format', options.format, FORMATS)!,
    out: options.out,
  };
}

async function replayAndQuery(store: EventStore, options: Checked): Promise<FunnelReport> {
  const readStore = new SqliteReadStore({ path: ':memory:' });
  const projection = options.asOf ? funnelAsOf(options.asOf) : funnelProjection;
  const head = (await store.headPosition())?.commit ?? 0n;
  const progress =
    process.stderr.isTTY && head > 0n
      ? new SingleBar({ format: 'replaying |{bar}| {value}/{total} events', stream: process.stderr }, Presets.shades_classic)
      : null;
  progress?.start(Number(head), 0);
  const runner = new ProjectionRunner(store, readStore, [projection], {
    logger: { log: () => undefined, warn: (m) => console.warn(m), error: (m) => console.error(m) },
    onCommit: ({ position }) => progress?.update(Number(position.commit)),
  });
  try {
    await runner.start();
    await runner.waitUntilCaughtUp(24 * 3600_000);
    progress?.update(Number(head));
    const status = await runner.statusOf(projection.name);
    if (status.state === 'stopped_with_error')
      fail(`the replay stopped at ${status.error?.eventType} (position ${status.error?.position}): ${status.error?.message}`);
    const first = options.from ?? (await firstCapturedDay(readStore)) ?? options.to;
    return await queryFunnel(readStore, {
      from: first,
      to: options.to,
      period: options.period,
      view: options.view,
      ...(options.groupBy ? { groupBy: options.groupBy } : {}),
    });
  } finally {
    progress?.stop();
    await runner.stop();
    await readStore.close();
  }
}

async function firstCapturedDay(readStore: SqliteReadStore): Promise<string | undefined> {
  const [first] = await readStore.find(FUNNEL_LEADS, { sort: { field: 'capturedAt', direction: 1 }, limit: 1 });
  return (first?.capturedAt as string | undefined)?.slice(0, 10);
}

const COLUMNS = [
  'period',
  'group',
  'captured',
  'qualified',
  'disqualified',
  'nurtured',
  'reactivated',
  'handed',
  'won',
  'lost',
  'qualified/captured',
  'won/captured',
  'median captured→qualified (days)',
  'p90 captured→qualified (days)',
];

function cells(row: FunnelRow): (string | number)[] {
  const { counts, conversion, timeBetweenStages } = row;
  const pct = (x: number | null) => (x === null ? '' : `${(100 * x).toFixed(1)}%`);
  const days = (s: number | null) => (s === null ? '' : (s / 86_400).toFixed(1));
  return [
    row.period ?? 'total',
    row.group ?? '',
    counts.captured,
    counts.qualified,
    counts.disqualified,
    counts.nurtured,
    counts.reactivated,
    counts.handedToSales,
    counts.won,
    counts.lost,
    pct(conversion.qualifiedPerCaptured),
    pct(conversion.wonPerCaptured),
    days(timeBetweenStages.capturedToQualified.medianSeconds),
    days(timeBetweenStages.capturedToQualified.p90Seconds),
  ];
}

function output(report: FunnelReport, options: Checked): void {
  const title = `Funnel (${report.view}) ${report.from} – ${report.to} by ${report.period}${report.groupBy ? ` and ${report.groupBy}` : ''}${options.asOf ? `, as of ${options.asOf}` : ''}`;
  const rows = [...report.rows, ...report.totals].map(cells);
  const write = (text: string, file?: string) => {
    if (file) {
      writeFileSync(file, text);
      console.error(`wrote ${file}`);
    } else process.stdout.write(text);
  };
  switch (options.format) {
    case 'table':
      console.log(title);
      printTable(
        COLUMNS,
        rows.map((r) => r.map(String)),
      );
      return;
    case 'csv':
      return write(toCsv(COLUMNS, rows), options.out);
    case 'json':
      return write(JSON.stringify({ asOf: options.asOf ?? null, ...report }, null, 2) + '\n', options.out);
    case 'html':
      return write(funnelHtmlReport(title, report, COLUMNS, rows), options.out ?? 'funnel-report.html');
  }
}
