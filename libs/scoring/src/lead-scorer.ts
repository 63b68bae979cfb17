import type { Channel, Company, LeadKind, Origin, ScoreContribution, Temperature } from '@lead/domain';
import { normaliseKey, type BandRule, type MapRule, type ScoringModel } from './scoring-model';

/** What scoring reads of a lead: the LeadCaptured facts (as last corrected), without the personal ones it does not need. */
export interface ScoringProfile {
  kind: LeadKind;
  email?: string;
  company?: Partial<Pick<Company, 'industry' | 'employees' | 'annualRevenue' | 'foundedYear' | 'country'>> & { name?: string };
  source: { channel: Channel; origin?: Origin };
}

export interface ScoringActivity {
  type: string;
  /** ISO 8601 time of the activity (ActivityRecorded.activityAt). */
  at: string;
}

/** The predictive score of the lead, from the predictive model (see predictive/). */
export interface Prediction {
  /** 1..100 */
  score: number;
  modelVersion?: string;
}

export interface ScoreResult {
  total: number;
  temperature: Temperature;
  modelVersion: string;
  /** Every rule of the model, in a fixed order; the points are integers and add up exactly to `total`. */
  breakdown: ScoreContribution[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Scores a lead with a scoring model, rule by rule. Pure: the clock is an argument, so a score
 * can be recomputed for any past date (backtests) and always gives the same answer.
 *
 * Order of computation:
 * 1. Engagement, per activity type: count × points, then the type's cap (on the absolute value,
 *    so a cap also bounds a negative type such as unsubscribed), then rounded to an integer.
 *    Activities after `now` have not happened yet and are ignored; types the model does not know
 *    are listed with 0 points.
 * 2. Decay, after the caps: the positive engagement points lose
 *    1 − 0.5^(days since the last activity / half-life), listed as `engagement.decay`. Negative
 *    engagement (an unsubscribe) does not fade: silence after an unsubscribe is no reconciliation.
 * 3. Negative rules (competitor domain, free-mail address of a B2B lead).
 * 4. Fit rules from the profile (kind, industry, employees, revenue, company age, country, channel, origin).
 * 5. The predictive score: weight × (score − 50) / 50.
 * Every part is rounded half away from zero on its own, so the parts add up exactly to the total.
 */
export function scoreLead(
  profile: ScoringProfile,
  activities: readonly ScoringActivity[],
  model: ScoringModel,
  now: Date,
  prediction?: Prediction,
): ScoreResult {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new Error('scoreLead: now is not a valid date');
  const breakdown: ScoreContribution[] = [
    ...engagement(activities, model, nowMs),
    ...negative(profile, model),
    ...fit(profile, model, now),
    ...(model.predictive ? [predictive(model.predictive, prediction)] : []),
  ];
  const total = breakdown.reduce((sum, c) => sum + c.points, 0);
  return { total, temperature: temperatureFor(total, model), modelVersion: model.version, breakdown };
}

/** Hot from the hot threshold up, warm from the warm threshold up, cold below. */
export function temperatureFor(total: number, model: Pick<ScoringModel, 'thresholds'>): Temperature {
  if (total >= model.thresholds.hot) return 'hot';
  if (total >= model.thresholds.warm) return 'warm';
  return 'cold';
}

/** Rounds half away from zero (symmetric for negative points) and never returns −0. */
export const roundPoints = (x: number): number => Math.sign(x) * Math.round(Math.abs(x)) || 0;

// ---------------------------------------------------------------- engagement

function engagement(activities: readonly ScoringActivity[], model: ScoringModel, nowMs: number): ScoreContribution[] {
  const counts = new Map<string, number>();
  let lastMs = -Infinity;
  for (const a of activities) {
    const at = Date.parse(a.at);
    if (Number.isNaN(at)) throw new Error(`scoreLead: activity "${a.type}" has an invalid time "${a.at}"`);
    if (at > nowMs) continue;
    counts.set(a.type, (counts.get(a.type) ?? 0) + 1);
    lastMs = Math.max(lastMs, at);
  }

  const parts: ScoreContribution[] = [];
  let positive = 0;
  for (const [type, rule] of Object.entries(model.engagement)) {
    const n = counts.get(type) ?? 0;
    const raw = n * rule.points;
    const capped = rule.cap !== undefined && Math.abs(raw) > rule.cap ? Math.sign(raw) * rule.cap : raw;
    const points = roundPoints(capped);
    if (points > 0) positive += points;
    const detail = n === 0 ? 'no activity' : `${n} × ${rule.points} = ${raw}${capped !== raw ? `, capped at ${capped}` : ''}`;
    parts.push({ rule: `engagement.${type}`, points, detail });
  }
  for (const type of [...counts.keys()].sort()) {
    if (!(type in model.engagement))
      parts.push({
        rule: `engagement.${type}`,
        points: 0,
        detail: `${counts.get(type)} × a type scoring model ${model.version} does not know`,
      });
  }

  if (model.decay) {
    const halfLife = model.decay.half_life_days;
    if (lastMs === -Infinity) {
      parts.push({ rule: 'engagement.decay', points: 0, detail: 'no activity' });
    } else {
      const days = Math.max(0, (nowMs - lastMs) / DAY_MS);
      const kept = Math.pow(0.5, days / halfLife);
      const points = -roundPoints(positive * (1 - kept)) || 0;
      parts.push({
        rule: 'engagement.decay',
        points,
        detail: `${formatDays(days)} since the last activity, half-life ${halfLife} days: ${positive} engagement points keep ${(kept * 100).toFixed(1)} %`,
      });
    }
  }
  return parts;
}

const formatDays = (days: number): string => (days === 1 ? '1 day' : `${Number.isInteger(days) ? days : days.toFixed(1)} days`);

// ---------------------------------------------------------------- negative rules

const domainOf = (email: string | undefined): string | undefined => {
  const at = email?.lastIndexOf('@') ?? -1;
  return email && at >= 0
    ? email
        .slice(at + 1)
        .trim()
        .toLowerCase()
    : undefined;
};

const inDomains = (domain: string, domains: readonly string[]): string | undefined =>
  domains.find((d) => domain === d || domain.endsWith(`.${d}`));

function negative(profile: ScoringProfile, model: ScoringModel): ScoreContribution[] {
  const parts: ScoreContribution[] = [];
  const domain = domainOf(profile.email);
  const { competitor, free_mail } = model.negative;
  if (competitor) {
    const hit = domain ? inDomains(domain, competitor.domains) : undefined;
    parts.push({
      rule: 'negative.competitor',
      points: hit ? roundPoints(competitor.points) : 0,
      detail: hit
        ? `email domain ${domain} is a competitor's (${hit})`
        : domain
          ? `email domain ${domain} is not a competitor's`
          : 'no email',
    });
  }
  if (free_mail) {
    const hit = domain ? inDomains(domain, free_mail.domains) : undefined;
    const applies = profile.kind === 'B2B' && hit !== undefined;
    const detail = !domain
      ? 'no email'
      : profile.kind !== 'B2B'
        ? 'applies to B2B leads only'
        : hit
          ? `B2B lead writing from free-mail domain ${domain}`
          : `email domain ${domain} is not free mail`;
    parts.push({ rule: 'negative.free_mail', points: applies ? roundPoints(free_mail.points) : 0, detail });
  }
  return parts;
}

// ---------------------------------------------------------------- fit

function fit(profile: ScoringProfile, model: ScoringModel, now: Date): ScoreContribution[] {
  const f = model.fit;
  const company = profile.company;
  const parts: ScoreContribution[] = [];
  if (f.kind) parts.push(byMap('fit.kind', f.kind, profile.kind, profile.kind));
  if (f.industry)
    parts.push(byMap('fit.industry', f.industry, company?.industry ? normaliseKey(company.industry) : undefined, company?.industry));
  if (f.employees) parts.push(byBand('fit.employees', f.employees, company?.employees, (v) => `${v} employees`));
  if (f.annual_revenue) parts.push(byBand('fit.annual_revenue', f.annual_revenue, company?.annualRevenue, (v) => `annual revenue ${v}`));
  if (f.company_age) {
    const founded = company?.foundedYear;
    const age = founded === undefined ? undefined : Math.max(0, now.getUTCFullYear() - founded);
    parts.push(byBand('fit.company_age', f.company_age, age, (v) => `founded ${founded}, ${v} years old`));
  }
  if (f.country) parts.push(byMap('fit.country', f.country, company?.country?.toUpperCase(), company?.country));
  if (f.channel) parts.push(byMap('fit.channel', f.channel, profile.source.channel, profile.source.channel));
  if (f.origin) parts.push(byMap('fit.origin', f.origin, profile.source.origin, profile.source.origin));
  return parts;
}

function byMap(rule: string, map: MapRule, key: string | undefined, shown: string | undefined): ScoreContribution {
  if (key === undefined || key === '') return { rule, points: roundPoints(map.unknown), detail: 'not known' };
  if (key in map.values) return { rule, points: roundPoints(map.values[key]), detail: `"${shown}"` };
  return { rule, points: roundPoints(map.other), detail: `"${shown}" is not listed` };
}

function byBand(rule: string, bands: BandRule, value: number | undefined, show: (v: number) => string): ScoreContribution {
  if (value === undefined || !Number.isFinite(value)) return { rule, points: roundPoints(bands.unknown), detail: 'not known' };
  const band = bands.bands.find((b) => (b.from === undefined || value >= b.from) && (b.to === undefined || value < b.to));
  if (!band) return { rule, points: 0, detail: `${show(value)}: in no band` };
  const range =
    band.to === undefined ? `${band.from} and more` : band.from === undefined ? `below ${band.to}` : `${band.from} to under ${band.to}`;
  return { rule, points: roundPoints(band.points), detail: `${show(value)}: band ${range}` };
}

// ---------------------------------------------------------------- predictive

function predictive(rule: NonNullable<ScoringModel['predictive']>, prediction: Prediction | undefined): ScoreContribution {
  if (!prediction) return { rule: 'predictive', points: roundPoints(rule.missing), detail: 'no predictive score' };
  const score = Math.min(100, Math.max(1, prediction.score));
  const points = roundPoints((rule.weight * (score - 50)) / 50);
  return {
    rule: 'predictive',
    points,
    detail: `predictive score ${score}${prediction.modelVersion ? ` (model ${prediction.modelVersion})` : ''} × weight ${rule.weight}`,
  };
}
