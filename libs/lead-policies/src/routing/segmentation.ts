import { normaliseKey } from '@lead/scoring';
import type { RoutingConfig, SegmentRule } from './routing-config';

/** The company facts segmentation reads. */
export interface SegmentationFacts {
  industry?: string;
  employees?: number;
  annualRevenue?: number;
  country?: string;
}

/** The first rule whose conditions all hold names the segment; an unknown fact fails its condition. */
export function segmentFor(facts: SegmentationFacts, config: Pick<RoutingConfig, 'segmentation'>): { segment: string; rule: string } {
  const { rules, otherwise } = config.segmentation;
  const index = rules.findIndex((r) => matches(r, facts));
  return index < 0
    ? { segment: otherwise, rule: 'segmentation.otherwise' }
    : { segment: rules[index].segment, rule: `segmentation.rules.${index}` };
}

function matches(rule: SegmentRule, f: SegmentationFacts): boolean {
  if (rule.annualRevenueAtLeast !== undefined && !(f.annualRevenue !== undefined && f.annualRevenue >= rule.annualRevenueAtLeast))
    return false;
  if (rule.employeesAtLeast !== undefined && !(f.employees !== undefined && f.employees >= rule.employeesAtLeast)) return false;
  if (rule.industryIn !== undefined && !(f.industry !== undefined && rule.industryIn.includes(normaliseKey(f.industry)))) return false;
  if (rule.countryIn !== undefined && !(f.country !== undefined && rule.countryIn.includes(f.country.toUpperCase()))) return false;
  return true;
}
