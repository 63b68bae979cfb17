import type { LeadPolicyRow } from './lead-policy-row';
import type { PolicyStateStore } from './policy-state.store';

const row = (leadId: string, extra: Partial<LeadPolicyRow> = {}): LeadPolicyRow => ({
  leadId,
  status: 'open',
  revision: 0,
  lastEventId: `e-${leadId}`,
  qualified: false,
  ...extra,
});

/** What every policy state adapter must do; run by the SQLite spec and, with a server, the MongoDB spec. */
export function policyStoreContract(open: () => Promise<PolicyStateStore>): void {
  let store: PolicyStateStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('starts empty: no checkpoint, no rows, no counters, no models', async () => {
    expect(await store.checkpoint()).toBeNull();
    expect(await store.lead('a')).toBeUndefined();
    expect(await store.roundRobin()).toEqual({});
    expect(await store.models()).toEqual({});
  });

  it('commits rows, counters, models and the checkpoint together, and reads them back', async () => {
    const model = { version: 'v1', model: { version: 'v1' } as never, activatedAt: '2026-01-01T00:00:00.000Z', eventId: 'm1' };
    await store.commit({
      checkpoint: { commit: '18446744073709551615', prepare: '18446744073709551610' },
      upsert: [row('a', { revisitAt: '2026-02-01T00:00:00.000Z' })],
      roundRobin: { crm: 3 },
      models: { scoring: model },
    });
    expect(await store.checkpoint()).toEqual({ commit: '18446744073709551615', prepare: '18446744073709551610' });
    expect(await store.lead('a')).toEqual(row('a', { revisitAt: '2026-02-01T00:00:00.000Z' }));
    expect(await store.roundRobin()).toEqual({ crm: 3 });
    expect(await store.models()).toEqual({ scoring: model });
  });

  it('replaces a row whole, so a field the change dropped is gone', async () => {
    await store.commit({ upsert: [row('a', { status: 'nurturing', revisitAt: '2026-02-01T00:00:00.000Z' })] });
    await store.commit({ upsert: [row('a', { status: 'open' })] });
    expect(await store.lead('a')).toEqual(row('a', { status: 'open' }));
  });

  it('removes rows', async () => {
    await store.commit({ upsert: [row('a'), row('b')] });
    await store.commit({ remove: ['a'] });
    expect(await store.lead('a')).toBeUndefined();
    expect(await store.lead('b')).toBeDefined();
  });

  it('finds what is due: rescoring, nurture revisits and SLA clocks, paged by lead id', async () => {
    await store.commit({
      upsert: [
        row('a', { nextRescoreAt: '2026-01-01T00:00:00.000Z' }),
        row('b', { nextRescoreAt: '2026-01-03T00:00:00.000Z' }),
        row('c', { status: 'nurturing', revisitAt: '2026-01-01T00:00:00.000Z' }),
        row('d', { status: 'open', slaClockFrom: '2025-12-01T00:00:00.000Z' }),
        row('e', { status: 'qualified', slaClockFrom: '2025-12-01T00:00:00.000Z' }),
        row('f', { status: 'disqualified', revisitAt: '2026-01-01T00:00:00.000Z' }),
      ],
    });
    const ids = async (q: Partial<Parameters<PolicyStateStore['due']>[0]>) =>
      (await store.due({ now: '2026-01-02T00:00:00.000Z', limit: 100, ...q })).map((r) => r.leadId);
    expect(await ids({})).toEqual(['a', 'c']);
    expect(await ids({ slaClockBefore: '2025-12-31T00:00:00.000Z' })).toEqual(['a', 'c', 'd']);
    expect(await ids({ slaClockBefore: '2025-12-31T00:00:00.000Z', limit: 2 })).toEqual(['a', 'c']);
    expect(await ids({ slaClockBefore: '2025-12-31T00:00:00.000Z', afterLeadId: 'c' })).toEqual(['d']);
  });

  it('makes every scored row due for rescoring when a model changes', async () => {
    await store.commit({
      upsert: [row('a'), row('b', { status: 'won' }), row('c', { status: 'nurturing', nextRescoreAt: '2027-01-01T00:00:00.000Z' })],
    });
    await store.commit({ rescoreAllAt: '2026-01-01T00:00:00.000Z' });
    expect((await store.due({ now: '2026-01-01T00:00:00.000Z', limit: 10 })).map((r) => [r.leadId, r.nextRescoreAt])).toEqual([
      ['a', '2026-01-01T00:00:00.000Z'],
      ['c', '2026-01-01T00:00:00.000Z'],
    ]);
    expect((await store.lead('b'))?.nextRescoreAt).toBeUndefined();
  });
}
