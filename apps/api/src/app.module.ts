import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule, authOptionsFromEnv, type AuthOptions } from '@lead/auth';
import { isEventStore } from '@lead/event-store';
import { LeadLifecycleModule, type LeadLifecycleOptions } from '@lead/lifecycle';
import type { LeadPoliciesOptions } from '@lead/policies';
import type { ProjectionsModuleOptions } from '@lead/projections';
import { AdminController } from './admin/admin.controller';
import { FunnelsHttpModule } from './funnels/funnels-http.module';
import { HealthController } from './health/health.controller';
import { rateLimitModules } from './http/rate-limit.module';
import { LeadsController } from './leads/leads.controller';
import { readModelModules } from './read-models/read-models.modules';
import { scoringModules } from './scoring/scoring-http.module';

/**
 * `policies`: scoring, routing and nurture (see scoringModules for the default); `projections`: the read
 * models (see readModelModules). `false` turns either off.
 */
export type AppOptions = LeadLifecycleOptions & {
  policies?: LeadPoliciesOptions | false;
  projections?: ProjectionsModuleOptions | false;
  /** Authentication and roles; default: from the environment (AUTH, LEADS_ADMIN_KEY, AUTH_JWKS_URL, …). */
  auth?: AuthOptions;
};

/**
 * With the event store from the environment, keys live beside it (auth.sqlite, or MongoDB); with a store
 * handed in and no key store said, in memory.
 */
function authOptions(options: AppOptions): AuthOptions {
  if (options.auth) return options.auth;
  const fromEnv = authOptionsFromEnv();
  return isEventStore(options.eventStore) ? { ...fromEnv, keyStore: { kind: 'sqlite', path: ':memory:' } } : fromEnv;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LeadLifecycleModule.forRoot(options),
        AuthModule.forRoot(authOptions(options)),
        ...readModelModules(options),
        ...scoringModules(options),
        // After AuthModule: the rate limit counts per principal, which its guard has set.
        ...rateLimitModules(),
        FunnelsHttpModule,
      ],
      controllers: [LeadsController, AdminController, HealthController],
    };
  }
}
