import type { INestApplication } from '@nestjs/common';
import type { Role } from '@lead/auth';
import { createApp } from '../../apps/api/src/app.factory';
import type { AppOptions } from '../../apps/api/src/app.module';
import { listen, type HttpAnswer } from './http';

/** The bootstrap admin secret of every test app (LEADS_ADMIN_KEY in a deployment). */
export const TEST_ADMIN_KEY = 'lle_test-admin-secret-0123456789abcdefghij';

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export type Client = Awaited<ReturnType<typeof authedClient>>;

/** The app with authentication on and a known admin key; `http` sends that key unless headers say otherwise. */
export async function startAuthedApp(options: AppOptions = {}, { logger = false }: { logger?: boolean } = {}) {
  const app: INestApplication = await createApp(
    { ...options, auth: { adminKey: TEST_ADMIN_KEY, print: () => undefined, ...options.auth } },
    { logger },
  );
  const raw = await listen(app);
  const http = authedClient(raw, TEST_ADMIN_KEY);
  const keys = new Map<string, string>();

  /** Creates one key per name with the roles given; `as(name)` then answers its Authorization header. */
  const createKeys = async (byName: Record<string, Role[]>): Promise<void> => {
    for (const [name, roles] of Object.entries(byName)) {
      const res = await http.post('/admin/keys', { name, roles });
      if (res.status !== 201) throw new Error(`creating key ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      keys.set(name, res.body.key);
    }
  };
  const keyOf = (name: string): string => {
    const key = keys.get(name);
    if (!key) throw new Error(`No test key named ${name}: create it with createKeys first`);
    return key;
  };
  return { app, raw, http, createKeys, keyOf, as: (name: string) => bearer(keyOf(name)) };
}

/** A client that sends `key` on every request, unless the request's own headers carry an Authorization. */
export function authedClient(raw: Awaited<ReturnType<typeof listen>>, key: string) {
  const withKey = (headers: Record<string, string> = {}) =>
    Object.keys(headers).some((h) => h.toLowerCase() === 'authorization') ? headers : { ...bearer(key), ...headers };
  return {
    base: raw.base,
    get: (path: string, headers?: Record<string, string>): Promise<HttpAnswer> => raw.get(path, withKey(headers)),
    post: (path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer> => raw.post(path, body, withKey(headers)),
    send: (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer> =>
      raw.send(method, path, body, withKey(headers)),
  };
}
