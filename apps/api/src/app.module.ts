import { Module, type DynamicModule } from '@nestjs/common';
import { LeadLifecycleModule, type LeadLifecycleOptions } from '@lead/lifecycle';
import { HealthController } from './health/health.controller';
import { LeadsController } from './leads/leads.controller';

export type AppOptions = LeadLifecycleOptions;

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [LeadLifecycleModule.forRoot(options)],
      controllers: [LeadsController, HealthController],
    };
  }
}
