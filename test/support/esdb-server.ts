import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The project root (this file lives in test/support). */
const PROJECT_ROOT = resolve(__dirname, '..', '..');

/**
 * The in-memory EventStoreDB test double, when it sits next to the project. It is a test-only
 * dependency and is never copied into the project.
 */
const ESDB_DOUBLE_DIR = resolve(__dirname, '..', '..', '..', 'shared', 'esdb-double');

export type EsdbForTests = { connectionString: string; stop(): Promise<void> } | { skipReason: string };

/** Decides synchronously (jest registers suites before anything can be awaited) whether EventStoreDB tests can run. */
export function esdbAvailability(): { source: 'server' | 'double'; skipReason?: undefined } | { source?: undefined; skipReason: string } {
  if (process.env.EVENTSTORE_URL) return { source: 'server' };
  if (existsSync(ESDB_DOUBLE_DIR)) return { source: 'double' };
  return {
    skipReason:
      'no EventStoreDB: EVENTSTORE_URL is not set and the esdb-double test double (../shared/esdb-double next to the project) is not available',
  };
}

/**
 * A server for EventStoreDB tests: the real one named by EVENTSTORE_URL (left running), else a
 * fresh in-memory test double on a random port, else a reason to skip.
 */
export async function startEsdbForTests(): Promise<EsdbForTests> {
  const availability = esdbAvailability();
  if (availability.skipReason !== undefined) return { skipReason: availability.skipReason };
  if (availability.source === 'server') {
    return { connectionString: process.env.EVENTSTORE_URL as string, stop: async () => undefined };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the double lives outside the project and is loaded only when present
  const { startEsdbDouble } = require(ESDB_DOUBLE_DIR) as {
    startEsdbDouble(options: { nodeModules: string }): Promise<{ connectionString: string; stop(): Promise<void> }>;
  };
  const double = await startEsdbDouble({ nodeModules: PROJECT_ROOT });
  return { connectionString: double.connectionString, stop: () => double.stop() };
}
