import { dirname, join } from 'node:path';
import type { ApiKeyStore } from './api-keys/api-key.store';
import type { JwtOptions } from './jwt/jwt-verifier';
import type { Principal } from './principal';

export type KeyStoreConfig = { kind: 'sqlite'; path: string } | { kind: 'mongodb'; url: string; database?: string };

export interface AuthOptions {
  /** false only with AUTH=off: every request acts as `anonymous`, and a warning is printed at every start. */
  enabled?: boolean;
  /** LEADS_ADMIN_KEY: this secret becomes the bootstrap admin key (stored hashed) instead of a generated one. */
  adminKey?: string;
  keyStore?: ApiKeyStore | KeyStoreConfig;
  jwt?: JwtOptions;
  /** METRICS_PUBLIC=true: GET /metrics without a credential. */
  metricsPublic?: boolean;
  /** How long a verified key is trusted before the store is asked again (default 2 s). */
  keyCacheTtlMs?: number;
  /**
   * An embedding host's own authentication: the principal of a request, or null when it has none (401).
   * When given, bearer credentials are not looked at.
   */
  resolvePrincipal?: (request: unknown) => Principal | null | Promise<Principal | null>;
  /** Where the bootstrap key is printed (default stdout); the warning of AUTH=off goes there too. */
  print?: (text: string) => void;
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

/**
 * AUTH (on | off), LEADS_ADMIN_KEY, AUTH_SQLITE_PATH (default auth.sqlite beside SQLITE_PATH; MongoDB when
 * READ_STORE=mongodb), AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE,
 * AUTH_JWT_ROLES_CLAIM, AUTH_JWT_CLOCK_SKEW, METRICS_PUBLIC, AUTH_KEY_CACHE_TTL_MS.
 */
export function authOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthOptions {
  const auth = (env.AUTH ?? 'on').trim().toLowerCase();
  if (auth !== 'on' && auth !== 'off') throw new AuthConfigError(`AUTH must be "on" (the default) or "off", not "${env.AUTH}"`);
  const adminKey = env.LEADS_ADMIN_KEY?.trim() || undefined;
  if (adminKey !== undefined && adminKey.length < 24)
    throw new AuthConfigError('LEADS_ADMIN_KEY must be at least 24 characters (use a random secret, e.g. openssl rand -base64 32)');
  const jwks = env.AUTH_JWKS_URL?.trim();
  const publicKey = env.AUTH_JWT_PUBLIC_KEY?.trim();
  const jwt: JwtOptions | undefined =
    jwks || publicKey
      ? {
          ...(jwks ? { jwksUrl: jwks } : { publicKey: publicKey!.replace(/\\n/g, '\n') }),
          algorithm: env.AUTH_JWT_ALGORITHM?.trim() || undefined,
          issuer: env.AUTH_JWT_ISSUER?.trim() ?? '',
          audience: env.AUTH_JWT_AUDIENCE?.trim() ?? '',
          rolesClaim: env.AUTH_JWT_ROLES_CLAIM?.trim() || 'roles',
          clockToleranceSeconds: env.AUTH_JWT_CLOCK_SKEW ? Number(env.AUTH_JWT_CLOCK_SKEW) : 30,
        }
      : undefined;
  if (jwt && (!jwt.issuer || !jwt.audience))
    throw new AuthConfigError('JWT verification needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE as well as the key');
  return {
    enabled: auth === 'on',
    adminKey,
    keyStore: keyStoreConfigFromEnv(env),
    jwt,
    metricsPublic: env.METRICS_PUBLIC?.trim().toLowerCase() === 'true',
    keyCacheTtlMs: env.AUTH_KEY_CACHE_TTL_MS ? Number(env.AUTH_KEY_CACHE_TTL_MS) : undefined,
  };
}

/** Keys live where the deployment's state lives: MongoDB beside the read models, or auth.sqlite beside the events. */
export function keyStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): KeyStoreConfig {
  if ((env.READ_STORE ?? '').trim().toLowerCase().startsWith('mongo')) {
    const url = env.MONGODB_URL?.trim();
    if (!url) throw new AuthConfigError('READ_STORE=mongodb needs MONGODB_URL; the API keys live there too');
    return { kind: 'mongodb', url };
  }
  const explicit = env.AUTH_SQLITE_PATH?.trim();
  if (explicit) return { kind: 'sqlite', path: explicit };
  const events = env.SQLITE_PATH?.trim() || './data/leads.sqlite';
  return { kind: 'sqlite', path: events === ':memory:' ? ':memory:' : join(dirname(events), 'auth.sqlite') };
}
