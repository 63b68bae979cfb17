import { Module, type DynamicModule } from '@nestjs/common';
import { isEventStore, type EventStore, type EventStoreConfig } from '@lead/event-store';
import { LeadPoliciesModule, type LeadPoliciesOptions } from '@lead/policies';
import { ScoringController } from './scoring.controller';

/** Scoring, routing and nurture over HTTP: the policies module and its endpoints. */
@Module({})
export class ScoringHttpModule {
  static forRoot(options: LeadPoliciesOptions = {}): DynamicModule {
    return { module: ScoringHttpModule, imports: [LeadPoliciesModule.forRoot(options)], controllers: [ScoringController] };
  }
}

/**
 * The policies the app runs. With the event store from the environment: on, configured from the
 * environment. With a store instance handed in (an embedding host, a test): only when `policies`
 * says how — their checkpoint must live beside that store, and there is no path to put it next to.
 */
export function scoringModules(options: {
  eventStore?: EventStore | EventStoreConfig;
  policies?: LeadPoliciesOptions | false;
}): DynamicModule[] {
  const handedIn = isEventStore(options.eventStore);
  const policies = options.policies ?? (handedIn ? false : {});
  return policies === false ? [] : [ScoringHttpModule.forRoot(policies)];
}
