import { hashApiKey } from './api-keys/api-key';
import type { ApiKeys } from './api-keys/api-keys';
import { ApiKeyNameTakenError } from './api-keys/api-key';
import type { Role } from './principal';

export const BOOTSTRAP_KEY_NAME = 'bootstrap-admin';
/** The first key may do everything a person needs to try the engine; `service` (acting for others) is left out. */
export const BOOTSTRAP_ROLES: readonly Role[] = ['admin', 'writer', 'analyst', 'auditor'];

export type BootstrapOutcome = { created: 'generated'; key: string } | { created: 'from_env' } | { created: false };

/**
 * Secure by default: on a store without keys a generated admin key is created and returned once for printing;
 * with LEADS_ADMIN_KEY that secret is the admin key (stored hashed), created once and never re-created after a revocation.
 */
export async function ensureBootstrapKey(keys: ApiKeys, adminKey: string | undefined): Promise<BootstrapOutcome> {
  if (adminKey !== undefined) {
    if (await keys.store.findByHash(hashApiKey(adminKey))) return { created: false };
    for (let n = 1; ; n++) {
      try {
        await keys.create(n === 1 ? BOOTSTRAP_KEY_NAME : `${BOOTSTRAP_KEY_NAME}-${n}`, BOOTSTRAP_ROLES, adminKey);
        return { created: 'from_env' };
      } catch (error) {
        if (!(error instanceof ApiKeyNameTakenError)) throw error;
      }
    }
  }
  if ((await keys.store.count()) > 0) return { created: false };
  const { key } = await keys.create(BOOTSTRAP_KEY_NAME, BOOTSTRAP_ROLES);
  return { created: 'generated', key };
}

export function bootstrapBanner(key: string, baseUrl: string): string {
  return [
    '',
    '  The first admin key of this engine (shown once; it is stored only as a hash):',
    '',
    `    ${key}`,
    '',
    '  Use it:',
    `    curl -H "Authorization: Bearer ${key}" ${baseUrl}/pipeline`,
    '',
    '  Create keys per role with POST /admin/keys or `npm run cli -- keys create --name NAME --role writer`.',
    '',
  ].join('\n');
}

export const AUTH_OFF_WARNING =
  'WARNING: AUTH=off — authentication is OFF. Anyone who can reach this port can read personal data and change every lead; events record the actor "anonymous". Never run it like this on a network.';
