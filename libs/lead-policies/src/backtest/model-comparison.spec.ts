import type { LeadEvent } from '@lead/domain';
import { parseScoringModel } from '@lead/scoring';
import { leadHistory, type HistoryEntry, type LeadHistory } from '../scoring-models/lead-history';
import { bootstrapAucInterval, compareModels, isoWeek } from './model-comparison';

const modelText = (version: string, call: number, whitepaper: number, referral: number) => `
version: "${version}"
engagement: { call_booked: { points: ${call} }, whitepaper_download: { points: ${whitepaper} } }
decay: { half_life_days: 30 }
negative: {}
fit: { channel: { values: { referral: ${referral}, ebook: 0 } } }
thresholds: { hot: 60, warm: 30 }
`;
const champion = parseScoringModel(modelText('a-1', 50, 10, 30));
const challenger = parseScoringModel(modelText('b-1', 20, 40, 10));

// 2026-01-01 is a Thursday: days 1, 8 and 15 fall in ISO weeks 2026-W01, W02 and W03.
const T = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (days: number) => new Date(T + days * 86_400_000).toISOString();
const at = (event: LeadEvent, days: number): HistoryEntry => ({ event, occurredAt: iso(days) });

/** A lead whose activities happen on the day it is handed to sales (no decay), then won or lost. */
function lead(id: string, channel: 'referral' | 'ebook', activities: string[], won: boolean, day = 1): LeadHistory {
  return leadHistory(id, [
    at({ type: 'LeadCaptured', data: { leadId: id, kind: 'B2C', contact: { name: 'X', email: `${id}@x.ro` }, source: { channel } } }, 0),
    ...activities.map((type) => at({ type: 'ActivityRecorded', data: { leadId: id, activityType: type, activityAt: iso(day) } }, day)),
    at({ type: 'HandedToSales', data: { leadId: id, qualified: true, facts: {} } }, day),
    at(
      won ? { type: 'SaleWon', data: { leadId: id } } : { type: 'SaleLost', data: { leadId: id, reason: 'r', needRemains: false } },
      day + 30,
    ),
  ]);
}

// Totals under the champion / challenger in the comments.
const training = [
  lead('r1', 'referral', ['call_booked'], true), // 80 / 30
  lead('r2', 'referral', ['call_booked'], false), // 80 / 30
  lead('r3', 'ebook', [], false), // 0 / 0
  lead('r4', 'ebook', ['whitepaper_download'], false), // 10 / 40
  lead('r5', 'ebook', ['call_booked', 'whitepaper_download'], true), // 60 / 60
  lead('r6', 'ebook', ['call_booked'], false), // 50 / 20
];
const heldOut = [
  lead('t1', 'referral', ['call_booked'], true, 1), // 80 hot / 30 warm
  lead('t2', 'ebook', ['call_booked', 'whitepaper_download'], true, 8), // 60 hot / 60 hot
  lead('t3', 'referral', [], false, 8), // 30 warm / 10 cold
  lead('t4', 'ebook', ['whitepaper_download'], false, 15), // 10 cold / 40 warm
  lead('t5', 'ebook', [], false, 15), // 0 cold / 0 cold
];
const withoutOutcome = leadHistory('open', [
  at(
    { type: 'LeadCaptured', data: { leadId: 'open', kind: 'B2C', contact: { name: 'X', email: 'o@x.ro' }, source: { channel: 'ebook' } } },
    0,
  ),
]);

const fixedSplit = (leads: LeadHistory[]) => ({
  train: leads.filter((h) => h.leadId.startsWith('r')),
  test: leads.filter((h) => h.leadId.startsWith('t')),
});

const compare = () =>
  compareModels([...training, ...heldOut, withoutOutcome], {
    models: [
      { name: 'a.yaml', model: champion },
      { name: 'b.yaml', model: challenger },
    ],
    seed: 7,
    testShare: 0.5,
    resamples: 200,
    predictive: 'none',
    split: fixedSplit,
    generatedAt: new Date('2026-03-01T00:00:00.000Z'),
  });

describe('compareModels (champion / challenger on a fixed split)', () => {
  const report = compare();
  const [a, b] = report.models;

  it('describes the split: leads with an outcome only', () =>
    expect(report.split).toEqual({ seed: 7, testShare: 0.5, trainLeads: 6, testLeads: 5, convertedInTest: 2 }));

  it('ROC AUC on the held-out leads: the champion ranks both won leads first, the challenger 5 of 6 pairs', () => {
    expect(a.rocAuc).toBe(1);
    expect(b.rocAuc).toBeCloseTo(5 / 6, 12);
  });

  it('ROC curve: one point per distinct score, from (0,0) to (1,1)', () => {
    expect(a.roc).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 0, tpr: 1 },
      { fpr: 1 / 3, tpr: 1 },
      { fpr: 2 / 3, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    expect(b.roc).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 1 / 3, tpr: 0.5 },
      { fpr: 1 / 3, tpr: 1 },
      { fpr: 2 / 3, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
  });

  it('precision, recall and workload at each threshold; three weeks of decisions', () => {
    const byThreshold = (m: typeof a, t: number) => m.thresholds.find((x) => x.threshold === t);
    expect(a.thresholds.map((t) => t.threshold)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(byThreshold(a, 60)).toEqual({ threshold: 60, precision: 1, recall: 1, handedToSales: 2, perWeek: 2 / 3 });
    expect(byThreshold(a, 30)).toEqual({ threshold: 30, precision: 2 / 3, recall: 1, handedToSales: 3, perWeek: 1 });
    expect(byThreshold(a, 90)).toEqual({ threshold: 90, precision: 0, recall: 0, handedToSales: 0, perWeek: 0 });
    expect(byThreshold(b, 60)).toEqual({ threshold: 60, precision: 1, recall: 0.5, handedToSales: 1, perWeek: 1 / 3 });
    expect(byThreshold(b, 40)).toEqual({ threshold: 40, precision: 0.5, recall: 0.5, handedToSales: 2, perWeek: 2 / 3 });
  });

  it('weekly workload at the hot threshold, quiet weeks included', () => {
    expect(a.workloadPerWeek).toEqual([
      { week: '2026-W01', handedToSales: 1 },
      { week: '2026-W02', handedToSales: 1 },
      { week: '2026-W03', handedToSales: 0 },
    ]);
    expect(b.workloadPerWeek).toEqual([
      { week: '2026-W01', handedToSales: 0 },
      { week: '2026-W02', handedToSales: 1 },
      { week: '2026-W03', handedToSales: 0 },
    ]);
  });

  it('lift by decile: five leads fill deciles 1, 3, 5, 7 and 9; conversion 40 %', () => {
    expect(a.liftByDecile).toEqual([2.5, 0, 2.5, 0, 0, 0, 0, 0, 0, 0]);
    expect(b.liftByDecile).toEqual([2.5, 0, 0, 0, 2.5, 0, 0, 0, 0, 0]);
  });

  it('calibration: each 10-point band predicts its training conversion (empty band: the training rate, 1/3)', () => {
    // Champion: t1 band 80 → 1/2, t2 band 60 → 1/1, t3 band 30 (no training lead) → 1/3, t4 band 10 → 0/1, t5 band 0 → 0/1.
    const brier = ((0.5 - 1) ** 2 + 0 + (1 / 3) ** 2 + 0 + 0) / 5;
    expect(a.calibration.brier).toBeCloseTo(brier, 12);
    expect(a.calibration.bins).toEqual([
      { predicted: 0, observed: 0, count: 2 },
      { predicted: 1 / 3, observed: 0, count: 1 },
      { predicted: 0.5, observed: 1, count: 1 },
      { predicted: 1, observed: 1, count: 1 },
    ]);
    expect(b.calibration.brier).toBeCloseTo(brier, 12);
  });

  it('lists the held-out leads the models would route differently, routes in model order', () =>
    expect(report.routedDifferently).toEqual({
      count: 3,
      sample: [
        { leadId: 't1', routes: ['sales', 'nurture'] },
        { leadId: 't3', routes: ['nurture', 'content'] },
        { leadId: 't4', routes: ['content', 'nurture'] },
      ],
    }));

  it('bootstrap interval: a perfect ranking stays perfect in every resample; the same seed gives the same interval', () => {
    expect(a.rocAucCi95).toEqual([1, 1]);
    expect(b.rocAucCi95[0]).toBeLessThanOrEqual(b.rocAuc);
    expect(b.rocAucCi95[1]).toBe(1);
    expect(compare().models[1].rocAucCi95).toEqual(b.rocAucCi95);
  });

  it('names and versions the models and stamps the report', () => {
    expect(report.models.map((m) => [m.name, m.version])).toEqual([
      ['a.yaml', 'a-1'],
      ['b.yaml', 'b-1'],
    ]);
    expect(report.generatedAt).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe('bootstrapAucInterval', () => {
  it('skips resamples with one class only and returns NaN when none is left', () =>
    expect(bootstrapAucInterval([1, 2], [true, true], 50, 1)).toEqual([NaN, NaN]));
});

describe('isoWeek', () => {
  it.each([
    ['2026-01-01', '2026-W01'],
    ['2025-12-29', '2026-W01'],
    ['2027-01-03', '2026-W53'],
    ['2021-01-03', '2020-W53'],
    ['2008-05-05', '2008-W19'],
  ])('%s is in %s', (date, week) => expect(isoWeek(new Date(`${date}T12:00:00Z`))).toBe(week));
});
