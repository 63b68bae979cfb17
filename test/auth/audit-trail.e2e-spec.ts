import type { INestApplication } from '@nestjs/common';
import { AUTH_OFF_WARNING } from '@lead/auth';
import { SqliteEventStore } from '@lead/event-store';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../apps/api/src/app.factory';
import { bearer, startAuthedApp } from '../support/authed-app';
import { listen } from '../support/http';

const lead = {
  kind: 'B2B',
  contact: { name: 'Ana Pop', email: 'ana.pop@acme.ro' },
  company: { name: 'Acme SRL' },
  source: { channel: 'web_form' },
};

describe('an audit trail no one can forge', () => {
  let app: INestApplication;
  let store: SqliteEventStore;
  let started: Awaited<ReturnType<typeof startAuthedApp>>;
  let jwks: Server;
  let signToken: (sub: string, roles: string[]) => Promise<string>;
  const snapshot = async () => (await store.readAll({ maxCount: 100_000 })).map((e) => e.id).join(',');

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256' }] });
    jwks = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    signToken = (sub, roles) =>
      new SignJWT({ roles })
        .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
        .setSubject(sub)
        .setIssuer('https://idp.test/')
        .setAudience('lead-engine')
        .setExpirationTime('5m')
        .sign(privateKey);

    store = new SqliteEventStore({ path: ':memory:', pollIntervalMs: 20 });
    started = await startAuthedApp({
      eventStore: store,
      auth: { jwt: { jwksUrl, issuer: 'https://idp.test/', audience: 'lead-engine' } },
      projections: { readStore: { kind: 'sqlite', path: ':memory:' } },
    });
    app = started.app;
    await started.createKeys({
      crm: ['service'],
      ana: ['writer'],
      analyst: ['analyst'],
      'analyst-writer': ['analyst', 'writer'],
      auditor: ['auditor'],
    });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await new Promise((r) => jwks?.close(r));
  });

  const capture = async (headers: Record<string, string>) => {
    const res = await started.http.post('/leads', lead, headers);
    expect(res.status).toBe(201);
    return res.body as { leadId: string; position: string };
  };
  const historyOf = async (id: string) => (await started.http.get(`/leads/${id}/history`, started.as('auditor'))).body.events;

  it('records the key name and its kind as the actor', async () => {
    const { leadId } = await capture(started.as('ana'));
    const [captured] = await historyOf(leadId);
    expect(captured.metadata).toMatchObject({ actor: 'key:ana', actorKind: 'api_key' });
    expect(captured.metadata).not.toHaveProperty('onBehalfOf');
  });

  it('records the subject of an identity provider token as user:<sub>', async () => {
    const { leadId } = await capture(bearer(await signToken('maria@acme.ro', ['writer'])));
    expect((await historyOf(leadId))[0].metadata).toMatchObject({ actor: 'user:maria@acme.ro', actorKind: 'jwt' });
    // The signature of maria's token over a payload that claims admin for someone else.
    const [header, payload, signature] = (await signToken('maria@acme.ro', ['writer'])).split('.');
    const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'ceo', roles: ['admin'] };
    const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    expect((await started.http.post('/leads', lead, bearer(forged))).body.code).toBe('unauthenticated');
  });

  it('records a service and the person it acts for, and shows both', async () => {
    const { leadId } = await capture({ ...started.as('crm'), 'x-on-behalf-of': 'user:ion.rusu' });
    const res = await started.http.post(
      `/leads/${leadId}/disqualify`,
      { reason: 'insufficient_budget', note: 'no budget' },
      { ...started.as('crm'), 'x-on-behalf-of': 'user:ion.rusu' },
    );
    expect(res.status).toBe(200);
    const history = await historyOf(leadId);
    expect(history.map((e: { metadata: object }) => e.metadata)).toEqual([
      expect.objectContaining({ actor: 'key:crm', actorKind: 'api_key', onBehalfOf: 'user:ion.rusu' }),
      expect.objectContaining({ actor: 'key:crm', actorKind: 'api_key', onBehalfOf: 'user:ion.rusu' }),
    ]);
  });

  it('refuses X-On-Behalf-Of from anyone but a service, X-Actor from anyone, and appends nothing', async () => {
    const before = await snapshot();
    const notService = await started.http.post('/leads', lead, { ...started.as('ana'), 'x-on-behalf-of': 'user:ion' });
    expect(notService.status).toBe(403);
    expect(notService.body).toMatchObject({ code: 'on_behalf_of_forbidden', required: 'service' });
    const actor = await started.http.post('/leads', lead, { ...started.as('ana'), 'x-actor': 'user:ceo' });
    expect(actor.status).toBe(400);
    expect(actor.body).toMatchObject({ code: 'actor_header_not_accepted', header: 'X-Actor' });
    const malformed = await started.http.post('/leads', lead, { ...started.as('crm'), 'x-on-behalf-of': 'ion<script>' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'invalid_on_behalf_of', header: 'X-On-Behalf-Of' });
    expect(await snapshot()).toBe(before);
  });

  it('shows the pipeline without contact names to an analyst-only principal', async () => {
    const { position } = await capture(started.as('ana'));
    const analyst = await started.http.get(`/pipeline?minPosition=${position}`, started.as('analyst'));
    expect(analyst.status).toBe(200);
    expect(analyst.body.items.length).toBeGreaterThan(0);
    for (const item of analyst.body.items) expect(item).not.toHaveProperty('contactName');
    const both = await started.http.get(`/pipeline?minPosition=${position}`, started.as('analyst-writer'));
    expect(both.body.items[0].contactName).toBe('Ana Pop');
  });

  it('manages keys: shown once, listed without secrets, a duplicate refused, a revoked key refused', async () => {
    const created = await started.http.post('/admin/keys', { name: 'laptop', roles: ['writer', 'analyst'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'laptop', roles: ['writer', 'analyst'], key: expect.stringMatching(/^lle_[\w-]{43}$/) });
    expect((await started.http.post('/admin/keys', { name: 'laptop', roles: ['writer'] })).body).toMatchObject({
      code: 'api_key_name_taken',
      name: 'laptop',
    });
    const invalid = await started.http.post('/admin/keys', { name: 'a b', roles: ['root'] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'roles']);

    const listed = await started.http.get('/admin/keys');
    const laptop = listed.body.keys.find((k: { name: string }) => k.name === 'laptop');
    expect(laptop).toEqual({
      name: 'laptop',
      roles: ['writer', 'analyst'],
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(JSON.stringify(listed.body)).not.toMatch(/[0-9a-f]{64}/);

    expect((await started.http.get('/pipeline', bearer(created.body.key))).status).toBe(200);
    expect((await started.raw.send('DELETE', '/admin/keys/laptop', undefined, bearer(created.body.key))).status).toBe(403);
    expect((await started.http.send('DELETE', '/admin/keys/laptop')).status).toBe(204);
    expect((await started.http.get('/pipeline', bearer(created.body.key))).body.code).toBe('unauthenticated');
    expect((await started.http.send('DELETE', '/admin/keys/nobody')).body.code).toBe('api_key_not_found');
  });

  it('lists security-relevant acts with their principal for admins and auditors', async () => {
    const { leadId } = await capture(started.as('ana'));
    expect((await started.http.post(`/leads/${leadId}/erase`, { reason: 'GDPR request #1' })).status).toBe(200);
    expect((await started.http.post('/projections/funnel/rebuild')).status).toBe(202);
    const audit = await started.http.get('/admin/audit', started.as('auditor'));
    expect(audit.status).toBe(200);
    const acts = audit.body.entries.map((e: { type: string; data: object; actor: string; actorKind: string }) => [
      e.type,
      e.data,
      e.actor,
      e.actorKind,
    ]);
    expect(acts).toEqual(
      expect.arrayContaining([
        ['ApiKeyCreated', { name: 'crm', roles: ['service'] }, 'key:bootstrap-admin', 'api_key'],
        ['ApiKeyCreated', { name: 'laptop', roles: ['writer', 'analyst'] }, 'key:bootstrap-admin', 'api_key'],
        ['ApiKeyRevoked', { name: 'laptop' }, 'key:bootstrap-admin', 'api_key'],
        ['PersonalDataErasureRequested', { leadId }, 'key:bootstrap-admin', 'api_key'],
        ['ProjectionRebuildRequested', { projection: 'funnel' }, 'key:bootstrap-admin', 'api_key'],
      ]),
    );
    // Refusals are counted in the metrics, never recorded one by one.
    expect(audit.body.entries.some((e: { type: string }) => /fail|refus/i.test(e.type))).toBe(false);
  });
});

describe('AUTH=off', () => {
  it('warns at start, admits anyone as anonymous, and still refuses X-Actor', async () => {
    const printed: string[] = [];
    const store = new SqliteEventStore({ path: ':memory:' });
    const app = await createApp(
      { eventStore: store, projections: false, auth: { enabled: false, print: (t) => printed.push(t) } },
      { logger: false },
    );
    try {
      const http = await listen(app);
      expect(printed).toEqual([AUTH_OFF_WARNING]);
      const captured = await http.post('/leads', lead);
      expect(captured.status).toBe(201);
      const history = await http.get(`/leads/${captured.body.leadId}/history`);
      expect(history.body.events[0].metadata).toMatchObject({ actor: 'anonymous', actorKind: 'anonymous' });
      expect((await http.post('/leads', lead, { 'x-actor': 'user:ceo' })).body.code).toBe('actor_header_not_accepted');
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe('an embedding host authenticates', () => {
  it('takes the principal from the host resolver and records host:<id>', async () => {
    const store = new SqliteEventStore({ path: ':memory:' });
    const app = await createApp(
      {
        eventStore: store,
        projections: false,
        auth: {
          resolvePrincipal: (req) =>
            (req as { headers: Record<string, string> }).headers['x-host-session'] === 'ok'
              ? { kind: 'host', id: 'crm-portal', roles: ['writer', 'auditor'] }
              : null,
        },
      },
      { logger: false },
    );
    try {
      const http = await listen(app);
      expect((await http.post('/leads', lead)).status).toBe(401);
      const captured = await http.post('/leads', lead, { 'x-host-session': 'ok' });
      const history = await http.get(`/leads/${captured.body.leadId}/history`, { 'x-host-session': 'ok' });
      expect(history.body.events[0].metadata).toMatchObject({ actor: 'host:crm-portal', actorKind: 'host' });
    } finally {
      await app.close();
      await store.close();
    }
  });
});
