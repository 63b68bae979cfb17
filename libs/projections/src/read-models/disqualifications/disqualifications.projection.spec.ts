import { randomUUID } from 'node:crypto';
import { appendLead, at, by, ev, startHarness, type ProjectionHarness } from '../../testing/projection.test-kit';
import {
  DISQUALIFICATIONS,
  disqualificationsProjection,
  queryDisqualifications,
  type Disqualification,
} from './disqualifications.projection';

describe('disqualifications read model', () => {
  let h: ProjectionHarness;
  beforeEach(async () => (h = await startHarness({ projections: [disqualificationsProjection] })));
  afterEach(async () => h.close());

  const facts = {
    need: 'CRM',
    budget: { amount: 500, currency: 'EUR' },
    decisionMaker: { name: 'Ion Rusu', role: 'CEO' },
    score: 15,
    temperature: 'cold' as const,
    scoringModelVersion: 'v3',
  };

  it('records every disqualification with reason, note, actor, rule, and the facts and score its event carries', async () => {
    const id = randomUUID();
    await appendLead(h.store, id, [
      at('2025-01-01T09:00:00Z', ev.captured(id)),
      at('2025-01-02T09:00:00Z', ev.scored(id, 15, 'cold', 'v3')),
      by(
        'policy:auto-disqualify',
        at('2025-01-03T09:00:00Z', ev.disqualified(id, 'insufficient_budget', facts, 'disqualify.budget', 'budget under 1000')),
      ),
      at('2025-01-10T09:00:00Z', ev.reactivated(id, 'disqualified')),
      at('2025-01-11T09:00:00Z', ev.scored(id, 55, 'warm')),
      by(
        'user:ana',
        at(
          '2025-01-12T09:00:00Z',
          ev.disqualified(
            id,
            'unreachable',
            { ...facts, score: 55, temperature: 'warm', scoringModelVersion: 'v1' },
            undefined,
            'no answer in 3 weeks',
          ),
        ),
      ),
    ]);
    const never = randomUUID();
    await appendLead(h.store, never, [
      at('2025-01-05T09:00:00Z', ev.captured(never)),
      at('2025-01-06T09:00:00Z', ev.disqualified(never, 'spam', { need: 'nothing' })),
    ]);
    await h.catchUp();

    const rows = (await queryDisqualifications(h.readStore, { leadId: id })).items;
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({
      id: expect.any(String),
      leadId: id,
      reason: 'insufficient_budget',
      note: 'budget under 1000',
      rule: 'disqualify.budget',
      actor: 'policy:auto-disqualify',
      occurredAt: '2025-01-03T09:00:00.000Z',
      facts,
      score: 15,
      temperature: 'cold',
      scoringModelVersion: 'v3',
      erased: false,
      revision: 2,
      position: '3',
    });
    expect(rows[0]).toMatchObject({
      reason: 'unreachable',
      actor: 'user:ana',
      rule: null,
      score: 55,
      temperature: 'warm',
      scoringModelVersion: 'v1',
    });
    // Never scored: no score, whatever else the snapshot holds.
    expect((await queryDisqualifications(h.readStore, { leadId: never })).items[0]).toMatchObject({
      facts: { need: 'nothing' },
      score: null,
      temperature: null,
      scoringModelVersion: null,
    });
  });

  it('takes the score from the snapshot, not from the scores recorded before it', async () => {
    const id = randomUUID();
    await appendLead(h.store, id, [
      at('2025-01-01T09:00:00Z', ev.captured(id)),
      at('2025-01-02T09:00:00Z', ev.scored(id, 40, 'warm', 'v2')),
      at('2025-01-03T09:00:00Z', ev.disqualified(id, 'no_need', { score: 12, temperature: 'cold', scoringModelVersion: 'v1' })),
    ]);
    await h.catchUp();
    expect((await queryDisqualifications(h.readStore, { leadId: id })).items[0]).toMatchObject({
      score: 12,
      temperature: 'cold',
      scoringModelVersion: 'v1',
    });
  });

  it('drops the decision maker name on erasure, in rows written before it and in the same batch', async () => {
    const id = randomUUID();
    await appendLead(h.store, id, [
      at('2025-01-01T09:00:00Z', ev.captured(id)),
      at('2025-01-03T09:00:00Z', ev.disqualified(id, 'no_need', facts)),
    ]);
    await h.catchUp();
    // Stopped while the rest is appended, so that it is applied as one batch.
    await h.runner.stop();
    const other = randomUUID();
    await appendLead(h.store, other, [
      at('2025-01-01T09:00:00Z', ev.captured(other)),
      at('2025-01-03T09:00:00Z', ev.disqualified(other, 'no_need', facts)),
      at('2025-01-04T09:00:00Z', ev.erased(other)),
    ]);
    await appendLead(h.store, id, [at('2025-01-05T09:00:00Z', ev.erased(id))], 1n);
    await h.runner.start();
    await h.catchUp();
    const rows = (await h.readStore.find(DISQUALIFICATIONS)) as Disqualification[];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.erased).toBe(true);
      expect(row.note).toBeNull();
      expect(row.facts.decisionMaker).toEqual({ role: 'CEO' });
      expect(row.facts.need).toBe('CRM');
    }
  });

  it('filters by reason, actor and period, newest first, page by page', async () => {
    const reasons = ['spam', 'no_need', 'spam', 'duplicate', 'spam'] as const;
    for (const [i, reason] of reasons.entries()) {
      const id = randomUUID();
      await appendLead(h.store, id, [
        at('2025-01-01T09:00:00Z', ev.captured(id)),
        by(i % 2 ? 'user:ana' : 'policy:spam-filter', at(`2025-02-0${i + 1}T09:00:00Z`, ev.disqualified(id, reason))),
      ]);
    }
    await h.catchUp();
    const days = async (q: Parameters<typeof queryDisqualifications>[1]) =>
      (await queryDisqualifications(h.readStore, q)).items.map((r) => r.occurredAt.slice(0, 10));

    expect(await days({})).toEqual(['2025-02-05', '2025-02-04', '2025-02-03', '2025-02-02', '2025-02-01']);
    expect(await days({ reason: 'spam' })).toEqual(['2025-02-05', '2025-02-03', '2025-02-01']);
    expect(await days({ actor: 'user:ana' })).toEqual(['2025-02-04', '2025-02-02']);
    expect(await days({ from: '2025-02-02', to: '2025-02-04' })).toEqual(['2025-02-03', '2025-02-02']);
    expect(await days({ reason: 'spam', actor: 'policy:spam-filter', from: '2025-02-02T00:00:00Z' })).toEqual(['2025-02-05', '2025-02-03']);

    const first = await queryDisqualifications(h.readStore, { limit: 2 });
    const second = await queryDisqualifications(h.readStore, { limit: 2, cursor: first.nextCursor! });
    const third = await queryDisqualifications(h.readStore, { limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((r) => r.occurredAt.slice(0, 10))).toEqual(await days({}));
    expect(third.nextCursor).toBeNull();
  });
});
