/**
 * The lead lifecycle stated once: the status a lead has after each event type. The decider's
 * `evolve`, the read models and the policy rows all take the status from here. A Record over
 * every event type, so a new event type does not compile until it says whether it moves the lead.
 */
import type { LeadEventType } from './lead.events';
import type { LeadStatus } from './lead.status';

/** The status after each event; null: the event does not change the status. */
export const LEAD_LIFECYCLE = {
  LeadCaptured: 'open',
  ContactDetailsCorrected: null,
  NeedConfirmed: null,
  BudgetVerified: null,
  DecisionMakerReached: null,
  ActivityRecorded: null,
  LeadScored: null,
  LeadQualified: 'qualified',
  LeadAssigned: null,
  SentToNurture: 'nurturing',
  LeadReactivated: 'open',
  Disqualified: 'disqualified',
  HandedToSales: 'handed_to_sales',
  SaleWon: 'won',
  SaleLost: 'lost',
  DuplicateMerged: 'merged',
  PersonalDataErased: 'erased',
} as const satisfies Record<LeadEventType, LeadStatus | null>;

/** Every lead event type, in the order of the lifecycle table. */
export const LEAD_EVENT_TYPES: readonly LeadEventType[] = Object.keys(LEAD_LIFECYCLE) as LeadEventType[];

/** The status a lead has after an event of this type, given the status it had before. */
export function statusAfter<P extends LeadStatus | 'none'>(type: LeadEventType, previous: P): LeadStatus | P {
  return LEAD_LIFECYCLE[type] ?? previous;
}
