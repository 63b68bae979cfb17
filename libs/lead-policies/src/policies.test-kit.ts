import { Test } from '@nestjs/testing';
import type { LoggerService } from '@nestjs/common';
import { EVENT_STORE, SqliteEventStore, type EventStore, type RecordedEvent } from '@lead/event-store';
import { ContactKeys, type PrivacyOptions } from '@lead/privacy';
import { Clock, LeadCommandExecutor, LeadLifecycleModule, type CommandResult, type LeadCommandRequest } from '@lead/lifecycle';
import { LeadPoliciesModule } from './lead-policies.module';
import type { LeadPoliciesOptions } from './lead-policies.options';
import { PolicyReactor } from './reactor/policy-reactor';
import { DEFAULT_ROUTING_CONFIG, type RoutingConfig } from './routing/routing-config';
import { ScoringModelService } from './scoring-models/scoring-model.service';

/** A clock tests move by hand. */
export class ManualClock extends Clock {
  constructor(private current: Date) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): Date {
    this.current = new Date(this.current.getTime() + ms);
    return this.now();
  }
}

const silent: LoggerService = { log() {}, error() {}, warn() {}, debug() {}, verbose() {} };

export const testRouting: RoutingConfig = {
  ...DEFAULT_ROUTING_CONFIG,
  categories: { crm: { managers: ['maria', 'andrei'] }, erp: { managers: ['elena'] } },
  segmentation: { rules: [{ segment: 'A', annualRevenueAtLeast: 10_000_000 }], otherwise: 'B' },
};

export interface TestEngine {
  /** The engine's store: personal fields encrypted on the way in, opened on the way out. */
  store: EventStore;
  /** The store underneath, as written to disk. */
  raw: EventStore;
  contactKeys: ContactKeys;
  executor: LeadCommandExecutor;
  reactor: PolicyReactor;
  models: ScoringModelService;
  send(
    request: Omit<LeadCommandRequest, 'options' | 'actor'> & { options?: LeadCommandRequest['options']; actor?: string },
  ): Promise<CommandResult>;
  /** The lead's events with their metadata. */
  stream(leadId: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

/** The lifecycle and policies modules on in-memory stores; the store survives close() when handed in. */
export async function openTestEngine(
  options: { store?: EventStore; clock?: Clock; policies?: LeadPoliciesOptions; privacy?: PrivacyOptions } = {},
): Promise<TestEngine> {
  const store = options.store ?? new SqliteEventStore({ path: ':memory:' });
  let builder = Test.createTestingModule({
    imports: [
      LeadLifecycleModule.forRoot({ eventStore: store, ...(options.privacy ? { privacy: options.privacy } : {}) }),
      LeadPoliciesModule.forRoot({
        stateStore: { kind: 'sqlite', path: ':memory:' },
        routing: testRouting,
        sweepIntervalMs: 3_600_000,
        ...options.policies,
      }),
    ],
  }).setLogger(silent);
  if (options.clock) builder = builder.overrideProvider(Clock).useValue(options.clock);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  const executor = moduleRef.get(LeadCommandExecutor);
  const engineStore = moduleRef.get<EventStore>(EVENT_STORE);
  return {
    store: engineStore,
    raw: store,
    contactKeys: moduleRef.get(ContactKeys),
    executor,
    reactor: moduleRef.get(PolicyReactor),
    models: moduleRef.get(ScoringModelService),
    send: (r) => executor.execute({ options: {}, actor: 'user:ana', ...r } as LeadCommandRequest),
    stream: (leadId) => engineStore.readStream(`lead-${leadId}`),
    async close() {
      await moduleRef.close();
      if (!options.store) await store.close();
    },
  };
}
