import { randomUUID } from 'node:crypto';
import { appendLead, at, by, ev, startHarness, type ProjectionHarness } from '../../testing/projection.test-kit';
import { funnelProjection } from './funnel.projection';
import { percentile, periodLabeller, queryFunnel, type FunnelRow } from './funnel.query';

const DAY = 86_400;

/**
 * Four leads, every counted transition, and an imported lead appended last whose business times
 * fall before the others'.
 *
 * L1 web_form/organic_search/spring: captured Mon Jan 6; assigned ana/A Jan 7; qualified Jan 8;
 *    handed to bogdan Jan 10; won Jan 20.
 * L2 ebook/paid_search: captured Jan 7; disqualified (spam, by policy) Jan 7 12:00; reactivated Feb 3;
 *    qualified Feb 4; handed (no owner) Feb 5; lost with need remaining → nurtured Feb 10.
 * L3 web_form: captured Fri Jan 31 23:30; nurtured Feb 1.
 * L4 referral (imported): captured Dec 15 2024; qualified Jan 2; assigned carmen/B Jan 2 12:00;
 *    handed Jan 3; won Feb 1.
 */
async function writeHistory(h: ProjectionHarness): Promise<void> {
  const [l1, l2, l3, l4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  await appendLead(h.store, l1, [
    at('2025-01-06T10:00:00Z', ev.captured(l1, { channel: 'web_form', origin: 'organic_search', campaign: 'spring' })),
    at('2025-01-07T10:00:00Z', ev.assigned(l1, 'ana', 'A')),
    at('2025-01-08T10:00:00Z', ev.qualified(l1)),
    at('2025-01-10T10:00:00Z', ev.handed(l1, 'bogdan')),
    at('2025-01-20T10:00:00Z', ev.won(l1)),
  ]);
  await appendLead(h.store, l2, [
    at('2025-01-07T10:00:00Z', ev.captured(l2, { channel: 'ebook', origin: 'paid_search' })),
    by('policy:spam-filter', at('2025-01-07T12:00:00Z', ev.disqualified(l2, 'spam'))),
    at('2025-02-03T10:00:00Z', ev.reactivated(l2, 'disqualified')),
    at('2025-02-04T10:00:00Z', ev.qualified(l2)),
    at('2025-02-05T10:00:00Z', ev.handed(l2)),
    at('2025-02-10T10:00:00Z', ev.lost(l2, true), ev.nurtured(l2)),
  ]);
  await appendLead(h.store, l3, [
    at('2025-01-31T23:30:00Z', ev.captured(l3, { channel: 'web_form' })),
    at('2025-02-01T10:00:00Z', ev.nurtured(l3, 'content')),
  ]);
  await appendLead(h.store, l4, [
    at('2024-12-15T10:00:00Z', ev.captured(l4, { channel: 'referral', origin: 'referral' })),
    at('2025-01-02T10:00:00Z', ev.qualified(l4)),
    at('2025-01-02T12:00:00Z', ev.assigned(l4, 'carmen', 'B')),
    at('2025-01-03T10:00:00Z', ev.handed(l4)),
    at('2025-02-01T10:00:00Z', ev.won(l4)),
  ]);
  await h.catchUp();
}

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
const time = (count: number, median: number | null = null, p90: number | null = median) => ({
  count,
  medianSeconds: median,
  p90Seconds: p90,
});
const row = (rows: FunnelRow[], period: string | null, group: string | null = null) =>
  rows.find((r) => r.period === period && r.group === group);

describe('funnel read model', () => {
  let h: ProjectionHarness;
  beforeAll(async () => {
    h = await startHarness({ projections: [funnelProjection] });
    await writeHistory(h);
  });
  afterAll(async () => h.close());

  it('counts what happened per month on business time (activity view)', async () => {
    const report = await queryFunnel(h.readStore, { from: '2024-12-01', to: '2025-02-28', period: 'month', view: 'activity' });
    expect(report.rows.map((r) => r.period)).toEqual(['2024-12', '2025-01', '2025-02']);
    expect(row(report.rows, '2024-12')!.counts).toEqual({ ...zero, captured: 1 });
    const jan = row(report.rows, '2025-01')!;
    expect(jan.counts).toEqual({
      ...zero,
      captured: 3,
      qualified: 2,
      disqualified: 1,
      disqualifiedByReason: { spam: 1 },
      handedToSales: 2,
      won: 1,
    });
    expect(jan.conversion).toEqual({ qualifiedPerCaptured: 0.6667, handedPerQualified: 1, wonPerHanded: 0.5, wonPerCaptured: 0.3333 });
    // Transitions that ended in January: L1 2 days and L4 18 days to qualification; L4 1 day and L1 2 days to hand-off; L1 10 days to its sale.
    expect(jan.timeBetweenStages).toEqual({
      capturedToQualified: time(2, 2 * DAY, 18 * DAY),
      qualifiedToHanded: time(2, 1 * DAY, 2 * DAY),
      handedToOutcome: time(1, 10 * DAY),
    });
    const feb = row(report.rows, '2025-02')!;
    expect(feb.counts).toEqual({ ...zero, qualified: 1, nurtured: 2, reactivated: 1, handedToSales: 1, won: 1, lost: 1 });
    expect(feb.conversion).toEqual({ qualifiedPerCaptured: null, handedPerQualified: 1, wonPerHanded: 1, wonPerCaptured: null });
    expect(feb.timeBetweenStages.handedToOutcome).toEqual(time(2, 5 * DAY, 29 * DAY));

    expect(report.totals).toHaveLength(1);
    expect(report.totals[0].counts).toEqual({
      ...zero,
      captured: 4,
      qualified: 3,
      disqualified: 1,
      disqualifiedByReason: { spam: 1 },
      nurtured: 2,
      reactivated: 1,
      handedToSales: 3,
      won: 2,
      lost: 1,
    });
    expect(report.totals[0].timeBetweenStages.capturedToQualified.count).toBe(3);
  });

  it('limits the activity view to the days asked, in days and ISO weeks', async () => {
    const days = await queryFunnel(h.readStore, { from: '2025-01-07', to: '2025-01-07', period: 'day', view: 'activity' });
    expect(days.rows).toHaveLength(1);
    expect(days.rows[0]).toMatchObject({
      period: '2025-01-07',
      counts: { ...zero, captured: 1, disqualified: 1, disqualifiedByReason: { spam: 1 } },
    });
    expect(days.rows[0].timeBetweenStages.capturedToQualified.count).toBe(0);

    const weeks = await queryFunnel(h.readStore, { from: '2025-01-01', to: '2025-02-02', period: 'week', view: 'activity' });
    expect(weeks.rows.map((r) => [r.period, r.counts.captured, r.counts.qualified])).toEqual([
      ['2024-12-30', 0, 1], // L4 qualified Thu Jan 2 (the week starts on Monday Dec 30; only days in the range count)
      ['2025-01-06', 2, 1],
      ['2025-01-20', 0, 0], // L1 won on Monday Jan 20
      ['2025-01-27', 1, 0],
    ]);
  });

  it('attributes each event to the owner and segment the lead had at the time (activity view)', async () => {
    const report = await queryFunnel(h.readStore, {
      from: '2025-01-01',
      to: '2025-01-31',
      period: 'month',
      groupBy: 'owner',
      view: 'activity',
    });
    const counts = (owner: string) => row(report.rows, '2025-01', owner)?.counts;
    expect(counts('(none)')).toEqual({ ...zero, captured: 3, qualified: 1, disqualified: 1, disqualifiedByReason: { spam: 1 } });
    expect(counts('ana')).toEqual({ ...zero, qualified: 1 });
    expect(counts('bogdan')).toEqual({ ...zero, handedToSales: 1, won: 1 });
    expect(counts('carmen')).toEqual({ ...zero, handedToSales: 1 });
    expect(row(report.rows, '2025-01', 'ana')!.timeBetweenStages.capturedToQualified).toEqual(time(1, 2 * DAY));
    expect(row(report.rows, '2025-01', '(none)')!.timeBetweenStages.capturedToQualified).toEqual(time(1, 18 * DAY));
    expect(report.totals.map((t) => t.group)).toEqual(['(none)', 'ana', 'bogdan', 'carmen']);

    const bySegment = await queryFunnel(h.readStore, {
      from: '2025-01-01',
      to: '2025-02-28',
      period: 'month',
      groupBy: 'segment',
      view: 'activity',
    });
    expect(row(bySegment.totals, null, 'B')!.counts).toEqual({ ...zero, handedToSales: 1, won: 1 });
  });

  it('follows the leads captured in the period to their outcome (cohort view)', async () => {
    const report = await queryFunnel(h.readStore, { from: '2025-01-01', to: '2025-01-31', period: 'month', view: 'cohort' });
    expect(report.rows).toHaveLength(1);
    const jan = report.rows[0];
    expect(jan.counts).toEqual({
      captured: 3,
      qualified: 2,
      disqualified: 1,
      disqualifiedByReason: { spam: 1 },
      nurtured: 2,
      reactivated: 1,
      handedToSales: 2,
      won: 1,
      lost: 1,
    });
    expect(jan.conversion).toEqual({ qualifiedPerCaptured: 0.6667, handedPerQualified: 1, wonPerHanded: 0.5, wonPerCaptured: 0.3333 });
    // L1: 2 days to qualification, 2 to hand-off, 10 to the sale; L2: 28 days, 1 day, 5 days.
    expect(jan.timeBetweenStages).toEqual({
      capturedToQualified: time(2, 2 * DAY, 28 * DAY),
      qualifiedToHanded: time(2, 1 * DAY, 2 * DAY),
      handedToOutcome: time(2, 5 * DAY, 10 * DAY),
    });

    const byChannel = await queryFunnel(h.readStore, {
      from: '2024-12-01',
      to: '2025-01-31',
      period: 'month',
      groupBy: 'channel',
      view: 'cohort',
    });
    expect(byChannel.rows.map((r) => [r.period, r.group, r.counts.captured, r.counts.won])).toEqual([
      ['2024-12', 'referral', 1, 1],
      ['2025-01', 'ebook', 1, 0],
      ['2025-01', 'web_form', 2, 1],
    ]);
    // Cohorts group by the lead's current owner.
    const byOwner = await queryFunnel(h.readStore, {
      from: '2024-12-01',
      to: '2025-01-31',
      period: 'month',
      groupBy: 'owner',
      view: 'cohort',
    });
    expect(byOwner.totals.map((r) => [r.group, r.counts.captured])).toEqual([
      ['(none)', 2],
      ['bogdan', 1],
      ['carmen', 1],
    ]);
  });

  it('refuses a range that is not one', async () => {
    await expect(queryFunnel(h.readStore, { from: '2025-02-01', to: '2025-01-01', period: 'day', view: 'activity' })).rejects.toThrow(
      'from must not be after to',
    );
    await expect(queryFunnel(h.readStore, { from: '2025-1-1', to: '2025-01-01', period: 'day', view: 'activity' })).rejects.toThrow(
      'from must be a date (YYYY-MM-DD)',
    );
  });
});

describe('funnel arithmetic', () => {
  it('labels weeks by their Monday and months by YYYY-MM', () => {
    const week = periodLabeller('week');
    expect(['2025-01-05', '2025-01-06', '2025-01-12', '2024-12-31'].map(week)).toEqual([
      '2024-12-30',
      '2025-01-06',
      '2025-01-06',
      '2024-12-30',
    ]);
    expect(periodLabeller('month')('2025-02-28')).toBe('2025-02');
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([7], 0.9)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
  });
});
