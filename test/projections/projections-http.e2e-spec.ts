import type { INestApplication } from '@nestjs/common';
import { SqliteEventStore, formatPosition } from '@lead/event-store';
import { ProjectionLagTimeoutError, ProjectionRunner, ProjectionsHealth } from '@lead/projections';
import { startAuthedApp } from '../support/authed-app';

const b2bLead = {
  kind: 'B2B',
  contact: { name: 'Ana Pop', email: 'ana.pop@acme.ro' },
  company: { name: 'Acme SRL', industry: 'manufacturing' },
  source: { channel: 'web_form', origin: 'organic_search', campaign: 'crm-2026' },
};

/** The app itself, on a store handed in, with a short read-your-writes wait so the timeout case is quick. */
function createHost(store: SqliteEventStore) {
  return startAuthedApp({ eventStore: store, projections: { readStore: { kind: 'sqlite', path: ':memory:' }, minPositionWaitMs: 300 } });
}

describe('read models over HTTP', () => {
  let store: SqliteEventStore;
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof createHost>>['http'];
  let as: (name: string) => Record<string, string>;

  beforeAll(async () => {
    store = new SqliteEventStore({ path: ':memory:', pollIntervalMs: 20 });
    const started = await createHost(store);
    ({ app, http, as } = started);
    await started.createKeys({ ana: ['writer'], bogdan: ['writer'] });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('reads its own writes: a query with the position a command returned sees that command', async () => {
    const captured = await http.post('/leads', b2bLead, as('ana'));
    expect(captured.status).toBe(201);
    const id = captured.body.leadId;
    await http.post(`/leads/${id}/need`, { need: 'CRM', productLine: 'crm' });
    await http.post(`/leads/${id}/budget`, { amount: 20000, currency: 'EUR' });
    const qualified = await http.post(`/leads/${id}/decision-maker`, { name: 'Ion Rusu', role: 'CEO' });
    expect(qualified.body.events).toEqual(['DecisionMakerReached', 'LeadQualified']);

    const pipeline = await http.get(`/pipeline?stage=qualified&minPosition=${qualified.body.position}`);
    expect(pipeline.status).toBe(200);
    expect(pipeline.body.items.map((l: { leadId: string }) => l.leadId)).toContain(id);
    expect(pipeline.body.items.find((l: { leadId: string }) => l.leadId === id)).toMatchObject({
      stage: 'qualified',
      channel: 'web_form',
      campaign: 'crm-2026',
      revision: 4,
    });
    expect(BigInt(pipeline.body.asOf)).toBeGreaterThanOrEqual(BigInt(qualified.body.position));

    const nurtured = await http.post(`/leads/${id}/nurture`, {
      reason: 'budget next year',
      track: 'content',
      revisitAt: '2099-01-01T00:00:00Z',
    });
    expect(nurtured.status).toBe(200);
    const queue = await http.get(`/nurture-queue?track=content&minPosition=${nurtured.body.position}`);
    expect(queue.body).toMatchObject({
      items: [{ leadId: id, track: 'content', reason: 'budget next year', revisitAt: '2099-01-01T00:00:00.000Z' }],
      nextCursor: null,
    });
    expect((await http.get(`/nurture-queue?dueAt=2098-12-31T00:00:00Z&minPosition=${nurtured.body.position}`)).body.items).toEqual([]);

    const disqualified = await http.post(`/leads/${id}/disqualify`, { reason: 'no_need', note: 'bought elsewhere' }, as('bogdan'));
    expect(disqualified.status).toBe(200);
    const rows = await http.get(`/disqualifications?actor=key:bogdan&minPosition=${disqualified.body.position}`);
    expect(rows.body.items).toEqual([
      expect.objectContaining({
        leadId: id,
        reason: 'no_need',
        note: 'bought elsewhere',
        actor: 'key:bogdan',
        facts: expect.objectContaining({ need: 'CRM' }),
      }),
    ]);

    const today = new Date().toISOString().slice(0, 10);
    const funnel = await http.get(
      `/funnel?from=${today}&to=${today}&period=month&view=cohort&groupBy=channel&minPosition=${disqualified.body.position}`,
    );
    expect(funnel.status).toBe(200);
    expect(funnel.body.rows[0]).toMatchObject({
      period: today.slice(0, 7),
      group: 'web_form',
      counts: { captured: 1, qualified: 1, nurtured: 1, disqualified: 1, disqualifiedByReason: { no_need: 1 } },
    });
  });

  it('answers 503 with Retry-After when the read model does not reach minPosition in time', async () => {
    const head = (await store.headPosition())!;
    const runner = app.get(ProjectionRunner);
    const lagging = jest.spyOn(runner, 'waitForPosition').mockRejectedValueOnce(new ProjectionLagTimeoutError('pipeline', head, null, 300));
    const res = await http.get(`/pipeline?minPosition=${formatPosition(head)}`);
    lagging.mockRestore();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body.message).toMatch(`Projection "pipeline" has not reached position ${formatPosition(head)} within 300 ms`);
  });

  it('answers 400 to a minPosition past the last event: no write ever returned it, waiting cannot help', async () => {
    const res = await http.get('/pipeline?minPosition=999999');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 'bad_request',
      message: expect.stringMatching(/^minPosition 999999 is beyond the last event \(\d+\)$/),
    });
  });

  it('validates query parameters and cursors', async () => {
    for (const query of ['limit=500', 'stage=sleeping', 'minPosition=abc', 'sort=name', 'colour=red']) {
      const res = await http.get(`/pipeline?${query}`);
      expect([query, res.status, res.body.code]).toEqual([query, 400, 'validation_failed']);
    }
    const cursor = await http.get('/pipeline?cursor=not-a-cursor');
    expect(cursor.status).toBe(400);
    expect(cursor.body.message).toContain('cursor');
    const withoutView = await http.get('/funnel?from=2025-01-01&to=2025-01-31&period=month');
    expect(withoutView.status).toBe(200);
    expect(withoutView.body.view).toBe('activity'); // the default view
    expect((await http.get('/funnel?from=2025-01-01&to=2025-01-31&period=month&view=weekly')).status).toBe(400);
    expect((await http.get('/funnel?from=2025-02-30&to=2025-03-01&period=month&view=activity')).status).toBe(400);
    expect((await http.get('/funnel?from=2025-03-01&to=2025-01-01&period=month&view=activity')).body).toMatchObject({
      code: 'bad_request',
      message: 'from must not be after to',
    });
    expect((await http.get('/disqualifications?reason=boredom')).status).toBe(400);
    expect((await http.get('/nurture-queue?dueAt=tomorrow')).status).toBe(400);
  });

  it('pages lists with nextCursor', async () => {
    for (let i = 0; i < 3; i++) await http.post('/leads', { ...b2bLead, contact: { name: `Lead ${i}`, email: `lead${i}@acme.ro` } });
    const head = (await store.headPosition())!.commit;
    const first = await http.get(`/pipeline?limit=2&sort=lastActivityAt&minPosition=${head}`);
    expect(first.body.items).toHaveLength(2);
    const second = await http.get(`/pipeline?limit=2&sort=lastActivityAt&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    const ids = [...first.body.items, ...second.body.items].map((l: { leadId: string }) => l.leadId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reports projection status, rebuilds by name and serves Prometheus metrics', async () => {
    const status = await http.get('/projections');
    expect(status.body.projections.map((p: { name: string }) => p.name)).toEqual([
      'pipeline',
      'nurture-queue',
      'funnel',
      'disqualifications',
    ]);
    expect(status.body.projections[0]).toMatchObject({ state: 'running', eventsBehind: 0, secondsBehind: 0, version: 1 });

    const rebuild = await http.post('/projections/funnel/rebuild');
    expect(rebuild.status).toBe(202);
    expect(rebuild.body).toMatchObject({ name: 'funnel', state: 'catching_up' });
    expect((await http.post('/projections/funnels/rebuild')).status).toBe(404);
    const head = (await store.headPosition())!;
    await app.get(ProjectionRunner).waitForPosition(head, 2000);

    const metrics = await http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toContain('lead_projection_events_behind{projection="funnel"} 0');
    expect(metrics.body).toContain('lead_projection_state{projection="pipeline",state="running"} 1');
    expect(metrics.body).toContain('lead_commands_total');

    expect(await app.get(ProjectionsHealth).check()).toMatchObject({ status: 'up', worstState: 'running', maxEventsBehind: 0 });
  });
});
