import type { LeadEvent } from '@lead/domain';
import { evolvePolicyRow, type EventFacts, type LeadPolicyRow } from './lead-policy-row';

const leadId = 'l-1';
const t = (h: number) => new Date(Date.UTC(2026, 2, 2, h)).toISOString();
const by = (actor: string, h: number, revision = 1): EventFacts => ({ eventId: `e${revision}`, revision, actor, occurredAt: t(h) });
const captured: LeadEvent = {
  type: 'LeadCaptured',
  data: {
    leadId,
    kind: 'B2B',
    contact: { name: 'A', email: 'a@b.ro' },
    company: { name: 'B', industry: 'software', employees: 40, annualRevenue: 2e6, country: 'RO' },
    source: { channel: 'web_form' },
  },
};

function fold(...steps: [LeadEvent, EventFacts][]): LeadPolicyRow | null {
  let row: LeadPolicyRow | null | undefined;
  for (const [event, facts] of steps) row = evolvePolicyRow(row ?? undefined, event, facts);
  return row ?? null;
}

describe('the policy row (the reactor’s projection of a lead)', () => {
  it('starts the SLA clock at capture and keeps the company facts segmentation needs', () =>
    expect(fold([captured, by('service:web-forms', 9, 0)])).toEqual({
      leadId,
      status: 'open',
      revision: 0,
      lastEventId: 'e0',
      qualified: false,
      kind: 'B2B',
      industry: 'software',
      employees: 40,
      annualRevenue: 2e6,
      country: 'RO',
      openSince: t(9),
      slaClockFrom: t(9),
    }));

  it('restarts the SLA clock on every human action, not on the policies’ own', () => {
    const activity: LeadEvent = { type: 'ActivityRecorded', data: { leadId, activityType: 'page_visit', activityAt: t(10) } };
    const scored: LeadEvent = {
      type: 'LeadScored',
      data: { leadId, total: 60, temperature: 'warm', modelVersion: 'm', breakdown: [], scoredAt: t(11) },
    };
    const row = fold([captured, by('service:web-forms', 9, 0)], [activity, by('user:ana', 10, 1)], [scored, by('policy:scoring', 11, 2)]);
    expect(row).toMatchObject({
      lastHumanActionAt: t(10),
      slaClockFrom: t(10),
      temperature: 'warm',
      score: 60,
      revision: 2,
      lastEventId: 'e2',
    });
  });

  it('follows qualification, assignment, nurture with its revisit date, and reactivation (which restarts the clock)', () => {
    const steps: [LeadEvent, EventFacts][] = [
      [captured, by('user:ana', 9, 0)],
      [{ type: 'NeedConfirmed', data: { leadId, need: 'CRM', productLine: 'crm' } }, by('user:ana', 9, 1)],
      [{ type: 'LeadQualified', data: { leadId, how: 'automatic', facts: {} } }, by('user:ana', 9, 2)],
      [{ type: 'LeadAssigned', data: { leadId, owner: 'maria', rule: 'r', segment: 'A' } }, by('policy:category-routing', 10, 3)],
      [{ type: 'SentToNurture', data: { leadId, reason: 'later', track: 'nurture', revisitAt: t(200) } }, by('user:ana', 11, 4)],
    ];
    expect(fold(...steps)).toMatchObject({
      status: 'nurturing',
      qualified: false,
      productLine: 'crm',
      owner: 'maria',
      segment: 'A',
      nurtureTrack: 'nurture',
      revisitAt: t(200),
    });
    const back = fold(...steps, [
      { type: 'LeadReactivated', data: { leadId, reason: 'r', previousStatus: 'nurturing' } },
      by('policy:nurture-revisit', 300, 5),
    ]);
    expect(back).toMatchObject({ status: 'open', openSince: t(300), slaClockFrom: t(300) });
    expect(back).not.toHaveProperty('revisitAt');
  });

  it('a closed lead has no timers', () => {
    const row = fold(
      [captured, by('user:ana', 9, 0)],
      [{ type: 'Disqualified', data: { leadId, reason: 'spam', note: 'bot', facts: {} } }, by('user:ana', 10, 1)],
    );
    expect(row).toMatchObject({ status: 'disqualified' });
    expect(row).not.toHaveProperty('nextRescoreAt');
  });

  it('forgets an erased lead', () =>
    expect(
      fold(
        [captured, by('user:ana', 9, 0)],
        [{ type: 'PersonalDataErased', data: { leadId, reason: 'GDPR', erasedFields: [] } }, by('user:ana', 10, 1)],
      ),
    ).toBeNull());
});
