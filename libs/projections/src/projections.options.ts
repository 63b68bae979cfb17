import type { ReadStoreConfig } from './read-store/read-store.factory';
import type { ReadStore } from './read-store/read-store.port';
import type { ProjectionRunnerOptions } from './runner/projection-runner';

export interface ProjectionsModuleOptions {
  /**
   * Where read models live: a config, or a ReadStore instance (which the host then closes).
   * Default: from the environment — READ_STORE=sqlite|mongodb, READ_SQLITE_PATH (else beside SQLITE_PATH), MONGODB_URL.
   */
  readonly readStore?: ReadStoreConfig | ReadStore;
  readonly runner?: ProjectionRunnerOptions;
  /** How long a query with minPosition waits for the projection to reach it before answering 503. Default 5000 ms. */
  readonly minPositionWaitMs?: number;
  /** Start the projections on application bootstrap. Default true; false leaves ProjectionRunner.start() to the host. */
  readonly autoStart?: boolean;
}

export const DEFAULT_MIN_POSITION_WAIT_MS = 5000;
