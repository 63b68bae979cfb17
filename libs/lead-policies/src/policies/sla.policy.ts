import type { LeadPolicyRow } from '../policy-state/lead-policy-row';
import type { RoutingConfig } from '../routing/routing-config';
import { POLICY, type PolicyCommand } from './policy.types';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** When the SLA of an open lead runs out: slaHours after it (re)opened or after the last human action, whichever is later. */
export function slaDueAt(row: LeadPolicyRow, config: Pick<RoutingConfig, 'sla'>): Date | undefined {
  return row.slaClockFrom ? new Date(Date.parse(row.slaClockFrom) + config.sla.hours * HOUR_MS) : undefined;
}

/**
 * policy:sla — the sales/marketing agreement, checked by the sweep: an open, unqualified lead that no
 * person has touched for `sla.hours` goes to nurture, warm on the nurture track, cold (or unscored) on
 * the content track. A hot lead stays: it needs a person, not a campaign. Every human action restarts
 * the clock, and the command expects the revision the decision saw, so a lead someone acted on
 * meanwhile is left alone.
 */
export function slaPolicy(row: LeadPolicyRow, config: Pick<RoutingConfig, 'sla' | 'nurture'>, now: Date): PolicyCommand[] {
  if (!config.sla.enabled || row.status !== 'open' || row.qualified) return [];
  const due = slaDueAt(row, config);
  if (!due || due.getTime() > now.getTime()) return [];
  if (row.temperature === 'hot') return [];
  const warm = row.temperature === 'warm';
  const track = warm ? 'nurture' : 'content';
  const days = config.nurture.revisitAfterDays[track];
  // From the due time, so that a repeated sweep decides the same; from now if the engine was down that long.
  let revisitMs = due.getTime() + days * DAY_MS;
  if (revisitMs <= now.getTime()) revisitMs = now.getTime() + days * DAY_MS;
  return [
    {
      policy: POLICY.sla,
      type: 'SendToNurture',
      leadId: row.leadId,
      data: {
        reason: `SLA ${config.sla.hours} h: open and unqualified without a human action since ${row.slaClockFrom}; ${row.temperature ?? 'unscored'} lead → ${track} track`,
        track,
        revisitAt: new Date(revisitMs),
      },
      dueKey: due.toISOString(),
      expectedRevision: row.revision,
    },
  ];
}
