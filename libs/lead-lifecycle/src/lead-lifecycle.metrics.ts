import type { LeadEvent } from '@lead/domain';
import { Counter, Histogram, register } from 'prom-client';

// Metrics live in prom-client's default registry, which GET /metrics serves.
// Reused when already registered: several engine instances may share a process (tests, embedding).
function metric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

const commands = metric(
  'lead_commands_total',
  () => new Counter({ name: 'lead_commands_total', help: 'Commands handled, by command and outcome', labelNames: ['command', 'outcome'] }),
);
const duration = metric(
  'lead_command_duration_seconds',
  () =>
    new Histogram({
      name: 'lead_command_duration_seconds',
      help: 'Time to handle a command (read, decide, append)',
      labelNames: ['command'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    }),
);
const appendedEvents = metric(
  'lead_events_appended_total',
  () => new Counter({ name: 'lead_events_appended_total', help: 'Events appended to lead streams, by type', labelNames: ['type'] }),
);

export const commandMetrics = {
  observe(command: string, outcome: string, startedNs: bigint): void {
    commands.inc({ command, outcome });
    duration.observe({ command }, Number(process.hrtime.bigint() - startedNs) / 1e9);
  },
  appended(events: readonly LeadEvent[]): void {
    for (const e of events) appendedEvents.inc({ type: e.type });
  },
};
