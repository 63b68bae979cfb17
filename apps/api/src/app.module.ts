import { Module, type DynamicModule } from '@nestjs/common';
import { LeadLifecycleModule, type LeadLifecycleOptions } from '@lead/lifecycle';
import type { LeadPoliciesOptions } from '@lead/policies';
import { HealthController } from './health/health.controller';
import { LeadsController } from './leads/leads.controller';
import { scoringModules } from './scoring/scoring-http.module';

/** `policies`: scoring, routing and nurture (see scoringModules for the default); false turns them off. */
export type AppOptions = LeadLifecycleOptions & { policies?: LeadPoliciesOptions | false };

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [LeadLifecycleModule.forRoot(options), ...scoringModules(options)],
      controllers: [LeadsController, HealthController],
    };
  }
}
