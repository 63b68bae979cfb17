import { randomBytes, randomUUID } from 'node:crypto';
import { SqliteEventStore, type EventStore, type EventToAppend, type RecordedEvent } from '@lead/event-store';
import { MemoryKeyStore, type KeyStore } from './key-store';
import { PersonalDataEventStore, PlaintextPersonalDataError } from './personal-data-event-store';

const LEAD = '0b6f3c1e-7a3b-4f7e-9d2a-1c2b3d4e5f60';
const OTHER = '5a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const ev = (type: string, data: Record<string, unknown>): EventToAppend => ({ id: randomUUID(), type, data, metadata: {} });
const captured = (leadId: string) =>
  ev('LeadCaptured', {
    leadId,
    kind: 'B2B',
    contact: { name: 'Ioana Zamfir', email: 'ioana@zamfir.ro', phone: '+40 700 111 222' },
    company: { name: 'Zamfir SRL' },
    source: { channel: 'web_form' },
    normalizedEmail: 'ioana@zamfir.ro',
    normalizedPhone: '+40700111222',
  });
const disqualified = (leadId: string) =>
  ev('Disqualified', {
    leadId,
    reason: 'no_need',
    note: 'Ioana says they chose a competitor',
    facts: { decisionMaker: { name: 'Radu Zamfir', role: 'CEO' }, score: 12 },
  });
const erased = (leadId: string) =>
  ev('PersonalDataErased', { leadId, reason: 'GDPR art. 17 request', erasedFields: ['contact.name', 'contact.email', 'contact.phone'] });
const dataOf = (events: RecordedEvent[]) => events.map((e) => e.data);

describe('personal data in the event store (crypto-shredding)', () => {
  let raw: SqliteEventStore;
  let keys: KeyStore;
  let store: PersonalDataEventStore;
  const masterKey = randomBytes(32);
  beforeEach(async () => {
    raw = new SqliteEventStore({ path: ':memory:' });
    keys = new MemoryKeyStore();
    store = new PersonalDataEventStore(raw, { keys, masterKey });
    await store.start();
  });
  afterEach(() => store.close());

  it('stores personal fields as one ciphertext and reads them back as written, on every read path', async () => {
    const written = [captured(LEAD), disqualified(LEAD)];
    await store.appendToStream(`lead-${LEAD}`, written);
    const stored = JSON.stringify(dataOf(await raw.readAll()));
    for (const value of ['Ioana', 'ioana@zamfir.ro', '700', 'Radu', 'competitor']) expect(stored).not.toContain(value);
    expect(stored).toContain('Zamfir SRL'); // the company is not personal
    expect((await raw.readAll())[1].data).toEqual({
      leadId: LEAD,
      reason: 'no_need',
      facts: { decisionMaker: { role: 'CEO' }, score: 12 },
      sealed: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });

    const plain = written.map((e) => e.data);
    expect(dataOf(await store.readStream(`lead-${LEAD}`))).toEqual(plain);
    expect(dataOf(await store.readAll())).toEqual(plain);
    const subscription = store.subscribeToAll();
    const seen: unknown[] = [];
    for await (const e of subscription) if (seen.push(e.data) === 2) break;
    expect(seen).toEqual(plain);
  });

  it('uses a fresh IV per event: the same values seal to different ciphertexts', async () => {
    await store.appendToStream(`lead-${LEAD}`, [captured(LEAD), captured(LEAD)]);
    const [a, b] = (await raw.readAll()).map((e) => (e.data as { sealed: string }).sealed);
    expect(a).not.toEqual(b);
  });

  it('refuses ciphertext moved to another lead (the lead id is authenticated data)', async () => {
    await store.appendToStream(`lead-${LEAD}`, [captured(LEAD)]);
    await store.appendToStream(`lead-${OTHER}`, [captured(OTHER)]);
    const [sealedOfLead] = await raw.readStream(`lead-${LEAD}`);
    await raw.appendToStream(`lead-${OTHER}`, [ev('LeadCaptured', sealedOfLead.data as Record<string, unknown>)]);
    await expect(store.readStream(`lead-${OTHER}`)).rejects.toThrow(/unable to authenticate|auth/i);
  });

  it('after erasure reads the personal fields as null with erased: true, and keeps every other field', async () => {
    await store.appendToStream(`lead-${LEAD}`, [captured(LEAD), disqualified(LEAD)]);
    await store.appendToStream(`lead-${OTHER}`, [captured(OTHER)]);
    await store.appendToStream(`lead-${LEAD}`, [erased(LEAD)]);
    const [capture, disqualification, erasure] = await store.readStream(`lead-${LEAD}`);
    expect(capture.data).toEqual({
      leadId: LEAD,
      kind: 'B2B',
      contact: { name: null, email: null, phone: null },
      company: { name: 'Zamfir SRL' },
      source: { channel: 'web_form' },
      normalizedEmail: null,
      normalizedPhone: null,
      erased: true,
    });
    expect(disqualification.data).toEqual({
      leadId: LEAD,
      reason: 'no_need',
      note: null,
      facts: { decisionMaker: { name: null, role: 'CEO' }, score: 12 },
      erased: true,
    });
    expect(erasure.data).toEqual(erased(LEAD).data);
    expect((await keys.get([LEAD])).get(LEAD)).toBeNull();
    // Another lead is untouched, and a second store on the same keys reads the same.
    const again = new PersonalDataEventStore(raw, { keys, masterKey });
    expect((await again.readStream(`lead-${OTHER}`))[0].data).toEqual(captured(OTHER).data);
    expect((await again.readAll())[0].data).toMatchObject({ contact: { name: null }, erased: true });
  });

  it('refuses to write personal data for an erased lead', async () => {
    await store.appendToStream(`lead-${LEAD}`, [captured(LEAD), erased(LEAD)]);
    await expect(store.appendToStream(`lead-${LEAD}`, [disqualified(LEAD)])).rejects.toThrow(/erased/);
  });

  it('finishes at start an erasure whose key a crash left undestroyed (appended, not yet shredded)', async () => {
    await store.appendToStream(`lead-${LEAD}`, [captured(LEAD)]);
    await keys.markErasing(LEAD);
    await raw.appendToStream(`lead-${LEAD}`, [erased(LEAD)]); // the crash: appended, the key still there
    await store.appendToStream(`lead-${OTHER}`, [captured(OTHER)]);
    await keys.markErasing(OTHER); // marked, but its erasure never appended
    expect(await keys.pendingErasures()).toEqual([LEAD, OTHER]);

    const restarted = new PersonalDataEventStore(raw, { keys, masterKey });
    await restarted.start();
    expect(await keys.pendingErasures()).toEqual([]);
    expect((await keys.get([LEAD])).get(LEAD)).toBeNull();
    expect((await restarted.readStream(`lead-${LEAD}`))[0].data).toMatchObject({ contact: { name: null }, erased: true });
    expect((await restarted.readStream(`lead-${OTHER}`))[0].data).toEqual(captured(OTHER).data);
  });

  it('keeps catch-up batching: takeAvailable and readingAhead hand out opened events in order', async () => {
    const leads = Array.from({ length: 30 }, () => randomUUID());
    for (const id of leads) await store.appendToStream(`lead-${id}`, [captured(id)]);
    const subscription = store.subscribeToAll();
    expect(typeof subscription.takeAvailable).toBe('function');
    const first = await subscription[Symbol.asyncIterator]().next();
    const rest = subscription.takeAvailable!(100);
    await subscription.unsubscribe();
    const ids = [first.value as RecordedEvent, ...rest].map((e) => (e.data as { leadId: string }).leadId);
    expect(ids).toEqual(leads);
    expect(
      [first.value as RecordedEvent, ...rest].every((e) => (e.data as { contact: { name: string } }).contact.name === 'Ioana Zamfir'),
    ).toBe(true);
  });

  it('fetches the keys of a page in one query and not again once cached', async () => {
    const leads = Array.from({ length: 20 }, () => randomUUID());
    for (const id of leads) await store.appendToStream(`lead-${id}`, [captured(id)]);
    const counted = new PersonalDataEventStore(raw, { keys: countingGets(keys), masterKey });
    await counted.readAll();
    await counted.readAll();
    expect(gets).toEqual([20]);
  });

  it('refuses to start on a store that holds personal data in plain text, saying what to do', async () => {
    const old: EventStore = new SqliteEventStore({ path: ':memory:' });
    await old.appendToStream(`lead-${LEAD}`, [captured(LEAD)]);
    const wrapped = new PersonalDataEventStore(old, { keys: new MemoryKeyStore(), masterKey });
    const refusal = wrapped.start();
    await expect(refusal).rejects.toBeInstanceOf(PlaintextPersonalDataError);
    await expect(refusal).rejects.toThrow(/migrate encrypt --from/);
    await old.close();
  });
});

let gets: number[] = [];
function countingGets(keys: KeyStore): KeyStore {
  gets = [];
  return {
    ...keys,
    getSync: undefined,
    get: (ids) => {
      gets.push(ids.length);
      return keys.get(ids);
    },
    create: (id, w) => keys.create(id, w),
    markErasing: (id) => keys.markErasing(id),
    pendingErasures: () => keys.pendingErasures(),
    unmarkErasing: (id) => keys.unmarkErasing(id),
    destroy: (id) => keys.destroy(id),
    close: () => keys.close(),
  };
}
