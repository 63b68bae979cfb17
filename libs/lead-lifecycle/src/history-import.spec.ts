import { DEFAULT_LEAD_POLICY, type LeadCommand } from '@lead/domain';
import { SqliteEventStore } from '@lead/event-store';
import { appendHistoricalLeads, type HistoricalLead } from './history-import';

const now = new Date('2026-03-01T00:00:00Z');
const at = new Date('2026-01-05T10:00:00Z');
const ctx = (leadId: string, step: string) => ({
  commandId: `${leadId}-${step}`,
  leadId,
  occurredAt: at,
  now,
  actor: 'service:import-test',
});

function lead(row: number, leadId: string, email: string): HistoricalLead {
  const commands: LeadCommand[] = [
    { type: 'CaptureLead', ...ctx(leadId, 'capture'), data: { kind: 'B2C', contact: { name: 'N', email }, source: { channel: 'other' } } },
    { type: 'RecordActivity', ...ctx(leadId, 'activity'), data: { activityType: 'page_visit' } },
    { type: 'HandToSales', ...ctx(leadId, 'hand-off'), data: { override: { reason: 'import' } } },
    { type: 'ReportSaleOutcome', ...ctx(leadId, 'outcome'), data: { outcome: 'won' } },
  ];
  return { row, leadId, commands };
}

describe('appendHistoricalLeads', () => {
  let store: SqliteEventStore;
  beforeEach(() => (store = new SqliteEventStore({ path: ':memory:' })));
  afterEach(() => store.close());

  it('appends each lead’s events in one stream; a re-run appends nothing and says so', async () => {
    const leads = [lead(2, 'a', 'a@x.ro'), lead(3, 'b', 'b@x.ro'), lead(4, 'c', 'c@x.ro')];
    expect(await appendHistoricalLeads(store, DEFAULT_LEAD_POLICY, leads, { batchSize: 2 })).toEqual({
      appended: 3,
      alreadyPresent: 0,
      conflicting: 0,
      refused: [],
    });
    const events = await store.readAll();
    expect(events.map((e) => e.type)).toEqual(
      ['a', 'b', 'c'].flatMap(() => ['LeadCaptured', 'ActivityRecorded', 'HandedToSales', 'SaleWon']),
    );
    expect(events[0].metadata).toMatchObject({ commandId: 'a-capture', occurredAt: at.toISOString(), actor: 'service:import-test' });
    expect(await appendHistoricalLeads(store, DEFAULT_LEAD_POLICY, leads, { batchSize: 2 })).toEqual({
      appended: 0,
      alreadyPresent: 3,
      conflicting: 0,
      refused: [],
    });
    expect((await store.readAll()).length).toBe(12);
  });

  it('refuses a lead the decider refuses, naming the field, and writes nothing of it', async () => {
    const result = await appendHistoricalLeads(store, DEFAULT_LEAD_POLICY, [lead(2, 'a', 'a@x.ro'), lead(3, 'b', 'not-an-email')]);
    expect(result.appended).toBe(1);
    expect(result.refused).toEqual([{ row: 3, field: 'contact.email', message: expect.any(String) }]);
    expect(await store.readStream('lead-b')).toEqual([]);
  });
});
