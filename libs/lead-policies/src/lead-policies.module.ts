import { Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { CAPTURE_GUARD } from '@lead/lifecycle';
import { ContactClaims } from './duplicates/contact-claims';
import {
  LEAD_POLICIES_SETTINGS,
  POLICY_STATE_STORE,
  resolvePoliciesSettings,
  type LeadPoliciesOptions,
  type LeadPoliciesSettings,
} from './lead-policies.options';
import { createPolicyStore, policyStoreConfigFromEnv } from './policy-state/policy-store.factory';
import type { PolicyStateStore } from './policy-state/policy-state.store';
import { PolicyReactor } from './reactor/policy-reactor';
import { ScoringModelService } from './scoring-models/scoring-model.service';

const LEAD_POLICIES_OPTIONS = Symbol('LEAD_POLICIES_OPTIONS');

function isStore(x: LeadPoliciesOptions['stateStore']): x is PolicyStateStore {
  return typeof (x as PolicyStateStore | undefined)?.commit === 'function';
}

/**
 * Scoring, routing and nurture policies for the engine: import after `LeadLifecycleModule.forRoot()`.
 * Starts the policy reactor on bootstrap (unless POLICIES=off) and stops it on shutdown; guards
 * captures against duplicates (routing.yaml `duplicates`). Global, so the capture guard reaches the
 * lifecycle's command executor.
 */
@Module({})
export class LeadPoliciesModule implements OnApplicationShutdown {
  constructor(
    @Inject(POLICY_STATE_STORE) private readonly store: PolicyStateStore,
    @Inject(LEAD_POLICIES_OPTIONS) private readonly options: LeadPoliciesOptions,
  ) {}

  static forRoot(options: LeadPoliciesOptions = {}): DynamicModule {
    return {
      module: LeadPoliciesModule,
      global: true,
      providers: [
        { provide: LEAD_POLICIES_OPTIONS, useValue: options },
        {
          provide: LEAD_POLICIES_SETTINGS,
          useFactory: (): LeadPoliciesSettings => {
            const settings = resolvePoliciesSettings(options);
            new Logger('LeadPolicies').log(
              `Routing from ${settings.routingSource}; duplicates: ${settings.routing.duplicates.mode}; sweep every ${settings.sweepIntervalMs} ms`,
            );
            return settings;
          },
        },
        {
          provide: POLICY_STATE_STORE,
          useFactory: (): PolicyStateStore | Promise<PolicyStateStore> =>
            isStore(options.stateStore) ? options.stateStore : createPolicyStore(options.stateStore ?? policyStoreConfigFromEnv()),
        },
        ScoringModelService,
        PolicyReactor,
        ContactClaims,
        { provide: CAPTURE_GUARD, useExisting: ContactClaims },
      ],
      exports: [LEAD_POLICIES_SETTINGS, POLICY_STATE_STORE, ScoringModelService, PolicyReactor, CAPTURE_GUARD],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    // The reactor stopped in onModuleDestroy; a store handed in by the host is the host's to close.
    if (!isStore(this.options.stateStore)) await this.store.close();
  }
}
