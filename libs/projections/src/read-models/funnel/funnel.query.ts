import type { ReadStore } from '../../read-store/read-store.port';
import { FUNNEL_COUNTS, FUNNEL_DAILY, FUNNEL_LEADS, type FunnelDay, type FunnelDimension, type FunnelLead } from './funnel.projection';

export const FUNNEL_PERIODS = ['day', 'week', 'month'] as const;
export type FunnelPeriod = (typeof FUNNEL_PERIODS)[number];
export const FUNNEL_VIEWS = ['activity', 'cohort'] as const;
export type FunnelView = (typeof FUNNEL_VIEWS)[number];

export interface FunnelQuery {
  /** First UTC day (YYYY-MM-DD), inclusive. */
  readonly from: string;
  /** Last UTC day (YYYY-MM-DD), inclusive. */
  readonly to: string;
  /** Buckets: a day, an ISO week (Monday to Sunday, labelled by its Monday) or a month (YYYY-MM). */
  readonly period: FunnelPeriod;
  readonly groupBy?: FunnelDimension;
  readonly view: FunnelView;
}

export interface FunnelCounts {
  captured: number;
  qualified: number;
  disqualified: number;
  disqualifiedByReason: Record<string, number>;
  nurtured: number;
  reactivated: number;
  handedToSales: number;
  won: number;
  lost: number;
}

export interface FunnelConversion {
  qualifiedPerCaptured: number | null;
  handedPerQualified: number | null;
  wonPerHanded: number | null;
  wonPerCaptured: number | null;
}

export interface StageTime {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface FunnelRow {
  /** The period's label; null in totals (the whole range). */
  period: string | null;
  /** The dimension value; null without groupBy. */
  group: string | null;
  counts: FunnelCounts;
  conversion: FunnelConversion;
  timeBetweenStages: { capturedToQualified: StageTime; qualifiedToHanded: StageTime; handedToOutcome: StageTime };
}

export interface FunnelReport {
  view: FunnelView;
  period: FunnelPeriod;
  groupBy: FunnelDimension | null;
  from: string;
  to: string;
  /** One row per period and group that has data, in period then group order. */
  rows: FunnelRow[];
  /** One row per group over the whole range (times are computed over the range, not averaged). */
  totals: FunnelRow[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** A query the funnel cannot answer (bad dates, an empty range). */
export class FunnelQueryError extends RangeError {
  override readonly name = 'FunnelQueryError';
}

export async function queryFunnel(readStore: ReadStore, query: FunnelQuery): Promise<FunnelReport> {
  const { from, to, period, view } = query;
  const groupBy = query.groupBy ?? null;
  for (const [name, day] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00.000Z`)))
      throw new FunnelQueryError(`${name} must be a date (YYYY-MM-DD)`);
  }
  if (from > to) throw new FunnelQueryError('from must not be after to');
  const fromTime = `${from}T00:00:00.000Z`;
  const toTime = new Date(Date.parse(`${to}T00:00:00.000Z`) + DAY_MS).toISOString(); // exclusive
  const periodOf = periodLabeller(period);
  const acc = new Accumulator();

  if (view === 'activity') {
    const days = (await readStore.find(FUNNEL_DAILY, { filter: { dim: groupBy ?? 'all', day: { gte: from, lte: to } } })) as FunnelDay[];
    for (const day of days) acc.addCounts(periodOf(day.day), groupBy ? day.value : null, day);
    // Times of the transitions that ended in the range, attributed like the event that ended them.
    const range = { gte: fromTime, lt: toTime };
    for (const lead of (await readStore.find(FUNNEL_LEADS, { filter: { qualifiedAt: range } })) as FunnelLead[]) {
      acc.addTime(
        periodOf(lead.qualifiedAt!.slice(0, 10)),
        group(lead, groupBy, 'qualified'),
        'capturedToQualified',
        seconds(lead.capturedAt, lead.qualifiedAt!),
      );
    }
    for (const lead of (await readStore.find(FUNNEL_LEADS, { filter: { handedAt: range } })) as FunnelLead[]) {
      const time = qualifiedToHanded(lead);
      if (time !== null) acc.addTime(periodOf(lead.handedAt!.slice(0, 10)), group(lead, groupBy, 'handed'), 'qualifiedToHanded', time);
    }
    for (const lead of (await readStore.find(FUNNEL_LEADS, { filter: { outcomeAt: range } })) as FunnelLead[]) {
      const time = handedToOutcome(lead);
      if (time !== null) acc.addTime(periodOf(lead.outcomeAt!.slice(0, 10)), group(lead, groupBy, 'outcome'), 'handedToOutcome', time);
    }
  } else {
    const leads = (await readStore.find(FUNNEL_LEADS, { filter: { capturedAt: { gte: fromTime, lt: toTime } } })) as FunnelLead[];
    for (const lead of leads) {
      const p = periodOf(lead.capturedAt.slice(0, 10));
      const g = groupBy ? lead[groupBy] : null;
      acc.addCohortLead(p, g, lead);
      if (lead.qualifiedAt !== null) acc.addTime(p, g, 'capturedToQualified', seconds(lead.capturedAt, lead.qualifiedAt));
      const handed = qualifiedToHanded(lead);
      if (handed !== null) acc.addTime(p, g, 'qualifiedToHanded', handed);
      const outcome = handedToOutcome(lead);
      if (outcome !== null) acc.addTime(p, g, 'handedToOutcome', outcome);
    }
  }
  return { view, period, groupBy, from, to, rows: acc.rows(false), totals: acc.rows(true) };
}

function group(lead: FunnelLead, groupBy: FunnelDimension | null, stage: 'qualified' | 'handed' | 'outcome'): string | null {
  if (groupBy === null) return null;
  if (groupBy === 'segment') return lead[`${stage}Segment`] ?? lead.segment;
  if (groupBy === 'owner') return lead[`${stage}Owner`] ?? lead.owner;
  return lead[groupBy];
}

function seconds(fromIso: string, toIso: string): number {
  return (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
}

function qualifiedToHanded(lead: FunnelLead): number | null {
  if (lead.handedAt === null || lead.qualifiedAt === null || lead.qualifiedAt > lead.handedAt) return null;
  return seconds(lead.qualifiedAt, lead.handedAt);
}

function handedToOutcome(lead: FunnelLead): number | null {
  if (lead.outcomeAt === null || lead.handedAt === null) return null;
  return seconds(lead.handedAt, lead.outcomeAt);
}

/** day (YYYY-MM-DD) → period label, memoised: a range has few distinct days. */
export function periodLabeller(period: FunnelPeriod): (day: string) => string {
  if (period === 'day') return (day) => day;
  if (period === 'month') return (day) => day.slice(0, 7);
  const cache = new Map<string, string>();
  return (day) => {
    let label = cache.get(day);
    if (label === undefined) {
      const ms = Date.parse(`${day}T00:00:00.000Z`);
      const mondayOffset = (new Date(ms).getUTCDay() + 6) % 7;
      label = new Date(ms - mondayOffset * DAY_MS).toISOString().slice(0, 10);
      cache.set(day, label);
    }
    return label;
  };
}

/** Nearest-rank percentile of ascending values: the smallest value with at least p of them at or below it. */
export function percentile(sortedAscending: readonly number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sortedAscending.length));
  return sortedAscending[rank - 1];
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}

type TimeName = 'capturedToQualified' | 'qualifiedToHanded' | 'handedToOutcome';

interface Cell {
  period: string | null;
  group: string | null;
  counts: FunnelCounts;
  times: Record<TimeName, number[]>;
}

/** Sums per (period, group) and per group over the whole range. */
class Accumulator {
  private readonly cells = new Map<string, Cell>();
  private readonly totals = new Map<string, Cell>();

  addCounts(period: string, group: string | null, day: FunnelDay): void {
    for (const cell of this.cellsFor(period, group)) {
      for (const name of FUNNEL_COUNTS) cell.counts[name] += day[name] ?? 0;
      for (const [reason, n] of Object.entries(day.disqualifiedByReason ?? {}))
        cell.counts.disqualifiedByReason[reason] = (cell.counts.disqualifiedByReason[reason] ?? 0) + n;
    }
  }

  addCohortLead(period: string, group: string | null, lead: FunnelLead): void {
    for (const cell of this.cellsFor(period, group)) {
      const c = cell.counts;
      c.captured++;
      if (lead.qualifiedAt !== null) c.qualified++;
      if (lead.disqualifiedAt !== null) {
        c.disqualified++;
        const reason = lead.disqualifiedReason ?? 'other';
        c.disqualifiedByReason[reason] = (c.disqualifiedByReason[reason] ?? 0) + 1;
      }
      if (lead.nurturedAt !== null) c.nurtured++;
      if (lead.reactivatedAt !== null) c.reactivated++;
      if (lead.handedAt !== null) c.handedToSales++;
      if (lead.wonAt !== null) c.won++;
      if (lead.lostAt !== null) c.lost++;
    }
  }

  addTime(period: string, group: string | null, name: TimeName, secondsBetween: number): void {
    for (const cell of this.cellsFor(period, group)) cell.times[name].push(secondsBetween);
  }

  rows(totals: boolean): FunnelRow[] {
    const cells = [...(totals ? this.totals : this.cells).values()];
    cells.sort((a, b) => compare(a.period, b.period) || compare(a.group, b.group));
    return cells.map((cell) => {
      const c = cell.counts;
      return {
        period: cell.period,
        group: cell.group,
        counts: c,
        conversion: {
          qualifiedPerCaptured: ratio(c.qualified, c.captured),
          handedPerQualified: ratio(c.handedToSales, c.qualified),
          wonPerHanded: ratio(c.won, c.handedToSales),
          wonPerCaptured: ratio(c.won, c.captured),
        },
        timeBetweenStages: {
          capturedToQualified: stageTime(cell.times.capturedToQualified),
          qualifiedToHanded: stageTime(cell.times.qualifiedToHanded),
          handedToOutcome: stageTime(cell.times.handedToOutcome),
        },
      };
    });
  }

  private cellsFor(period: string, group: string | null): [Cell, Cell] {
    return [cell(this.cells, period, group), cell(this.totals, null, group)];
  }
}

function cell(map: Map<string, Cell>, period: string | null, group: string | null): Cell {
  const key = `${period ?? ''}\u0000${group ?? ''}`;
  let found = map.get(key);
  if (!found) {
    found = {
      period,
      group,
      counts: {
        captured: 0,
        qualified: 0,
        disqualified: 0,
        disqualifiedByReason: {},
        nurtured: 0,
        reactivated: 0,
        handedToSales: 0,
        won: 0,
        lost: 0,
      },
      times: { capturedToQualified: [], qualifiedToHanded: [], handedToOutcome: [] },
    };
    map.set(key, found);
  }
  return found;
}

function stageTime(values: number[]): StageTime {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianSeconds: percentile(sorted, 0.5), p90Seconds: percentile(sorted, 0.9) };
}

function compare(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
