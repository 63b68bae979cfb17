import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { LeadLifecycleModule } from '@lead/lifecycle';
import { ProjectionsModule } from '@lead/projections';
import { EMBEDDED_HOST_OPTIONS, type EmbeddedHostOptions } from './embedded-host.options';
import { HandOffNotifier } from './hand-off-notifier';
import { HOST_PRINCIPAL, hostPrincipal } from './host-principal';
import { IntakeController } from './intake.controller';
import { LeadIntake } from './lead-intake.service';
import { RecentLeadEvents } from './recent-lead-events.handler';

/** The host's application: the engine and its read models embedded, on SQLite files under dataDir. */
@Module({})
export class EmbeddedHostModule {
  static forRoot(options: EmbeddedHostOptions): DynamicModule {
    return {
      module: EmbeddedHostModule,
      imports: [
        LeadLifecycleModule.forRoot({ eventStore: { kind: 'sqlite', path: join(options.dataDir, 'events.sqlite') } }),
        ProjectionsModule.forRoot({ readStore: { kind: 'sqlite', path: join(options.dataDir, 'read-models.sqlite') } }),
      ],
      controllers: [IntakeController],
      providers: [
        { provide: EMBEDDED_HOST_OPTIONS, useValue: options },
        { provide: HOST_PRINCIPAL, useValue: hostPrincipal(options.name) },
        LeadIntake,
        RecentLeadEvents,
        HandOffNotifier,
      ],
    };
  }
}
