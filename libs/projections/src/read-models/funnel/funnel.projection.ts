/**
 * Funnel statistics, on business time (metadata.occurredAt, UTC days), so that imported history
 * lands in the periods it happened in.
 *
 * Stored:
 * - Daily counters, per UTC day and per dimension value: `captured` (LeadCaptured), `qualified`
 *   (LeadQualified), `disqualified` and `disqualifiedByReason.<reason>` (Disqualified), `nurtured`
 *   (SentToNurture), `reactivated` (LeadReactivated), `handedToSales` (HandedToSales), `won` (SaleWon),
 *   `lost` (SaleLost). Dimensions: `all` (no grouping), `channel`, `origin`, `campaign` (as captured),
 *   `segment`, `owner`. Each event is attributed to the value the lead had at the time of the event,
 *   the event's own change included: a lead captured before it was assigned counts as captured for
 *   owner "(none)", and a HandedToSales that names an owner counts for that owner. A missing value is "(none)".
 * - Per lead: its source (channel, origin, campaign), its current segment and owner, and stage
 *   timestamps — capturedAt, and the *first* time it was qualified, handed to sales, won, lost,
 *   disqualified (with the reason of its latest disqualification), sent to nurture and reactivated;
 *   `outcomeAt` is its first SaleWon or SaleLost. With each stage reached, the segment and owner it had then.
 *
 * Two views (see funnel.query.ts):
 * - **activity**: what happened between `from` and `to` — event counts per period from the daily
 *   counters (a lead qualified twice counts twice). Conversion rates are ratios of those counts in the
 *   period. Times between stages are those of the transitions that *ended* in the period (a lead
 *   qualified in March gives its captured→qualified time to March), attributed like the ending event.
 * - **cohort**: the leads captured between `from` and `to`, bucketed by capture period and followed to
 *   their outcome whenever it came: each count is the number of those leads that ever reached the
 *   stage (disqualified by reason: by the reason of their latest disqualification). Conversion rates
 *   are true stage-to-stage conversions. Grouped by the lead's source, or its *current* segment/owner.
 *
 * Conversion rates: qualified/captured, handed/qualified, won/handed, won/captured (null when the
 * denominator is 0). Times between stages, from the per-lead first timestamps:
 * captured→qualified, qualified→handed_to_sales (leads handed without being qualified first are left
 * out), handed_to_sales→outcome (first won or lost); each as count, median and 90th percentile in
 * seconds (nearest-rank: the smallest value with at least p% of the values at or below it).
 */
import type { LeadEventType } from '@lead/domain';
import type { ReadStore } from '../../read-store/read-store.port';
import type { AnyLeadEventEnvelope, ProjectionDefinition } from '../../runner/projection';
import { CounterDoc, type ProjectionTx } from '../../runner/projection-tx';

export const FUNNEL_DAILY = 'funnel_daily';
export const FUNNEL_LEADS = 'funnel_leads';

export const FUNNEL_DIMENSIONS = ['channel', 'origin', 'campaign', 'segment', 'owner'] as const;
export type FunnelDimension = (typeof FUNNEL_DIMENSIONS)[number];

/** The value of a dimension the lead does not have (no campaign, not assigned yet). */
export const NONE = '(none)';

export const FUNNEL_COUNTS = ['captured', 'qualified', 'disqualified', 'nurtured', 'reactivated', 'handedToSales', 'won', 'lost'] as const;
export type FunnelCountName = (typeof FUNNEL_COUNTS)[number];

const COUNTED: Readonly<Partial<Record<LeadEventType, FunnelCountName>>> = {
  LeadCaptured: 'captured',
  LeadQualified: 'qualified',
  Disqualified: 'disqualified',
  SentToNurture: 'nurtured',
  LeadReactivated: 'reactivated',
  HandedToSales: 'handedToSales',
  SaleWon: 'won',
  SaleLost: 'lost',
};

/** One day of one dimension value: {day, dim, value} plus a counter per FunnelCountName and disqualifiedByReason. */
export type FunnelDay = {
  day: string;
  dim: 'all' | FunnelDimension;
  value: string;
  disqualifiedByReason?: Record<string, number>;
} & Partial<Record<FunnelCountName, number>>;

export type FunnelLead = {
  leadId: string;
  channel: string;
  origin: string;
  campaign: string;
  segment: string;
  owner: string;
  capturedAt: string;
  qualifiedAt: string | null;
  qualifiedSegment: string | null;
  qualifiedOwner: string | null;
  handedAt: string | null;
  handedSegment: string | null;
  handedOwner: string | null;
  outcomeAt: string | null;
  outcome: 'won' | 'lost' | null;
  outcomeSegment: string | null;
  outcomeOwner: string | null;
  wonAt: string | null;
  lostAt: string | null;
  disqualifiedAt: string | null;
  disqualifiedReason: string | null;
  nurturedAt: string | null;
  reactivatedAt: string | null;
};

export function funnelDayKey(day: string, dim: string, value: string): string {
  return `${day}|${dim}|${value}`;
}

/** Reason codes become field names: keep them to characters both stores accept in a path. */
export function reasonField(reason: string): string {
  return reason.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

export const funnelProjection: ProjectionDefinition = {
  name: 'funnel',
  version: 1,
  collections: [
    {
      name: FUNNEL_DAILY,
      fields: { dim: 'text', day: 'text' },
      indexes: [
        [
          ['dim', 1],
          ['day', 1],
        ],
      ],
    },
    {
      name: FUNNEL_LEADS,
      fields: { capturedAt: 'text', qualifiedAt: 'text', handedAt: 'text', outcomeAt: 'text' },
      indexes: [[['capturedAt', 1]], [['qualifiedAt', 1]], [['handedAt', 1]], [['outcomeAt', 1]]],
    },
  ],
  handles: new Set<LeadEventType>([...(Object.keys(COUNTED) as LeadEventType[]), 'LeadAssigned']),
  reads(event, read) {
    if (event.type !== 'LeadCaptured') read(FUNNEL_LEADS, event.leadId);
  },
  creates(event, create) {
    if (event.type === 'LeadCaptured') create(FUNNEL_LEADS, event.leadId);
  },
  apply: applyToFunnel,
};

function applyToFunnel(event: AnyLeadEventEnvelope, tx: ProjectionTx): void {
  if (event.type === 'LeadCaptured') {
    const { source } = event.data;
    const lead: FunnelLead = {
      leadId: event.leadId,
      channel: source.channel || NONE,
      origin: source.origin || NONE,
      campaign: source.campaign || NONE,
      segment: NONE,
      owner: NONE,
      capturedAt: event.occurredAt,
      qualifiedAt: null,
      qualifiedSegment: null,
      qualifiedOwner: null,
      handedAt: null,
      handedSegment: null,
      handedOwner: null,
      outcomeAt: null,
      outcome: null,
      outcomeSegment: null,
      outcomeOwner: null,
      wonAt: null,
      lostAt: null,
      disqualifiedAt: null,
      disqualifiedReason: null,
      nurturedAt: null,
      reactivatedAt: null,
    };
    tx.put(FUNNEL_LEADS, event.leadId, lead);
    count(tx, lead, event.day, 'captured');
    return;
  }

  const lead = tx.get<FunnelLead>(FUNNEL_LEADS, event.leadId);
  if (!lead) throw new Error(`lead ${event.leadId} has no LeadCaptured before this event`);
  const at = event.occurredAt;
  let reason: string | undefined;
  switch (event.type) {
    case 'LeadAssigned':
      lead.owner = event.data.owner || NONE;
      if (event.data.segment) lead.segment = event.data.segment;
      break;
    case 'LeadQualified':
      if (lead.qualifiedAt === null) {
        lead.qualifiedAt = at;
        lead.qualifiedSegment = lead.segment;
        lead.qualifiedOwner = lead.owner;
      }
      break;
    case 'HandedToSales':
      if (event.data.owner) lead.owner = event.data.owner;
      if (lead.handedAt === null) {
        lead.handedAt = at;
        lead.handedSegment = lead.segment;
        lead.handedOwner = lead.owner;
      }
      break;
    case 'SaleWon':
    case 'SaleLost':
      if (event.type === 'SaleWon') lead.wonAt ??= at;
      else lead.lostAt ??= at;
      if (lead.outcomeAt === null) {
        lead.outcomeAt = at;
        lead.outcome = event.type === 'SaleWon' ? 'won' : 'lost';
        lead.outcomeSegment = lead.segment;
        lead.outcomeOwner = lead.owner;
      }
      break;
    case 'Disqualified':
      reason = reasonField(event.data.reason);
      lead.disqualifiedAt ??= at;
      lead.disqualifiedReason = reason;
      break;
    case 'SentToNurture':
      lead.nurturedAt ??= at;
      break;
    case 'LeadReactivated':
      lead.reactivatedAt ??= at;
      break;
    default:
      return;
  }
  tx.put(FUNNEL_LEADS, event.leadId, lead);
  const counted = COUNTED[event.type];
  if (counted) count(tx, lead, event.day, counted, reason);
}

const ALL_DIMENSIONS = ['all', ...FUNNEL_DIMENSIONS] as const;

/**
 * Counter documents by day, dimension and value, each built once. Counting hashes a day string and
 * the lead's own value strings (whose hashes V8 keeps) instead of building and hashing six fresh keys
 * per event, which took most of a replay's funnel time, and a CounterDoc takes its increments to the
 * window's pending update without another lookup. Only the latest days are kept: a replay
 * follows time, and a key rebuilt after a reset is the same key.
 */
const dayCounters = new Map<string, Map<string, CounterDoc>[]>();
const DAYS_KEPT = 400;

function countersOf(day: string): Map<string, CounterDoc>[] {
  let counters = dayCounters.get(day);
  if (!counters) {
    if (dayCounters.size >= DAYS_KEPT) dayCounters.clear();
    counters = ALL_DIMENSIONS.map(() => new Map());
    dayCounters.set(day, counters);
  }
  return counters;
}

function counter(counters: Map<string, CounterDoc>[], index: number, day: string, value: string): CounterDoc {
  const byValue = counters[index];
  let found = byValue.get(value);
  if (!found) {
    const dim = ALL_DIMENSIONS[index];
    found = new CounterDoc(FUNNEL_DAILY, funnelDayKey(day, dim, value), Object.freeze({ day, dim, value }), FUNNEL_COUNTS);
    byValue.set(value, found);
  }
  return found;
}

/** Adds one to the day's counter for every dimension, with the values the lead has now. */
function count(tx: ProjectionTx, lead: FunnelLead, day: string, name: FunnelCountName, reason?: string): void {
  const counters = countersOf(day);
  const field = COUNT_FIELD[name];
  const byReason = reason === undefined ? undefined : `disqualifiedByReason.${reason}`;
  for (let i = 0; i < ALL_DIMENSIONS.length; i++) {
    const dim = ALL_DIMENSIONS[i];
    const dayCounter = counter(counters, i, day, dim === 'all' ? '' : lead[dim]);
    tx.count(dayCounter, field, 1);
    if (byReason !== undefined) tx.add(dayCounter, byReason, 1);
  }
}

/** Each count's index in FUNNEL_COUNTS: the field a CounterDoc counts it in. */
const COUNT_FIELD = Object.fromEntries(FUNNEL_COUNTS.map((name, i) => [name, i])) as Record<FunnelCountName, number>;

export async function funnelLead(readStore: ReadStore, leadId: string): Promise<FunnelLead | null> {
  return (await readStore.get(FUNNEL_LEADS, leadId)) as FunnelLead | null;
}
