import { dirname, join } from 'node:path';
import { readStoreConfigFromEnv, type ReadStoreConfig } from '@lead/projections';
import { MongoPolicyStore } from './mongo-policy-store';
import type { PolicyStateStore } from './policy-state.store';
import { SqlitePolicyStore } from './sqlite-policy-store';

export type PolicyStoreConfig = ReadStoreConfig;

export class PolicyStoreConfigError extends Error {
  override readonly name = 'PolicyStoreConfigError';
}

export async function createPolicyStore(config: PolicyStoreConfig): Promise<PolicyStateStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqlitePolicyStore(config.path);
    case 'mongodb':
      return MongoPolicyStore.connect({ url: config.url, database: config.database });
    default:
      throw new PolicyStoreConfigError(`Unknown policy store kind "${(config as { kind?: unknown }).kind}": use "sqlite" or "mongodb"`);
  }
}

/**
 * The policy state lives where the read models live, so READ_STORE and MONGODB_URL are read by the
 * read models' own parser: MongoDB beside them, or an embedded SQLite file (POLICY_SQLITE_PATH,
 * default policies.sqlite next to SQLITE_PATH).
 */
export function policyStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PolicyStoreConfig {
  const readStore = readStoreConfigFromEnv(env);
  if (readStore.kind === 'mongodb') return readStore;
  const explicit = env.POLICY_SQLITE_PATH?.trim();
  if (explicit) return { kind: 'sqlite', path: explicit };
  const events = env.SQLITE_PATH?.trim() || './data/leads.sqlite';
  return { kind: 'sqlite', path: events === ':memory:' ? ':memory:' : join(dirname(events), 'policies.sqlite') };
}
