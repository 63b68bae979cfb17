import type { INestApplication } from '@nestjs/common';
import { SqliteEventStore } from '@lead/event-store';
import { createApp } from '../../apps/api/src/app.factory';
import { rateLimitFromEnv, rateLimitTracker } from '../../apps/api/src/http/rate-limit.module';
import { withEnv } from '../support/env';
import { TEST_ADMIN_KEY, authedClient } from '../support/authed-app';
import { listen } from '../support/http';

const lead = {
  kind: 'B2C',
  contact: { name: 'Ana Pop', email: 'ana.pop@acme.ro' },
  source: { channel: 'web_form', origin: 'organic_search' },
};

async function start(env: Record<string, string | undefined>) {
  const store = new SqliteEventStore({ path: ':memory:' });
  const app: INestApplication = await withEnv(env, () =>
    createApp(
      { auth: { adminKey: TEST_ADMIN_KEY, print: () => undefined }, eventStore: store, policies: false, projections: false },
      { logger: false },
    ),
  );
  const http = authedClient(await listen(app), TEST_ADMIN_KEY);
  return {
    http,
    store,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

describe('security headers', () => {
  let server: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    server = await start({ CORS_ORIGINS: undefined });
  });
  afterAll(() => server.close());

  it('helmet sets its headers on every answer, errors included', async () => {
    for (const res of [await server.http.get('/health'), await server.http.get('/no-such-route')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('the Swagger UI at /docs still loads: no inline script, every asset from the same origin and served', async () => {
    const page = await server.http.get('/docs');
    expect(page.status).toBe(200);
    const html = String(page.body);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.every((attrs) => /src="[^"]+"/.test(attrs))).toBe(true); // CSP script-src 'self' forbids inline ones
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.every((url) => !/^(https?:)?\/\//.test(url))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(new URL(asset, `${server.http.base}/docs`));
      expect([asset, res.status]).toEqual([asset, 200]);
    }
    expect((await server.http.get('/docs/openapi.json')).status).toBe(200);
  });

  it('CORS is off by default: no Access-Control-Allow-Origin, even on a preflight', async () => {
    const simple = await server.http.get('/health', { origin: 'https://evil.example' });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.http.base}/leads`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS_ORIGINS lists the origins allowed', () => {
  let server: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    server = await start({ CORS_ORIGINS: 'https://crm.example, https://ops.example' });
  });
  afterAll(() => server.close());

  it('a listed origin is allowed, with the headers a command needs', async () => {
    const preflight = await fetch(`${server.http.base}/leads`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ops.example');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type,Idempotency-Key,X-On-Behalf-Of');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });
  it('another origin is not', async () => {
    const res = await server.http.get('/health', { origin: 'https://evil.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limits', () => {
  let server: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    server = await start({ RATE_LIMIT: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  });
  afterAll(() => server.close());

  it('429 rate_limited with Retry-After over the limit, counted across endpoints; nothing appended; /health exempt', async () => {
    expect((await server.http.post('/leads', lead)).status).toBe(201);
    expect((await server.http.get('/leads/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await server.http.get('/leads/00000000-0000-4000-8000-000000000000/history')).status).toBe(404);
    const before = (await server.store.readAll({ maxCount: 100 })).length;
    const refused = await server.http.post('/leads', { ...lead, contact: { email: 'other@acme.ro' } });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ code: 'rate_limited', message: 'Too many requests: retry after Retry-After seconds' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect((await server.store.readAll({ maxCount: 100 })).length).toBe(before);
    for (let i = 0; i < 5; i++) expect((await server.http.get('/health')).status).toBe(200);
  });
});

describe('rate limit settings', () => {
  it('RATE_LIMIT=off turns it off; defaults and bad values', () => {
    expect(rateLimitFromEnv({ RATE_LIMIT: 'off' })).toBe('off');
    expect(rateLimitFromEnv({})).toEqual({ limit: 1000, windowMs: 10_000 });
    expect(rateLimitFromEnv({ RATE_LIMIT: '50', RATE_LIMIT_WINDOW_MS: '1000' })).toEqual({ limit: 50, windowMs: 1000 });
    expect(() => rateLimitFromEnv({ RATE_LIMIT: 'lots' })).toThrow('RATE_LIMIT must be a positive integer or "off", not "lots"');
  });
  it('counts per principal when one is authenticated, else per client IP', () => {
    expect(rateLimitTracker({ principal: { kind: 'api_key', id: 'crm-sync', roles: [] }, ip: '10.0.0.1' })).toBe('api_key:crm-sync');
    expect(rateLimitTracker({ principal: { kind: 'anonymous', id: 'anonymous', roles: [] }, ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
    expect(rateLimitTracker({ ip: '10.0.0.2' })).toBe('ip:10.0.0.2');
  });
});
