import type { INestApplication } from '@nestjs/common';
import { authOptionsFromEnv } from '@lead/auth';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';
import { bearer } from '../support/authed-app';
import { listen } from '../support/http';

/** The app as `npm start` builds it from the environment, on a data directory of its own. */
async function start(dir: string, env: Record<string, string> = {}) {
  const printed: string[] = [];
  const sqlitePath = join(dir, 'leads.sqlite');
  const app: INestApplication = await createApp(
    {
      eventStore: { kind: 'sqlite', path: sqlitePath },
      projections: false,
      policies: false,
      auth: { ...authOptionsFromEnv({ SQLITE_PATH: sqlitePath, ...env }), print: (text) => printed.push(text) },
    },
    { logger: false },
  );
  return { app, printed, http: await listen(app) };
}

describe('secure by default: the bootstrap admin key', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lead-bootstrap-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created and printed once, with the curl line, on a fresh data directory; not on the next start', async () => {
    const first = await start(dir);
    let key: string;
    try {
      expect(first.printed).toHaveLength(1);
      key = /(lle_[\w-]{43})/.exec(first.printed[0])![1];
      expect(first.printed[0]).toContain(`curl -H "Authorization: Bearer ${key}" http://localhost:`);
      expect((await first.http.get('/admin/keys', bearer(key))).body.keys).toEqual([
        expect.objectContaining({ name: 'bootstrap-admin', roles: ['admin', 'writer', 'analyst', 'auditor'], revokedAt: null }),
      ]);
    } finally {
      await first.app.close();
    }
    expect(existsSync(join(dir, 'auth.sqlite'))).toBe(true);
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(key)).toBe(false);

    const second = await start(dir);
    try {
      expect(second.printed).toEqual([]);
      expect((await second.http.post('/leads', {}, bearer(key))).status).toBe(400); // the key still works: validation, not 401
      expect((await second.http.post('/leads', {})).status).toBe(401);
    } finally {
      await second.app.close();
    }
  });

  it('is the secret of LEADS_ADMIN_KEY when set, stored hashed and printed nowhere', async () => {
    const secret = 'container-secret-0123456789-abcdefghij';
    const { app, printed, http } = await start(dir, { LEADS_ADMIN_KEY: secret });
    try {
      expect(printed).toEqual([]);
      expect((await http.get('/admin/keys', bearer(secret))).body.keys).toEqual([expect.objectContaining({ name: 'bootstrap-admin' })]);
      expect((await http.get('/admin/keys', bearer('container-secret-0123456789-abcdefghiX'))).status).toBe(401);
    } finally {
      await app.close();
    }
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(secret)).toBe(false);
  });

  it('refuses a short LEADS_ADMIN_KEY and an AUTH value other than on or off', () => {
    expect(() => authOptionsFromEnv({ LEADS_ADMIN_KEY: 'admin' })).toThrow(/at least 24 characters/);
    expect(() => authOptionsFromEnv({ AUTH: 'false' })).toThrow(/AUTH must be "on" \(the default\) or "off"/);
  });
});
