import { LEAD_STREAM_PREFIX, normalizeEmail, normalizePhone } from '@lead/domain';
import type { EventStore, Position, RecordedEvent } from '@lead/event-store';
import { sha256Hex, type ContactKind } from './contact-keys';
import type { PersonalDataEventStore } from './personal-data-event-store';

const PAGE = 1000;
const OLD_CLAIM = /^contact-(email|phone)-([0-9a-f]{64})$/;

export interface EncryptStoreReport {
  events: number;
  leads: number;
  claimsRenamed: number;
  /** Claims whose address no lead event names (orphans of crashed captures): not copied, their name being reversible. */
  claimsDropped: number;
}

/**
 * Copies a store written before encryption into a new one through the encrypting decorator: same
 * event ids, streams, revisions and order; claim streams named by the unkeyed SHA-256 of an address
 * get their keyed names. The old store is left as it is: delete it (and its backups) once checked.
 */
export async function encryptStore(from: EventStore, to: PersonalDataEventStore): Promise<EncryptStoreReport> {
  if (await to.headPosition()) throw new Error('The target store is not empty: give a new file');
  const addresses = new Map<string, { kind: ContactKind; value: string }>();
  const leads = new Set<string>();
  for await (const page of pages(from)) {
    for (const e of page) {
      if (!e.streamId.startsWith(LEAD_STREAM_PREFIX)) continue;
      leads.add(e.streamId);
      const data = e.data as { normalizedEmail?: string; normalizedPhone?: string; contact?: { email?: string; phone?: string } };
      const email = data.normalizedEmail ?? (data.contact?.email ? normalizeEmail(data.contact.email) : undefined);
      const phone = data.normalizedPhone ?? (data.contact?.phone ? normalizePhone(data.contact.phone) : undefined);
      if (email) addresses.set(`email-${sha256Hex(email)}`, { kind: 'email', value: email });
      if (phone) addresses.set(`phone-${sha256Hex(phone)}`, { kind: 'phone', value: phone });
    }
  }
  const report: EncryptStoreReport = { events: 0, leads: leads.size, claimsRenamed: 0, claimsDropped: 0 };
  const renamed = new Set<string>();
  for await (const page of pages(from)) {
    const appends: Promise<unknown>[] = [];
    for (const e of page) {
      let stream = e.streamId;
      const claim = OLD_CLAIM.exec(stream);
      if (claim) {
        const address = addresses.get(`${claim[1]}-${claim[2]}`);
        if (!address) {
          report.claimsDropped++;
          continue;
        }
        stream = to.contactKeys.claimStream(address.kind, address.value);
        if (!renamed.has(stream)) report.claimsRenamed++;
        renamed.add(stream);
      }
      const expectedRevision = e.revision === 0n ? ('no_stream' as const) : ('any' as const);
      appends.push(to.appendToStream(stream, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], { expectedRevision }));
      report.events++;
    }
    await Promise.all(appends);
  }
  return report;
}

async function* pages(store: EventStore): AsyncGenerator<RecordedEvent[]> {
  let from: Position | undefined;
  for (;;) {
    const page = await store.readAll({ ...(from ? { fromPosition: from } : {}), maxCount: PAGE + (from ? 1 : 0) });
    const fresh = from ? page.slice(1) : page;
    if (fresh.length === 0) return;
    yield fresh;
    from = fresh[fresh.length - 1].position;
  }
}
