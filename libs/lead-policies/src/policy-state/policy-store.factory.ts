import { dirname, join } from 'node:path';
import { MongoPolicyStore } from './mongo-policy-store';
import type { PolicyStateStore } from './policy-state.store';
import { SqlitePolicyStore } from './sqlite-policy-store';

export type PolicyStoreConfig = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'mongodb'; readonly url: string; readonly database?: string };

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
 * READ_STORE=mongodb with MONGODB_URL puts the policy state in MongoDB (beside the read models);
 * otherwise an embedded SQLite file: POLICY_SQLITE_PATH, default policies.sqlite next to SQLITE_PATH.
 */
export function policyStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PolicyStoreConfig {
  const readStore = (env.READ_STORE ?? '').trim().toLowerCase();
  if (readStore === 'mongodb') {
    const url = env.MONGODB_URL?.trim();
    if (!url) throw new PolicyStoreConfigError('READ_STORE=mongodb needs MONGODB_URL, e.g. mongodb://localhost:27017/leads?replicaSet=rs0');
    if (!/^mongodb(\+srv)?:\/\//i.test(url)) throw new PolicyStoreConfigError('MONGODB_URL must be a mongodb:// or mongodb+srv:// connection string');
    return { kind: 'mongodb', url };
  }
  if (readStore !== '' && readStore !== 'sqlite') throw new PolicyStoreConfigError(`READ_STORE must be "sqlite" or "mongodb", not "${env.READ_STORE}"`);
  const explicit = env.POLICY_SQLITE_PATH?.trim();
  if (explicit) return { kind: 'sqlite', path: explicit };
  const events = env.SQLITE_PATH?.trim() || './data/leads.sqlite';
  return { kind: 'sqlite', path: events === ':memory:' ? ':memory:' : join(dirname(events), 'policies.sqlite') };
}
