import type { LeadCommand } from './lead.commands';
import { given } from './lead.decider.test-kit';
import type { LeadCaptured, LeadEvent } from './lead.events';

const leadId = '8b0e6c6e-1f7a-4d3f-9c55-0d3c9a1e2b10';
const now = new Date('2026-11-25T10:00:00.000Z');

function command<C extends LeadCommand>(type: C['type'], data: C['data'], extra: Partial<LeadCommand> = {}): LeadCommand {
  return { type, data, commandId: 'cmd-1', leadId, occurredAt: now, now, actor: 'user:ana', ...extra } as LeadCommand;
}

const captured: LeadCaptured = {
  type: 'LeadCaptured',
  data: {
    leadId,
    kind: 'B2B',
    contact: { name: 'Ana Pop', email: 'Ana.Pop@Example.com' },
    company: { name: 'Acme SRL', industry: 'manufacturing', employees: 120 },
    source: { channel: 'web_form', origin: 'organic_search' },
    normalizedEmail: 'ana.pop@example.com',
  },
};
const need: LeadEvent = { type: 'NeedConfirmed', data: { leadId, need: 'CRM for 40 sales reps', productLine: 'crm' } };
const budget: LeadEvent = { type: 'BudgetVerified', data: { leadId, amount: 20000, currency: 'EUR' } };
const decisionMaker: LeadEvent = { type: 'DecisionMakerReached', data: { leadId, name: 'Ion Rusu', role: 'CEO' } };
const facts = {
  need: 'CRM for 40 sales reps',
  productLine: 'crm',
  budget: { amount: 20000, currency: 'EUR' },
  decisionMaker: { name: 'Ion Rusu', role: 'CEO' },
};
const qualified: LeadEvent = { type: 'LeadQualified', data: { leadId, how: 'automatic', facts } };
const nurtured: LeadEvent = {
  type: 'SentToNurture',
  data: { leadId, reason: 'budget only next year', track: 'nurture', revisitAt: '2027-01-15T00:00:00.000Z' },
};
const disqualified: LeadEvent = { type: 'Disqualified', data: { leadId, reason: 'spam', note: 'bot traffic', facts: {} } };
const handed: LeadEvent = { type: 'HandedToSales', data: { leadId, owner: 'maria', qualified: true, facts } };

describe('CaptureLead', () => {
  const capture = (data: Partial<LeadCaptured['data']> & Record<string, unknown>) =>
    command('CaptureLead', {
      kind: 'B2B',
      contact: { name: 'Ana Pop', email: ' Ana.Pop@Example.com ' },
      company: { name: 'Acme SRL', industry: 'manufacturing', employees: 120 },
      source: { channel: 'web_form', origin: 'organic_search' },
      ...data,
    } as never);

  it('records the lead with normalised contact keys', () =>
    given()
      .when(capture({}))
      .then([{ ...captured, data: { ...captured.data, contact: { name: 'Ana Pop', email: 'Ana.Pop@Example.com' } } }]));

  it('accepts a phone instead of an email and normalises it to digits', () =>
    given()
      .when(capture({ kind: 'B2C', company: undefined, contact: { name: 'Ion', phone: '+40 (721) 555-010' } }))
      .then([
        {
          type: 'LeadCaptured',
          data: {
            leadId,
            kind: 'B2C',
            contact: { name: 'Ion', phone: '+40 (721) 555-010' },
            source: { channel: 'web_form', origin: 'organic_search' },
            normalizedPhone: '+40721555010',
          },
        },
      ]));

  it('keeps profile attributes for scoring and segmentation', () =>
    given()
      .when(capture({ attributes: { occupation: 'student', city: 'Mumbai', newsletter: true } }))
      .then([
        {
          ...captured,
          data: {
            ...captured.data,
            contact: { name: 'Ana Pop', email: 'Ana.Pop@Example.com' },
            attributes: { occupation: 'student', city: 'Mumbai', newsletter: true },
          },
        },
      ]));
  it('refuses attributes that are not simple values, naming the key', () =>
    given()
      .when(capture({ attributes: { 'bad key': 1, nested: { a: 1 } } as never }))
      .thenInvalid('attributes.bad key', 'attributes.nested'));

  it('refuses a lead without email or phone: no contact data, no lead', () =>
    given()
      .when(capture({ contact: { name: 'Ana' } }))
      .thenInvalid('contact.email'));
  it('refuses a malformed email', () =>
    given()
      .when(capture({ contact: { name: 'Ana', email: 'ana@' } }))
      .thenInvalid('contact.email'));
  it('refuses a malformed phone', () =>
    given()
      .when(capture({ contact: { name: 'Ana', phone: '12ab' } }))
      .thenInvalid('contact.phone'));
  it('refuses a missing name', () =>
    given()
      .when(capture({ contact: { name: ' ', email: 'a@b.co' } }))
      .thenInvalid('contact.name'));
  it('refuses a B2B lead without a company', () =>
    given()
      .when(capture({ company: undefined }))
      .thenInvalid('company.name'));
  it('refuses an unknown channel and origin, naming both', () =>
    given()
      .when(capture({ source: { channel: 'fax', origin: 'tv' } as never }))
      .thenInvalid('source.channel', 'source.origin'));
  it('refuses a founding year in the future', () =>
    given()
      .when(capture({ company: { name: 'Acme', foundedYear: 2099 } }))
      .thenInvalid('company.foundedYear'));
  it('refuses a business time in the future', () =>
    given()
      .when({ ...capture({}), occurredAt: new Date('2026-12-01T00:00:00Z') })
      .thenInvalid('occurredAt'));
  it('refuses to capture the same lead twice', () => given(captured).when(capture({})).thenRefused('lead.capture_once'));
});

describe('qualification facts', () => {
  it('records a confirmed need', () =>
    given(captured)
      .when(command('ConfirmNeed', { need: ' CRM for 40 sales reps ', productLine: 'crm' }))
      .then([need]));
  it('records a verified budget', () =>
    given(captured)
      .when(command('VerifyBudget', { amount: 20000, currency: 'EUR' }))
      .then([budget]));
  it('records the decision maker', () =>
    given(captured)
      .when(command('ReachDecisionMaker', { name: 'Ion Rusu', role: 'CEO' }))
      .then([decisionMaker]));

  it('qualifies automatically in the same command when the third fact arrives', () =>
    given(captured, need, budget)
      .when(command('ReachDecisionMaker', { name: 'Ion Rusu', role: 'CEO' }))
      .then([decisionMaker, qualified]));

  it('does not qualify with two facts of three', () =>
    given(captured, need)
      .when(command('VerifyBudget', { amount: 20000, currency: 'EUR' }))
      .then([budget]));

  it('does not qualify a second time when a fact of a qualified lead is updated', () =>
    given(captured, need, budget, decisionMaker, qualified)
      .when(command('ConfirmNeed', { need: 'CRM for 50 reps' }))
      .then([{ type: 'NeedConfirmed', data: { leadId, need: 'CRM for 50 reps' } }]));

  it('refuses an assistant as decision maker', () =>
    given(captured)
      .when(command('ReachDecisionMaker', { name: 'Eva', role: 'Executive Assistant' }))
      .thenRefused('qualification.assistant_is_not_decision_maker', /assistant/));

  it('refuses an amount without currency', () =>
    given(captured)
      .when(command('VerifyBudget', { amount: 100 }))
      .thenInvalid('currency'));
  it('refuses an empty need', () =>
    given(captured)
      .when(command('ConfirmNeed', { need: '' }))
      .thenInvalid('need'));
  it('refuses facts for a lead that was never captured', () =>
    given()
      .when(command('ConfirmNeed', { need: 'x' }))
      .thenNotFound());
  it('refuses facts for a disqualified lead', () =>
    given(captured, disqualified)
      .when(command('ConfirmNeed', { need: 'x' }))
      .thenRefused('transition.disqualified'));
});

describe('QualifyLead (by hand)', () => {
  it('qualifies with a reason and the facts known so far', () =>
    given(captured, need)
      .when(command('QualifyLead', { reason: 'budget confirmed by phone, not yet in writing' }))
      .then([
        {
          type: 'LeadQualified',
          data: {
            leadId,
            how: 'manual',
            reason: 'budget confirmed by phone, not yet in writing',
            facts: { need: facts.need, productLine: 'crm' },
          },
        },
      ]));
  it('needs a reason', () =>
    given(captured)
      .when(command('QualifyLead', { reason: ' ' }))
      .thenInvalid('reason'));
  it('refuses a lead that is already qualified', () =>
    given(captured, need, budget, decisionMaker, qualified)
      .when(command('QualifyLead', { reason: 'x' }))
      .thenRefused('qualification.once'));
});

describe('HandToSales', () => {
  it('hands a qualified lead to its owner', () =>
    given(captured, need, budget, decisionMaker, qualified, {
      type: 'LeadAssigned',
      data: { leadId, owner: 'maria', rule: 'category:crm' },
    })
      .when(command('HandToSales', {}))
      .then([handed]));

  it('refuses an unqualified lead and says what is missing', () =>
    given(captured, need)
      .when(command('HandToSales', { owner: 'maria' }))
      .thenRefused('hand_off.requires_qualification', /missing: budget, decision maker/));

  it('hands an unqualified lead over with an explicit override and its reason', () =>
    given(captured, need)
      .when(command('HandToSales', { owner: 'maria', override: { reason: 'existing customer, CEO called us' } }))
      .then([
        {
          type: 'HandedToSales',
          data: {
            leadId,
            owner: 'maria',
            qualified: false,
            override: { reason: 'existing customer, CEO called us' },
            facts: { need: facts.need, productLine: 'crm' },
          },
        },
      ]));

  it('refuses an override without a reason', () =>
    given(captured)
      .when(command('HandToSales', { override: { reason: '' } }))
      .thenInvalid('override.reason'));
  it('refuses a disqualified lead even with an override', () =>
    given(captured, disqualified)
      .when(command('HandToSales', { override: { reason: 'x' } }))
      .thenRefused('hand_off.requires_qualification', /disqualified/));
});

describe('DisqualifyLead', () => {
  it('records the reason code, the note and the facts the decision was based on', () =>
    given(captured, need, {
      type: 'LeadScored',
      data: {
        leadId,
        total: 12,
        temperature: 'cold',
        modelVersion: '2026.1',
        breakdown: [{ rule: 'fit.industry', points: 12 }],
        scoredAt: now.toISOString(),
      },
    })
      .when(command('DisqualifyLead', { reason: 'insufficient_budget', note: 'max 500 EUR' }))
      .then([
        {
          type: 'Disqualified',
          data: {
            leadId,
            reason: 'insufficient_budget',
            note: 'max 500 EUR',
            facts: { need: facts.need, productLine: 'crm', score: 12, temperature: 'cold', scoringModelVersion: '2026.1' },
          },
        },
      ]));
  it('needs a known reason code', () =>
    given(captured)
      .when(command('DisqualifyLead', { reason: 'boring' as never, note: 'x' }))
      .thenInvalid('reason'));
  it('needs a note', () =>
    given(captured)
      .when(command('DisqualifyLead', { reason: 'spam', note: '' }))
      .thenInvalid('note'));
  it('refuses a lead already handed to sales', () =>
    given(captured, handed)
      .when(command('DisqualifyLead', { reason: 'spam', note: 'x' }))
      .thenRefused('transition.handed_to_sales'));
  it('refuses a lead already disqualified', () =>
    given(captured, disqualified)
      .when(command('DisqualifyLead', { reason: 'spam', note: 'x' }))
      .thenRefused('transition.disqualified'));
});

describe('nurture and reactivation', () => {
  it('sends a lead to nurture with track and revisit date', () =>
    given(captured, need, budget, decisionMaker, qualified)
      .when(command('SendToNurture', { reason: 'budget only next year', track: 'nurture', revisitAt: new Date('2027-01-15T00:00:00Z') }))
      .then([nurtured]));
  it('refuses a revisit date in the past', () =>
    given(captured)
      .when(command('SendToNurture', { reason: 'x', track: 'content', revisitAt: new Date('2026-01-01T00:00:00Z') }))
      .thenInvalid('revisitAt'));
  it('refuses an unknown track', () =>
    given(captured)
      .when(command('SendToNurture', { reason: 'x', track: 'later' as never }))
      .thenInvalid('track'));
  it('refuses to nurture a lead already in nurture', () =>
    given(captured, nurtured)
      .when(command('SendToNurture', { reason: 'x', track: 'content' }))
      .thenRefused('transition.nurturing'));

  it('reactivates a disqualified lead, which keeps its history', () =>
    given(captured, disqualified)
      .when(command('ReactivateLead', { reason: 'new budget year' }))
      .then([{ type: 'LeadReactivated', data: { leadId, reason: 'new budget year', previousStatus: 'disqualified' } }]));

  it('reactivates a nurtured lead with all three facts straight back to qualified', () =>
    given(captured, need, budget, decisionMaker, qualified, nurtured)
      .when(command('ReactivateLead', { reason: 'revisit date reached' }))
      .then([{ type: 'LeadReactivated', data: { leadId, reason: 'revisit date reached', previousStatus: 'nurturing' } }, qualified]));

  it('refuses to reactivate an open lead', () =>
    given(captured)
      .when(command('ReactivateLead', { reason: 'x' }))
      .thenRefused('transition.open'));
});

describe('ReportSaleOutcome', () => {
  it('records a won sale', () =>
    given(captured, handed)
      .when(command('ReportSaleOutcome', { outcome: 'won', amount: 18000, currency: 'EUR' }))
      .then([{ type: 'SaleWon', data: { leadId, amount: 18000, currency: 'EUR' } }]));
  it('records a lost sale without a live need as lost', () =>
    given(captured, handed)
      .when(command('ReportSaleOutcome', { outcome: 'lost', reason: 'chose a competitor' }))
      .then([{ type: 'SaleLost', data: { leadId, reason: 'chose a competitor', needRemains: false } }]));
  it('recycles a lost sale with a live need to nurture', () =>
    given(captured, handed)
      .when(command('ReportSaleOutcome', { outcome: 'lost', reason: 'timing', needRemains: true }))
      .then([
        { type: 'SaleLost', data: { leadId, reason: 'timing', needRemains: true } },
        { type: 'SentToNurture', data: { leadId, reason: 'sale lost, need remains: timing', track: 'nurture' } },
      ]));
  it('needs a reason for a lost sale', () =>
    given(captured, handed)
      .when(command('ReportSaleOutcome', { outcome: 'lost' }))
      .thenInvalid('reason'));
  it('refuses an outcome for a lead not handed to sales', () =>
    given(captured)
      .when(command('ReportSaleOutcome', { outcome: 'won' }))
      .thenRefused('transition.open'));
});

describe('activity, contact, assignment, scoring', () => {
  it('records an activity on its business time', () =>
    given(captured)
      .when(command('RecordActivity', { activityType: 'whitepaper_download' }, { occurredAt: new Date('2026-11-20T08:00:00Z') }))
      .then([{ type: 'ActivityRecorded', data: { leadId, activityType: 'whitepaper_download', activityAt: '2026-11-20T08:00:00.000Z' } }]));
  it('refuses an activity type outside the configured list', () =>
    given(captured)
      .when(command('RecordActivity', { activityType: 'fax_sent' }))
      .thenInvalid('type'));
  it('accepts a type a deployment configured', () =>
    given(captured)
      .when(command('RecordActivity', { activityType: 'fax_sent' }), { activityTypes: ['fax_sent'] })
      .then([{ type: 'ActivityRecorded', data: { leadId, activityType: 'fax_sent', activityAt: now.toISOString() } }]));

  it('corrects contact details and lists what changed', () =>
    given(captured)
      .when(command('CorrectContactDetails', { contact: { phone: '+40 721 555 010' } }))
      .then([
        {
          type: 'ContactDetailsCorrected',
          data: {
            leadId,
            contact: { name: 'Ana Pop', email: 'Ana.Pop@Example.com', phone: '+40 721 555 010' },
            company: captured.data.company!,
            normalizedEmail: 'ana.pop@example.com',
            normalizedPhone: '+40721555010',
            changedFields: ['contact.phone'],
          },
        },
      ]));
  it('records nothing when the corrected details are the same', () =>
    given(captured)
      .when(command('CorrectContactDetails', { contact: { name: 'Ana Pop' } }))
      .then([]));
  it('refuses a correction that removes the last way to reach the lead', () =>
    given(captured)
      .when(command('CorrectContactDetails', { contact: { email: undefined } }))
      .thenInvalid('contact.email'));

  it('assigns an owner with the rule that chose them', () =>
    given(captured)
      .when(command('AssignLead', { owner: 'maria', rule: 'category:crm', segment: 'A' }))
      .then([{ type: 'LeadAssigned', data: { leadId, owner: 'maria', rule: 'category:crm', segment: 'A' } }]));
  it('records nothing when the owner is already assigned', () =>
    given(captured, { type: 'LeadAssigned', data: { leadId, owner: 'maria', rule: 'r' } })
      .when(command('AssignLead', { owner: 'maria', rule: 'r2' }))
      .then([]));

  const score = {
    total: 60,
    temperature: 'warm' as const,
    modelVersion: '2026.1',
    breakdown: [
      { rule: 'engagement.call_booked', points: 50 },
      { rule: 'fit.channel', points: 10 },
    ],
    scoredAt: now.toISOString(),
  };
  it('records a score with its breakdown and the temperature it leaves', () =>
    given(captured, {
      type: 'LeadScored',
      data: { ...score, leadId, total: 10, temperature: 'cold', breakdown: [{ rule: 'fit.channel', points: 10 }] },
    })
      .when(command('RecordScore', score))
      .then([{ type: 'LeadScored', data: { leadId, ...score, previousTemperature: 'cold' } }]));
  it('refuses a breakdown that does not add up to the total', () =>
    given(captured)
      .when(command('RecordScore', { ...score, total: 61 }))
      .thenInvalid('breakdown'));
  it('records nothing when the score is unchanged', () =>
    given(captured, { type: 'LeadScored', data: { leadId, ...score } })
      .when(command('RecordScore', score))
      .then([]));
});

describe('duplicates and erasure', () => {
  it('merges a duplicate into its survivor', () =>
    given(captured)
      .when(command('MergeDuplicate', { survivorLeadId: 'other-lead', note: 'same person' }))
      .then([{ type: 'DuplicateMerged', data: { leadId, survivorLeadId: 'other-lead', note: 'same person' } }]));
  it('refuses to merge a lead into itself', () =>
    given(captured)
      .when(command('MergeDuplicate', { survivorLeadId: leadId }))
      .thenInvalid('survivorLeadId'));
  it('refuses commands on a merged lead and names its survivor', () =>
    given(captured, { type: 'DuplicateMerged', data: { leadId, survivorLeadId: 'other-lead' } })
      .when(command('RecordActivity', { activityType: 'page_visit' }))
      .thenRefused('transition.merged', /other-lead/));
  it('erases personal data', () =>
    given(captured, decisionMaker)
      .when(command('ErasePersonalData', { reason: 'GDPR art. 17 request' }))
      .then([
        {
          type: 'PersonalDataErased',
          data: {
            leadId,
            reason: 'GDPR art. 17 request',
            erasedFields: ['contact.name', 'contact.email', 'contact.phone', 'decisionMaker.name'],
          },
        },
      ]));
  it('refuses every further command after erasure except erasure itself', () => {
    const erased: LeadEvent = { type: 'PersonalDataErased', data: { leadId, reason: 'r', erasedFields: [] } };
    given(captured, erased)
      .when(command('ConfirmNeed', { need: 'x' }))
      .thenRefused('lead.erased');
    given(captured, erased)
      .when(command('ErasePersonalData', { reason: 'again' }))
      .then([]);
  });
});
