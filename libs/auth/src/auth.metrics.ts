import { Counter, register } from 'prom-client';
import type { AuthFailureReason } from './auth.errors';

// One counter, not one event per failure: a flood of bad credentials must not grow the event log.
const failures =
  (register.getSingleMetric('lead_auth_failures_total') as Counter<'reason'> | undefined) ??
  new Counter({ name: 'lead_auth_failures_total', help: 'Refused requests, by reason (401 and 403)', labelNames: ['reason'] });

export const authMetrics = {
  failed(reason: AuthFailureReason | 'forbidden' | 'on_behalf_of_forbidden'): void {
    failures.inc({ reason });
  },
};
