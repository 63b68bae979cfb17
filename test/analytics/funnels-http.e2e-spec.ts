import type { INestApplication } from '@nestjs/common';
import { defaultFunnelDefinition, measureFunnel, readFunnelDefinition, replayHistory, SHIPPED_FUNNELS_DIR } from '@lead/analytics';
import { SqliteEventStore } from '@lead/event-store';
import { PersonalDataEventStore, openPrivacy } from '@lead/privacy';
import { join } from 'node:path';
import { appendCommands, chronological, generateLeads } from '../../libs/projections/src/testing/lead-history.generator';
import { authedClient, startAuthedApp } from '../support/authed-app';

describe('funnels over HTTP', () => {
  let store: SqliteEventStore;
  let app: INestApplication;
  let http: ReturnType<typeof authedClient>;

  beforeAll(async () => {
    store = new SqliteEventStore({ path: ':memory:', pollIntervalMs: 20 });
    // Written as the engine writes it (personal data encrypted), with the keys the app opens on this store.
    const engineStore = new PersonalDataEventStore(store, await openPrivacy({}, ':memory:', process.env, store));
    await appendCommands(
      engineStore,
      chronological(generateLeads({ leads: 300, seed: 9, start: '2025-01-01', days: 200, importedShare: 0.1 })),
    );
    const started = await startAuthedApp({ eventStore: store, projections: { readStore: { kind: 'sqlite', path: ':memory:' } } });
    app = started.app;
    // Funnels are an analyst's: every request here goes with an analyst-only key.
    await started.createKeys({ ana: ['analyst'] });
    http = authedClient(started.raw, started.keyOf('ana'));
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('lists the stored definitions', async () => {
    const res = await http.get('/funnels');
    expect(res.status).toBe(200);
    expect(res.body.items.map((d: { name: string }) => d.name)).toEqual(['default', 'engaged-b2b', 'fast-sales']);
    expect(res.body.items[2]).toEqual({
      name: 'fast-sales',
      description: 'Captured, qualified, handed to sales and won in that order within 90 days; duplicates left out',
      order: 'ordered',
      steps: ['captured', 'qualified', 'handed_to_sales', 'won'],
      window: '90d',
      exclusions: ['merged'],
      converted: 'won',
      cohort: 'month',
    });
  });

  it('answers the replay of a stored definition with time travel and a breakdown, and revalidates by ETag', async () => {
    const path = '/funnels/fast-sales?asOccurred=2025-04-30&knownAt=2099-01-01&breakdown=campaign&from=2025-01-01';
    const res = await http.get(path);
    expect(res.status).toBe(200);
    const definition = readFunnelDefinition(join(SHIPPED_FUNNELS_DIR, 'fast-sales.yaml'));
    const replay = await replayHistory(store, definition, { asOccurred: '2025-04-30T23:59:59.999Z', knownAt: '2099-01-01T23:59:59.999Z' });
    const head = (await store.headPosition())!.commit.toString();
    expect(res.body).toEqual({ ...measureFunnel(replay, { from: '2025-01-01', breakdown: 'campaign' }), head });
    expect(res.body.breakdown.groups.length).toBeGreaterThan(1);
    const again = await http.get(path, { 'if-none-match': res.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it('gives the lead ids behind a cell as CSV', async () => {
    const res = await http.get('/funnels/default/leads?cell=step=qualified,outcome=dropped&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const replay = await replayHistory(store, defaultFunnelDefinition());
    const dropped = measureFunnel(replay).totals.steps[1].dropped;
    const lines = (res.body as string).trim().split('\n');
    expect([lines[0], lines.length - 1]).toEqual(['leadId,enteredAt,stepAt,status,group', dropped]);
  });

  it('names each invalid parameter once, and an unknown definition', async () => {
    const res = await http.get('/funnels/default?knownAt=yesterday&breakdown=colour&from=2025-02-30');
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['from', 'knownAt', 'breakdown']);
    const unknown = await http.get('/funnels/nowhere');
    expect([unknown.status, unknown.body.message]).toEqual([
      404,
      'No funnel definition named "nowhere" (known: default, engaged-b2b, fast-sales)',
    ]);
    const cell = await http.get('/funnels/default/leads?cell=step=nowhere');
    expect([cell.status, cell.body.message]).toEqual([
      400,
      'cell: step must be one of captured, qualified, handed_to_sales, won, got "nowhere"',
    ]);
  });

  it('GET /funnel without parameters answers the last twelve months by month', async () => {
    const res = await http.get('/funnel');
    expect(res.status).toBe(200);
    const today = new Date();
    const from = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);
    expect([res.body.from, res.body.to, res.body.period, res.body.view]).toEqual([
      from,
      today.toISOString().slice(0, 10),
      'month',
      'activity',
    ]);
  });

  it('GET /funnel names each invalid parameter once', async () => {
    const res = await http.get('/funnel?from=2025-13-01&to=soon&period=year&view=weekly');
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    expect(res.body.errors).toEqual([
      { field: 'from', message: 'from must be a date (YYYY-MM-DD)' },
      { field: 'to', message: 'to must be a date (YYYY-MM-DD)' },
      { field: 'period', message: 'period must be one of day, week, month' },
      { field: 'view', message: 'view must be one of activity, cohort' },
    ]);
  });
});
