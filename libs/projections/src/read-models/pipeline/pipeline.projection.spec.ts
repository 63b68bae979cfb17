import { randomUUID } from 'node:crypto';
import type { LeadEvent, LeadStatus } from '@lead/domain';
import { appendLead, at, ev, startHarness, type ProjectionHarness } from '../../testing/projection.test-kit';
import { InvalidCursorError } from '../paging';
import { PIPELINE, pipelineProjection, queryPipeline, type PipelineLead } from './pipeline.projection';

describe('pipeline read model', () => {
  let h: ProjectionHarness;
  beforeEach(async () => (h = await startHarness({ projections: [pipelineProjection] })));
  afterEach(async () => h.close());

  /** Appends the steps one by one and returns the stage after each. */
  async function stagesAlong(steps: ((id: string) => LeadEvent[])[]): Promise<{ id: string; stages: LeadStatus[] }> {
    const id = randomUUID();
    const stages: LeadStatus[] = [];
    let revision: bigint | undefined;
    let day = 1;
    for (const step of steps) {
      const result = await appendLead(h.store, id, [at(`2025-01-${String(day++).padStart(2, '0')}T09:00:00Z`, ...step(id))], revision);
      revision = result.nextExpectedRevision;
      await h.runner.waitForPosition(result.position, 2000);
      stages.push(((await h.readStore.get(PIPELINE, id)) as PipelineLead).stage);
    }
    return { id, stages };
  }

  it('follows the status table through every transition', async () => {
    const sale = await stagesAlong([
      (id) => [ev.captured(id)],
      (id) => [ev.need(id), ev.budget(id)],
      (id) => [ev.decisionMaker(id), ev.qualified(id)],
      (id) => [ev.handed(id, 'bogdan')],
      (id) => [ev.won(id)],
    ]);
    expect(sale.stages).toEqual(['open', 'open', 'qualified', 'handed_to_sales', 'won']);

    const recycled = await stagesAlong([
      (id) => [ev.captured(id)],
      (id) => [ev.nurtured(id)],
      (id) => [ev.reactivated(id)],
      (id) => [ev.disqualified(id, 'no_need')],
      (id) => [ev.reactivated(id, 'disqualified')],
      (id) => [ev.handed(id, undefined, false)],
      (id) => [ev.lost(id, true), ev.nurtured(id, 'nurture')],
      (id) => [ev.reactivated(id)],
      (id) => [ev.qualified(id)],
      (id) => [ev.handed(id)],
      (id) => [ev.lost(id, false)],
    ]);
    expect(recycled.stages).toEqual([
      'open',
      'nurturing',
      'open',
      'disqualified',
      'open',
      'handed_to_sales',
      'nurturing',
      'open',
      'qualified',
      'handed_to_sales',
      'lost',
    ]);

    const merged = await stagesAlong([(id) => [ev.captured(id)], (id) => [ev.merged(id, 'survivor-1')]]);
    expect(merged.stages).toEqual(['open', 'merged']);
    expect(await h.readStore.get(PIPELINE, merged.id)).toMatchObject({ survivorLeadId: 'survivor-1' });

    const erased = await stagesAlong([(id) => [ev.captured(id, { name: 'Maria Ionescu' })], (id) => [ev.erased(id)]]);
    expect(erased.stages).toEqual(['open', 'erased']);
    expect(await h.readStore.get(PIPELINE, erased.id)).toMatchObject({ contactName: null, companyName: 'Acme SRL' });
  });

  it('keeps owner, segment, score, source, company and times as defined', async () => {
    const id = randomUUID();
    const result = await appendLead(h.store, id, [
      at(
        '2025-02-01T09:00:00Z',
        ev.captured(id, {
          channel: 'ebook',
          origin: 'paid_search',
          campaign: 'crm-ebook',
          name: 'Ana Pop',
          company: 'Acme',
          industry: 'retail',
        }),
      ),
      at('2025-02-02T09:00:00Z', ev.activity(id, '2025-02-03T15:00:00.000Z', 'ebook_download')),
      at('2025-02-05T09:00:00Z', ev.scored(id, 72, 'hot', 'v2')),
      at('2025-02-04T09:00:00Z', ev.assigned(id, 'ana', 'A')),
      at('2025-02-04T10:00:00Z', ev.assigned(id, 'carmen')),
      at('2025-02-04T11:00:00Z', ev.corrected(id, 'Ana Pop-Rusu', { name: 'Acme Group', industry: 'retail' })),
      at('2025-02-04T12:00:00Z', ev.handed(id, 'bogdan', false)),
      at('2025-02-09T09:00:00Z', ev.scored(id, 30, 'cold')),
    ]);
    await h.runner.waitForPosition(result.position, 2000);
    expect(await h.readStore.get(PIPELINE, id)).toEqual({
      leadId: id,
      stage: 'handed_to_sales',
      kind: 'B2B',
      contactName: 'Ana Pop-Rusu',
      companyName: 'Acme Group',
      industry: 'retail',
      channel: 'ebook',
      origin: 'paid_search',
      campaign: 'crm-ebook',
      owner: 'bogdan', // the hand-off names its owner
      segment: 'A', // the second assignment names none: the first one's stays
      score: 30,
      temperature: 'cold',
      scoringModelVersion: 'v1',
      capturedAt: '2025-02-01T09:00:00.000Z',
      // The activity time (Feb 3 15:00) and later events count; the scores (Feb 5, Feb 9) do not.
      lastActivityAt: '2025-02-04T12:00:00.000Z',
      survivorLeadId: null,
      revision: 7,
      position: result.position.commit.toString(),
    });
  });

  describe('query', () => {
    const leads: Record<string, string> = {};
    beforeEach(async () => {
      const spec: [name: string, events: (id: string) => LeadEvent[], day: number][] = [
        ['hot-ana', (id) => [ev.captured(id, { channel: 'web_form' }), ev.scored(id, 90, 'hot'), ev.assigned(id, 'ana', 'A')], 1],
        ['warm-ana', (id) => [ev.captured(id, { channel: 'ebook' }), ev.scored(id, 50, 'warm'), ev.assigned(id, 'ana', 'B')], 5],
        ['cold-dan', (id) => [ev.captured(id, { channel: 'ebook' }), ev.scored(id, 10, 'cold'), ev.assigned(id, 'dan', 'A')], 3],
        ['unscored', (id) => [ev.captured(id, { channel: 'trial' })], 4],
        ['also-90', (id) => [ev.captured(id, { channel: 'web_form' }), ev.scored(id, 90, 'hot'), ev.nurtured(id)], 2],
      ];
      for (const [name, events, day] of spec) {
        const id = randomUUID();
        leads[name] = id;
        await appendLead(h.store, id, [at(`2025-03-0${day}T09:00:00Z`, ...events(id))]);
      }
      await h.catchUp();
    });
    const names = (items: PipelineLead[]) => items.map((l) => Object.keys(leads).find((k) => leads[k] === l.leadId));

    it('sorts by score, highest first and unscored last, and by last activity, most recent first', async () => {
      const byScore = names((await queryPipeline(h.readStore)).items);
      expect(byScore.slice(0, 2).sort()).toEqual(['also-90', 'hot-ana']);
      expect(byScore.slice(2)).toEqual(['warm-ana', 'cold-dan', 'unscored']);
      expect(names((await queryPipeline(h.readStore, { sort: 'lastActivityAt' })).items)).toEqual([
        'warm-ana',
        'unscored',
        'cold-dan',
        'also-90',
        'hot-ana',
      ]);
    });

    it('filters by stage, owner, segment, temperature and channel', async () => {
      expect(names((await queryPipeline(h.readStore, { owner: 'ana' })).items)).toEqual(['hot-ana', 'warm-ana']);
      expect(names((await queryPipeline(h.readStore, { segment: 'A' })).items)).toEqual(['hot-ana', 'cold-dan']);
      expect(names((await queryPipeline(h.readStore, { temperature: 'hot', stage: 'open' })).items)).toEqual(['hot-ana']);
      expect(names((await queryPipeline(h.readStore, { stage: 'nurturing' })).items)).toEqual(['also-90']);
      expect(names((await queryPipeline(h.readStore, { channel: 'ebook', sort: 'lastActivityAt' })).items)).toEqual([
        'warm-ana',
        'cold-dan',
      ]);
    });

    it('pages with an opaque cursor through every lead exactly once, for either sort', async () => {
      for (const sort of ['score', 'lastActivityAt'] as const) {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await queryPipeline(h.readStore, { sort, limit: 2, cursor });
          seen.push(...page.items.map((l) => l.leadId));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen).toEqual((await queryPipeline(h.readStore, { sort })).items.map((l) => l.leadId));
      }
    });

    it('refuses a cursor of another sort and a limit over 200', async () => {
      const { nextCursor } = await queryPipeline(h.readStore, { limit: 1 });
      await expect(queryPipeline(h.readStore, { sort: 'lastActivityAt', cursor: nextCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(queryPipeline(h.readStore, { cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(queryPipeline(h.readStore, { limit: 201 })).rejects.toThrow('limit must be an integer from 1 to 200');
    });
  });
});
