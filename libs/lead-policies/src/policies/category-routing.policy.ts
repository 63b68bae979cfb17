import type { LeadEvent } from '@lead/domain';
import type { LeadPolicyRow } from '../policy-state/lead-policy-row';
import { categoryFor, type RoutingConfig } from '../routing/routing-config';
import { segmentFor } from '../routing/segmentation';
import { POLICY, type PolicyCommand } from './policy.types';

export interface CategoryRoutingState {
  row: LeadPolicyRow;
  /** Category → assignments made so far. */
  roundRobin: Record<string, number>;
}

/**
 * policy:category-routing — on LeadQualified, a lead without an owner goes to the next manager of
 * its product line's category (round-robin), with its A/B segment in the same LeadAssigned.
 * A lead that already has an owner (a person assigned it) keeps it.
 */
export function categoryRoutingPolicy(state: CategoryRoutingState, event: LeadEvent, config: RoutingConfig): PolicyCommand[] {
  const { row, roundRobin } = state;
  if (event.type !== 'LeadQualified' || row.status !== 'qualified' || row.owner) return [];
  const category = categoryFor(row.productLine, config);
  if (!category) return [];
  const count = roundRobin[category.category] ?? 0;
  const owner = category.managers[count % category.managers.length];
  const { segment } = segmentFor(row, config);
  return [
    {
      policy: POLICY.categoryRouting,
      type: 'AssignLead',
      leadId: row.leadId,
      data: {
        owner,
        rule: `category:${category.category}:round-robin`,
        ...(row.productLine ? { productLine: row.productLine } : {}),
        segment,
      },
      roundRobin: { category: category.category, next: count + 1 },
    },
  ];
}
