import type { LeadEvent } from '@lead/domain';
import { parseScoringModel } from '@lead/scoring';
import { leadHistory, type HistoryEntry, type LeadHistory } from '../scoring-models/lead-history';
import { backtest } from './backtest';

const model = parseScoringModel(`
version: "bt-1"
engagement: { call_booked: { points: 50 }, whitepaper_download: { points: 10 } }
decay: { half_life_days: 10 }
negative: {}
fit: { channel: { values: { referral: 30, ebook: 0 } } }
thresholds: { hot: 60, warm: 30 }
`);
const T = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (days: number) => new Date(T + days * 86_400_000).toISOString();
const at = (event: LeadEvent, days: number): HistoryEntry => ({ event, occurredAt: iso(days) });

/** A lead with a channel, activities (type, day) and an outcome decided on `decidedDay`. */
function lead(
  id: string,
  channel: 'referral' | 'ebook',
  activities: [string, number][],
  outcome: 'won' | 'lost' | 'none',
  decidedDay = 1,
): LeadHistory {
  return leadHistory(id, [
    at({ type: 'LeadCaptured', data: { leadId: id, kind: 'B2C', contact: { name: 'X', email: `${id}@x.ro` }, source: { channel } } }, 0),
    ...activities.map(([type, day]) =>
      at({ type: 'ActivityRecorded', data: { leadId: id, activityType: type, activityAt: iso(day) } }, day),
    ),
    ...(outcome === 'none'
      ? []
      : [
          at({ type: 'HandedToSales', data: { leadId: id, qualified: true, facts: {} } }, decidedDay),
          at(
            outcome === 'won'
              ? { type: 'SaleWon', data: { leadId: id } }
              : { type: 'SaleLost', data: { leadId: id, reason: 'r', needRemains: false } },
            decidedDay + 30,
          ),
        ]),
  ]);
}

const history = [
  lead('a', 'referral', [['call_booked', 0]], 'won'), // 80 hot
  lead('b', 'ebook', [['call_booked', 0]], 'won'), // 50 warm
  lead('c', 'referral', [], 'lost'), // 30 warm
  lead('d', 'ebook', [['whitepaper_download', 0]], 'lost'), // 10 cold
  lead('e', 'ebook', [['call_booked', 0]], 'lost', 20), // decayed by day 20: 50 × 0.25 → 13, cold
  lead('f', 'referral', [['call_booked', 0]], 'none'),
];

describe('backtest', () => {
  it('scores each lead as of its decision and reports hot precision/recall, conversion by temperature and lift', () => {
    const report = backtest(history, { model });
    expect(report).toMatchObject({
      modelVersion: 'bt-1',
      thresholds: { hot: 60, warm: 30 },
      leads: 5,
      converted: 2,
      conversionRate: 0.4,
      excluded: { withoutOutcome: 1, erased: 0, merged: 0 },
    });
    expect(report.hot).toMatchObject({ selected: 1, truePositives: 1, precision: 1, recall: 0.5 });
    expect(report.warmOrHot).toMatchObject({ selected: 3, truePositives: 2 });
    expect(report.byTemperature).toEqual({
      hot: { leads: 1, converted: 1, conversionRate: 1 },
      warm: { leads: 2, converted: 1, conversionRate: 0.5 },
      cold: { leads: 2, converted: 0, conversionRate: 0 },
    });
    expect(report.auc).toBe(1);
    expect(report.lift).toHaveLength(10);
    expect(report.lift.reduce((s, d) => s + d.leads, 0)).toBe(5);
  });

  it('tries other thresholds without changing the model file', () => {
    const report = backtest(history, { model, thresholds: { hot: 45 } });
    expect(report.thresholds).toEqual({ hot: 45, warm: 30 });
    expect(report.hot).toMatchObject({ selected: 2, truePositives: 2, precision: 1, recall: 1 });
  });

  it('refuses thresholds in the wrong order', () =>
    expect(() => backtest(history, { model, thresholds: { hot: 20 } })).toThrow('the hot threshold (20) must be above the warm one (30)'));
});
