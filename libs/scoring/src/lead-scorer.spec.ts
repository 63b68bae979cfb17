import { resolve } from 'node:path';
import { CHANNELS, DEFAULT_ACTIVITY_TYPES, ORIGINS } from '@lead/domain';
import { seededRandom } from './evaluation';
import {
  roundPoints,
  scoreLead,
  temperatureFor,
  type Prediction,
  type ScoreResult,
  type ScoringActivity,
  type ScoringProfile,
} from './lead-scorer';
import { loadScoringModelFile, parseScoringModel, type ScoringModel } from './scoring-model';

const DAY = 24 * 60 * 60 * 1000;
const now = new Date('2026-06-01T12:00:00.000Z');
const daysAgo = (days: number): string => new Date(now.getTime() - days * DAY).toISOString();

/** Small numbers that are easy to check by hand. */
const model = parseScoringModel(
  `
version: "test-1"
engagement:
  page_visit:           { points: 1, cap: 5 }
  whitepaper_download:  { points: 10, cap: 30 }
  ebook_download:       { points: 5 }
  webinar_registration: { points: 15 }
  contact_form:         { points: 20, cap: 40 }
  call_booked:          { points: 50 }
  email_reply:          { points: 10 }
  trial_signup:         { points: 30 }
  price_request:        { points: 40 }
  unsubscribed:         { points: -30, cap: 30 }
decay: { half_life_days: 30 }
negative:
  competitor: { points: -100, domains: [rival.example] }
  free_mail:  { points: -20, domains: [gmail.com] }
fit:
  kind:      { values: { B2B: 5, B2C: 0 } }
  industry:  { unknown: -1, other: 2, values: { software: 15, "Financial Services": 10 } }
  employees: { unknown: -2, bands: [ { to: 10, points: 0 }, { from: 10, to: 50, points: 5 }, { from: 50, to: 250, points: 10 }, { from: 250, points: 8 } ] }
  annual_revenue: { unknown: -3, bands: [ { to: 1000000, points: 0 }, { from: 1000000, to: 2000000, points: 10 } ] }
  company_age: { bands: [ { to: 2, points: 0 }, { from: 2, to: 5, points: 3 }, { from: 5, points: 5 } ] }
  country:   { unknown: -4, other: 1, values: { DE: 5 } }
  channel:   { values: { referral: 20, ebook: 3 } }
  origin:    { unknown: -5, values: { referral: 5 } }
predictive: { weight: 30, missing: -6 }
thresholds: { hot: 100, warm: 50 }
`,
  'test-1.yaml',
);

const baseProfile: ScoringProfile = { kind: 'B2C', source: { channel: 'web_form' } };

/** given(a lead).did(activities).whenScored(at a time) → then look at one rule or the total. */
function given(profile: Partial<ScoringProfile> = {}, scoringModel: ScoringModel = model) {
  const activities: ScoringActivity[] = [];
  const scenario = {
    did(type: string, at: string = now.toISOString(), times = 1) {
      for (let i = 0; i < times; i++) activities.push({ type, at });
      return scenario;
    },
    whenScored(
      at: Date = now,
      prediction?: Prediction,
    ): ScoreResult & { points(rule: string): number; detail(rule: string): string | undefined } {
      const result = scoreLead({ ...baseProfile, ...profile }, activities, scoringModel, at, prediction);
      const line = (rule: string) => {
        const found = result.breakdown.filter((c) => c.rule === rule);
        if (found.length !== 1) throw new Error(`expected exactly one breakdown line for ${rule}, found ${found.length}`);
        return found[0];
      };
      return { ...result, points: (rule) => line(rule).points, detail: (rule) => line(rule).detail };
    },
  };
  return scenario;
}

describe('engagement points', () => {
  const shipped = loadScoringModelFile(resolve(__dirname, '..', 'models', 'default.yaml'));

  it.each(Object.entries(shipped.engagement))('given one %s, the default model adds its points to engagement.%s', (type, rule) => {
    expect(given({}, shipped).did(type).whenScored().points(`engagement.${type}`)).toBe(rule.points);
  });

  it('given no activity, every engagement rule is still listed, with 0', () => {
    const result = given().whenScored();
    for (const type of DEFAULT_ACTIVITY_TYPES) expect(result.points(`engagement.${type}`)).toBe(0);
    expect(result.detail('engagement.call_booked')).toBe('no activity');
  });

  it('given a whitepaper, a contact form and a booked call, engagement is 10 + 20 + 50 (the lead thermometer)', () => {
    const result = given().did('whitepaper_download').did('contact_form').did('call_booked').whenScored();
    expect([
      result.points('engagement.whitepaper_download'),
      result.points('engagement.contact_form'),
      result.points('engagement.call_booked'),
    ]).toEqual([10, 20, 50]);
  });

  it('given the same activity twice, it counts twice', () =>
    expect(given().did('contact_form', undefined, 2).whenScored().points('engagement.contact_form')).toBe(40));

  it('given an activity type the model does not know, it is listed with 0 points and says why', () => {
    const result = given().did('fax_sent').whenScored();
    expect(result.points('engagement.fax_sent')).toBe(0);
    expect(result.detail('engagement.fax_sent')).toBe('1 × a type scoring model test-1 does not know');
  });

  it('given an activity after the scoring time, it has not happened yet and is ignored', () => {
    expect(
      given()
        .did('call_booked', new Date(now.getTime() + DAY).toISOString())
        .whenScored()
        .points('engagement.call_booked'),
    ).toBe(0);
  });

  it('refuses an activity with an unreadable time', () =>
    expect(() => given().did('call_booked', 'yesterday').whenScored()).toThrow('invalid time "yesterday"'));
});

describe('caps', () => {
  it('given 8 page visits at 1 point with a cap of 5, the type adds 5', () => {
    const result = given().did('page_visit', undefined, 8).whenScored();
    expect(result.points('engagement.page_visit')).toBe(5);
    expect(result.detail('engagement.page_visit')).toBe('8 × 1 = 8, capped at 5');
  });

  it('given activity exactly at the cap, nothing is cut', () =>
    expect(given().did('whitepaper_download', undefined, 3).whenScored().points('engagement.whitepaper_download')).toBe(30));

  it('given a type without a cap, it grows without limit', () =>
    expect(given().did('call_booked', undefined, 3).whenScored().points('engagement.call_booked')).toBe(150));

  it('given 4 unsubscribes at −30 with a cap of 30, the type takes away at most 30', () => {
    expect(given().did('unsubscribed', undefined, 4).whenScored().points('engagement.unsubscribed')).toBe(-30);
  });
});

describe('decay', () => {
  const sixtyPoints = () => given().did('call_booked', daysAgo(30)).did('whitepaper_download', daysAgo(40));

  it('given the last activity exactly one half-life ago, engagement is halved', () => {
    const result = sixtyPoints().whenScored();
    expect(result.points('engagement.decay')).toBe(-30);
    expect(result.detail('engagement.decay')).toBe('30 days since the last activity, half-life 30 days: 60 engagement points keep 50.0 %');
  });

  it('given two half-lives, a quarter is left', () =>
    expect(
      sixtyPoints()
        .whenScored(new Date(now.getTime() + 30 * DAY))
        .points('engagement.decay'),
    ).toBe(-45));

  it('given an activity just now, nothing has decayed', () =>
    expect(given().did('call_booked').whenScored().points('engagement.decay')).toBe(0));

  it('counts from the LAST activity: a fresh page visit stops the decay of older points', () => {
    expect(given().did('call_booked', daysAgo(90)).did('page_visit', daysAgo(0)).whenScored().points('engagement.decay')).toBe(0);
  });

  it('applies after the caps: 8 visits capped at 5, one half-life later, lose 3 (2.5 rounded away from zero)', () => {
    expect(given().did('page_visit', daysAgo(30), 8).whenScored().points('engagement.decay')).toBe(-3);
  });

  it('does not fade negative engagement: after an unsubscribe, only the positive points decay', () => {
    const result = given().did('call_booked', daysAgo(31)).did('unsubscribed', daysAgo(30)).whenScored();
    expect(result.points('engagement.unsubscribed')).toBe(-30);
    expect(result.points('engagement.decay')).toBe(-25);
  });

  it('given no activity at all, decay is listed with 0', () => expect(given().whenScored().detail('engagement.decay')).toBe('no activity'));

  it('given a model without decay, no decay line is listed', () => {
    const noDecay: ScoringModel = { ...model, decay: undefined };
    expect(
      given({}, noDecay)
        .did('call_booked', daysAgo(300))
        .whenScored()
        .breakdown.some((c) => c.rule === 'engagement.decay'),
    ).toBe(false);
  });
});

describe('negative rules', () => {
  it('given an email at a competitor, takes 100 away', () =>
    expect(given({ email: 'spy@rival.example' }).whenScored().points('negative.competitor')).toBe(-100));
  it('given an email at a subdomain of a competitor, takes 100 away too', () =>
    expect(given({ email: 'a@eu.Rival.example' }).whenScored().points('negative.competitor')).toBe(-100));
  it('given a look-alike domain, does not', () =>
    expect(given({ email: 'a@notrival.example' }).whenScored().points('negative.competitor')).toBe(0));

  it('given a B2B lead writing from free mail, takes 20 away', () => {
    const result = given({ kind: 'B2B', email: 'boss@GMAIL.com' }).whenScored();
    expect(result.points('negative.free_mail')).toBe(-20);
    expect(result.detail('negative.free_mail')).toBe('B2B lead writing from free-mail domain gmail.com');
  });
  it('given a B2C lead writing from free mail, takes nothing: private people write from there', () => {
    expect(given({ kind: 'B2C', email: 'me@gmail.com' }).whenScored().points('negative.free_mail')).toBe(0);
  });
  it('given a B2B lead with a company address, takes nothing', () =>
    expect(given({ kind: 'B2B', email: 'cfo@acme.de' }).whenScored().points('negative.free_mail')).toBe(0));
  it('given no email (phone only), both rules say so and take nothing', () => {
    const result = given({ kind: 'B2B' }).whenScored();
    expect([result.points('negative.competitor'), result.points('negative.free_mail')]).toEqual([0, 0]);
    expect(result.detail('negative.free_mail')).toBe('no email');
  });
});

describe('fit rules', () => {
  const fitPoints = (profile: Partial<ScoringProfile>, rule: string) => given(profile).whenScored().points(rule);
  const company = (c: ScoringProfile['company']) => ({ company: c });

  it('kind: B2B 5, B2C 0', () => expect([fitPoints({ kind: 'B2B' }, 'fit.kind'), fitPoints({ kind: 'B2C' }, 'fit.kind')]).toEqual([5, 0]));

  it('industry: listed, listed in other spelling, not listed, unknown', () => {
    expect(fitPoints(company({ industry: 'Software' }), 'fit.industry')).toBe(15);
    expect(fitPoints(company({ industry: 'financial-services' }), 'fit.industry')).toBe(10);
    expect(fitPoints(company({ industry: 'Mining' }), 'fit.industry')).toBe(2);
    expect(fitPoints({}, 'fit.industry')).toBe(-1);
  });

  it.each([
    [0, 0],
    [9, 0],
    [10, 5],
    [49, 5],
    [50, 10],
    [249, 10],
    [250, 8],
    [100000, 8],
  ])('employees: %i employees → %i points (from inclusive, to exclusive)', (employees, points) =>
    expect(fitPoints(company({ employees }), 'fit.employees')).toBe(points),
  );
  it('employees: unknown → the unknown points', () => expect(fitPoints({}, 'fit.employees')).toBe(-2));

  it('annual revenue: bands, a value in no band scores 0, unknown', () => {
    expect(fitPoints(company({ annualRevenue: 1_500_000 }), 'fit.annual_revenue')).toBe(10);
    expect(fitPoints(company({ annualRevenue: 500_000 }), 'fit.annual_revenue')).toBe(0);
    expect(
      given(company({ annualRevenue: 5_000_000 }))
        .whenScored()
        .detail('fit.annual_revenue'),
    ).toBe('annual revenue 5000000: in no band');
    expect(fitPoints({}, 'fit.annual_revenue')).toBe(-3);
  });

  it('company age: from the founding year and the scoring year', () => {
    expect(fitPoints(company({ foundedYear: 2025 }), 'fit.company_age')).toBe(0); // 1 year
    expect(fitPoints(company({ foundedYear: 2023 }), 'fit.company_age')).toBe(3); // 3 years
    expect(fitPoints(company({ foundedYear: 1990 }), 'fit.company_age')).toBe(5);
    expect(
      given(company({ foundedYear: 2021 }))
        .whenScored()
        .detail('fit.company_age'),
    ).toBe('founded 2021, 5 years old: band 5 and more');
  });

  it('country: listed (any case), other, unknown', () => {
    expect([
      fitPoints(company({ country: 'de' }), 'fit.country'),
      fitPoints(company({ country: 'FR' }), 'fit.country'),
      fitPoints({}, 'fit.country'),
    ]).toEqual([5, 1, -4]);
  });

  it('channel: a referral scores above an ebook; an unlisted channel scores 0', () => {
    expect(fitPoints({ source: { channel: 'referral' } }, 'fit.channel')).toBe(20);
    expect(fitPoints({ source: { channel: 'ebook' } }, 'fit.channel')).toBe(3);
    expect(fitPoints({ source: { channel: 'trade_show' } }, 'fit.channel')).toBe(0);
  });

  it('origin: listed, unknown', () => {
    expect(fitPoints({ source: { channel: 'web_form', origin: 'referral' } }, 'fit.origin')).toBe(5);
    expect(fitPoints({ source: { channel: 'web_form' } }, 'fit.origin')).toBe(-5);
  });
});

describe('predictive rule', () => {
  const predictive = (prediction?: Prediction) => given().whenScored(now, prediction).points('predictive');
  it('given a predictive score of 100, adds the full weight', () => expect(predictive({ score: 100 })).toBe(30));
  it('given 50, adds nothing', () => expect(predictive({ score: 50 })).toBe(0));
  it('given 1, takes 29 away (30 × −49/50 = −29.4)', () => expect(predictive({ score: 1 })).toBe(-29));
  it('given 75, adds 15', () => expect(predictive({ score: 75 })).toBe(15));
  it('given no prediction, scores the "missing" points', () => expect(predictive()).toBe(-6));
  it('names the predictive model in the detail', () => {
    expect(given().whenScored(now, { score: 80, modelVersion: 'lr-7' }).detail('predictive')).toBe(
      'predictive score 80 (model lr-7) × weight 30',
    );
  });
});

describe('thresholds', () => {
  it.each([
    [100, 'hot'],
    [99, 'warm'],
    [50, 'warm'],
    [49, 'cold'],
    [-200, 'cold'],
  ] as const)('a total of %i is %s', (total, temperature) => expect(temperatureFor(total, model)).toBe(temperature));

  // A plain B2C ebook lead with no prediction scores −1 −2 −3 −4 +3 −5 −6 = −18 from the profile rules.
  const plain = { kind: 'B2C', source: { channel: 'ebook' } } as const;

  it('crosses upwards: cold, then warm, then hot', () => {
    const lead = given(plain).did('call_booked', daysAgo(2)); // 50 − 1 decay − 18 = 31
    expect(lead.whenScored(new Date(now.getTime() - DAY)).temperature).toBe('cold');
    lead.did('contact_form', daysAgo(0.5)).did('whitepaper_download', daysAgo(0.5)); // 80 − 1 decay − 18 = 61
    expect(lead.whenScored().temperature).toBe('warm');
    lead.did('price_request', daysAgo(0.2)).did('call_booked', daysAgo(0.1)); // 170 − 18 = 152
    expect(lead.whenScored().temperature).toBe('hot');
  });

  it('crosses downwards with silence: hot, then warm after one half-life, then cold', () => {
    const lead = given(plain).did('call_booked', now.toISOString(), 2).did('contact_form'); // 120 − 18 = 102
    expect(lead.whenScored(now).total).toBe(102);
    expect(lead.whenScored(now).temperature).toBe('hot');
    expect(lead.whenScored(new Date(now.getTime() + 10 * DAY))).toMatchObject({ total: 77, temperature: 'warm' }); // 120 × (1 − 0.794) = 24.8 → −25
    expect(lead.whenScored(new Date(now.getTime() + 30 * DAY))).toMatchObject({ total: 42, temperature: 'cold' }); // half of 120 gone
  });
});

describe('the breakdown', () => {
  it('lists every rule of the model, in a fixed order, with the model version', () => {
    const result = given().did('fax_sent').whenScored(now, { score: 60 });
    expect(result.modelVersion).toBe('test-1');
    expect(result.breakdown.map((c) => c.rule)).toEqual([
      ...DEFAULT_ACTIVITY_TYPES.map((t) => `engagement.${t}`),
      'engagement.fax_sent',
      'engagement.decay',
      'negative.competitor',
      'negative.free_mail',
      'fit.kind',
      'fit.industry',
      'fit.employees',
      'fit.annual_revenue',
      'fit.company_age',
      'fit.country',
      'fit.channel',
      'fit.origin',
      'predictive',
    ]);
  });

  it('adds up exactly to the total, in whole points, over many random leads and a model with fractional points', () => {
    const fractional: ScoringModel = {
      ...model,
      engagement: Object.fromEntries(Object.entries(model.engagement).map(([t, r]) => [t, { ...r, points: r.points * 1.37 }])),
      decay: { half_life_days: 11.3 },
      predictive: { weight: 33.3, missing: 0.5 },
      fit: { ...model.fit, industry: { ...model.fit.industry!, values: { software: 14.5, financial_services: -2.5 } } },
    };
    const random = seededRandom(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const types = [...DEFAULT_ACTIVITY_TYPES, 'fax_sent'];
    for (let i = 0; i < 2000; i++) {
      const profile: ScoringProfile = {
        kind: pick(['B2B', 'B2C'] as const),
        ...(random() < 0.8 ? { email: `x@${pick(['gmail.com', 'rival.example', 'acme.de'])}` } : {}),
        ...(random() < 0.8
          ? {
              company: {
                ...(random() < 0.7 ? { industry: pick(['Software', 'Financial Services', 'Mining']) } : {}),
                ...(random() < 0.7 ? { employees: Math.floor(random() * 2000) } : {}),
                ...(random() < 0.7 ? { annualRevenue: Math.floor(random() * 3e6) } : {}),
                ...(random() < 0.7 ? { foundedYear: 1950 + Math.floor(random() * 77) } : {}),
                ...(random() < 0.7 ? { country: pick(['DE', 'FR', 'PL']) } : {}),
              },
            }
          : {}),
        source: { channel: pick(CHANNELS), ...(random() < 0.7 ? { origin: pick(ORIGINS) } : {}) },
      };
      const activities = Array.from({ length: Math.floor(random() * 12) }, () => ({ type: pick(types), at: daysAgo(random() * 120 - 5) }));
      const result = scoreLead(
        profile,
        activities,
        fractional,
        now,
        random() < 0.8 ? { score: 1 + Math.floor(random() * 100) } : undefined,
      );
      const sum = result.breakdown.reduce((s, c) => s + c.points, 0);
      expect(sum).toBe(result.total);
      for (const c of result.breakdown) expect(Number.isInteger(c.points) && !Object.is(c.points, -0)).toBe(true);
      expect(result.temperature).toBe(temperatureFor(result.total, fractional));
    }
  });

  it('is pure: the same inputs give the same result', () => {
    const activities = [{ type: 'call_booked', at: daysAgo(12) }];
    const profile: ScoringProfile = { kind: 'B2B', email: 'a@gmail.com', source: { channel: 'referral' } };
    const first = scoreLead(profile, activities, model, now, { score: 70 });
    expect(scoreLead(profile, activities, model, now, { score: 70 })).toEqual(first);
    expect(activities).toEqual([{ type: 'call_booked', at: daysAgo(12) }]);
  });
});

describe('roundPoints', () => {
  it('rounds halves away from zero, symmetrically, and never yields −0', () => {
    expect([roundPoints(2.5), roundPoints(-2.5), roundPoints(-0.4), roundPoints(0.49)]).toEqual([3, -3, 0, 0]);
    expect(Object.is(roundPoints(-0.4), -0)).toBe(false);
  });
});
