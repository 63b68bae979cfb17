import type { INestApplication } from '@nestjs/common';
import { ACCESS, ROLES, type Access, type Role } from '@lead/auth';
import { SqliteEventStore } from '@lead/event-store';
import { randomUUID } from 'node:crypto';
import { bearer, startAuthedApp } from '../support/authed-app';

const unknownLead = randomUUID();
/** Every endpoint group, with the access rule it declares. */
const ENDPOINTS: [method: string, path: string, access: Access][] = [
  ['POST', '/leads', 'lead.write'],
  ['POST', `/leads/${unknownLead}/need`, 'lead.write'],
  ['POST', `/leads/${unknownLead}/disqualify`, 'lead.write'],
  ['GET', `/leads/${unknownLead}`, 'lead.write'],
  ['GET', `/leads/${unknownLead}/history`, 'lead.audit'],
  ['GET', `/leads/${unknownLead}/score`, 'read-models'],
  ['POST', `/leads/${unknownLead}/erase`, 'admin'],
  ['GET', '/pipeline', 'read-models'],
  ['GET', '/nurture-queue', 'read-models'],
  ['GET', '/funnel?from=2026-01-01&to=2026-01-31&period=month', 'read-models'],
  ['GET', '/disqualifications', 'read-models'],
  ['GET', '/projections', 'read-models'],
  ['POST', '/projections/no-such-projection/rebuild', 'admin'],
  ['GET', '/scoring/model', 'read-models'],
  ['GET', '/scoring/status', 'read-models'],
  ['PUT', '/scoring/model', 'admin'],
  ['POST', '/scoring/predictive/retrain', 'admin'],
  ['POST', '/admin/keys', 'admin'],
  ['GET', '/admin/keys', 'admin'],
  ['DELETE', '/admin/keys/no-such-key', 'admin'],
  ['GET', '/admin/audit', 'security.audit'],
  ['GET', '/metrics', 'metrics'],
];

describe('roles on every endpoint (the ACCESS table)', () => {
  let app: INestApplication;
  let store: SqliteEventStore;
  let started: Awaited<ReturnType<typeof startAuthedApp>>;
  const events = async () => (await store.readAll({ maxCount: 100_000 })).length;

  beforeAll(async () => {
    store = new SqliteEventStore({ path: ':memory:' });
    started = await startAuthedApp({
      eventStore: store,
      policies: { stateStore: { kind: 'sqlite', path: ':memory:' }, sweepIntervalMs: 3_600_000 },
    });
    app = started.app;
    await started.createKeys(Object.fromEntries(ROLES.map((role) => [`only-${role}`, [role]])));
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const call = (method: string, path: string, headers: Record<string, string>) =>
    started.raw.send(method, path, method === 'GET' ? undefined : {}, headers);

  it.each(ENDPOINTS)('%s %s: 401 without a credential or with an unknown key, and nothing appended', async (method, path) => {
    const before = await events();
    const missing = await call(method, path, {});
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ code: 'unauthenticated', message: 'Send Authorization: Bearer <API key or token>' });
    const unknown = await call(method, path, bearer('lle_not-a-key-of-this-engine-000000000000000'));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ code: 'unauthenticated', message: 'The API key is unknown or revoked' });
    expect((await call(method, path, { authorization: 'Basic dXNlcjpwYXNz' })).body.code).toBe('unauthenticated');
    expect(await events()).toBe(before);
  });

  const cases = ENDPOINTS.flatMap(([method, path, access]) => ROLES.map((role) => [method, path, access, role] as const));
  it.each(cases)('%s %s (%s) as %s', async (method, path, access, role: Role) => {
    const before = await events();
    const res = await call(method, path, started.as(`only-${role}`));
    const allowed = (ACCESS[access] as readonly Role[]).includes(role);
    if (allowed) {
      expect([401, 403]).not.toContain(res.status);
    } else {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        code: 'forbidden',
        required: ACCESS[access][0],
        message: `This needs the ${ACCESS[access].join(' or ')} role`,
      });
      expect(await events()).toBe(before);
    }
  });

  it('leaves GET /health open, and counts refusals by reason in the metrics', async () => {
    expect((await call('GET', '/health', {})).status).toBe(200);
    const metrics = await started.http.get('/metrics');
    expect(metrics.body).toMatch(/lead_auth_failures_total\{reason="missing_credential"\} [1-9]\d*/);
    expect(metrics.body).toMatch(/lead_auth_failures_total\{reason="unknown_key"\} [1-9]\d*/);
    expect(metrics.body).toMatch(/lead_auth_failures_total\{reason="forbidden"\} [1-9]\d*/);
  });
});
