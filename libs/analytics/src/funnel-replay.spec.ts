import { randomUUID } from 'node:crypto';
import { SqliteEventStore, type EventStore } from '@lead/event-store';
import { appendLead, at, ev } from '../../projections/src/testing/projection.test-kit';
import { parseFunnelDefinition, type FunnelDefinition } from './funnel-definition';
import { defaultFunnelDefinition } from './funnel-definitions.store';
import { cellLeads, measureFunnel, parseCell } from './funnel-measures';
import { replayHistory, type TimeTravel } from './funnel-replay';

const DAY = 86_400;

function definition(extra: string): FunnelDefinition {
  return parseFunnelDefinition(
    `name: t\nsteps:\n  - { name: captured, event: LeadCaptured }\n  - status: qualified\n  - status: handed_to_sales\n${extra}`,
    't.yaml',
  );
}

async function replay(store: EventStore, d: FunnelDefinition, travel: TimeTravel = {}, breakdown?: string) {
  const r = await replayHistory(store, d, travel);
  return { replay: r, report: measureFunnel(r, breakdown ? { breakdown } : {}) };
}

const entered = (report: ReturnType<typeof measureFunnel>) => report.totals.steps.map((s) => s.entered);

describe('funnel replay', () => {
  let store: SqliteEventStore;
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];

  beforeEach(async () => {
    store = new SqliteEventStore({ path: ':memory:' });
    // a: qualified after 2 days, handed after 40; b: handed by override without qualification, then qualified;
    // c: qualified after 1 day, merged as a duplicate on day 3.
    await appendLead(store, a, [
      at('2025-01-06T10:00:00Z', ev.captured(a, { channel: 'web_form', campaign: 'spring' })),
      at('2025-01-07T10:00:00Z', ev.activity(a, '2025-01-07T09:00:00Z', 'ebook_download')),
      at('2025-01-08T10:00:00Z', ev.qualified(a)),
      at('2025-01-09T10:00:00Z', ev.activity(a, '2025-01-09T09:00:00Z', 'call_booked')),
      at('2025-02-15T10:00:00Z', ev.handed(a, 'ana')),
    ]);
    await appendLead(store, b, [
      at('2025-01-10T10:00:00Z', ev.captured(b, { channel: 'ebook' })),
      at('2025-01-11T10:00:00Z', ev.handed(b, 'dan', false)),
      at('2025-01-12T10:00:00Z', ev.qualified(b)),
    ]);
    await appendLead(store, c, [
      at('2025-02-01T10:00:00Z', ev.captured(c, { channel: 'web_form' })),
      at('2025-02-02T10:00:00Z', ev.qualified(c)),
      at('2025-02-04T10:00:00Z', ev.merged(c, randomUUID())),
    ]);
  });
  afterEach(() => store.close());

  it('ordered: a step counts only after the previous one; any: whenever it was reached', async () => {
    expect(entered((await replay(store, definition('order: ordered'))).report)).toEqual([3, 3, 1]);
    expect(entered((await replay(store, definition('order: any'))).report)).toEqual([3, 3, 2]);
  });

  it('per step: converted, dropped, conversion from the previous and the first step, time from the previous', async () => {
    const { report } = await replay(store, definition('order: ordered'));
    expect(report.totals.steps.map(({ timeFromPrevious, ...s }) => ({ ...s, median: timeFromPrevious.medianSeconds }))).toEqual([
      { step: 'captured', entered: 3, converted: 3, dropped: 0, conversionFromPrevious: null, conversionFromFirst: 1, median: null },
      { step: 'qualified', entered: 3, converted: 1, dropped: 2, conversionFromPrevious: 1, conversionFromFirst: 1, median: 2 * DAY },
      {
        step: 'handed_to_sales',
        entered: 1,
        converted: 1,
        dropped: 0,
        conversionFromPrevious: 0.3333,
        conversionFromFirst: 0.3333,
        median: 38 * DAY,
      },
    ]);
    const hist = report.totals.steps[1].timeFromPrevious.histogram.filter((h) => h.count > 0);
    expect(hist).toEqual([
      { bucket: '1–3 d', upToSeconds: 3 * DAY, count: 3 }, // 2 d, 1 d, 1 d
    ]);
    expect(report.totals.conversionRate).toBe(0.3333);
    expect(report.dropOff[1]).toEqual({ step: 'qualified', dropped: 2, byStatus: { merged: 1, qualified: 1 }, byReason: {} });
  });

  it('a conversion window leaves out steps reached too long after the first', async () => {
    expect(entered((await replay(store, definition('order: ordered\nwindow: 30d'))).report)).toEqual([3, 3, 0]);
  });

  it('an exclusion step takes the lead out of the funnel', async () => {
    const { report } = await replay(store, definition('exclusions:\n  - status: merged'));
    expect([entered(report), report.excluded]).toEqual([[2, 2, 1], 1]);
  });

  it('filters on event data and on lead properties', async () => {
    const d = parseFunnelDefinition(
      [
        'name: t',
        'steps:',
        '  - { name: captured, event: LeadCaptured, where: { lead.channel: web_form } }',
        '  - { name: call, event: ActivityRecorded, where: { data.activityType: call_booked } }',
      ].join('\n'),
      't.yaml',
    );
    expect(entered((await replay(store, d)).report)).toEqual([2, 1]);
  });

  it('breaks down by a captured property and by first- and last-touch activity before conversion', async () => {
    const d = definition('order: ordered');
    const groups = async (by: string) =>
      (await replay(store, d, {}, by)).report.breakdown!.groups.map((g) => [g.group, g.steps.map((s) => s.entered)]);
    expect(await groups('channel')).toEqual([
      ['ebook', [1, 1, 0]],
      ['web_form', [2, 2, 1]],
    ]);
    expect(await groups('touch.first')).toEqual([
      ['(none)', [2, 2, 0]],
      ['ebook_download', [1, 1, 1]],
    ]);
    expect(await groups('touch.last')).toEqual([
      ['(none)', [2, 2, 0]],
      ['call_booked', [1, 1, 1]],
    ]);
  });

  it('trends: the measures per cohort period of entry', async () => {
    const { report } = await replay(store, definition('order: any'));
    expect(report.trend.map((t) => [t.period, t.steps.map((s) => s.entered), t.conversionRate])).toEqual([
      ['2025-01', [2, 2, 2], 1],
      ['2025-02', [1, 1, 0], 0],
    ]);
  });

  it('gives the lead ids behind a cell', async () => {
    const d = definition('order: ordered');
    const { replay: r } = await replay(store, d);
    expect(cellLeads(r, parseCell('step=qualified,outcome=dropped', d)).map((l) => l.leadId)).toEqual([b, c]);
    expect(cellLeads(r, parseCell('step=qualified,outcome=converted,period=2025-01', d)).map((l) => l.leadId)).toEqual([a]);
    expect(() => parseCell('step=nowhere', d)).toThrow('cell: step must be one of captured, qualified, handed_to_sales, got "nowhere"');
  });
});

describe('bitemporal replay', () => {
  const live = randomUUID();
  const imported = randomUUID();
  let store: SqliteEventStore;

  beforeAll(async () => {
    // Only Date is faked: the store's recordedAt is Date.now() at the append.
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'setTimeout',
        'setInterval',
        'clearTimeout',
        'clearInterval',
        'clearImmediate',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    store = new SqliteEventStore({ path: ':memory:' });
    jest.setSystemTime(new Date('2025-03-01T12:00:00Z'));
    await appendLead(store, live, [
      at('2025-03-01T12:00:00Z', ev.captured(live, { channel: 'web_form' })),
      at('2025-03-01T12:00:00Z', ev.qualified(live)),
    ]);
    // On 1 April, a lead from January is imported with its business times: back-dated.
    jest.setSystemTime(new Date('2025-04-01T09:00:00Z'));
    await appendLead(store, imported, [
      at('2025-01-15T10:00:00Z', ev.captured(imported, { channel: 'trade_show' })),
      at('2025-01-20T10:00:00Z', ev.qualified(imported)),
      at('2025-02-10T10:00:00Z', ev.handed(imported)),
    ]);
    jest.useRealTimers();
  });
  afterAll(() => store.close());

  const counts = async (travel: TimeTravel) => entered((await replay(store, definition('order: ordered'), travel)).report);

  it('knownAt answers as the data was known then; asOccurred as it had happened by then', async () => {
    // On 15 March the import had not been recorded: only the live lead was known.
    expect(await counts({ knownAt: '2025-03-15T00:00:00.000Z' })).toEqual([1, 1, 0]);
    // Everything that had happened by 15 March, as known today: the January lead counts.
    expect(await counts({ asOccurred: '2025-03-15T00:00:00.000Z' })).toEqual([2, 2, 1]);
    // Both: what had happened by 1 February, as it was known on 15 March — nothing.
    expect(await counts({ knownAt: '2025-03-15T00:00:00.000Z', asOccurred: '2025-02-01T00:00:00.000Z' })).toEqual([0, 0, 0]);
    // What had happened by 1 February, as known today: the imported lead, qualified, not yet handed.
    expect(await counts({ asOccurred: '2025-02-01T00:00:00.000Z' })).toEqual([1, 1, 0]);
    expect(await counts({})).toEqual([2, 2, 1]);
  });

  it('the default definition is the built-in funnel', async () => {
    const { report } = await replay(store, defaultFunnelDefinition());
    expect(report.totals.steps.map((s) => [s.step, s.entered])).toEqual([
      ['captured', 2],
      ['qualified', 2],
      ['handed_to_sales', 1],
      ['won', 0],
    ]);
  });
});
