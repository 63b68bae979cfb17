import { Counter, Gauge, register } from 'prom-client';
import type { ProjectionState, ProjectionStatus } from './projection-status';

/** What the gauges read at scrape time: the status of every running runner's projections. */
export interface StatusSource {
  status(): Promise<ProjectionStatus[]>;
}

// Metrics live in prom-client's default registry, which GET /metrics serves; several runners may
// share a process (tests, embedding), so metrics are reused when already registered.
function metric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

const sources = new Set<StatusSource>();
const STATES: readonly ProjectionState[] = ['stopped', 'catching_up', 'running', 'stopped_with_error'];

/** One status read per scrape for all gauges, not one per gauge. */
let snapshot: { at: number; statuses: Promise<ProjectionStatus[]> } | null = null;
function statuses(): Promise<ProjectionStatus[]> {
  if (snapshot && Date.now() - snapshot.at < 500) return snapshot.statuses;
  const all = Promise.all([...sources].map((s) => s.status().catch(() => [] as ProjectionStatus[]))).then((lists) => lists.flat());
  snapshot = { at: Date.now(), statuses: all };
  return all;
}

function statusGauge(name: string, help: string, value: (s: ProjectionStatus) => number): Gauge<'projection'> {
  return metric(
    name,
    () =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'],
        async collect() {
          this.reset();
          for (const s of await statuses()) this.set({ projection: s.name }, value(s));
        },
      }),
  );
}

statusGauge('lead_projection_events_behind', 'Events in the log that the projection has not applied yet', (s) => s.eventsBehind);
statusGauge(
  'lead_projection_seconds_behind',
  'Recorded time between the head of the log and the last event the projection applied',
  (s) => s.secondsBehind,
);
statusGauge('lead_projection_checkpoint', 'Commit position of the last event the projection applied', (s) =>
  s.checkpoint === null ? 0 : Number(s.checkpoint.split('/')[0]),
);
metric(
  'lead_projection_state',
  () =>
    new Gauge({
      name: 'lead_projection_state',
      help: 'Projection state: 1 for the current one (stopped, catching_up, running, stopped_with_error)',
      labelNames: ['projection', 'state'],
      async collect() {
        this.reset();
        for (const s of await statuses()) for (const state of STATES) this.set({ projection: s.name, state }, s.state === state ? 1 : 0);
      },
    }),
);

const events = metric(
  'lead_projection_events_total',
  () =>
    new Counter({
      name: 'lead_projection_events_total',
      help: 'Events taken into account by the projection (applied or passed over)',
      labelNames: ['projection'],
    }),
);
const batches = metric(
  'lead_projection_batches_total',
  () => new Counter({ name: 'lead_projection_batches_total', help: 'Batches committed by the projection', labelNames: ['projection'] }),
);

export const projectionMetrics = {
  track(source: StatusSource): void {
    sources.add(source);
    snapshot = null;
  },
  untrack(source: StatusSource): void {
    sources.delete(source);
    snapshot = null;
  },
  committed(projection: string, eventCount: number): void {
    events.inc({ projection }, eventCount);
    batches.inc({ projection });
  },
};
