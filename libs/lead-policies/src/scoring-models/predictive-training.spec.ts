import type { LeadEvent } from '@lead/domain';
import { leadHistory, predictiveFeatures, type HistoryEntry, type LeadHistory } from './lead-history';
import { trainPredictive, trainingSetFrom } from './predictive-training';

const at = '2026-01-10T10:00:00.000Z';
const capture = (leadId: string, channel: 'referral' | 'ebook', extra: object = {}): HistoryEntry => ({
  event: {
    type: 'LeadCaptured',
    data: {
      leadId,
      kind: 'B2B',
      contact: { name: 'X', email: `${leadId}@x.ro` },
      company: { name: 'X', industry: 'Software', employees: 60, foundedYear: 2015 },
      source: { channel },
      attributes: { newsletter: true, city: 'Cluj', visits: 7 },
      ...extra,
    },
  },
  occurredAt: at,
});
const e = (event: LeadEvent): HistoryEntry => ({ event, occurredAt: at });
const handed = (leadId: string) => e({ type: 'HandedToSales', data: { leadId, qualified: true, facts: {} } });
const won = (leadId: string) => e({ type: 'SaleWon', data: { leadId } });
const lost = (leadId: string) => e({ type: 'SaleLost', data: { leadId, reason: 'price', needRemains: false } });

function lead(id: string, channel: 'referral' | 'ebook', outcome: 'won' | 'lost' | 'disqualified' | 'none'): LeadHistory {
  const tail: HistoryEntry[] =
    outcome === 'won'
      ? [handed(id), won(id)]
      : outcome === 'lost'
        ? [handed(id), lost(id)]
        : outcome === 'disqualified'
          ? [e({ type: 'Disqualified', data: { leadId: id, reason: 'no_need', note: 'n', facts: {} } })]
          : [];
  return leadHistory(id, [
    capture(id, channel),
    e({ type: 'NeedConfirmed', data: { leadId: id, need: 'CRM', productLine: 'Sales Cloud' } }),
    ...tail,
  ]);
}

describe('the lead history and the training set', () => {
  it('folds profile, confirmed need and product line, activities and the outcome', () => {
    const h = leadHistory('a', [
      capture('a', 'referral'),
      e({ type: 'ActivityRecorded', data: { leadId: 'a', activityType: 'call_booked', activityAt: at } }),
      e({ type: 'NeedConfirmed', data: { leadId: 'a', need: 'CRM', productLine: 'Sales Cloud' } }),
      handed('a'),
      won('a'),
    ]);
    expect(h).toMatchObject({
      status: 'won',
      capturedAt: at,
      decidedAt: at,
      outcome: { converted: true, by: 'SaleWon' },
      activities: [{ type: 'call_booked', at }],
      profile: { need: 'CRM', productLine: 'Sales Cloud', source: { channel: 'referral' } },
    });
    // Profile and source features, plus the lead's own yes/no and text answers (numbers are left out).
    expect(predictiveFeatures(h)).toMatchObject({
      channel: 'referral',
      industry: 'software',
      need: 'crm',
      product_line: 'sales_cloud',
      company_age: '>10-25',
      employees: '>49-249',
      'attribute.newsletter': 'yes',
      'attribute.city': 'cluj',
    });
    expect(predictiveFeatures(h)).not.toHaveProperty('attribute.visits');
  });

  it('a reactivation starts a new episode: the earlier disqualification is no outcome any more', () => {
    const h = leadHistory('a', [
      capture('a', 'ebook'),
      e({ type: 'Disqualified', data: { leadId: 'a', reason: 'no_need', note: 'n', facts: {} } }),
      e({ type: 'LeadReactivated', data: { leadId: 'a', reason: 'back', previousStatus: 'disqualified' } }),
    ]);
    expect(h.outcome).toBeUndefined();
  });

  it('counts SaleWon as converted, SaleLost and Disqualified as not, and leaves out leads without an outcome, erased and merged ones', () => {
    const erased = leadHistory('e', [
      capture('e', 'referral'),
      handed('e'),
      won('e'),
      e({ type: 'PersonalDataErased', data: { leadId: 'e', reason: 'GDPR', erasedFields: [] } }),
    ]);
    const merged = leadHistory('m', [capture('m', 'referral'), e({ type: 'DuplicateMerged', data: { leadId: 'm', survivorLeadId: 'a' } })]);
    const set = trainingSetFrom([
      lead('a', 'referral', 'won'),
      lead('b', 'ebook', 'lost'),
      lead('c', 'ebook', 'disqualified'),
      lead('d', 'ebook', 'none'),
      erased,
      merged,
    ]);
    expect(set.examples.map((x) => x.won)).toEqual([true, false, false]);
    expect(set).toMatchObject({ won: 1, excluded: { withoutOutcome: 1, erased: 1, merged: 1 } });
  });

  it('trains a model that ranks like the history (referrals won, ebooks lost)', () => {
    const histories = [
      ...Array.from({ length: 20 }, (_, i) => lead(`r${i}`, 'referral', i < 16 ? 'won' : 'lost')),
      ...Array.from({ length: 20 }, (_, i) => lead(`b${i}`, 'ebook', i < 3 ? 'won' : 'disqualified')),
    ];
    const trained = trainPredictive(trainingSetFrom(histories), { version: 'predictive-1', trainedAt: at });
    expect(trained.trainedOn).toEqual({ leads: 40, won: 19 });
    expect(trained.model).toMatchObject({ version: 'predictive-1', trainedAt: at });
    expect(trained.metrics.inSampleAuc).toBeGreaterThan(0.8);
  });

  it('refuses to train on too little history, or on one outcome only', () => {
    expect(() =>
      trainPredictive(trainingSetFrom([lead('a', 'referral', 'won'), lead('b', 'ebook', 'lost')]), { version: 'v', trainedAt: at }),
    ).toThrow(/at least 20 leads with an outcome.*has 2 \(1 won, 1 not converted/);
    const allWon = Array.from({ length: 25 }, (_, i) => lead(`w${i}`, 'referral', 'won'));
    expect(() => trainPredictive(trainingSetFrom(allWon), { version: 'v', trainedAt: at })).toThrow(
      expect.objectContaining({ rule: 'predictive.insufficient_history' }),
    );
  });
});
