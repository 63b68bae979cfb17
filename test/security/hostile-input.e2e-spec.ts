import { BOOTSTRAP_KEY_NAME } from '@lead/auth';
import { Logger, type INestApplication } from '@nestjs/common';
import type { EventStore } from '@lead/event-store';
import { deterministicUuid } from '@lead/lifecycle';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../apps/api/src/app.factory';
import { ERROR_CODES } from '../../apps/api/src/http/error-codes';
import { TEST_ADMIN_KEY, authedClient, bearer } from '../support/authed-app';
import { listen } from '../support/http';
import { describeForStore, eventStoreCases } from '../support/test-event-stores';

const lead = {
  kind: 'B2B',
  contact: { name: 'Ana Pop', email: 'ana.pop@acme.ro' },
  company: { name: 'Acme SRL', industry: 'manufacturing', employees: 120 },
  source: { channel: 'web_form', origin: 'organic_search' },
};
/** `{"a":{"a":...{"a":1}}}` with `levels` objects. */
const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });

for (const storeCase of eventStoreCases()) {
  describeForStore(storeCase, () => {
    let app: INestApplication;
    let store: EventStore;
    let close: () => Promise<void>;
    let http: ReturnType<typeof authedClient>;
    let leadId: string;

    beforeAll(async () => {
      ({ store, close } = await storeCase.open());
      app = await createApp(
        { auth: { adminKey: TEST_ADMIN_KEY, print: () => undefined }, eventStore: store, policies: false, projections: false },
        { logger: false },
      );
      http = authedClient(await listen(app), TEST_ADMIN_KEY);
      leadId = (await http.post('/leads', { ...lead, contact: { name: 'Ion', email: `ion.${randomUUID()}@acme.ro` } })).body.leadId;
    });
    afterAll(async () => {
      await app?.close();
      await close?.();
    });

    const eventIds = async () => (await store.readAll({ maxCount: 100_000 })).map((e) => e.id).join(',');

    describe('input limits: refused before any handler, naming the path, writing nothing', () => {
      let before: string;
      beforeEach(async () => {
        before = await eventIds();
      });
      afterEach(async () => {
        expect(await eventIds()).toBe(before);
      });

      it('400: a body nested deeper than 8 levels (inside free-form attributes)', async () => {
        // body (1), attributes' object (2), then seven more: the last one, at attributes.a×7, is level 9.
        const res = await http.post('/leads', { ...lead, attributes: nested(8) });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          code: 'validation_failed',
          message: expect.any(String),
          errors: [{ field: 'attributes.a.a.a.a.a.a.a', message: 'nests deeper than 8 levels' }],
        });
      });
      it('400: an array of more than 200 elements in an activity detail', async () => {
        const res = await http.post(`/leads/${leadId}/activities`, { type: 'page_visit', details: { pages: Array(201).fill('x') } });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'details.pages', message: 'has more than 200 elements' }]);
      });
      it('400: a body that is itself a huge array', async () => {
        const res = await http.post('/leads', Array(500).fill(1));
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: '(root)', message: 'has more than 200 elements' }]);
      });
      it.each(['__proto__', 'constructor', 'prototype'])('400: the key %s anywhere in a body', async (key) => {
        const raw = `{"kind":"B2B","contact":{"name":"Ana","email":"a@b.ro"},"attributes":{"x":[{"${key}":{"admin":true}}]}}`;
        const res = await http.post('/leads', raw);
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: `attributes.x.0.${key}`, message: `the key "${key}" is not accepted` }]);
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
      });
      it('400: a prototype key in a query string', async () => {
        const res = await http.get('/leads/00000000-0000-4000-8000-000000000000?__proto__=1');
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: '__proto__', message: 'the key "__proto__" is not accepted' }]);
      });
      it('400: an over-long array in a query string (repeated parameter)', async () => {
        const res = await http.get(`/leads/${leadId}?${Array.from({ length: 201 }, () => 'x=1').join('&')}`);
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'x', message: 'has more than 200 elements' }]);
      });
      it('a body at the limits is accepted', async () => {
        const res = await http.post(`/leads/${leadId}/activities`, { type: 'page_visit', details: { pages: Array(200).fill('x') } });
        expect(res.status).toBe(200);
        before = await eventIds();
      });
    });

    describe('error bodies hold no stack or internal path', () => {
      it('400: malformed JSON says what, not where', async () => {
        const res = await http.post(`/leads/${leadId}/need`, '{"need": ');
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('bad_request');
        expect(JSON.stringify(res.body)).not.toMatch(/\/(node_modules|work|home|usr)\/|at .+:\d+:\d+/);
      });
      it('404: an unknown route answers with a documented code', async () => {
        const res = await http.post('/no/such/route', {});
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ code: 'not_found', message: 'Cannot POST /no/such/route' });
      });
      it('415-class refusals from the body parser have a code as well', async () => {
        const res = await fetch(`${http.base}/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=latin-9' },
          body: '{}',
        });
        expect(res.status).toBe(415);
        expect(await res.json()).toEqual({ code: 'unsupported_media_type', message: 'unsupported charset "LATIN-9"' });
      });
      it('every code in these answers is a documented one', () => {
        expect(ERROR_CODES).toEqual(expect.arrayContaining(['validation_failed', 'bad_request', 'not_found', 'unsupported_media_type']));
      });
    });

    describe('Idempotency-Key', () => {
      const key = (suffix: string) => ({ 'idempotency-key': `order 42/${suffix} ~!` });

      it('a retry with the same key returns the first answer and appends nothing', async () => {
        const body = { ...lead, contact: { name: 'Mara', email: `mara.${randomUUID()}@acme.ro` } };
        const k = key(randomUUID());
        const first = await http.post('/leads', body, k);
        expect(first.status).toBe(201);
        const before = await eventIds();
        const again = await http.post('/leads', { ...body, contact: { email: body.contact.email, name: 'Mara' } }, k);
        expect(again.status).toBe(201);
        expect(again.body).toEqual(first.body);
        expect(await eventIds()).toBe(before);
        // The lead id derives from the command id, which derives from the principal and the key.
        const commandId = deterministicUuid(`idempotency-key:api_key:${BOOTSTRAP_KEY_NAME}:${k['idempotency-key']}`);
        expect(first.body.leadId).toBe(deterministicUuid(`lead:${commandId}`));
        const history = await http.get(`/leads/${first.body.leadId}/history`);
        expect(history.body.events[0].metadata).toMatchObject({ commandId, requestHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      });
      it('422: the same key with another body; nothing appended', async () => {
        const k = key(randomUUID());
        expect((await http.post(`/leads/${leadId}/activities`, { type: 'page_visit' }, k)).status).toBe(200);
        const before = await eventIds();
        const res = await http.post(`/leads/${leadId}/activities`, { type: 'email_opened' }, k);
        expect(res.status).toBe(422);
        expect(res.body).toEqual({ code: 'idempotency_key_reused', message: expect.stringContaining('another request') });
        expect(await eventIds()).toBe(before);
      });
      it('a body commandId keeps working, and is held to the same rule', async () => {
        const commandId = randomUUID();
        const first = await http.post(`/leads/${leadId}/activities`, { type: 'page_visit', commandId });
        const before = await eventIds();
        expect((await http.post(`/leads/${leadId}/activities`, { commandId, type: 'page_visit' })).body).toEqual(first.body);
        expect((await http.post(`/leads/${leadId}/activities`, { type: 'webinar_attended', commandId })).body.code).toBe(
          'idempotency_key_reused',
        );
        expect(await eventIds()).toBe(before);
      });
      it.each([
        ['empty', ''],
        ['over 200 characters', 'k'.repeat(201)],
        ['not ASCII', 'clé'],
      ])('400: a key that is %s, naming the header', async (_, value) => {
        const before = await eventIds();
        const res = await fetch(`${http.base}/leads/${leadId}/activities`, {
          method: 'POST',
          headers: { ...bearer(TEST_ADMIN_KEY), 'content-type': 'application/json', 'idempotency-key': value },
          body: JSON.stringify({ type: 'page_visit' }),
        });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { errors: unknown }).errors).toEqual([
          { field: 'Idempotency-Key', message: 'must be 1 to 200 printable ASCII characters' },
        ]);
        expect(await eventIds()).toBe(before);
      });
      it('400: a key and a different body commandId', async () => {
        const before = await eventIds();
        const res = await http.post(`/leads/${leadId}/activities`, { type: 'page_visit', commandId: randomUUID() }, key('both'));
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([{ field: 'commandId', message: 'differs from the Idempotency-Key header: send one of the two' }]);
        expect(await eventIds()).toBe(before);
      });
      it('400: a requestHash sent by the client', async () => {
        const res = await http.post(`/leads/${leadId}/activities`, { type: 'page_visit', requestHash: 'a'.repeat(64) });
        expect(res.status).toBe(400);
        expect(res.body.errors[0].field).toBe('requestHash');
      });
      it('a 200-character key of printable ASCII is accepted', async () => {
        const res = await http.post(`/leads/${leadId}/activities`, { type: 'page_visit' }, { 'idempotency-key': ' !~'.repeat(66) + 'ab' });
        expect(res.status).toBe(200);
      });
    });
  });
}

describe('500: only internal_error and a request id, the cause in the log', () => {
  it('hides the message and says which log line holds it', async () => {
    const { SqliteEventStore } = await import('@lead/event-store');
    const store = new SqliteEventStore({ path: ':memory:' });
    store.readStream = async () => {
      throw new Error('ENOENT /var/lib/leads/events.sqlite broke');
    };
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const app = await createApp(
      { auth: { adminKey: TEST_ADMIN_KEY, print: () => undefined }, eventStore: store, policies: false, projections: false },
      { logger: false },
    );
    const http = authedClient(await listen(app), TEST_ADMIN_KEY);
    try {
      const res = await http.get(`/leads/${randomUUID()}`);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ code: 'internal_error', message: 'Unexpected error; it has been logged', requestId: expect.any(String) });
      expect(logged).toHaveBeenCalledWith(
        `internal_error requestId=${res.body.requestId} Error: ENOENT /var/lib/leads/events.sqlite broke`,
      );
    } finally {
      logged.mockRestore();
      await app.close();
      await store.close();
    }
  });
});
