export interface MongoForTests {
  readonly source: 'server' | 'double';
  /** A connection string naming this database (suites use their own, so a real server can be shared). */
  url(database: string): string;
  stop(): Promise<void>;
}

/** Decides synchronously (jest registers suites before anything can be awaited) whether MongoDB tests can run. */
export function mongoAvailability(): { source: 'server' | 'double'; skipReason?: undefined } | { source?: undefined; skipReason: string } {
  if (process.env.MONGODB_URL) return { source: 'server' };
  try {
    // The double's own dependencies are devDependencies: missing from a production install.
    require.resolve('mingo');
    require.resolve('bson');
    return { source: 'double' };
  } catch {
    return { skipReason: 'no MongoDB: MONGODB_URL is not set and the test double needs the devDependencies (npm install)' };
  }
}

/**
 * A server for MongoDB tests: the replica set named by MONGODB_URL (left running), else a fresh
 * in-memory wire-protocol test double (test/support/mongo-double) on a random port.
 */
export async function startMongoForTests(): Promise<MongoForTests> {
  const availability = mongoAvailability();
  if (availability.skipReason !== undefined) throw new Error(availability.skipReason);
  if (availability.source === 'server') {
    const url = process.env.MONGODB_URL as string;
    return { source: 'server', url: (database) => withDatabase(url, database), stop: async () => undefined };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when no real server is named
  const { startMongoDouble } = require('./mongo-double') as typeof import('./mongo-double');
  const double = await startMongoDouble();
  return { source: 'double', url: (database) => double.url(database), stop: () => double.stop() };
}

/** The connection string with its database path replaced (multi-host seed lists are not WHATWG URLs). */
export function withDatabase(url: string, database: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/i.exec(url);
  if (!m) throw new Error('MONGODB_URL is not a mongodb:// or mongodb+srv:// connection string');
  return `${m[1]}/${encodeURIComponent(database)}${m[2] ?? ''}`;
}

/** describe() when MongoDB can run, a visible describe.skip naming the reason otherwise. */
export function describeWithMongo(name: string, body: () => void): void {
  const { skipReason } = mongoAvailability();
  if (skipReason) {
    console.warn(`Skipping "${name}" suite: ${skipReason}`);
    describe.skip(`${name} (skipped: ${skipReason})`, body);
  } else {
    describe(name, body);
  }
}
