import type { LeadEvent } from '@lead/domain';
import type { LeadPolicyRow } from '../policy-state/lead-policy-row';
import type { RoutingConfig } from '../routing/routing-config';
import { POLICY, type PolicyCommand } from './policy.types';

/**
 * policy:nurture-revisit, on an event — a nurtured lead whose score crosses into hot (LeadScored
 * with a previous temperature other than hot) is reactivated at once.
 */
export function nurtureRevisitOnEvent(row: LeadPolicyRow, event: LeadEvent, config: Pick<RoutingConfig, 'nurture'>): PolicyCommand[] {
  if (!config.nurture.reactivateOnHot || event.type !== 'LeadScored' || row.status !== 'nurturing') return [];
  const { temperature, previousTemperature, total } = event.data;
  if (temperature !== 'hot' || previousTemperature === 'hot') return [];
  return [
    {
      policy: POLICY.nurtureRevisit,
      type: 'ReactivateLead',
      leadId: row.leadId,
      data: {
        reason: `score crossed into hot: ${total} points (was ${previousTemperature ?? 'unscored'}) while on the ${row.nurtureTrack ?? 'nurture'} track`,
      },
    },
  ];
}

/** policy:nurture-revisit, on the sweep — a nurtured lead whose revisit date has come is reactivated. */
export function nurtureRevisitOnSweep(row: LeadPolicyRow, config: Pick<RoutingConfig, 'nurture'>, now: Date): PolicyCommand[] {
  if (!config.nurture.reactivateOnRevisit || row.status !== 'nurturing' || !row.revisitAt) return [];
  if (Date.parse(row.revisitAt) > now.getTime()) return [];
  return [
    {
      policy: POLICY.nurtureRevisit,
      type: 'ReactivateLead',
      leadId: row.leadId,
      data: { reason: `revisit date ${row.revisitAt} reached on the ${row.nurtureTrack ?? 'nurture'} track` },
      dueKey: row.revisitAt,
      expectedRevision: row.revision,
    },
  ];
}
