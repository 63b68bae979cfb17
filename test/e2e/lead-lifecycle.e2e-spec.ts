import type { INestApplication } from '@nestjs/common';
import type { EventStore } from '@lead/event-store';
import { randomUUID } from 'node:crypto';
import { startAuthedApp } from '../support/authed-app';
import { describeForStore, eventStoreCases } from '../support/test-event-stores';

const b2bLead = {
  kind: 'B2B',
  contact: { name: 'Ana Pop', email: 'ana.pop@acme.ro' },
  company: { name: 'Acme SRL', industry: 'manufacturing', employees: 120, country: 'RO' },
  source: { channel: 'web_form', origin: 'organic_search', campaign: 'crm-2026' },
  need: 'CRM for 40 sales reps',
};

for (const storeCase of eventStoreCases()) {
  describeForStore(storeCase, () => {
    let app: INestApplication;
    let store: EventStore;
    let close: () => Promise<void>;
    let http: Awaited<ReturnType<typeof startAuthedApp>>['http'];
    let as: (name: string) => Record<string, string>;

    beforeAll(async () => {
      ({ store, close } = await storeCase.open());
      const started = await startAuthedApp({ eventStore: store });
      ({ app, http, as } = started);
      await started.createKeys({ ana: ['writer'], maria: ['writer'], ion: ['writer'] });
    });
    afterAll(async () => {
      await app?.close();
      await close?.();
    });

    /** Everything the store holds for the engine, to show a refusal wrote nothing. */
    const snapshot = async () => (await store.readAll({ maxCount: 100_000 })).map((e) => e.id).join(',');
    const capture = async (body: object = b2bLead) => {
      const res = await http.post('/leads', body, as('ana'));
      expect(res.status).toBe(201);
      return res.body.leadId as string;
    };

    it('runs a lead through its whole life: capture → need → budget → decision maker ⇒ qualified → hand-off → won', async () => {
      const captured = await http.post('/leads', b2bLead, as('ana'));
      expect(captured.status).toBe(201);
      expect(captured.body).toEqual({
        leadId: expect.any(String),
        revision: 0,
        position: expect.stringMatching(/^\d+(\/\d+)?$/),
        events: ['LeadCaptured'],
      });
      const id = captured.body.leadId;

      expect((await http.post(`/leads/${id}/need`, { need: 'CRM for 40 sales reps', productLine: 'crm' }, as('ana'))).body).toMatchObject({
        revision: 1,
        events: ['NeedConfirmed'],
      });
      expect((await http.post(`/leads/${id}/budget`, { amount: 20000, currency: 'EUR' }, as('ana'))).body).toMatchObject({
        revision: 2,
        events: ['BudgetVerified'],
      });
      const third = await http.post(`/leads/${id}/decision-maker`, { name: 'Ion Rusu', role: 'CEO' }, as('ana'));
      expect(third.status).toBe(200);
      expect(third.body).toMatchObject({ revision: 4, events: ['DecisionMakerReached', 'LeadQualified'] });

      const handed = await http.post(`/leads/${id}/hand-to-sales`, { owner: 'maria' }, as('ana'));
      expect(handed.body).toMatchObject({ revision: 5, events: ['HandedToSales'] });
      const won = await http.post(`/leads/${id}/sale-outcome`, { outcome: 'won', amount: 18000, currency: 'EUR' }, as('maria'));
      expect(won.body).toMatchObject({ leadId: id, revision: 6, events: ['SaleWon'] });

      const lead = await http.get(`/leads/${id}`);
      expect(lead.status).toBe(200);
      expect(lead.body).toMatchObject({
        leadId: id,
        status: 'won',
        revision: 6,
        kind: 'B2B',
        contact: { name: 'Ana Pop', email: 'ana.pop@acme.ro' },
        facts: {
          need: 'CRM for 40 sales reps',
          productLine: 'crm',
          budget: { amount: 20000, currency: 'EUR' },
          decisionMaker: { name: 'Ion Rusu', role: 'CEO' },
          owner: 'maria',
        },
      });

      const history = await http.get(`/leads/${id}/history`);
      expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
        'LeadCaptured',
        'NeedConfirmed',
        'BudgetVerified',
        'DecisionMakerReached',
        'LeadQualified',
        'HandedToSales',
        'SaleWon',
      ]);
      const [first, , , dm, qualified] = history.body.events;
      expect(first.metadata).toEqual({
        eventId: expect.any(String),
        commandId: expect.any(String),
        correlationId: first.metadata.commandId,
        causationId: first.metadata.commandId,
        actor: 'key:ana',
        actorKind: 'api_key',
        occurredAt: expect.any(String),
        schemaVersion: 1,
      });
      // The qualification was decided by the same command that brought the third fact.
      expect(qualified.metadata.commandId).toBe(dm.metadata.commandId);
      expect(qualified.data).toMatchObject({ how: 'automatic', facts: { decisionMaker: { name: 'Ion Rusu', role: 'CEO' } } });
      expect(history.body.events.at(-1).metadata.actor).toBe('key:maria');
      const positions = history.body.events.map((e: { position: string }) => BigInt(e.position.split('/')[0]));
      expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    });

    it('keeps the reason of a disqualification in the history, and the lead can come back', async () => {
      const id = await capture();
      const res = await http.post(`/leads/${id}/disqualify`, { reason: 'insufficient_budget', note: 'max 500 EUR this year' }, as('ion'));
      expect(res.body).toMatchObject({ revision: 1, events: ['Disqualified'] });

      const history = await http.get(`/leads/${id}/history`);
      const disqualified = history.body.events[1];
      expect(disqualified).toMatchObject({
        type: 'Disqualified',
        revision: 1,
        data: { leadId: id, reason: 'insufficient_budget', note: 'max 500 EUR this year' },
        metadata: { actor: 'key:ion', actorKind: 'api_key' },
      });
      expect((await http.get(`/leads/${id}`)).body).toMatchObject({
        status: 'disqualified',
        disqualification: { reason: 'insufficient_budget', note: 'max 500 EUR this year' },
      });

      expect((await http.post(`/leads/${id}/reactivate`, { reason: 'new budget year' })).body).toMatchObject({
        revision: 2,
        events: ['LeadReactivated'],
      });
      expect((await http.get(`/leads/${id}`)).body.status).toBe('open');
    });

    it('sends a lead to nurture with a revisit date and reactivates it', async () => {
      const id = await capture();
      const revisitAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const nurtured = await http.post(`/leads/${id}/nurture`, { reason: 'budget only at year end', track: 'nurture', revisitAt });
      expect(nurtured.body).toMatchObject({ revision: 1, events: ['SentToNurture'] });
      expect((await http.get(`/leads/${id}`)).body).toMatchObject({
        status: 'nurturing',
        nurture: { track: 'nurture', reason: 'budget only at year end', revisitAt },
      });
      expect((await http.post(`/leads/${id}/reactivate`, { reason: 'revisit date reached' })).body).toMatchObject({
        revision: 2,
        events: ['LeadReactivated'],
      });
    });

    it('recycles a lost sale with a live need to nurture in the same command', async () => {
      const id = await capture();
      await http.post(`/leads/${id}/hand-to-sales`, { owner: 'maria', override: { reason: 'existing customer' } });
      const lost = await http.post(`/leads/${id}/sale-outcome`, { outcome: 'lost', reason: 'timing', needRemains: true });
      expect(lost.body).toMatchObject({ revision: 3, events: ['SaleLost', 'SentToNurture'] });
      expect((await http.get(`/leads/${id}`)).body.status).toBe('nurturing');
    });

    it('refuses a stale expectedRevision with 409, says the current revision and appends nothing', async () => {
      const id = await capture();
      await http.post(`/leads/${id}/need`, { need: 'CRM' });
      const before = await snapshot();
      const stale = await http.post(`/leads/${id}/budget`, { amount: 1000, currency: 'EUR', expectedRevision: 0 });
      expect(stale.status).toBe(409);
      expect(stale.body).toEqual({
        code: 'wrong_expected_revision',
        message: expect.stringContaining('revision 1'),
        expectedRevision: 0,
        currentRevision: 1,
      });
      expect(await snapshot()).toBe(before);
      const fresh = await http.post(`/leads/${id}/budget`, { amount: 1000, currency: 'EUR', expectedRevision: 1 });
      expect(fresh.body).toMatchObject({ revision: 2 });
    });

    it('answers a retried command id with its first result and appends nothing', async () => {
      const commandId = randomUUID();
      const first = await http.post('/leads', { ...b2bLead, commandId });
      const before = await snapshot();
      const retry = await http.post('/leads', { ...b2bLead, commandId });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(await snapshot()).toBe(before);

      const id = first.body.leadId;
      const needId = randomUUID();
      const need = await http.post(`/leads/${id}/need`, { need: 'CRM', commandId: needId });
      await http.post(`/leads/${id}/budget`, { amount: 5, currency: 'EUR' });
      const afterBudget = await snapshot();
      // Even after later commands, the retry answers what the first attempt answered.
      expect((await http.post(`/leads/${id}/need`, { need: 'CRM', commandId: needId })).body).toEqual(need.body);
      expect(await snapshot()).toBe(afterBudget);
    });

    describe('refusals name the field or rule and write nothing', () => {
      let id: string;
      let before: string;
      beforeAll(async () => {
        id = await capture();
      });
      beforeEach(async () => {
        before = await snapshot();
      });
      afterEach(async () => {
        expect(await snapshot()).toBe(before);
      });

      it('400: a lead without email or phone', async () => {
        const res = await http.post('/leads', { ...b2bLead, contact: { name: 'Ana' } });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          code: 'validation_failed',
          message: expect.stringContaining('contact.email'),
          errors: [{ field: 'contact.email', message: 'a lead needs at least one valid email or phone' }],
        });
      });
      it('400: a malformed email', async () => {
        const res = await http.post('/leads', { ...b2bLead, contact: { name: 'Ana', email: 'ana@' } });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'contact.email', message: 'is not a valid email address' }]);
      });
      it('400: an unknown channel, named with its path', async () => {
        const res = await http.post('/leads', { ...b2bLead, source: { channel: 'fax' } });
        expect(res.status).toBe(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['source.channel']);
      });
      it('400: a B2B lead without a company', async () => {
        const res = await http.post('/leads', { ...b2bLead, company: undefined });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'company.name', message: 'is required: B2B leads carry a company' }]);
      });
      it('400: an unknown field', async () => {
        const res = await http.post(`/leads/${id}/need`, { need: 'CRM', priority: 'high' });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'priority', message: 'property priority should not exist' }]);
      });
      it('400: a disqualification without a note or with an unknown reason', async () => {
        const res = await http.post(`/leads/${id}/disqualify`, { reason: 'boring' });
        expect(res.status).toBe(400);
        expect([...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(['note', 'reason']);
        expect(res.body.errors).toContainEqual({ field: 'note', message: 'note should not be empty' });
      });
      it('400: an activity type outside the configured list', async () => {
        const res = await http.post(`/leads/${id}/activities`, { type: 'fax_sent' });
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe('type');
      });
      it('400: a business time in the future', async () => {
        const res = await http.post(`/leads/${id}/activities`, { type: 'page_visit', occurredAt: '2999-01-01T00:00:00Z' });
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe('occurredAt');
      });
      it('400: a lead id that is not a UUID', async () => {
        const res = await http.post('/leads/not-a-uuid/need', { need: 'CRM' });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'id', message: 'the lead id in the path must be a UUID' }]);
      });
      it('400: malformed JSON', async () => {
        const res = await http.post(`/leads/${id}/need`, '{"need": ');
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ code: 'bad_request', message: expect.stringContaining('JSON') });
      });
      it('413: a body over the size limit', async () => {
        const res = await http.post(`/leads/${id}/need`, { need: 'x'.repeat(100_000) });
        expect(res.status).toBe(413);
        expect(res.body.code).toBe('payload_too_large');
      });
      it('404: an unknown lead', async () => {
        const unknown = randomUUID();
        const res = await http.post(`/leads/${unknown}/need`, { need: 'CRM' });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ code: 'lead_not_found', message: `No lead with id ${unknown}`, leadId: unknown });
        expect((await http.get(`/leads/${unknown}`)).status).toBe(404);
        expect((await http.get(`/leads/${unknown}/history`)).status).toBe(404);
      });
      it('422: handing an unqualified lead to sales without an override', async () => {
        const res = await http.post(`/leads/${id}/hand-to-sales`, { owner: 'maria' });
        expect(res.status).toBe(422);
        expect(res.body).toEqual({
          code: 'rule_refused',
          rule: 'hand_off.requires_qualification',
          message: expect.stringContaining('missing: need, budget, decision maker'),
        });
      });
      it('422: an assistant as decision maker', async () => {
        const res = await http.post(`/leads/${id}/decision-maker`, { name: 'Eva', role: 'assistant to the CEO' });
        expect(res.status).toBe(422);
        expect(res.body.rule).toBe('qualification.assistant_is_not_decision_maker');
      });
      it('422: a sale outcome for a lead that was never handed to sales', async () => {
        const res = await http.post(`/leads/${id}/sale-outcome`, { outcome: 'won' });
        expect(res.status).toBe(422);
        expect(res.body).toMatchObject({ code: 'rule_refused', rule: 'transition.open' });
      });
    });

    it('serves health and OpenAPI docs', async () => {
      expect((await http.get('/health')).body).toMatchObject({ status: 'ok', eventStore: { status: 'up' } });
      const docs = await http.get('/docs/openapi.json');
      expect(docs.status).toBe(200);
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining(['/leads', '/leads/{id}/need', '/leads/{id}/history', '/health']),
      );
    });
  });
}
