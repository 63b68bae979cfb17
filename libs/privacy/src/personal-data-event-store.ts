import { LEAD_STREAM_PREFIX } from '@lead/domain';
import type {
  AllSubscription,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '@lead/event-store';
import { ContactKeys, type ContactKind } from './contact-keys';
import { newDataKey, open, seal, unwrapDataKey, wrapDataKey } from './data-key.cipher';
import type { KeyStore } from './key-store';
import { SEALED_FIELD, extractPersonal, hasPersonal, hasPlainPersonal, nullPersonal, restorePersonal } from './personal-fields';

export interface PersonalDataEventStoreOptions {
  keys: KeyStore;
  masterKey: Buffer;
  /** Unwrapped data keys kept in memory (default 100,000: 3.2 MB of keys plus the map). */
  cacheSize?: number;
  /** Logs counts and lead ids only, never personal values. */
  log?: (message: string) => void;
}

/** The event store holds personal data in plain text: written before encryption, or by a process that bypassed it. */
export class PlaintextPersonalDataError extends Error {
  override readonly name = 'PlaintextPersonalDataError';
}

export class MissingDataKeyError extends Error {
  override readonly name = 'MissingDataKeyError';
  constructor(readonly leadId: string) {
    super(`No data key for lead ${leadId}: the key store (KEYS_SQLITE_PATH, or MongoDB) does not belong to this event store`);
  }
}

const leadIdOf = (streamId: string): string | undefined =>
  streamId.startsWith(LEAD_STREAM_PREFIX) ? streamId.slice(LEAD_STREAM_PREFIX.length) : undefined;
const aadOf = (leadId: string, type: string) => `${leadId}\u0000${type}`;
const isSealed = (event: RecordedEvent): boolean =>
  typeof event.data === 'object' && event.data !== null && typeof (event.data as Record<string, unknown>)[SEALED_FIELD] === 'string';
/** How many events a subscription takes from the store at once to fetch their keys in one query. */
const PAGE = 1000;

/**
 * The event store port with crypto-shredding: personal fields of lead events (PERSONAL_FIELDS) are
 * sealed with the lead's data key on append and opened on every read, so every reader sees plain
 * events. Destroying the key erases them: they then read back as null, with `erased: true`.
 */
export class PersonalDataEventStore implements EventStore {
  readonly contactKeys: ContactKeys;
  readonly keys: KeyStore;
  /** Unwrapped keys by lead id; null: destroyed. Insertion order evicts the oldest when full. */
  private readonly cache = new Map<string, Buffer | null>();
  private readonly cacheSize: number;
  private readonly masterKey: Buffer;
  private readonly log: (message: string) => void;
  deleteStream?: (streamId: string) => Promise<void>;
  /** Appends waiting for a key, and the end of the last of them: later appends queue behind it. */
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly inner: EventStore,
    options: PersonalDataEventStoreOptions,
  ) {
    this.keys = options.keys;
    this.masterKey = options.masterKey;
    this.cacheSize = options.cacheSize ?? 100_000;
    this.log = options.log ?? (() => undefined);
    this.contactKeys = new ContactKeys(options.masterKey);
    if (inner.deleteStream) this.deleteStream = (streamId) => inner.deleteStream!(streamId);
  }

  /** Refuses a store holding plain personal data, then finishes erasures a crash interrupted. */
  async start(): Promise<void> {
    await this.assertNoPlaintext();
    for (const leadId of await this.keys.pendingErasures()) await this.finishErasure(leadId);
  }

  async assertNoPlaintext(sample = 1000): Promise<void> {
    const events = await this.inner.readAll({ maxCount: sample });
    const plain = events.find((e) => leadIdOf(e.streamId) && hasPlainPersonal(e.type, e.data));
    if (plain) {
      throw new PlaintextPersonalDataError(
        `The event store holds personal data in plain text (event at position ${plain.position.commit}), written before personal data was encrypted. ` +
          'Copy it into a new, encrypted store with `npm run cli -- migrate encrypt --from <old.sqlite> --to <new.sqlite>`, then point SQLITE_PATH at the new file.',
      );
    }
  }

  /**
   * Appends reach the store in the order they were called, as with the store itself (whose group commit
   * and expected revisions rely on it): an append that has to wait for its key holds the later ones back.
   */
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    const leadId = leadIdOf(streamId);
    const erasing = leadId !== undefined && events.some((e) => e.type === 'PersonalDataErased');
    if (this.waiting === 0 && !erasing) {
      const sealed = leadId === undefined ? events : this.sealAllSync(leadId, events);
      if (sealed) return this.inner.appendToStream(streamId, sealed, options);
    }
    this.waiting++;
    const turn = this.tail.then(async () => {
      try {
        const sealed = leadId === undefined ? events : await this.sealAll(leadId, events);
        // Marked first: a crash after the append and before the key is destroyed is finished at the next start.
        if (erasing) await this.keys.markErasing(leadId);
        return sealed;
      } finally {
        this.waiting--;
      }
    });
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    const appended = turn.then((sealed) => this.inner.appendToStream(streamId, sealed, options));
    if (!erasing) return appended;
    return appended.then(
      async (result) => {
        await this.finishErasure(leadId);
        return result;
      },
      async (error: unknown) => {
        await this.finishErasure(leadId).catch(() => undefined); // the append may still have happened
        throw error;
      },
    );
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readStream(streamId, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readAll(options));
  }

  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription {
    return new OpeningSubscription(this.inner.subscribeToAll(options), this);
  }

  headPosition(): Promise<Position | null> {
    return this.inner.headPosition();
  }

  async close(): Promise<void> {
    await this.inner.close();
    await this.keys.close();
  }

  /**
   * Removes the lead's contact claims and destroys its data key, if its stream holds PersonalDataErased;
   * otherwise clears the erasing mark. Idempotent: run again at start for marks a crash left.
   */
  async finishErasure(leadId: string): Promise<boolean> {
    const events = await this.readStream(`${LEAD_STREAM_PREFIX}${leadId}`);
    if (!events.some((e) => e.type === 'PersonalDataErased')) {
      await this.keys.unmarkErasing(leadId);
      return false;
    }
    const claims = new Set<string>();
    for (const e of events) {
      if (e.type !== 'LeadCaptured' && e.type !== 'ContactDetailsCorrected') continue;
      const data = e.data as { normalizedEmail?: string | null; normalizedPhone?: string | null };
      const add = (kind: ContactKind, value?: string | null) => value && claims.add(this.contactKeys.claimStream(kind, value));
      add('email', data.normalizedEmail);
      add('phone', data.normalizedPhone);
    }
    let removed = 0;
    if (this.inner.deleteStream) {
      for (const stream of claims) {
        const [last] = await this.inner.readStream(stream, { direction: 'backwards', maxCount: 1 });
        // Only the lead's own claim: one another lead took over since is that lead's.
        if (last && (last.data as { leadId?: string }).leadId === leadId) {
          await this.inner.deleteStream(stream);
          removed++;
        }
      }
    }
    await this.keys.destroy(leadId);
    this.remember(leadId, null);
    await (this.inner as { reclaimSpace?: () => Promise<void> }).reclaimSpace?.();
    this.log(`Personal data of lead ${leadId} erased: data key destroyed, ${removed} contact claim(s) removed`);
    return true;
  }

  private async sealAll(leadId: string, events: readonly EventToAppend[]): Promise<readonly EventToAppend[]> {
    return this.sealAllSync(leadId, events) ?? this.sealWith(leadId, events, await this.keyForWrite(leadId));
  }

  /** Undefined when the lead's key has to be created or fetched asynchronously first. */
  private sealAllSync(leadId: string, events: readonly EventToAppend[]): readonly EventToAppend[] | undefined {
    if (!events.some((e) => hasPersonal(e.type, e.data))) return events;
    if (!this.cache.has(leadId)) this.fetchKeysSync([leadId]);
    const key = this.cache.get(leadId);
    return key ? this.sealWith(leadId, events, key) : undefined;
  }

  private sealWith(leadId: string, events: readonly EventToAppend[], key: Buffer): EventToAppend[] {
    return events.map((event) => {
      const personal = extractPersonal(event.type, event.data);
      if (!personal) return event;
      const box = seal(key, Buffer.from(JSON.stringify(personal.values), 'utf8'), aadOf(leadId, event.type));
      return { ...event, data: { ...personal.rest, [SEALED_FIELD]: box.toString('base64') } };
    });
  }

  private async keyForWrite(leadId: string): Promise<Buffer> {
    await this.fetchKeys([leadId]);
    let key = this.cache.get(leadId);
    if (key === undefined) {
      const stored = await this.keys.create(leadId, wrapDataKey(this.masterKey, leadId, newDataKey()));
      key = stored && unwrapDataKey(this.masterKey, leadId, stored);
      this.remember(leadId, key);
    }
    if (key === null) throw new Error(`Lead ${leadId} has had its personal data erased: no personal data can be written for it`);
    return key;
  }

  /** Lead ids of sealed events whose key is not in memory. */
  missingKeys(events: readonly RecordedEvent[]): string[] {
    const missing = new Set<string>();
    for (const e of events) {
      if (!isSealed(e)) continue;
      const leadId = leadIdOf(e.streamId);
      if (leadId !== undefined && !this.cache.has(leadId)) missing.add(leadId);
    }
    return [...missing];
  }

  async fetchKeys(leadIds: readonly string[]): Promise<void> {
    if (leadIds.length) this.rememberAll(leadIds, await this.keys.get(leadIds));
  }

  /** False when the key store can only answer asynchronously. */
  fetchKeysSync(leadIds: readonly string[]): boolean {
    if (!leadIds.length) return true;
    if (!this.keys.getSync) return false;
    this.rememberAll(leadIds, this.keys.getSync(leadIds));
    return true;
  }

  private rememberAll(leadIds: readonly string[], found: Map<string, Buffer | null>): void {
    for (const id of leadIds) {
      const wrapped = found.get(id);
      if (wrapped !== undefined) this.remember(id, wrapped && unwrapDataKey(this.masterKey, id, wrapped));
    }
  }

  private remember(leadId: string, key: Buffer | null): void {
    this.cache.delete(leadId);
    this.cache.set(leadId, key);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  async openAll(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    await this.fetchKeys(this.missingKeys(events));
    for (const e of events) this.openEvent(e);
    return events;
  }

  /** Opens a sealed event in place (the store hands out a fresh object per read); needs its key fetched. */
  openEvent(event: RecordedEvent): RecordedEvent {
    if (!isSealed(event)) return event;
    const leadId = leadIdOf(event.streamId)!;
    const key = this.cache.get(leadId);
    if (key === undefined) throw new MissingDataKeyError(leadId);
    const data = event.data as Record<string, unknown>;
    const box = Buffer.from(data[SEALED_FIELD] as string, 'base64');
    delete data[SEALED_FIELD];
    if (key === null) nullPersonal(event.type, data);
    else restorePersonal(data, JSON.parse(open(key, box, aadOf(leadId, event.type)).toString('utf8')) as Record<string, unknown>);
    return event;
  }
}

/**
 * Opens the events of a subscription. Events are taken a page at a time so that their missing keys
 * are fetched in one query; takeAvailable and readingAhead are offered when the store's subscription has them.
 */
class OpeningSubscription implements AllSubscription {
  private iterator: AsyncIterator<RecordedEvent> | undefined;
  /** Opened, in order, not handed out yet. */
  private ready: RecordedEvent[] = [];
  private readyAt = 0;
  /** Taken from the store while their keys are fetched; they come after `ready`. */
  private fetching: Promise<void> | undefined;
  takeAvailable?: (maxCount: number) => RecordedEvent[];
  readingAhead?: () => boolean;

  constructor(
    private readonly inner: AllSubscription,
    private readonly store: PersonalDataEventStore,
  ) {
    if (inner.takeAvailable) this.takeAvailable = (maxCount) => this.take(maxCount);
    if (inner.readingAhead) this.readingAhead = () => this.buffered() > 0 || this.fetching !== undefined || inner.readingAhead!();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<RecordedEvent>> {
    if (this.fetching) await this.fetching;
    if (this.buffered() > 0) return { value: this.ready[this.readyAt++], done: false };
    this.iterator ??= this.inner[Symbol.asyncIterator]();
    const first = await this.iterator.next();
    if (first.done) return first;
    const page = [first.value, ...(this.inner.takeAvailable?.(PAGE - 1) ?? [])];
    await this.store.fetchKeys(this.store.missingKeys(page));
    this.ready = page.map((e) => this.store.openEvent(e));
    this.readyAt = 1;
    return { value: this.ready[0], done: false };
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.unsubscribe();
    return { value: undefined, done: true };
  }

  unsubscribe(): Promise<void> {
    return this.inner.unsubscribe();
  }

  private buffered(): number {
    return this.ready.length - this.readyAt;
  }

  private take(maxCount: number): RecordedEvent[] {
    const out = this.ready.slice(this.readyAt, this.readyAt + maxCount);
    this.readyAt += out.length;
    // Events taken now would overtake those whose keys are being fetched.
    if (out.length >= maxCount || this.fetching) return out;
    const more = this.inner.takeAvailable!(maxCount - out.length);
    if (more.length === 0) return out;
    const missing = this.store.missingKeys(more);
    if (this.store.fetchKeysSync(missing)) {
      for (const e of more) out.push(this.store.openEvent(e));
      return out;
    }
    // The key store answers asynchronously: these events are handed out by next() once their keys are in.
    this.fetching = this.store.fetchKeys(missing).then(() => {
      this.ready = [...this.ready.slice(this.readyAt), ...more.map((e) => this.store.openEvent(e))];
      this.readyAt = 0;
      this.fetching = undefined;
    });
    return out;
  }
}
