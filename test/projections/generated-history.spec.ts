import { statusAfter, type LeadEvent, type LeadStatus } from '@lead/domain';
import {
  queryDisqualifications,
  queryFunnel,
  queryNurtureQueue,
  queryPipeline,
  type FunnelRow,
  type PipelineLead,
  type PipelineQuery,
  type ReadStore,
} from '@lead/projections';
import {
  appendCommands,
  generateLeads,
  chronological,
  type GeneratedLead,
} from '../../libs/projections/src/testing/lead-history.generator';
import { startHarness, type ProjectionHarness } from '../../libs/projections/src/testing/projection.test-kit';

const LEADS = 10_000;

/** What the read models should say, computed here from the generated data without any projection code. */
interface Expected {
  stage: Map<string, LeadStatus>;
  owner: Map<string, string | null>;
  score: Map<string, number | null>;
  temperature: Map<string, string | null>;
}

function expectedPipeline(leads: readonly GeneratedLead[]): Expected {
  const e: Expected = { stage: new Map(), owner: new Map(), score: new Map(), temperature: new Map() };
  for (const lead of leads) {
    let stage: LeadStatus = 'open';
    let owner: string | null = null;
    let score: number | null = null;
    let temperature: string | null = null;
    for (const command of lead.commands) {
      for (const event of command.events) {
        stage = statusAfter(event.type, stage);
        if (event.type === 'LeadAssigned') owner = event.data.owner;
        if (event.type === 'HandedToSales' && event.data.owner) owner = event.data.owner;
        if (event.type === 'LeadScored') [score, temperature] = [event.data.total, event.data.temperature];
      }
    }
    e.stage.set(lead.leadId, stage);
    e.owner.set(lead.leadId, owner);
    e.score.set(lead.leadId, score);
    e.temperature.set(lead.leadId, temperature);
  }
  return e;
}

async function allPipeline(readStore: ReadStore, query: PipelineQuery): Promise<PipelineLead[]> {
  const all: PipelineLead[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPipeline(readStore, { ...query, limit: 200, cursor });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

const COUNTED: Partial<Record<LeadEvent['type'], keyof FunnelRow['counts']>> = {
  LeadCaptured: 'captured',
  LeadQualified: 'qualified',
  Disqualified: 'disqualified',
  SentToNurture: 'nurtured',
  LeadReactivated: 'reactivated',
  HandedToSales: 'handedToSales',
  SaleWon: 'won',
  SaleLost: 'lost',
};

describe(`a generated history of ${LEADS.toLocaleString('en-US')} leads`, () => {
  let h: ProjectionHarness;
  let leads: GeneratedLead[];
  let expected: Expected;

  beforeAll(async () => {
    leads = [...generateLeads({ leads: LEADS, seed: 42, start: '2024-01-01', days: 365, importedShare: 0.1 })];
    h = await startHarness({ start: false });
    await appendCommands(h.store, chronological(leads));
    await h.runner.start();
    await h.catchUp(60_000);
    expected = expectedPipeline(leads);
  }, 60_000);
  afterAll(async () => h?.close());

  it('has every lead in the pipeline, in the stage, with the owner, score and temperature its events give', async () => {
    const everything = await allPipeline(h.readStore, {});
    expect(everything).toHaveLength(LEADS);
    for (const lead of everything) {
      expect([lead.leadId, lead.stage, lead.owner, lead.score, lead.temperature]).toEqual([
        lead.leadId,
        expected.stage.get(lead.leadId),
        expected.owner.get(lead.leadId),
        expected.score.get(lead.leadId),
        expected.temperature.get(lead.leadId),
      ]);
    }
    // Sorted by score, highest first, ties by lead id descending, unscored last.
    const byScore = [...expected.score].sort(([a, x], [b, y]) => (y ?? -Infinity) - (x ?? -Infinity) || (a < b ? 1 : -1)).map(([id]) => id);
    expect(everything.map((l) => l.leadId)).toEqual(byScore);
  });

  it('counts leads per stage and per owner as an independent count does', async () => {
    const count = <K>(map: Map<string, K>, value: K) => [...map.values()].filter((v) => v === value).length;
    for (const stage of ['open', 'qualified', 'nurturing', 'disqualified', 'handed_to_sales', 'won', 'lost', 'merged', 'erased'] as const) {
      expect([stage, (await allPipeline(h.readStore, { stage })).length]).toEqual([stage, count(expected.stage, stage)]);
    }
    expect((await allPipeline(h.readStore, { owner: 'ana', temperature: 'hot' })).length).toBe(
      [...expected.owner].filter(([id, owner]) => owner === 'ana' && expected.temperature.get(id) === 'hot').length,
    );
    const nurturing = count(expected.stage, 'nurturing');
    let inQueue = 0;
    let cursor: string | undefined;
    do {
      const page = await queryNurtureQueue(h.readStore, { limit: 200, cursor });
      inQueue += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(inQueue).toBe(nurturing);
  });

  it('counts funnel activity per month, overall and per owner at the time of each event', async () => {
    const all = new Map<string, Record<string, number>>();
    const byOwner = new Map<string, Record<string, number>>();
    const add = (map: Map<string, Record<string, number>>, key: string, name: string) => {
      const row = map.get(key) ?? {};
      row[name] = (row[name] ?? 0) + 1;
      map.set(key, row);
    };
    for (const lead of leads) {
      let owner = '(none)';
      for (const command of lead.commands) {
        for (const event of command.events) {
          if (event.type === 'LeadAssigned') owner = event.data.owner;
          if (event.type === 'HandedToSales' && event.data.owner) owner = event.data.owner;
          const name = COUNTED[event.type];
          if (!name || command.at < '2024-01-01' || command.at >= '2025-01-01') continue;
          add(all, command.at.slice(0, 7), name);
          add(byOwner, `${command.at.slice(0, 7)} ${owner}`, name);
          if (event.type === 'Disqualified') add(all, command.at.slice(0, 7), `reason:${event.data.reason}`);
        }
      }
    }
    const report = await queryFunnel(h.readStore, { from: '2024-01-01', to: '2024-12-31', period: 'month', view: 'activity' });
    expect(report.rows).toHaveLength(12);
    for (const row of report.rows) {
      const want = all.get(row.period!)!;
      const { disqualifiedByReason, ...counts } = row.counts;
      for (const [name, n] of Object.entries(counts)) expect([row.period, name, n]).toEqual([row.period, name, want[name] ?? 0]);
      for (const [reason, n] of Object.entries(disqualifiedByReason)) expect(n).toBe(want[`reason:${reason}`]);
    }
    const owners = await queryFunnel(h.readStore, {
      from: '2024-01-01',
      to: '2024-12-31',
      period: 'month',
      groupBy: 'owner',
      view: 'activity',
    });
    expect(owners.rows.length).toBe(byOwner.size);
    for (const row of owners.rows) {
      const want = byOwner.get(`${row.period} ${row.group}`)!;
      const { disqualifiedByReason: _, ...counts } = row.counts;
      for (const [name, n] of Object.entries(counts))
        expect([row.period, row.group, name, n]).toEqual([row.period, row.group, name, want[name] ?? 0]);
    }
  });

  it('follows each monthly cohort to its outcome: counts, conversion and time to qualification', async () => {
    interface Cohort {
      captured: number;
      qualified: number;
      handed: number;
      won: number;
      lost: number;
      toQualified: number[];
    }
    const cohorts = new Map<string, Cohort>();
    for (const lead of leads) {
      const capturedAt = lead.commands[0].at;
      if (capturedAt < '2024-01-01' || capturedAt >= '2025-01-01') continue;
      const first = (type: LeadEvent['type']) => lead.commands.find((c) => c.events.some((e) => e.type === type))?.at;
      const c = cohorts.get(capturedAt.slice(0, 7)) ?? { captured: 0, qualified: 0, handed: 0, won: 0, lost: 0, toQualified: [] };
      c.captured++;
      const qualifiedAt = first('LeadQualified');
      if (qualifiedAt) {
        c.qualified++;
        c.toQualified.push((Date.parse(qualifiedAt) - Date.parse(capturedAt)) / 1000);
      }
      if (first('HandedToSales')) c.handed++;
      if (first('SaleWon')) c.won++;
      if (first('SaleLost')) c.lost++;
      cohorts.set(capturedAt.slice(0, 7), c);
    }
    const report = await queryFunnel(h.readStore, { from: '2024-01-01', to: '2024-12-31', period: 'month', view: 'cohort' });
    expect(report.rows.map((r) => r.period)).toEqual([...cohorts.keys()].sort());
    for (const row of report.rows) {
      const c = cohorts.get(row.period!)!;
      expect([row.counts.captured, row.counts.qualified, row.counts.handedToSales, row.counts.won, row.counts.lost]).toEqual([
        c.captured,
        c.qualified,
        c.handed,
        c.won,
        c.lost,
      ]);
      expect(row.conversion.qualifiedPerCaptured).toBeCloseTo(c.qualified / c.captured, 4);
      expect(row.conversion.wonPerHanded).toBeCloseTo(c.won / c.handed, 4);
      const sorted = [...c.toQualified].sort((a, b) => a - b);
      expect(row.timeBetweenStages.capturedToQualified).toEqual({
        count: sorted.length,
        medianSeconds: sorted[Math.ceil(0.5 * sorted.length) - 1],
        p90Seconds: sorted[Math.ceil(0.9 * sorted.length) - 1],
      });
    }
  });

  it('lists every disqualification, by reason', async () => {
    const reasons = new Map<string, number>();
    for (const lead of leads)
      for (const c of lead.commands)
        for (const e of c.events) if (e.type === 'Disqualified') reasons.set(e.data.reason, (reasons.get(e.data.reason) ?? 0) + 1);
    for (const [reason, n] of reasons) {
      let count = 0;
      let cursor: string | undefined;
      do {
        const page = await queryDisqualifications(h.readStore, { reason, limit: 200, cursor });
        count += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect([reason, count]).toEqual([reason, n]);
    }
  });
});
