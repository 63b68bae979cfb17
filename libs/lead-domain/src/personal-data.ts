import type { LeadEventType } from './lead.events';

/**
 * The one list of personal fields per event type: the fields the event store keeps encrypted under the
 * lead's data key, so that destroying the key erases them. Paths are dot-separated inside the event data.
 * README's "Personal data" table lists the same fields (a test keeps both in step).
 *
 * Free text typed by a person about the lead (notes, qualification and sales reasons) counts as
 * personal: nobody can promise it names no one. Codes (disqualification reason, track, rule), the
 * company, scores and activity types are not, and stay readable after erasure so that the funnel,
 * disqualification and scoring figures are unchanged. `PersonalDataErased.reason` stays readable so the
 * audit says why a lead was erased: it must state the legal ground, not the person.
 */
export const PERSONAL_FIELDS: Readonly<Partial<Record<LeadEventType, readonly string[]>>> = {
  LeadCaptured: ['contact.name', 'contact.email', 'contact.phone', 'normalizedEmail', 'normalizedPhone'],
  ContactDetailsCorrected: ['contact.name', 'contact.email', 'contact.phone', 'normalizedEmail', 'normalizedPhone'],
  DecisionMakerReached: ['name'],
  LeadQualified: ['reason', 'facts.decisionMaker.name'],
  Disqualified: ['note', 'facts.decisionMaker.name'],
  HandedToSales: ['override.reason', 'facts.decisionMaker.name'],
  LeadReactivated: ['reason'],
  SaleWon: ['reason'],
  SaleLost: ['reason'],
  DuplicateMerged: ['note'],
};

export function personalFieldsOf(type: string): readonly string[] | undefined {
  return (PERSONAL_FIELDS as Record<string, readonly string[] | undefined>)[type];
}
