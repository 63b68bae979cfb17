import { Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { LeadPolicy } from '@lead/domain';
import { EVENT_STORE, createEventStore, eventStoreConfigFromEnv, isEventStore, type EventStore } from '@lead/event-store';
import { ContactKeys, PersonalDataEventStore, openPrivacy } from '@lead/privacy';
import { Clock, SystemClock } from './clock';
import { CaptureLeadHandler } from './commands/capture-lead.command';
import { CorrectContactDetailsHandler, RecordActivityHandler, RecordScoreHandler } from './commands/engagement.command';
import {
  ConfirmNeedHandler,
  QualifyLeadHandler,
  ReachDecisionMakerHandler,
  VerifyBudgetHandler,
} from './commands/qualification-facts.command';
import { ErasePersonalDataHandler, MergeDuplicateHandler } from './commands/records.command';
import {
  AssignLeadHandler,
  DisqualifyLeadHandler,
  HandToSalesHandler,
  ReactivateLeadHandler,
  ReportSaleOutcomeHandler,
  SendToNurtureHandler,
} from './commands/routing.command';
import { LeadCommandExecutor } from './lead-command.executor';
import { LEAD_LIFECYCLE_OPTIONS, activityTypesFrom, type LeadLifecycleOptions } from './lead-lifecycle.options';
import { LEAD_POLICY } from './lead-policy.token';
import { LeadReader } from './lead.reader';

const commandHandlers = [
  CaptureLeadHandler,
  ConfirmNeedHandler,
  VerifyBudgetHandler,
  ReachDecisionMakerHandler,
  QualifyLeadHandler,
  RecordActivityHandler,
  CorrectContactDetailsHandler,
  RecordScoreHandler,
  AssignLeadHandler,
  SendToNurtureHandler,
  ReactivateLeadHandler,
  DisqualifyLeadHandler,
  HandToSalesHandler,
  ReportSaleOutcomeHandler,
  MergeDuplicateHandler,
  ErasePersonalDataHandler,
];

/**
 * The engine for embedding: import `LeadLifecycleModule.forRoot()` and send the commands
 * (CaptureLeadCommand, ConfirmNeedCommand, …) through the CommandBus; appended events arrive
 * on the EventBus as LeadEventAppended. Global, so the event store and reader are injectable anywhere.
 */
@Module({})
export class LeadLifecycleModule implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEAD_LIFECYCLE_OPTIONS) private readonly options: LeadLifecycleOptions,
  ) {}

  static forRoot(options: LeadLifecycleOptions & { registerCqrs?: boolean } = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: LEAD_LIFECYCLE_OPTIONS, useValue: options },
      { provide: EVENT_STORE, useFactory: () => openStore(options) },
      {
        provide: ContactKeys,
        inject: [EVENT_STORE],
        useFactory: (store: EventStore) => (store instanceof PersonalDataEventStore ? store.contactKeys : new ContactKeys(null)),
      },
      { provide: LEAD_POLICY, useFactory: (): LeadPolicy => ({ activityTypes: activityTypesFrom(options) }) },
      { provide: Clock, useClass: SystemClock },
      LeadReader,
      LeadCommandExecutor,
      ...commandHandlers,
    ];
    return {
      module: LeadLifecycleModule,
      global: true,
      // Hosts that already call CqrsModule.forRoot() pass registerCqrs: false.
      imports: options.registerCqrs === false ? [] : [CqrsModule.forRoot()],
      providers,
      exports: [EVENT_STORE, ContactKeys, LEAD_POLICY, Clock, LeadReader, LeadCommandExecutor],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    // A store handed in by the host is the host's to close; the key store the engine opened is its own.
    if (!isEventStore(this.options.eventStore)) await this.store.close();
    else if (this.store instanceof PersonalDataEventStore) await this.store.keys.close();
  }
}

const logger = new Logger('Privacy');

/** The event store, wrapped so that personal data is encrypted, unless the host turned that off. */
async function openStore(options: LeadLifecycleOptions): Promise<EventStore> {
  const config = isEventStore(options.eventStore) ? undefined : (options.eventStore ?? eventStoreConfigFromEnv());
  const inner = config ? createEventStore(config) : (options.eventStore as EventStore);
  if (options.privacy === false) return inner;
  try {
    const privacy = await openPrivacy(
      options.privacy,
      config?.kind === 'sqlite' ? config.path : undefined,
      process.env,
      config ? undefined : inner,
    );
    const store = new PersonalDataEventStore(inner, { ...privacy, log: (message) => logger.log(message) });
    await store.start();
    return store;
  } catch (error) {
    if (config) await inner.close();
    throw error;
  }
}
