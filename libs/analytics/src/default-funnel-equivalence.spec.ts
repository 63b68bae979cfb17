import { funnelProjection, queryFunnel, type FunnelRow } from '@lead/projections';
import { appendCommands, chronological, generateLeads } from '../../projections/src/testing/lead-history.generator';
import { startHarness, type ProjectionHarness } from '../../projections/src/testing/projection.test-kit';
import { defaultFunnelDefinition } from './funnel-definitions.store';
import { measureFunnel, type FunnelMeasures } from './funnel-measures';
import { replayHistory } from './funnel-replay';

/** The live funnel's cohort row, in the replay's terms: the steps of the default definition. */
function liveCells(row: FunnelRow) {
  const t = row.timeBetweenStages;
  return {
    entered: [row.counts.captured, row.counts.qualified, row.counts.handedToSales, row.counts.won],
    capturedToQualified: [t.capturedToQualified.count, t.capturedToQualified.medianSeconds, t.capturedToQualified.p90Seconds],
    qualifiedToHanded: [t.qualifiedToHanded.count, t.qualifiedToHanded.medianSeconds, t.qualifiedToHanded.p90Seconds],
    conversion: [
      row.conversion.qualifiedPerCaptured,
      row.conversion.handedPerQualified,
      row.conversion.wonPerHanded,
      row.conversion.wonPerCaptured,
    ],
    disqualified: row.counts.disqualified,
    disqualifiedByReason: sortedKeys(row.counts.disqualifiedByReason),
  };
}

function replayCells(m: FunnelMeasures) {
  const [, qualified, handed, won] = m.steps;
  const time = (s: typeof qualified) => [s.timeFromPrevious.count, s.timeFromPrevious.medianSeconds, s.timeFromPrevious.p90Seconds];
  return {
    entered: m.steps.map((s) => s.entered),
    capturedToQualified: time(qualified),
    qualifiedToHanded: time(handed),
    conversion: [qualified.conversionFromPrevious, handed.conversionFromPrevious, won.conversionFromPrevious, won.conversionFromFirst],
    disqualified: Object.values(m.disqualifiedByReason).reduce((a, n) => a + n, 0),
    disqualifiedByReason: sortedKeys(m.disqualifiedByReason),
  };
}

function sortedKeys(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('the default definition replayed equals the live funnel projection', () => {
  let h: ProjectionHarness;

  beforeAll(async () => {
    h = await startHarness({ projections: [funnelProjection] });
    // Imported leads (back-dated business times, appended last) included.
    await appendCommands(
      h.store,
      chronological(generateLeads({ leads: 1500, seed: 17, start: '2024-01-01', days: 365, importedShare: 0.1 })),
    );
    await h.catchUp(60_000);
  });
  afterAll(() => h.close());

  it('per cohort month and in total: counts, conversions, times between stages, disqualification reasons', async () => {
    const live = await queryFunnel(h.readStore, { from: '2022-01-01', to: '2026-12-31', period: 'month', view: 'cohort' });
    const replay = await replayHistory(h.store, defaultFunnelDefinition());
    const report = measureFunnel(replay);
    expect(report.trend.map((t) => [t.period, replayCells(t)])).toEqual(live.rows.map((r) => [r.period, liveCells(r)]));
    expect(replayCells(report.totals)).toEqual(liveCells(live.totals[0]));
    expect(report.trend.length).toBeGreaterThan(12); // imported leads' year included
    expect(report.totals.steps[3].entered).toBeGreaterThan(50);
  });
});
