import type { INestApplication } from '@nestjs/common';
import type { EventStore } from '@lead/event-store';
import { loadRoutingConfigFile, policyStoreConfigFromEnv } from '@lead/policies';
import { ProjectionRunner, readStoreConfigFromEnv } from '@lead/projections';
import { MongoClient } from 'mongodb';
import { resolve } from 'node:path';
import { createApp } from '../../apps/api/src/app.factory';
import { TEST_ADMIN_KEY, authedClient } from '../support/authed-app';
import { listen } from '../support/http';
import { describeWithMongo, startMongoForTests, type MongoForTests } from '../support/mongo-server';
import { describeForStore, eventStoreCases } from '../support/test-event-stores';

const routing = loadRoutingConfigFile(resolve(__dirname, '..', '..', 'libs', 'lead-policies', 'config', 'routing.yaml'));
// Actors come from credentials now: every request here acts as the test app's admin key.
const as = (_actor: string): Record<string, string> => ({});
const lead = (email: string) => ({
  kind: 'B2B',
  contact: { name: 'Ana Pop', email },
  company: { name: 'Acme SRL', industry: 'manufacturing', employees: 120, country: 'RO' },
  source: { channel: 'web_form', origin: 'organic_search', campaign: 'crm-2026' },
});

async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// The read models and the policy state on MongoDB (READ_STORE=mongodb): a real replica set when
// MONGODB_URL is set, else the MongoDB test double.
describeWithMongo('READ_STORE=mongodb end to end', () => {
  let mongo: MongoForTests;
  beforeAll(async () => {
    mongo = await startMongoForTests();
  });
  afterAll(() => mongo?.stop());

  for (const [caseIndex, storeCase] of eventStoreCases().entries()) {
    describeForStore(storeCase, () => {
      const database = `leads_e2e_${process.pid}_${caseIndex}`;
      let store: EventStore;
      let closeStore: () => Promise<void>;
      let app: INestApplication;
      let http: ReturnType<typeof authedClient>;

      const start = async () => {
        // Configured as a deployment is: the read models' and the policies' parsers of the environment.
        const env = { READ_STORE: 'mongodb', MONGODB_URL: mongo.url(database) };
        app = await createApp(
          {
            auth: { adminKey: TEST_ADMIN_KEY, print: () => undefined },
            eventStore: store,
            projections: { readStore: readStoreConfigFromEnv(env), minPositionWaitMs: 5_000 },
            policies: { stateStore: policyStoreConfigFromEnv(env), sweepIntervalMs: 3_600_000 },
          },
          { logger: false },
        );
        http = authedClient(await listen(app), TEST_ADMIN_KEY);
      };

      beforeAll(async () => {
        ({ store, close: closeStore } = await storeCase.open());
        if (mongo.source === 'server') {
          const client = await MongoClient.connect(mongo.url(database));
          await client.db().dropDatabase();
          await client.close();
        }
        await start();
      });
      afterAll(async () => {
        await app?.close();
        await closeStore?.();
      });

      const qualify = async (email: string) => {
        const captured = await http.post('/leads', lead(email), as('user:ana'));
        expect(captured.status).toBe(201);
        const id = captured.body.leadId as string;
        for (const type of ['whitepaper_download', 'contact_form', 'call_booked'])
          expect((await http.post(`/leads/${id}/activities`, { type }, as('service:web'))).status).toBe(200);
        expect((await http.post(`/leads/${id}/need`, { need: 'CRM', productLine: 'crm' }, as('user:ana'))).status).toBe(200);
        expect((await http.post(`/leads/${id}/budget`, { amount: 20000, currency: 'EUR' }, as('user:ana'))).status).toBe(200);
        const qualified = await http.post(`/leads/${id}/decision-maker`, { name: 'Ion Rusu', role: 'CEO' }, as('user:ana'));
        expect(qualified.body.events).toEqual(['DecisionMakerReached', 'LeadQualified']);
        return id;
      };
      const handedTo = (id: string) =>
        eventually(async () => {
          const res = await http.get(`/leads/${id}`);
          return res.body.status === 'handed_to_sales' && (res.body.facts.owner as string);
        }, `the hand-off of ${id}`);

      it('serves the read models from MongoDB: pipeline, nurture queue, disqualifications and funnel, reading its own writes', async () => {
        const captured = await http.post('/leads', lead('dan.pop@acme.ro'), as('user:ana'));
        const id = captured.body.leadId as string;
        const needed = await http.post(`/leads/${id}/need`, { need: 'CRM', productLine: 'crm' }, as('user:ana'));
        const pipeline = await http.get(`/pipeline?minPosition=${needed.body.position}`);
        expect(pipeline.status).toBe(200);
        expect(pipeline.body.items.find((l: { leadId: string }) => l.leadId === id)).toMatchObject({
          stage: 'open',
          channel: 'web_form',
          campaign: 'crm-2026',
        });

        const nurtured = await http.post(`/leads/${id}/nurture`, {
          reason: 'budget next year',
          track: 'content',
          revisitAt: '2099-01-01T00:00:00Z',
        });
        expect(nurtured.status).toBe(200);
        expect((await http.get(`/nurture-queue?track=content&minPosition=${nurtured.body.position}`)).body).toMatchObject({
          items: [{ leadId: id, track: 'content', reason: 'budget next year', revisitAt: '2099-01-01T00:00:00.000Z' }],
          nextCursor: null,
        });

        const disqualified = await http.post(`/leads/${id}/disqualify`, { reason: 'no_need', note: 'bought elsewhere' }, as('user:bogdan'));
        expect(disqualified.status).toBe(200);
        expect(
          (await http.get(`/disqualifications?actor=key:bootstrap-admin&minPosition=${disqualified.body.position}`)).body.items,
        ).toEqual([expect.objectContaining({ leadId: id, reason: 'no_need', note: 'bought elsewhere', actor: 'key:bootstrap-admin' })]);
        const today = new Date().toISOString().slice(0, 10);
        const funnel = await http.get(
          `/funnel?from=${today}&to=${today}&period=month&view=cohort&groupBy=channel&minPosition=${disqualified.body.position}`,
        );
        expect(funnel.body.rows[0]).toMatchObject({
          period: today.slice(0, 7),
          group: 'web_form',
          counts: { captured: 1, nurtured: 1, disqualified: 1, disqualifiedByReason: { no_need: 1 } },
        });
      });

      it('keeps the policy state in MongoDB: qualified crm leads are scored, and handed to the crm managers in turn', async () => {
        const managers = routing.categories.crm.managers;
        const first = await qualify('ana.pop@acme.ro');
        expect(await handedTo(first)).toBe(managers[0]);
        const second = await qualify('ion.pop@acme.ro');
        expect(await handedTo(second)).toBe(managers[1]);
        const scored = (await http.get(`/leads/${second}/history`)).body.events.filter((e: { type: string }) => e.type === 'LeadScored');
        expect(scored.at(-1).data).toMatchObject({ temperature: 'hot', modelVersion: '2026.1' });
      });

      it('pages the pipeline with nextCursor through every lead once', async () => {
        for (let i = 0; i < 3; i++) await http.post('/leads', lead(`page${i}@acme.ro`), as('user:ana'));
        const head = (await store.headPosition())!.commit;
        const all = (await http.get(`/pipeline?limit=100&minPosition=${head}`)).body.items.map((l: { leadId: string }) => l.leadId);
        const seen: string[] = [];
        let page = await http.get(`/pipeline?limit=2&sort=lastActivityAt&minPosition=${head}`);
        for (;;) {
          expect(page.status).toBe(200);
          seen.push(...page.body.items.map((l: { leadId: string }) => l.leadId));
          if (!page.body.nextCursor) break;
          page = await http.get(`/pipeline?limit=2&sort=lastActivityAt&cursor=${page.body.nextCursor}`);
        }
        expect([...seen].sort()).toEqual([...all].sort());
        expect(all).toHaveLength(6);
      });

      it('rebuilds a projection into the same figures', async () => {
        const today = new Date().toISOString().slice(0, 10);
        const head = (await store.headPosition())!;
        const funnelNow = () =>
          http.get(`/funnel?from=${today}&to=${today}&period=month&view=cohort&groupBy=channel&minPosition=${head.commit}`);
        const before = (await funnelNow()).body.rows;
        expect((await http.post('/projections/funnel/rebuild')).status).toBe(202);
        await app.get(ProjectionRunner).waitForPosition(head, 10_000);
        expect((await funnelNow()).body.rows).toEqual(before);
        expect(before[0].counts).toMatchObject({ captured: 6, qualified: 2 });
      });

      it('restarts from the checkpoints stored in MongoDB, and the round robin goes on where it was', async () => {
        const head = (await store.headPosition())!;
        await app.close();
        const client = await MongoClient.connect(mongo.url(database));
        const counters = async () => (await client.db().collection('policy_round_robin').find({}).toArray()).map((c) => c.counter);
        try {
          const checkpoints = await client.db().collection('projection_checkpoints').find({}).sort({ _id: 1 }).toArray();
          expect(checkpoints.map((c) => [c._id, c.commit, c.resetting])).toEqual(
            ['disqualifications', 'funnel', 'nurture-queue', 'pipeline'].map((name) => [name, head.commit.toString(), false]),
          );
          expect(await counters()).toEqual([2]);
          await start();
          const status = await http.get('/projections');
          expect(status.body.projections.map((p: { eventsBehind: number }) => p.eventsBehind)).toEqual([0, 0, 0, 0]);
          const third = await qualify('eva.pop@acme.ro');
          expect(await handedTo(third)).toBe(routing.categories.crm.managers[0]);
          expect(await counters()).toEqual([3]);
        } finally {
          await client.close();
        }
      });
    });
  }
});
