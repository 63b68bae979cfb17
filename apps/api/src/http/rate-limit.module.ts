import type { DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';

export interface RateLimit {
  /** Requests one principal (or, unauthenticated, one client IP) may send per window. */
  limit: number;
  windowMs: number;
}

/** RATE_LIMIT (requests per window, default 1000, or "off") and RATE_LIMIT_WINDOW_MS (default 10 000). */
export function rateLimitFromEnv(env: NodeJS.ProcessEnv = process.env): RateLimit | 'off' {
  const raw = env.RATE_LIMIT?.trim() ?? '';
  if (raw.toLowerCase() === 'off') return 'off';
  const limit = raw === '' ? 1000 : Number(raw);
  const windowMs = env.RATE_LIMIT_WINDOW_MS ? Number(env.RATE_LIMIT_WINDOW_MS) : 10_000;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`RATE_LIMIT must be a positive integer or "off", not "${raw}"`);
  if (!Number.isInteger(windowMs) || windowMs < 1)
    throw new Error(`RATE_LIMIT_WINDOW_MS must be a positive integer, not "${env.RATE_LIMIT_WINDOW_MS}"`);
  return { limit, windowMs };
}

interface PrincipalLike {
  kind: string;
  id: string;
}

/** Whom a request counts against: the authenticated principal (set by the authentication guard, which runs first), else the client IP. */
export function rateLimitTracker(req: Record<string, unknown>): string {
  const principal = req.principal as PrincipalLike | undefined;
  if (principal && principal.kind !== 'anonymous') return `${principal.kind}:${principal.id}`;
  return `ip:${String(req.ip ?? 'unknown')}`;
}

/** One budget per principal across all endpoints (the library's default key is per route); GET /health is exempt (@SkipThrottle). */
export function rateLimitModules(rateLimit: RateLimit | 'off' = rateLimitFromEnv()): DynamicModule[] {
  if (rateLimit === 'off') return [];
  return [
    {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', limit: rateLimit.limit, ttl: rateLimit.windowMs }],
          getTracker: rateLimitTracker,
          generateKey: (_context, tracker) => tracker,
        }),
      ],
      providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
    },
  ];
}

class RateLimitModule {}
