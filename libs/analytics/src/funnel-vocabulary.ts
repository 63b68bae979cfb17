import type { LeadEventType, LeadStatus } from '@lead/domain';

/** The events that put a lead in each status: a step given by status is reached by any of them. */
export const STATUS_EVENTS: Readonly<Record<LeadStatus, readonly LeadEventType[]>> = {
  open: ['LeadCaptured', 'LeadReactivated'],
  qualified: ['LeadQualified'],
  nurturing: ['SentToNurture'],
  disqualified: ['Disqualified'],
  handed_to_sales: ['HandedToSales'],
  won: ['SaleWon'],
  lost: ['SaleLost'],
  merged: ['DuplicateMerged'],
  erased: ['PersonalDataErased'],
};

export const LEAD_EVENT_TYPES_FOR_FUNNELS: readonly string[] = [
  'LeadCaptured',
  'ContactDetailsCorrected',
  'NeedConfirmed',
  'BudgetVerified',
  'DecisionMakerReached',
  'ActivityRecorded',
  'LeadScored',
  'LeadQualified',
  'LeadAssigned',
  'SentToNurture',
  'LeadReactivated',
  'Disqualified',
  'HandedToSales',
  'SaleWon',
  'SaleLost',
  'DuplicateMerged',
  'PersonalDataErased',
] satisfies LeadEventType[];
