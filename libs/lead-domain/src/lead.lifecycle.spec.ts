import { evolve, foldLead, type ExistingLead } from './lead.decider';
import type { LeadEvent, LeadEventType } from './lead.events';
import { LEAD_EVENT_TYPES, LEAD_LIFECYCLE, statusAfter } from './lead.lifecycle';

const leadId = 'lead-1';
const facts = { need: 'CRM', budget: { amount: 1000, currency: 'EUR' }, decisionMaker: { name: 'Ion', role: 'CEO' } };

/** One event of every type (a Record: a new type must be given a sample here). */
const SAMPLE: { [T in LeadEventType]: Extract<LeadEvent, { type: T }> } = {
  LeadCaptured: {
    type: 'LeadCaptured',
    data: { leadId, kind: 'B2C', contact: { name: 'Ana', email: 'ana@example.com' }, source: { channel: 'web_form' } },
  },
  ContactDetailsCorrected: {
    type: 'ContactDetailsCorrected',
    data: { leadId, contact: { name: 'Ana P' }, changedFields: ['contact.name'] },
  },
  NeedConfirmed: { type: 'NeedConfirmed', data: { leadId, need: 'CRM' } },
  BudgetVerified: { type: 'BudgetVerified', data: { leadId, amount: 1000, currency: 'EUR' } },
  DecisionMakerReached: { type: 'DecisionMakerReached', data: { leadId, name: 'Ion', role: 'CEO' } },
  ActivityRecorded: { type: 'ActivityRecorded', data: { leadId, activityType: 'call', activityAt: '2026-11-25T10:00:00.000Z' } },
  LeadScored: {
    type: 'LeadScored',
    data: { leadId, total: 40, temperature: 'warm', modelVersion: 'm1', breakdown: [], scoredAt: '2026-11-25T10:00:00.000Z' },
  },
  LeadQualified: { type: 'LeadQualified', data: { leadId, how: 'automatic', facts } },
  LeadAssigned: { type: 'LeadAssigned', data: { leadId, owner: 'maria', rule: 'default' } },
  SentToNurture: { type: 'SentToNurture', data: { leadId, reason: 'too early', track: 'nurture' } },
  LeadReactivated: { type: 'LeadReactivated', data: { leadId, reason: 'came back', previousStatus: 'nurturing' } },
  Disqualified: { type: 'Disqualified', data: { leadId, reason: 'spam', note: 'bot', facts: {} } },
  HandedToSales: { type: 'HandedToSales', data: { leadId, owner: 'maria', qualified: true, facts } },
  SaleWon: { type: 'SaleWon', data: { leadId } },
  SaleLost: { type: 'SaleLost', data: { leadId, reason: 'price', needRemains: false } },
  DuplicateMerged: { type: 'DuplicateMerged', data: { leadId, survivorLeadId: 'lead-2' } },
  PersonalDataErased: { type: 'PersonalDataErased', data: { leadId, reason: 'request', erasedFields: ['contact.name'] } },
};

const open = foldLead([SAMPLE.LeadCaptured]) as ExistingLead;
const nurturing = foldLead([SAMPLE.LeadCaptured, SAMPLE.SentToNurture]) as ExistingLead;

describe('the lead lifecycle table', () => {
  it('lists every event type once', () => {
    expect([...LEAD_EVENT_TYPES].sort()).toEqual(Object.keys(SAMPLE).sort());
  });

  it.each(LEAD_EVENT_TYPES)("is what the decider's evolve does with %s", (type) => {
    for (const before of [open, nurturing]) {
      expect(evolve(before, SAMPLE[type]).status).toBe(statusAfter(type, before.status));
    }
  });

  it('keeps the status for an event that does not move the lead', () => {
    expect(LEAD_LIFECYCLE.LeadScored).toBeNull();
    expect(statusAfter('LeadScored', 'nurturing')).toBe('nurturing');
    expect(statusAfter('SentToNurture', 'open')).toBe('nurturing');
  });
});
