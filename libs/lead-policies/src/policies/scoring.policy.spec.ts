import { resolve } from 'node:path';
import { CHANNELS, DEFAULT_ACTIVITY_TYPES, ORIGINS, type LeadEvent } from '@lead/domain';
import { loadScoringModelFile, seededRandom, train, type ScoringModel } from '@lead/scoring';
import type { ActiveModels } from '../policy-state/policy-state.store';
import type { LeadHistory } from '../scoring-models/lead-history';
import { DAY, HOUR, T0, at, config, events, iso, leadId, row } from './policy.test-kit';
import { nextRescoreAt, scoringPolicy, type ScoringState } from './scoring.policy';

const model = loadScoringModelFile(resolve(__dirname, '..', '..', '..', 'scoring', 'models', 'default.yaml'));
const models: ActiveModels = { scoring: { version: model.version, model, activatedAt: T0.toISOString(), eventId: 'm1' } };

/** B2B, manufacturing, 120 employees, RO, web form from organic search: 43 fit points in the default model. */
const history = (activities: [string, number][] = []): LeadHistory => ({
  leadId,
  status: 'open',
  capturedAt: T0.toISOString(),
  profile: {
    kind: 'B2B',
    email: 'ana@acme.ro',
    company: { name: 'Acme', industry: 'manufacturing', employees: 120, country: 'RO' },
    source: { channel: 'web_form', origin: 'organic_search' },
  },
  activities: activities.map(([type, ms]) => ({ type, at: iso(ms) })),
});
/** whitepaper 10 + form 20 + call 50 at T0: 123 points, hot. */
const engaged = history([
  ['whitepaper_download', 0],
  ['contact_form', 0],
  ['call_booked', 0],
]);
const state = (h: LeadHistory, extra: Partial<ScoringState> = {}): ScoringState => ({ row: row(), history: h, models, ...extra });
const recordScore = (s: ScoringState, event: Parameters<typeof scoringPolicy>[1], now: Date) => {
  const decision = scoringPolicy(s, event, config, now);
  const command = decision.commands[0];
  return { decision, data: command?.type === 'RecordScore' ? command.data : undefined };
};
const temperatureAt = (h: LeadHistory, when: string) => scoringPolicy(state(h), events.activity, config, new Date(when)).score!.temperature;
const sum = (breakdown: { points: number }[]) => breakdown.reduce((s, c) => s + c.points, 0);

describe('policy:scoring', () => {
  it('given a lead, when an event that can change its score arrives, asks to record its score with every rule of the model', () => {
    const { decision, data } = recordScore(state(history()), events.activity, T0);
    expect(decision.commands).toEqual([expect.objectContaining({ policy: 'scoring', type: 'RecordScore', leadId })]);
    expect(data).toMatchObject({ total: 43, temperature: 'cold', modelVersion: '2026.1', scoredAt: T0.toISOString() });
    expect(data!.breakdown.map((c) => c.rule)).toEqual([
      ...Object.keys(model.engagement).map((t) => `engagement.${t}`),
      'engagement.decay',
      'negative.competitor',
      'negative.free_mail',
      ...['kind', 'industry', 'employees', 'annual_revenue', 'company_age', 'country', 'channel', 'origin'].map((r) => `fit.${r}`),
      'predictive',
    ]);
  });

  it('crosses thresholds upwards with activity: cold → warm (whitepaper + form) → hot (booked call)', () => {
    expect(recordScore(state(history([['whitepaper_download', 0]])), events.activity, T0).data).toMatchObject({
      total: 53,
      temperature: 'warm',
    });
    expect(recordScore(state(engaged), events.activity, T0).data).toMatchObject({ total: 123, temperature: 'hot' });
  });

  it('crosses downwards with time: decay cools a hot lead, with a controllable clock', () => {
    const scoreAt = (ms: number) => recordScore(state(engaged), { type: 'RescoreDue', dueAt: iso(ms) }, at(ms)).data!;
    expect(scoreAt(0)).toMatchObject({ total: 123, temperature: 'hot' });
    // 80 engagement points with a 30-day half-life: after 15 days 80 × 0.707 = 57 are left.
    expect(scoreAt(15 * DAY)).toMatchObject({ total: 100, temperature: 'hot' });
    expect(scoreAt(16 * DAY)).toMatchObject({ total: 98, temperature: 'warm' });
    expect(scoreAt(30 * DAY)).toMatchObject({ total: 83, temperature: 'warm' });
    expect(scoreAt(120 * DAY)).toMatchObject({ total: 48, temperature: 'cold' });
    expect(scoreAt(30 * DAY).breakdown).toContainEqual({
      rule: 'engagement.decay',
      points: -40,
      detail: '30 days since the last activity, half-life 30 days: 80 engagement points keep 50.0 %',
    });
  });

  it('schedules the sweep for the moment decay crosses the next threshold (to the minute)', () => {
    const decision = scoringPolicy(state(engaged), events.activity, { rescoring: { refreshDays: 0 } }, T0);
    const due = Date.parse(decision.nextRescoreAt!);
    // hot until the decay takes more than 23.5 points: 80 × (1 − 0.5^(d/30)) ≥ 23.5 ⇔ d ≥ 15.05 days.
    expect(due).toBeGreaterThan(at(15 * DAY).getTime());
    expect(due).toBeLessThan(at(15.1 * DAY).getTime());
    expect(recordScore(state(engaged), { type: 'RescoreDue', dueAt: decision.nextRescoreAt! }, new Date(due)).data!.temperature).toBe(
      'warm',
    );
    expect(recordScore(state(engaged), events.activity, new Date(due - 60_001)).data!.temperature).toBe('hot');
  });

  it('refreshes at least every refresh_days while points still fade, then at the crossing; not at all once nothing moves', () => {
    // refresh_days 7: day 7, day 14, then the crossing into warm at day 15.05.
    const steps: string[] = [];
    let now = T0;
    for (let i = 0; i < 3; i++) {
      const next = recordScore(state(engaged), events.activity, now).decision.nextRescoreAt!;
      steps.push(next);
      now = new Date(next);
    }
    expect(steps.slice(0, 2)).toEqual([iso(7 * DAY), iso(14 * DAY)]);
    expect(Date.parse(steps[2])).toBeGreaterThan(at(15 * DAY).getTime());
    expect(Date.parse(steps[2])).toBeLessThan(at(15.1 * DAY).getTime());
    const warm = history([
      ['whitepaper_download', 0],
      ['contact_form', 0],
    ]);
    const score = recordScore(state(warm), events.activity, T0).decision.score!;
    // 73 points, 30 of them fading towards the 43 fit points: the next crossing is into cold.
    expect(temperatureAt(warm, nextRescoreAt(warm, model, undefined, T0, score, 0)!)).toBe('cold');
    expect(recordScore(state(history()), events.activity, T0).decision.nextRescoreAt).toBeUndefined();
    const noDecay: ScoringModel = { ...model, decay: undefined };
    expect(
      recordScore(state(engaged, { models: { scoring: { ...models.scoring!, model: noDecay } } }), events.activity, T0).decision
        .nextRescoreAt,
    ).toBeUndefined();
  });

  it('keys a sweep rescoring by due time and model versions, so a repeated sweep is the same command', () => {
    const due = { type: 'RescoreDue' as const, dueAt: iso(16 * DAY) };
    expect(scoringPolicy(state(engaged), due, config, at(16 * DAY)).commands[0].dueKey).toBe(`${iso(16 * DAY)}|2026.1|-`);
    expect(scoringPolicy(state(engaged), events.activity, config, at(16 * DAY)).commands[0].dueKey).toBeUndefined();
  });

  it('adds the predictive score as one more explained line, with its top factors', () => {
    const predictive = train(
      [
        ...Array.from({ length: 40 }, (_, i) => ({ features: { channel: 'web_form', industry: 'manufacturing' }, won: i < 30 })),
        ...Array.from({ length: 40 }, (_, i) => ({ features: { channel: 'ebook', industry: 'retail' }, won: i < 5 })),
      ],
      { version: 'predictive-1' },
    );
    const withPredictive = {
      ...models,
      predictive: { version: 'predictive-1', model: predictive, trainedAt: T0.toISOString(), eventId: 'p1' },
    };
    const { data } = recordScore(state(history(), { models: withPredictive }), events.activity, T0);
    const line = data!.breakdown.find((c) => c.rule === 'predictive')!;
    expect(line.points).toBeGreaterThan(0);
    expect(line.detail).toMatch(
      /^predictive score \d+ \(model predictive-1\) × weight 30; top factors \(log-odds\): (channel|industry) \S+ \+\d\.\d\d/,
    );
    expect(sum(data!.breakdown)).toBe(data!.total);
  });

  it('the breakdown always sums to the total (300 random leads, activities and clocks)', () => {
    const random = seededRandom(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    for (let i = 0; i < 300; i++) {
      const h: LeadHistory = {
        ...history(
          Array.from({ length: Math.floor(random() * 12) }, () => [pick(DEFAULT_ACTIVITY_TYPES), -random() * 90 * DAY] as [string, number]),
        ),
        profile: {
          kind: pick(['B2B', 'B2C'] as const),
          email: pick(['a@gmail.com', 'b@acme.ro', 'c@competitor.example']),
          company: {
            name: 'X',
            industry: pick(['software', 'retail', 'Mining', undefined]),
            employees: pick([undefined, 3, 80, 5000]),
            annualRevenue: pick([undefined, 2e6, 9e7]),
            foundedYear: pick([undefined, 1990, 2025]),
            country: pick([undefined, 'DE', 'us']),
          },
          source: { channel: pick(CHANNELS), origin: pick([...ORIGINS, undefined]) },
        },
      };
      const { data } = recordScore(state(h), events.activity, at(random() * 60 * DAY));
      expect(sum(data!.breakdown)).toBe(data!.total);
      expect(Number.isInteger(data!.total)).toBe(true);
    }
  });

  it('scores only open, qualified and nurtured leads, only after events that can change a score, and only with a model', () => {
    for (const status of ['disqualified', 'handed_to_sales', 'won', 'lost', 'merged'] as const) {
      expect(scoringPolicy(state(engaged, { row: row({ status }) }), events.activity, config, T0).commands).toEqual([]);
    }
    expect(scoringPolicy(state(engaged, { row: row({ status: 'nurturing' }) }), events.activity, config, T0).commands).toHaveLength(1);
    const noTrigger: LeadEvent[] = [events.scored('hot'), events.qualified, events.assigned, { type: 'BudgetVerified', data: { leadId } }];
    for (const event of noTrigger) expect(scoringPolicy(state(engaged), event, config, T0).commands).toEqual([]);
    expect(scoringPolicy(state(engaged, { models: {} }), events.activity, config, T0).commands).toEqual([]);
  });

  it('decides the same for the same inputs (a redelivered event sends the same command)', () =>
    expect(scoringPolicy(state(engaged), events.activity, config, at(3 * HOUR))).toEqual(
      scoringPolicy(state(engaged), events.activity, config, at(3 * HOUR)),
    ));
});
