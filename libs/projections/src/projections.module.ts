import {
  Inject,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { ProjectionsHealth } from './health/projections-health';
import { MetricsController } from './http/metrics.controller';
import { MinPositionGate } from './http/min-position.gate';
import { ProjectionsController } from './http/projections.controller';
import { ReadModelsController } from './http/read-models.controller';
import type { ProjectionsModuleOptions } from './projections.options';
import { PROJECTIONS_OPTIONS, READ_STORE } from './projections.tokens';
import { ReadModelQueries } from './read-models/read-model-queries';
import { READ_MODEL_PROJECTIONS } from './read-models/read-models';
import { createReadStore, readStoreConfigFromEnv } from './read-store/read-store.factory';
import { isReadStore, type ReadStore } from './read-store/read-store.port';
import { ProjectionRunner } from './runner/projection-runner';

/**
 * Read models for embedding and for the HTTP app: `ProjectionsModule.forRoot()` next to a module that
 * provides the EventStore under EVENT_STORE (LeadLifecycleModule does). Projections start on
 * application bootstrap (catch-up runs in the background) and stop before shutdown, ahead of the
 * event store being closed.
 *
 * Provides: READ_STORE, ProjectionRunner (status, rebuild, waitForPosition), ReadModelQueries,
 * ProjectionsHealth; controllers for /pipeline, /nurture-queue, /funnel, /disqualifications,
 * /projections and /metrics.
 */
@Module({})
export class ProjectionsModule implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');

  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(PROJECTIONS_OPTIONS) private readonly options: ProjectionsModuleOptions,
  ) {}

  static forRoot(options: ProjectionsModuleOptions = {}): DynamicModule {
    return {
      module: ProjectionsModule,
      providers: [
        { provide: PROJECTIONS_OPTIONS, useValue: options },
        {
          provide: READ_STORE,
          useFactory: (): Promise<ReadStore> | ReadStore =>
            isReadStore(options.readStore) ? options.readStore : createReadStore(options.readStore ?? readStoreConfigFromEnv()),
        },
        {
          provide: ProjectionRunner,
          useFactory: (store: EventStore, readStore: ReadStore) =>
            new ProjectionRunner(store, readStore, READ_MODEL_PROJECTIONS, options.runner),
          inject: [EVENT_STORE, READ_STORE],
        },
        ReadModelQueries,
        ProjectionsHealth,
        MinPositionGate,
      ],
      controllers: [ReadModelsController, ProjectionsController, MetricsController],
      exports: [READ_STORE, ProjectionRunner, ReadModelQueries, ProjectionsHealth],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.autoStart === false) return;
    await this.runner.start();
    this.logger.log(`Projections started (${this.runner.names.join(', ')}) on the ${this.readStore.kind} read store`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Before onApplicationShutdown, where the event store is closed.
    await this.runner.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    // A store handed in by the host is the host's to close.
    if (!isReadStore(this.options.readStore)) await this.readStore.close();
  }
}
