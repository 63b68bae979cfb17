import type { LeadEvent } from '@lead/domain';
import type { LeadPolicyRow } from '../policy-state/lead-policy-row';
import type { RoutingConfig } from '../routing/routing-config';
import { POLICY, type PolicyCommand } from './policy.types';

const TRIGGERS: readonly LeadEvent['type'][] = ['LeadQualified', 'LeadScored', 'LeadAssigned'];

/**
 * policy:hot-hand-off — when a lead is qualified, hot and has an owner, it is handed to that owner.
 * Acts on whichever of the three comes last: qualification, a hot score, or the assignment.
 */
export function hotHandOffPolicy(row: LeadPolicyRow, event: LeadEvent, config: Pick<RoutingConfig, 'handOff'>): PolicyCommand[] {
  if (!config.handOff.enabled || !TRIGGERS.includes(event.type)) return [];
  if (row.status !== 'qualified' || row.temperature !== 'hot' || !row.owner) return [];
  return [{ policy: POLICY.hotHandOff, type: 'HandToSales', leadId: row.leadId, data: { owner: row.owner } }];
}
