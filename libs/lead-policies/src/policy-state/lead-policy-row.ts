import {
  LEAD_LIFECYCLE,
  statusAfter,
  type LeadEvent,
  type LeadKind,
  type LeadStatus,
  type NurtureTrack,
  type Temperature,
} from '@lead/domain';

/**
 * What the policies know of one lead: a small projection the reactor keeps in the policy state
 * store, with the timers the sweep looks up (revisit, SLA clock, next rescoring).
 */
export interface LeadPolicyRow {
  leadId: string;
  status: LeadStatus;
  /** Revision of the last event of the lead the row has seen; sweep reactions expect it. */
  revision: number;
  /** Id of that event: the causation of reactions decided on this row by the sweep. */
  lastEventId: string;
  qualified: boolean;
  kind?: LeadKind;
  industry?: string;
  employees?: number;
  annualRevenue?: number;
  country?: string;
  productLine?: string;
  owner?: string;
  segment?: string;
  score?: number;
  temperature?: Temperature;
  modelVersion?: string;
  /** When the lead (re)entered `open`: capture or reactivation. */
  openSince?: string;
  /** Business time of the last event sent by a person ("user:…"). */
  lastHumanActionAt?: string;
  /** max(openSince, lastHumanActionAt): the SLA counts from here. */
  slaClockFrom?: string;
  nurtureTrack?: NurtureTrack;
  revisitAt?: string;
  /** When the sweep rescores the lead (decay, a model change). */
  nextRescoreAt?: string;
}

export interface EventFacts {
  eventId: string;
  revision: number;
  actor: string;
  occurredAt: string;
}

/** Statuses in which a lead is scored and routed (the adapters' bulk rescoring uses the same list). */
export const SCORED_STATUS_LIST = ['open', 'qualified', 'nurturing'] as const satisfies readonly LeadStatus[];

/** Statuses in which a lead is scored and routed; the others are closed or gone. */
export const SCORED_STATUSES: readonly LeadStatus[] = SCORED_STATUS_LIST;

/** A person: a JWT subject, or an API key (keys are issued to people and teams; policies act as policy:<name>). */
export const isHuman = (actor: string): boolean => actor.startsWith('user:') || actor.startsWith('key:');

const later = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined || a >= b ? a : b;

/**
 * Folds one lead event into the row; the status comes from LEAD_LIFECYCLE. Returns null when the row should be forgotten (erased data).
 * Pure: the reactor stores what this returns in the same transaction as its checkpoint.
 */
export function evolvePolicyRow(row: LeadPolicyRow | undefined, event: LeadEvent, facts: EventFacts): LeadPolicyRow | null {
  if (event.type === 'PersonalDataErased') return null;
  if (!row && event.type !== 'LeadCaptured') return null; // a stream the row never saw captured (should not happen)
  const base = { ...(row as LeadPolicyRow), revision: facts.revision, lastEventId: facts.eventId };
  if (isHuman(facts.actor)) base.lastHumanActionAt = later(base.lastHumanActionAt, facts.occurredAt);
  const next = applyEvent(base, event, facts);
  return { ...next, status: statusAfter(event.type, next.status), slaClockFrom: later(next.openSince, next.lastHumanActionAt) };
}

function applyEvent(row: LeadPolicyRow, event: LeadEvent, facts: EventFacts): LeadPolicyRow {
  switch (event.type) {
    case 'LeadCaptured': {
      const c = event.data.company;
      return {
        leadId: event.data.leadId,
        status: LEAD_LIFECYCLE.LeadCaptured,
        revision: facts.revision,
        lastEventId: facts.eventId,
        qualified: false,
        kind: event.data.kind,
        ...companyFacts(c),
        openSince: facts.occurredAt,
        ...(isHuman(facts.actor) ? { lastHumanActionAt: facts.occurredAt } : {}),
      };
    }
    case 'ContactDetailsCorrected':
      return event.data.company ? { ...row, ...companyFacts(event.data.company) } : row;
    case 'NeedConfirmed':
      return event.data.productLine ? { ...row, productLine: event.data.productLine } : row;
    case 'LeadScored':
      return { ...row, score: event.data.total, temperature: event.data.temperature, modelVersion: event.data.modelVersion };
    case 'LeadQualified':
      return { ...row, qualified: true };
    case 'LeadAssigned':
      return {
        ...row,
        owner: event.data.owner,
        ...(event.data.segment ? { segment: event.data.segment } : {}),
        ...(event.data.productLine ? { productLine: event.data.productLine } : {}),
      };
    case 'SentToNurture': {
      const { revisitAt: _, ...rest } = row;
      return {
        ...rest,
        qualified: false,
        nurtureTrack: event.data.track,
        ...(event.data.revisitAt ? { revisitAt: event.data.revisitAt } : {}),
      };
    }
    case 'LeadReactivated': {
      const { revisitAt: _, nurtureTrack: __, ...rest } = row;
      return { ...rest, qualified: false, openSince: facts.occurredAt };
    }
    case 'Disqualified':
      return closed(row);
    case 'HandedToSales':
      return { ...closed(row), ...(event.data.owner ? { owner: event.data.owner } : {}) };
    case 'SaleWon':
      return closed(row);
    case 'SaleLost':
      return closed(row);
    case 'DuplicateMerged':
      return closed(row);
    case 'BudgetVerified':
    case 'DecisionMakerReached':
    case 'ActivityRecorded':
      return row;
    default:
      return row;
  }
}

/** A closed lead has no timers: nothing is due for it until it comes back. */
function closed(row: LeadPolicyRow): LeadPolicyRow {
  const { revisitAt: _, nextRescoreAt: __, nurtureTrack: ___, ...rest } = row;
  return { ...rest, qualified: false };
}

function companyFacts(
  c: { industry?: string; employees?: number; annualRevenue?: number; country?: string } | undefined,
): Partial<LeadPolicyRow> {
  return {
    ...(c?.industry ? { industry: c.industry } : {}),
    ...(c?.employees !== undefined ? { employees: c.employees } : {}),
    ...(c?.annualRevenue !== undefined ? { annualRevenue: c.annualRevenue } : {}),
    ...(c?.country ? { country: c.country } : {}),
  };
}
