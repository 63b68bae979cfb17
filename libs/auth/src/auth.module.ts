import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { createApiKeyStore, isApiKeyStore } from './api-keys/api-key-store.factory';
import type { ApiKeyStore } from './api-keys/api-key.store';
import { ApiKeys } from './api-keys/api-keys';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options';
import { Authenticator } from './authenticator';
import { AUTH_OFF_WARNING, bootstrapBanner, ensureBootstrapKey } from './bootstrap-key';
import { AuthGuard } from './http/auth.guard';
import { JwtVerifier } from './jwt/jwt-verifier';
import { SecurityAudit } from './security-audit';

export const API_KEY_STORE = Symbol('API_KEY_STORE');

/**
 * Authentication and roles for the HTTP app: a global guard (every route needs a role unless @Public),
 * API keys in their store, JWTs of the identity provider, the bootstrap admin key and the security audit.
 * Needs EVENT_STORE (LeadLifecycleModule provides it).
 */
@Module({})
export class AuthModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    @Inject(API_KEY_STORE) private readonly store: ApiKeyStore,
    private readonly keys: ApiKeys,
  ) {}

  static forRoot(options: AuthOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        {
          provide: API_KEY_STORE,
          useFactory: () =>
            isApiKeyStore(options.keyStore)
              ? options.keyStore
              : createApiKeyStore(options.keyStore ?? { kind: 'sqlite', path: ':memory:' }),
        },
        {
          provide: ApiKeys,
          useFactory: (store: ApiKeyStore) => new ApiKeys(store, { cacheTtlMs: options.keyCacheTtlMs }),
          inject: [API_KEY_STORE],
        },
        {
          provide: Authenticator,
          useFactory: (keys: ApiKeys) => new Authenticator(keys, options.jwt ? new JwtVerifier(options.jwt) : undefined),
          inject: [ApiKeys],
        },
        { provide: SecurityAudit, useFactory: (store: EventStore) => new SecurityAudit(store), inject: [EVENT_STORE] },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [AUTH_OPTIONS, API_KEY_STORE, ApiKeys, SecurityAudit, Authenticator],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const print = this.options.print ?? ((text: string) => process.stdout.write(text + '\n'));
    if (this.options.enabled === false) {
      print(AUTH_OFF_WARNING);
      return;
    }
    if (this.options.resolvePrincipal) return; // the host authenticates; its principals are not our keys
    const outcome = await ensureBootstrapKey(this.keys, this.options.adminKey);
    // Printed, never logged: the key must not end up in a log aggregator.
    if (outcome.created === 'generated') print(bootstrapBanner(outcome.key, `http://localhost:${process.env.PORT ?? 3000}`));
  }

  async onApplicationShutdown(): Promise<void> {
    if (!isApiKeyStore(this.options.keyStore)) await this.store.close();
  }
}
