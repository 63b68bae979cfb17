import type { LeadEvent } from '@lead/domain';
import type { LeadPolicyRow } from '../policy-state/lead-policy-row';
import { DEFAULT_ROUTING_CONFIG, type RoutingConfig } from '../routing/routing-config';
import type { PolicyCommand } from './policy.types';

export const leadId = '3f1d0a57-8a4e-4c2b-9d1e-5b6c7d8e9f01';
export const T0 = new Date('2026-03-02T09:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const at = (ms: number): Date => new Date(T0.getTime() + ms);
export const iso = (ms: number): string => at(ms).toISOString();

export const config: RoutingConfig = {
  ...DEFAULT_ROUTING_CONFIG,
  categories: { crm: { managers: ['maria', 'andrei'] }, erp: { managers: ['elena'] } },
  segmentation: {
    rules: [
      { segment: 'A', annualRevenueAtLeast: 10_000_000 },
      { segment: 'A', industryIn: ['software'] },
    ],
    otherwise: 'B',
  },
};

/** An open lead captured at T0 by a web form (no person has touched it). */
export function row(extra: Partial<LeadPolicyRow> = {}): LeadPolicyRow {
  return {
    leadId,
    status: 'open',
    revision: 3,
    lastEventId: 'ev-3',
    qualified: false,
    kind: 'B2B',
    openSince: T0.toISOString(),
    slaClockFrom: T0.toISOString(),
    ...extra,
  };
}

export const qualified = (extra: Partial<LeadPolicyRow> = {}) =>
  row({ status: 'qualified', qualified: true, productLine: 'crm', ...extra });

export const events = {
  qualified: { type: 'LeadQualified', data: { leadId, how: 'automatic', facts: {} } } as LeadEvent,
  assigned: { type: 'LeadAssigned', data: { leadId, owner: 'maria', rule: 'category:crm:round-robin' } } as LeadEvent,
  scored: (temperature: 'hot' | 'warm' | 'cold', previousTemperature?: 'hot' | 'warm' | 'cold', total = 120): LeadEvent => ({
    type: 'LeadScored',
    data: {
      leadId,
      total,
      temperature,
      ...(previousTemperature ? { previousTemperature } : {}),
      modelVersion: 'm1',
      breakdown: [{ rule: 'engagement.call_booked', points: total }],
      scoredAt: T0.toISOString(),
    },
  }),
  activity: { type: 'ActivityRecorded', data: { leadId, activityType: 'call_booked', activityAt: T0.toISOString() } } as LeadEvent,
};

/** given(state).when(policy call).then(commands): the policies are pure, so a test is one call. */
export function given<S>(state: S) {
  return {
    when(decide: (state: S) => PolicyCommand[]) {
      const commands = decide(state);
      return {
        then: (expected: Partial<PolicyCommand>[]) => expect(commands).toEqual(expected.map((c) => expect.objectContaining(c))),
        thenNothing: () => expect(commands).toEqual([]),
        commands,
      };
    },
  };
}
