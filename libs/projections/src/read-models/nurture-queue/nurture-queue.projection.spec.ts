import { randomUUID } from 'node:crypto';
import type { LeadEvent } from '@lead/domain';
import { appendLead, at, ev, startHarness, type ProjectionHarness } from '../../testing/projection.test-kit';
import { NURTURE_QUEUE, nurtureQueueProjection, queryNurtureQueue } from './nurture-queue.projection';

describe('nurture queue read model', () => {
  let h: ProjectionHarness;
  beforeEach(async () => (h = await startHarness({ projections: [nurtureQueueProjection] })));
  afterEach(async () => h.close());

  async function lead(...commands: ((id: string) => LeadEvent[])[]): Promise<string> {
    const id = randomUUID();
    await appendLead(h.store, id, [
      at('2025-01-01T09:00:00Z', ev.captured(id)),
      ...commands.map((c, i) => at(`2025-01-${String(i + 2).padStart(2, '0')}T09:00:00Z`, ...c(id))),
    ]);
    return id;
  }

  it('holds the leads in nurture with track, reason, revisit date and since', async () => {
    const id = await lead((l) => [ev.nurtured(l, 'content', '2025-03-01T00:00:00Z', 'budget next year')]);
    await h.catchUp();
    expect(await h.readStore.find(NURTURE_QUEUE)).toEqual([
      {
        leadId: id,
        track: 'content',
        reason: 'budget next year',
        revisitAt: '2025-03-01T00:00:00.000Z',
        since: '2025-01-02T09:00:00.000Z',
        revision: 1,
        position: '2',
        revisitSort: '2025-03-01T00:00:00.000Z',
      },
    ]);
  });

  it('replaces the row when sent again, and drops it on every way out of nurturing', async () => {
    const again = await lead(
      (l) => [ev.nurtured(l, 'content', '2025-03-01T00:00:00Z')],
      (l) => [ev.nurtured(l, 'nurture', undefined, 'still early')],
    );
    const afterLostSale = await lead(
      (l) => [ev.handed(l, 'ana', false)],
      (l) => [ev.lost(l, true), ev.nurtured(l, 'nurture', undefined, 'sale lost, need remains: price')],
    );
    const gone = await Promise.all([
      lead(
        (l) => [ev.nurtured(l)],
        (l) => [ev.reactivated(l)],
      ),
      lead(
        (l) => [ev.nurtured(l)],
        (l) => [ev.disqualified(l, 'no_need')],
      ),
      lead(
        (l) => [ev.nurtured(l)],
        (l) => [ev.qualified(l)],
      ),
      lead(
        (l) => [ev.nurtured(l)],
        (l) => [ev.handed(l, undefined, false)],
      ),
      lead(
        (l) => [ev.nurtured(l)],
        (l) => [ev.merged(l, 'other')],
      ),
      lead(
        (l) => [ev.nurtured(l)],
        (l) => [ev.erased(l)],
      ),
      lead(
        (l) => [ev.nurtured(l)],
        (l) => [ev.reactivated(l), ev.qualified(l)],
        (l) => [ev.handed(l)],
        (l) => [ev.won(l)],
      ),
    ]);
    await h.catchUp();
    const rows = await h.readStore.find(NURTURE_QUEUE);
    expect(rows.map((r) => r.leadId).sort()).toEqual([again, afterLostSale].sort());
    expect(rows.find((r) => r.leadId === again)).toMatchObject({
      track: 'nurture',
      reason: 'still early',
      revisitAt: null,
      since: '2025-01-03T09:00:00.000Z',
    });
    expect(rows.find((r) => r.leadId === afterLostSale)).toMatchObject({ track: 'nurture', reason: 'sale lost, need remains: price' });
    expect(gone).toHaveLength(7);
  });

  it('answers what is due at a time, by track, sorted by revisit date with undated leads last, page by page', async () => {
    const march = await lead((l) => [ev.nurtured(l, 'nurture', '2025-03-01T00:00:00Z')]);
    const feb = await lead((l) => [ev.nurtured(l, 'content', '2025-02-01T00:00:00Z')]);
    const undated = await lead((l) => [ev.nurtured(l, 'nurture')]);
    const april = await lead((l) => [ev.nurtured(l, 'nurture', '2025-04-01T00:00:00+02:00')]);
    await h.catchUp();
    const ids = async (q: Parameters<typeof queryNurtureQueue>[1]) => (await queryNurtureQueue(h.readStore, q)).items.map((i) => i.leadId);

    expect(await ids({})).toEqual([feb, march, april, undated]);
    expect(await ids({ dueAt: '2025-03-01T00:00:00Z' })).toEqual([feb, march]);
    expect(await ids({ dueAt: '2025-03-01T00:00:00Z', track: 'nurture' })).toEqual([march]);
    expect(await ids({ track: 'nurture' })).toEqual([march, april, undated]);
    expect((await queryNurtureQueue(h.readStore, {})).items[2].revisitAt).toBe('2025-03-31T22:00:00.000Z');

    const first = await queryNurtureQueue(h.readStore, { limit: 3 });
    expect(first.items.map((i) => i.leadId)).toEqual([feb, march, april]);
    const second = await queryNurtureQueue(h.readStore, { limit: 3, cursor: first.nextCursor! });
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items.map((i) => i.leadId)).toEqual([undated]);
    expect(second.items[0]).not.toHaveProperty('revisitSort');
  });
});
