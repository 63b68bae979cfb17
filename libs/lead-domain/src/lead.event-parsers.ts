/**
 * Turns stored JSON back into typed lead events through an explicit type → parser map.
 * Never by class or constructor name: events read back from a store are plain objects,
 * and a renamed class must not silently stop an event from being folded.
 */
import { UnreadableEventError } from './lead.errors';
import type { LeadEvent, LeadEventType } from './lead.events';
import { LEAD_UPCASTERS, type UpcasterRegistry } from './lead.upcasters';
import { personalFieldsOf } from './personal-data';

type Parser = (data: Record<string, unknown>) => LeadEvent['data'];

/** Checks the fields the current version of the event must have (older versions are upcast first). */
const requires = (type: LeadEventType, ...fields: string[]): Parser => {
  const required = ['leadId', ...fields];
  // An erased lead's personal fields read back as null: required, but no longer there.
  const personal = new Set(personalFieldsOf(type));
  return (data) => {
    for (const field of required) {
      if (data[field] === undefined || data[field] === null) {
        if (data.erased === true && personal.has(field)) continue;
        throw new UnreadableEventError(type, `missing field "${field}"`);
      }
    }
    return data as LeadEvent['data'];
  };
};

const parsers: Record<LeadEventType, Parser> = {
  LeadCaptured: requires('LeadCaptured', 'kind', 'contact', 'source'),
  ContactDetailsCorrected: requires('ContactDetailsCorrected', 'contact', 'changedFields'),
  NeedConfirmed: requires('NeedConfirmed', 'need'),
  BudgetVerified: requires('BudgetVerified'),
  DecisionMakerReached: requires('DecisionMakerReached', 'name', 'role'),
  ActivityRecorded: requires('ActivityRecorded', 'activityType', 'activityAt'),
  LeadScored: requires('LeadScored', 'total', 'temperature', 'modelVersion', 'breakdown', 'scoredAt'),
  LeadQualified: requires('LeadQualified', 'how', 'facts'),
  LeadAssigned: requires('LeadAssigned', 'owner', 'rule'),
  SentToNurture: requires('SentToNurture', 'reason', 'track'),
  LeadReactivated: requires('LeadReactivated', 'reason', 'previousStatus'),
  Disqualified: requires('Disqualified', 'reason', 'note', 'facts'),
  HandedToSales: requires('HandedToSales', 'qualified', 'facts'),
  SaleWon: requires('SaleWon'),
  SaleLost: requires('SaleLost', 'reason', 'needRemains'),
  DuplicateMerged: requires('DuplicateMerged', 'survivorLeadId'),
  PersonalDataErased: requires('PersonalDataErased', 'reason', 'erasedFields'),
};

export function isLeadEventType(type: string): type is LeadEventType {
  return Object.prototype.hasOwnProperty.call(parsers, type);
}

/**
 * The one decode of a stored lead event, used by every read path (the executor's stream read,
 * projections, the policy reactor, CLI replays): upcast from the version it was written in
 * (metadata.schemaVersion, 1 when absent) to the current one, then check its fields.
 */
export function parseLeadEvent(type: string, data: unknown, schemaVersion = 1, upcasters: UpcasterRegistry = LEAD_UPCASTERS): LeadEvent {
  if (!isLeadEventType(type)) throw new UnreadableEventError(type, 'not a lead event type');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UnreadableEventError(type, 'data is not a JSON object');
  return { type, data: parsers[type](upcasters.upcast(type, data as Record<string, unknown>, schemaVersion)) } as LeadEvent;
}
