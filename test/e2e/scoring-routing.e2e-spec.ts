import type { INestApplication } from '@nestjs/common';
import { SqliteEventStore, type EventStore } from '@lead/event-store';
import { PolicyReactor, loadRoutingConfigFile } from '@lead/policies';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { startAuthedApp } from '../support/authed-app';
import type { HttpAnswer } from '../support/http';

const routing = loadRoutingConfigFile(resolve(__dirname, '..', '..', 'libs', 'lead-policies', 'config', 'routing.yaml'));

const lead = (email: string, extra: object = {}) => ({
  kind: 'B2B',
  contact: { name: 'Ana Pop', email },
  company: { name: 'Acme SRL', industry: 'manufacturing', employees: 120, country: 'RO' },
  source: { channel: 'web_form', origin: 'organic_search' },
  ...extra,
});

/** Polls until `check` returns something truthy; the reactions are asynchronous. */
async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scoring, routing and nurture over HTTP (embedded SQLite)', () => {
  let app: INestApplication;
  let store: EventStore;
  let http: Awaited<ReturnType<typeof startAuthedApp>>['http'];
  let as: (name: string) => Record<string, string>;

  beforeAll(async () => {
    store = new SqliteEventStore({ path: ':memory:' });
    const started = await startAuthedApp({
      eventStore: store,
      policies: { stateStore: { kind: 'sqlite', path: ':memory:' }, sweepIntervalMs: 3_600_000 },
    });
    ({ app, http, as } = started);
    await started.createKeys({ ana: ['writer'], web: ['writer'], maria: ['admin', 'analyst'] });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const put = async (path: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(http.base + path, {
      method: 'PUT',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: res.status, body: (await res.json()) as HttpAnswer['body'] };
  };
  const history = async (id: string) =>
    (await http.get(`/leads/${id}/history`)).body.events as {
      type: string;
      data: HttpAnswer['body'];
      metadata: HttpAnswer['body'];
      by: HttpAnswer['body'];
    }[];

  it('activates the default model on the first start and serves it', async () => {
    const model = await eventually(async () => {
      const res = await http.get('/scoring/model');
      return res.status === 200 && res.body;
    }, 'the default model');
    expect(model).toMatchObject({
      version: '2026.1',
      actor: 'service:lead-engine',
      origin: 'default.yaml',
      model: { thresholds: { hot: 100, warm: 50 } },
      predictive: null,
    });
    expect((await http.get('/scoring/status')).body).toMatchObject({ state: expect.stringMatching(/running|catching_up/) });
  });

  it('whitepaper, form and booked call, with need, budget and decision maker ⇒ handed to the crm category manager, every step explained', async () => {
    const captured = await http.post('/leads', lead('ana.pop@acme.ro'), as('ana'));
    expect(captured.status).toBe(201);
    const id = captured.body.leadId as string;
    for (const type of ['whitepaper_download', 'contact_form', 'call_booked']) {
      expect((await http.post(`/leads/${id}/activities`, { type }, as('web'))).status).toBe(200);
    }
    expect((await http.post(`/leads/${id}/need`, { need: 'CRM for 40 sales reps', productLine: 'crm' }, as('ana'))).status).toBe(200);
    expect((await http.post(`/leads/${id}/budget`, { amount: 20000, currency: 'EUR' }, as('ana'))).status).toBe(200);
    expect((await http.post(`/leads/${id}/decision-maker`, { name: 'Ion Rusu', role: 'CEO' }, as('ana'))).status).toBe(200);

    const handed = await eventually(async () => {
      const res = await http.get(`/leads/${id}`);
      return res.body.status === 'handed_to_sales' && res.body;
    }, 'the hand-off');
    expect(handed.facts).toMatchObject({
      owner: routing.categories.crm.managers[0],
      segment: 'B',
      temperature: 'hot',
      scoringModelVersion: '2026.1',
    });

    const events = await history(id);
    const byId = new Map(events.map((e) => [e.metadata.eventId, e]));
    const scores = events.filter((e) => e.type === 'LeadScored');
    expect(scores.length).toBeGreaterThanOrEqual(2);
    for (const s of scores) {
      expect(s.metadata.actor).toBe('policy:scoring');
      expect(s.data.modelVersion).toBe('2026.1');
      expect(s.by).toEqual({ actor: 'policy:scoring', actorKind: 'policy', modelVersion: '2026.1' });
      // Every rule's contribution is listed and they add up to the total.
      expect(s.data.breakdown.reduce((sum: number, c: { points: number }) => sum + c.points, 0)).toBe(s.data.total);
      expect(s.data.breakdown.map((c: { rule: string }) => c.rule)).toEqual(
        expect.arrayContaining([
          'engagement.call_booked',
          'engagement.decay',
          'fit.industry',
          'fit.channel',
          'negative.free_mail',
          'predictive',
        ]),
      );
      // The causation is the event that triggered the rescoring.
      expect(['LeadCaptured', 'ActivityRecorded', 'NeedConfirmed']).toContain(byId.get(s.metadata.causationId)?.type);
    }
    const last = scores.at(-1)!;
    expect(last.data).toMatchObject({ total: 123, temperature: 'hot' });
    expect(last.data.breakdown).toEqual(
      expect.arrayContaining([
        { rule: 'engagement.call_booked', points: 50, detail: '1 × 50 = 50' },
        { rule: 'fit.industry', points: 12, detail: '"manufacturing"' },
      ]),
    );

    const assigned = events.find((e) => e.type === 'LeadAssigned')!;
    expect(assigned.metadata.actor).toBe('policy:category-routing');
    expect(assigned.data).toEqual({
      leadId: id,
      owner: routing.categories.crm.managers[0],
      rule: 'category:crm:round-robin',
      productLine: 'crm',
      segment: 'B',
    });
    expect(byId.get(assigned.metadata.causationId)?.type).toBe('LeadQualified');
    expect(assigned.by).toEqual({ actor: 'policy:category-routing', actorKind: 'policy', rule: 'category:crm:round-robin' });

    const handOff = events.find((e) => e.type === 'HandedToSales')!;
    expect(handOff.metadata.actor).toBe('policy:hot-hand-off');
    expect(handOff.data).toMatchObject({
      owner: routing.categories.crm.managers[0],
      qualified: true,
      facts: { temperature: 'hot', score: 123, productLine: 'crm' },
    });

    expect(new Set(events.map((e) => e.metadata.actor))).toEqual(
      new Set(['key:ana', 'key:web', 'policy:scoring', 'policy:category-routing', 'policy:hot-hand-off']),
    );

    const score = await http.get(`/leads/${id}/score`);
    expect(score.status).toBe(200);
    expect(score.body).toMatchObject({ leadId: id, total: 123, temperature: 'hot', modelVersion: '2026.1', actor: 'policy:scoring' });
    expect(score.body.explanation).toContain('+50 engagement.call_booked: 1 × 50 = 50');
  });

  it('assigns the next qualified crm lead to the next manager (round-robin)', async () => {
    const id = (
      await http.post(
        '/leads',
        lead('radu@beta.ro', { company: { name: 'Beta SA', industry: 'software', annualRevenue: 20_000_000 } }),
        as('ana'),
      )
    ).body.leadId;
    await http.post(`/leads/${id}/need`, { need: 'CRM', productLine: 'CRM' }, as('ana'));
    await http.post(`/leads/${id}/budget`, { amount: 5000, currency: 'EUR' }, as('ana'));
    await http.post(`/leads/${id}/decision-maker`, { name: 'Radu', role: 'CTO' }, as('ana'));
    const assigned = await eventually(async () => (await history(id)).find((e) => e.type === 'LeadAssigned'), 'the assignment');
    expect(assigned.data).toMatchObject({ owner: routing.categories.crm.managers[1], rule: 'category:crm:round-robin', segment: 'A' });
    // Not hot: it stays qualified with its category manager, not handed over.
    await app.get(PolicyReactor).idle();
    expect((await http.get(`/leads/${id}`)).body.status).toBe('qualified');
  });

  it('refuses a duplicate capture with the existing lead id, and appends nothing', async () => {
    const first = (
      await http.post(
        '/leads',
        lead('ion@gamma.ro', { contact: { name: 'Ion', email: 'ion@gamma.ro', phone: '+40 721 000 111' } }),
        as('ana'),
      )
    ).body.leadId;
    const commandId = randomUUID();
    const byEmail = await http.post('/leads', { ...lead(' ION@Gamma.ro '), commandId }, as('ana'));
    expect(byEmail.status).toBe(422);
    expect(byEmail.body).toMatchObject({ code: 'rule_refused', rule: 'capture.duplicate', existingLeadId: first });
    expect(byEmail.body.message).toContain(first);
    const byPhone = await http.post('/leads', lead('other@gamma.ro', { contact: { name: 'Ion', phone: '+40721000111' } }), as('ana'));
    expect(byPhone.body).toMatchObject({ rule: 'capture.duplicate', existingLeadId: first });
    const all = await store.readAll();
    expect(all.filter((e) => (e.metadata as { commandId?: string }).commandId === commandId)).toEqual([]);
  });

  it('activates a new model over HTTP, rescores live leads with it, and rejects invalid or reused versions', async () => {
    const current = (await http.get('/scoring/model')).body;
    const invalid = await put(
      '/scoring/model',
      { source: 'version: "x"\nthresholds: { hot: 10, warm: 50 }\nengagement: { call_booked: { points: "many" } }\n' },
      as('maria'),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual(
      expect.arrayContaining([
        {
          field: 'source.thresholds.hot',
          message: expect.stringMatching(/^line 2, column \d+: must be greater than thresholds.warm/),
          line: 2,
          column: expect.any(Number),
        },
        {
          field: 'source.engagement.call_booked.points',
          message: expect.stringMatching(/^line 3, column \d+: expected a number/),
          line: 3,
          column: expect.any(Number),
        },
      ]),
    );
    const same = await put('/scoring/model', { source: current.source }, as('maria'));
    expect(same.body).toMatchObject({ version: '2026.1', activated: false });
    const reused = await put('/scoring/model', { source: current.source.replace('hot: 100', 'hot: 90') }, as('maria'));
    expect(reused.body).toMatchObject({ code: 'rule_refused', rule: 'scoring_model.version_reused' });

    const id = (await http.post('/leads', lead('new@delta.ro'), as('ana'))).body.leadId;
    await eventually(async () => (await history(id)).some((e) => e.type === 'LeadScored'), 'the first score');
    const next = current.source
      .replace('version: "2026.1"', 'version: "2026.2"')
      .replace('hot: 100', 'hot: 40')
      .replace('warm: 50', 'warm: 30');
    const activated = await put('/scoring/model', { source: next }, as('maria'));
    expect(activated.body).toMatchObject({ version: '2026.2', activated: true, previousVersion: '2026.1' });
    expect((await http.get('/scoring/model')).body).toMatchObject({
      version: '2026.2',
      actor: 'key:maria',
      model: { thresholds: { hot: 40, warm: 30 } },
    });

    const rescored = await eventually(
      async () => (await history(id)).find((e) => e.type === 'LeadScored' && e.data.modelVersion === '2026.2'),
      'the rescoring',
    );
    expect(rescored.data).toMatchObject({ temperature: 'hot', previousTemperature: 'cold' });
  });

  it('retrains the predictive model only once the history has outcomes to learn from', async () => {
    const res = await http.post('/scoring/predictive/retrain', {}, as('maria'));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'rule_refused',
      rule: 'predictive.insufficient_history',
      message: expect.stringContaining('the history has 0'),
    });
  });

  it('documents the scoring endpoints in OpenAPI', async () => {
    const paths = Object.keys((await http.get('/docs/openapi.json')).body.paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/scoring/model', '/scoring/predictive/retrain', '/scoring/status', '/leads/{id}/score']),
    );
  });
});
