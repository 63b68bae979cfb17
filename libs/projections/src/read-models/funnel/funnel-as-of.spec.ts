import { randomUUID } from 'node:crypto';
import { appendLead, at, ev, startHarness, type ProjectionHarness } from '../../testing/projection.test-kit';
import { funnelAsOf } from './funnel-as-of';
import { queryFunnel } from './funnel.query';

const zero = {
  captured: 0,
  qualified: 0,
  disqualified: 0,
  disqualifiedByReason: {},
  nurtured: 0,
  reactivated: 0,
  handedToSales: 0,
  won: 0,
  lost: 0,
};

describe('funnel as of a past date', () => {
  let h: ProjectionHarness;
  const asOf = '2025-01-31T23:59:59.999Z';
  beforeAll(async () => {
    h = await startHarness({ projections: [funnelAsOf(asOf)] });
    const [l1, l2, l3] = [randomUUID(), randomUUID(), randomUUID()];
    await appendLead(h.store, l1, [
      at('2025-01-06T10:00:00Z', ev.captured(l1, { channel: 'web_form' })),
      at('2025-01-08T10:00:00Z', ev.qualified(l1)),
      at('2025-01-10T10:00:00Z', ev.handed(l1, 'bogdan')),
      at('2025-02-20T10:00:00Z', ev.won(l1)),
    ]);
    await appendLead(h.store, l2, [
      at('2025-01-07T10:00:00Z', ev.captured(l2, { channel: 'ebook' })),
      at('2025-01-07T12:00:00Z', ev.disqualified(l2, 'spam')),
      at('2025-02-03T10:00:00Z', ev.reactivated(l2, 'disqualified')),
    ]);
    // Captured after the date, with an assignment dated before it: not in the funnel then.
    await appendLead(h.store, l3, [
      at('2025-02-15T10:00:00Z', ev.captured(l3, { channel: 'ebook' })),
      at('2025-01-20T10:00:00Z', ev.assigned(l3, 'ana', 'A')),
    ]);
    await h.catchUp();
  });
  afterAll(async () => h.close());

  it('counts only what had happened by then', async () => {
    const report = await queryFunnel(h.readStore, { from: '2025-01-01', to: '2025-02-28', period: 'month', view: 'activity' });
    expect(report.rows.map((r) => [r.period, r.counts])).toEqual([
      ['2025-01', { ...zero, captured: 2, qualified: 1, handedToSales: 1, disqualified: 1, disqualifiedByReason: { spam: 1 } }],
    ]);
  });

  it('follows cohorts only up to that date', async () => {
    const report = await queryFunnel(h.readStore, {
      from: '2025-01-01',
      to: '2025-01-31',
      period: 'month',
      view: 'cohort',
      groupBy: 'channel',
    });
    expect(
      report.rows.map((r) => [
        r.group,
        r.counts.captured,
        r.counts.handedToSales,
        r.counts.won,
        r.counts.disqualified,
        r.counts.reactivated,
      ]),
    ).toEqual([
      ['ebook', 1, 0, 0, 1, 0],
      ['web_form', 1, 1, 0, 0, 0],
    ]);
  });

  it('keeps going as a projection that reached the head', async () => {
    expect((await h.runner.status()).map((s) => s.state)).toEqual(['running']);
  });
});
