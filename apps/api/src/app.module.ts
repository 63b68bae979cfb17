import { Module, type DynamicModule } from '@nestjs/common';
import { LeadLifecycleModule, type LeadLifecycleOptions } from '@lead/lifecycle';
import type { LeadPoliciesOptions } from '@lead/policies';
import type { ProjectionsModuleOptions } from '@lead/projections';
import { FunnelsHttpModule } from './funnels/funnels-http.module';
import { HealthController } from './health/health.controller';
import { LeadsController } from './leads/leads.controller';
import { readModelModules } from './read-models/read-models.modules';
import { scoringModules } from './scoring/scoring-http.module';

/**
 * `policies`: scoring, routing and nurture (see scoringModules for the default); `projections`: the read
 * models (see readModelModules). `false` turns either off.
 */
export type AppOptions = LeadLifecycleOptions & { policies?: LeadPoliciesOptions | false; projections?: ProjectionsModuleOptions | false };

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [LeadLifecycleModule.forRoot(options), ...readModelModules(options), ...scoringModules(options), FunnelsHttpModule],
      controllers: [LeadsController, HealthController],
    };
  }
}
