import { percentile, periodLabeller, ratio } from '@lead/projections';
import type { CohortPeriod, FunnelDefinition } from './funnel-definition';
import { NONE, type FunnelReplay, type LeadTrack, type TimeTravel } from './funnel-replay';

/** Properties a funnel can be broken down by; `attributes.<name>` reads the captured profile answers. */
export const BREAKDOWNS = [
  'channel',
  'origin',
  'campaign',
  'kind',
  'industry',
  'country',
  'segment',
  'owner',
  'scoreBand',
  'touch.first',
  'touch.last',
] as const;

export function isBreakdown(name: string): boolean {
  return (BREAKDOWNS as readonly string[]).includes(name) || /^attributes\.[A-Za-z0-9_]+$/.test(name);
}

/** Time-to-convert buckets, upper bounds in seconds: what an analyst reads off a lead's pace. */
const BUCKETS: ReadonlyArray<readonly [string, number]> = [
  ['< 1 h', 3_600],
  ['1–6 h', 6 * 3_600],
  ['6–24 h', 86_400],
  ['1–3 d', 3 * 86_400],
  ['3–7 d', 7 * 86_400],
  ['7–14 d', 14 * 86_400],
  ['14–30 d', 30 * 86_400],
  ['30–60 d', 60 * 86_400],
  ['60–90 d', 90 * 86_400],
  ['≥ 90 d', Infinity],
];

export interface TimeDistribution {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  histogram: Array<{ bucket: string; upToSeconds: number | null; count: number }>;
}

export interface StepMeasure {
  step: string;
  /** Leads that reached the step. */
  entered: number;
  /** Of those, the leads that also reached the next step (the last step: all of them). */
  converted: number;
  dropped: number;
  conversionFromPrevious: number | null;
  conversionFromFirst: number | null;
  /** From the previous step to this one, for the leads that reached both in that order. */
  timeFromPrevious: TimeDistribution;
}

export interface FunnelMeasures {
  leads: number;
  steps: StepMeasure[];
  /** entered(converted step) / entered(first step). */
  conversionRate: number | null;
  /** From the first step to the converted step. */
  timeToConvert: TimeDistribution;
  /** The leads by the reason of their latest disqualification. */
  disqualifiedByReason: Record<string, number>;
}

export interface FunnelReplayReport {
  definition: { name: string; description: string; order: string; window: string | null; converted: string; cohort: CohortPeriod };
  knownAt: string | null;
  asOccurred: string | null;
  /** Entry (first step) days considered, inclusive; null: all. */
  from: string | null;
  to: string | null;
  eventsRead: number;
  eventsLeftOut: number;
  excluded: number;
  totals: FunnelMeasures;
  /** Per cohort period (by the day of the first step): its measures, in period order. */
  trend: Array<{ period: string } & FunnelMeasures>;
  breakdown: { by: string; groups: Array<{ group: string } & FunnelMeasures> } | null;
  /** Per step, the leads that stopped there, by the status they are in now and, if disqualified, its reason. */
  dropOff: Array<{ step: string; dropped: number; byStatus: Record<string, number>; byReason: Record<string, number> }>;
}

export interface MeasureOptions {
  from?: string;
  to?: string;
  breakdown?: string;
}

/** The measures of a replay: totals, trend, breakdown, drop-off and disqualification reasons. */
export function measureFunnel(replay: FunnelReplay, options: MeasureOptions = {}): FunnelReplayReport {
  const { definition, travel } = replay;
  const periodOf = periodLabeller(definition.cohortPeriod);
  const all: LeadTrack[] = [];
  const byPeriod = new Map<string, LeadTrack[]>();
  const byGroup = new Map<string, LeadTrack[]>();
  let excluded = 0;
  for (const lead of entered(replay, options)) {
    if (lead.excluded) {
      excluded++;
      continue;
    }
    all.push(lead);
    push(byPeriod, periodOf(day(lead.stepAt[0]!)), lead);
    if (options.breakdown) push(byGroup, groupOf(lead, options.breakdown), lead);
  }
  const n = definition.steps.length;
  const dropOff = definition.steps.slice(0, n - 1).map((step, i) => {
    const byStatus: Record<string, number> = {};
    const byReason: Record<string, number> = {};
    let dropped = 0;
    for (const lead of all) {
      if (lead.stepAt[i] === null || lead.stepAt[i + 1] !== null) continue;
      dropped++;
      byStatus[lead.status] = (byStatus[lead.status] ?? 0) + 1;
      if (lead.status === 'disqualified') byReason[lead.disqualifiedReason!] = (byReason[lead.disqualifiedReason!] ?? 0) + 1;
    }
    return { step: step.name, dropped, byStatus: sorted(byStatus), byReason: sorted(byReason) };
  });
  const disqualifiedByReason: Record<string, number> = {};
  for (const lead of all)
    if (lead.disqualifiedReason !== null)
      disqualifiedByReason[lead.disqualifiedReason] = (disqualifiedByReason[lead.disqualifiedReason] ?? 0) + 1;
  return {
    definition: {
      name: definition.name,
      description: definition.description,
      order: definition.order,
      window: windowText(definition.windowMs),
      converted: definition.steps[definition.convertedStep].name,
      cohort: definition.cohortPeriod,
    },
    ...timeTravelOf(travel),
    from: options.from ?? null,
    to: options.to ?? null,
    eventsRead: replay.events,
    eventsLeftOut: replay.skipped,
    excluded,
    totals: measures(definition, all),
    trend: [...byPeriod.keys()].sort().map((period) => ({ period, ...measures(definition, byPeriod.get(period)!) })),
    breakdown: options.breakdown
      ? {
          by: options.breakdown,
          groups: [...byGroup.keys()].sort().map((group) => ({ group, ...measures(definition, byGroup.get(group)!) })),
        }
      : null,
    dropOff,
  };
}

/** A window as written in definitions: whole days as "30d", else hours. */
export function windowText(ms: number | null): string | null {
  if (ms === null) return null;
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${ms / 3_600_000}h`;
}

function timeTravelOf(travel: TimeTravel): { knownAt: string | null; asOccurred: string | null } {
  return { knownAt: travel.knownAt ?? null, asOccurred: travel.asOccurred ?? null };
}

/** The leads that entered the funnel (reached its first step) on a day between from and to. */
function* entered(replay: FunnelReplay, options: MeasureOptions): Generator<LeadTrack> {
  for (const lead of replay.leads.values()) {
    const at = lead.stepAt[0];
    if (at === null) continue;
    const d = day(at);
    if ((options.from && d < options.from) || (options.to && d > options.to)) continue;
    yield lead;
  }
}

export function groupOf(lead: LeadTrack, breakdown: string): string {
  if (breakdown === 'touch.first') return lead.firstTouch ?? NONE;
  if (breakdown === 'touch.last') return lead.lastTouch ?? NONE;
  return lead.props[breakdown] ?? NONE;
}

function measures(definition: FunnelDefinition, leads: readonly LeadTrack[]): FunnelMeasures {
  const n = definition.steps.length;
  const entered = new Array<number>(n).fill(0);
  const converted = new Array<number>(n).fill(0);
  const times: number[][] = Array.from({ length: n }, () => []);
  const toConvert: number[] = [];
  const c = definition.convertedStep;
  const disqualifiedByReason: Record<string, number> = {};
  for (const lead of leads) {
    const reason = lead.disqualifiedReason;
    if (reason !== null) disqualifiedByReason[reason] = (disqualifiedByReason[reason] ?? 0) + 1;
    const at = lead.stepAt;
    for (let i = 0; i < n; i++) {
      if (at[i] === null) continue;
      entered[i]++;
      if (i === n - 1 || at[i + 1] !== null) converted[i]++;
      if (i > 0 && at[i - 1] !== null && at[i - 1]! <= at[i]!) times[i].push((at[i]! - at[i - 1]!) / 1000);
    }
    if (at[c] !== null) toConvert.push((at[c]! - at[0]!) / 1000);
  }
  return {
    leads: leads.length,
    steps: definition.steps.map((step, i) => ({
      step: step.name,
      entered: entered[i],
      converted: converted[i],
      dropped: entered[i] - converted[i],
      conversionFromPrevious: i === 0 ? null : ratio(entered[i], entered[i - 1]),
      conversionFromFirst: ratio(entered[i], entered[0]),
      timeFromPrevious: distribution(i === 0 ? [] : times[i]),
    })),
    conversionRate: ratio(entered[c], entered[0]),
    timeToConvert: distribution(toConvert),
    disqualifiedByReason: sorted(disqualifiedByReason),
  };
}

export function distribution(values: number[]): TimeDistribution {
  const sortedValues = values.sort((a, b) => a - b);
  const histogram = BUCKETS.map(([bucket, upTo]) => ({ bucket, upToSeconds: upTo === Infinity ? null : upTo, count: 0 }));
  let b = 0;
  for (const v of sortedValues) {
    while (v >= (histogram[b].upToSeconds ?? Infinity)) b++;
    histogram[b].count++;
  }
  return {
    count: sortedValues.length,
    medianSeconds: percentile(sortedValues, 0.5),
    p90Seconds: percentile(sortedValues, 0.9),
    histogram,
  };
}

export const CELL_OUTCOMES = ['entered', 'converted', 'dropped'] as const;
export type CellOutcome = (typeof CELL_OUTCOMES)[number];

/** A cell of a report: a step, an outcome there, optionally a cohort period and a breakdown group. */
export interface FunnelCell {
  step: string;
  outcome: CellOutcome;
  period?: string;
  group?: string;
}

/** Parses "step=qualified,outcome=dropped,period=2024-03,group=web_form" (outcome defaults to entered). */
export function parseCell(text: string, definition: FunnelDefinition): FunnelCell {
  const cell: Partial<FunnelCell> = { outcome: 'entered' };
  for (const part of text.split(',')) {
    const [key, ...rest] = part.split('=');
    const value = rest.join('=').trim();
    switch (key.trim()) {
      case 'step':
        if (!definition.steps.some((s) => s.name === value))
          throw new RangeError(`cell: step must be one of ${definition.steps.map((s) => s.name).join(', ')}, got "${value}"`);
        cell.step = value;
        break;
      case 'outcome':
        if (!(CELL_OUTCOMES as readonly string[]).includes(value))
          throw new RangeError(`cell: outcome must be one of ${CELL_OUTCOMES.join(', ')}, got "${value}"`);
        cell.outcome = value as CellOutcome;
        break;
      case 'period':
        cell.period = value;
        break;
      case 'group':
        cell.group = value;
        break;
      default:
        throw new RangeError(`cell: unknown key "${key}" (expected step, outcome, period, group)`);
    }
  }
  if (!cell.step) throw new RangeError('cell: step=<name> is required');
  return cell as FunnelCell;
}

export interface CellLead {
  leadId: string;
  enteredAt: string;
  stepAt: string | null;
  status: string;
  group: string | null;
}

/** The leads behind one cell, in order of entry. */
export function cellLeads(replay: FunnelReplay, cell: FunnelCell, options: MeasureOptions = {}): CellLead[] {
  const { definition } = replay;
  const i = definition.steps.findIndex((s) => s.name === cell.step);
  const last = i === definition.steps.length - 1;
  const periodOf = periodLabeller(definition.cohortPeriod);
  const out: CellLead[] = [];
  for (const lead of entered(replay, options)) {
    if (lead.excluded || lead.stepAt[i] === null) continue;
    const goesOn = last || lead.stepAt[i + 1] !== null;
    if ((cell.outcome === 'converted' && !goesOn) || (cell.outcome === 'dropped' && goesOn)) continue;
    if (cell.period !== undefined && periodOf(day(lead.stepAt[0]!)) !== cell.period) continue;
    const group = options.breakdown ? groupOf(lead, options.breakdown) : null;
    if (cell.group !== undefined && group !== cell.group) continue;
    out.push({
      leadId: lead.leadId,
      enteredAt: new Date(lead.stepAt[0]!).toISOString(),
      stepAt: new Date(lead.stepAt[i]!).toISOString(),
      status: lead.status,
      group,
    });
  }
  return out.sort((a, b) => (a.enteredAt < b.enteredAt ? -1 : a.enteredAt > b.enteredAt ? 1 : a.leadId < b.leadId ? -1 : 1));
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)));
}
