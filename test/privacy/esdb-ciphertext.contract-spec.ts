import { EventStoreDBClient } from '@eventstore/db-client';
import { randomBytes, randomUUID } from 'node:crypto';
import { EsdbEventStore } from '@lead/event-store';
import { MemoryKeyStore, PersonalDataEventStore } from '@lead/privacy';
import { esdbAvailability, startEsdbForTests } from '../support/esdb-server';

const availability = esdbAvailability();
const suite = availability.skipReason ? describe.skip : describe;
if (availability.skipReason) console.warn(`Skipping EventStoreDB ciphertext suite: ${availability.skipReason}`);

suite(`EventStoreDB holds ciphertext only${availability.skipReason ? ` (skipped: ${availability.skipReason})` : ''}`, () => {
  let server: Exclude<Awaited<ReturnType<typeof startEsdbForTests>>, { skipReason: string }>;
  let store: PersonalDataEventStore;
  let raw: EventStoreDBClient;
  beforeAll(async () => {
    const started = await startEsdbForTests();
    if ('skipReason' in started) throw new Error(started.skipReason);
    server = started;
    store = new PersonalDataEventStore(new EsdbEventStore({ connectionString: server.connectionString }), {
      keys: new MemoryKeyStore(),
      masterKey: randomBytes(32),
    });
    raw = EventStoreDBClient.connectionString(server.connectionString);
  });
  afterAll(async () => {
    await raw?.dispose();
    await store?.close();
    await server?.stop();
  });

  it('stores the personal fields of a lead event as ciphertext, read back in the clear through the engine and as null after erasure', async () => {
    const leadId = randomUUID();
    const data = {
      leadId,
      kind: 'B2C',
      contact: { name: 'Teodosia Esdbescu', email: 'teodosia@esdb.test', phone: '+40 755 123 987' },
      source: { channel: 'web_form' },
      normalizedEmail: 'teodosia@esdb.test',
      normalizedPhone: '+40755123987',
    };
    await store.appendToStream(`lead-${leadId}`, [{ id: randomUUID(), type: 'LeadCaptured', data, metadata: {} }]);

    const stored: string[] = [];
    for await (const resolved of raw.readStream(`lead-${leadId}`)) {
      const event = resolved.event!;
      stored.push(Buffer.from(JSON.stringify(event.data)).toString('utf8'));
    }
    expect(stored).toHaveLength(1);
    for (const value of ['Teodosia', 'teodosia@esdb.test', '755', '123987']) expect(stored[0]).not.toContain(value);
    expect(JSON.parse(stored[0])).toEqual({
      leadId,
      kind: 'B2C',
      contact: {},
      source: { channel: 'web_form' },
      sealed: expect.any(String),
    });

    expect((await store.readStream(`lead-${leadId}`))[0].data).toEqual(data);
    await store.appendToStream(`lead-${leadId}`, [
      { id: randomUUID(), type: 'PersonalDataErased', data: { leadId, reason: 'GDPR art. 17', erasedFields: [] }, metadata: {} },
    ]);
    expect((await store.readStream(`lead-${leadId}`))[0].data).toMatchObject({ contact: { name: null, email: null }, erased: true });
  });

  it('deletes a stream so that it reads as absent and can start again with no_stream', async () => {
    const stream = `contact-email-${randomUUID()}`;
    const claim = () => [{ id: randomUUID(), type: 'ContactClaimed', data: { leadId: randomUUID(), kind: 'email' }, metadata: {} }];
    await store.appendToStream(stream, claim(), { expectedRevision: 'no_stream' });
    await store.deleteStream!(stream);
    expect(await store.readStream(stream)).toEqual([]);
    await store.appendToStream(stream, claim(), { expectedRevision: 'no_stream' });
    expect(await store.readStream(stream)).toHaveLength(1);
  });
});
