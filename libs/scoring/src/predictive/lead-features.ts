import type { ScoringProfile } from '../lead-scorer';
import { normaliseKey } from '../scoring-model';
import type { FeatureVector } from './predictive-model';

/** What the predictive model may know of a lead at capture and qualification time. */
export interface PredictiveLeadProfile extends ScoringProfile {
  /** The stated need (LeadCaptured.need / NeedConfirmed.need). */
  need?: string;
  /** The product line the need maps to (NeedConfirmed.productLine). */
  productLine?: string;
}

/** Names the bin a number falls in, given inclusive upper bounds: "0", "≤9", ">9-49", ">999". */
export function binLabel(value: number | undefined, upperBounds: readonly number[]): string | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  let lower: number | undefined;
  for (const upper of upperBounds) {
    if (value <= upper) return lower === undefined ? (upper === 0 ? '0' : `≤${upper}`) : `>${lower}-${upper}`;
    lower = upper;
  }
  return `>${upperBounds[upperBounds.length - 1]}`;
}

const EMPLOYEE_BINS = [9, 49, 249, 999];
const REVENUE_BINS = [1e6, 1e7, 5e7, 2.5e8];
const AGE_BINS = [1, 3, 5, 10, 25];

/**
 * The features "how did similar leads convert" rests on: industry, similar needs and product line,
 * source, company age, employees, revenue, country and kind. Numbers are binned so that every
 * factor of a prediction reads as a sentence ("employees >49-249").
 */
export function leadFeatures(profile: PredictiveLeadProfile, now: Date): FeatureVector {
  const c = profile.company;
  const age = c?.foundedYear === undefined ? undefined : Math.max(0, now.getUTCFullYear() - c.foundedYear);
  const key = (s: string | undefined) => (s && normaliseKey(s) ? normaliseKey(s) : undefined);
  return {
    kind: profile.kind,
    industry: key(c?.industry),
    need: key(profile.need),
    product_line: key(profile.productLine),
    channel: profile.source.channel,
    origin: profile.source.origin,
    company_age: binLabel(age, AGE_BINS),
    employees: binLabel(c?.employees, EMPLOYEE_BINS),
    annual_revenue: binLabel(c?.annualRevenue, REVENUE_BINS),
    country: c?.country?.toUpperCase(),
  };
}
