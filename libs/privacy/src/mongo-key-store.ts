import { Binary, MongoClient, type Collection } from 'mongodb';
import type { KeyStore } from './key-store';

type KeyDoc = { _id: string; wrapped: Binary | null; erasing: boolean };

/** The production key store: a collection beside the read models (READ_STORE=mongodb). */
export class MongoKeyStore implements KeyStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly keys: Collection<KeyDoc>,
  ) {}

  static async connect(options: { url: string; database?: string; collection?: string }): Promise<MongoKeyStore> {
    const client = new MongoClient(options.url, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return new MongoKeyStore(client, client.db(options.database).collection<KeyDoc>(options.collection ?? 'privacy_data_keys'));
  }

  async get(leadIds: readonly string[]): Promise<Map<string, Buffer | null>> {
    const found = new Map<string, Buffer | null>();
    if (leadIds.length === 0) return found;
    for await (const doc of this.keys.find({ _id: { $in: [...leadIds] } }))
      found.set(doc._id, doc.wrapped ? Buffer.from(doc.wrapped.buffer) : null);
    return found;
  }
  async create(leadId: string, wrapped: Buffer) {
    await this.keys.updateOne({ _id: leadId }, { $setOnInsert: { wrapped: new Binary(wrapped), erasing: false } }, { upsert: true });
    return (await this.get([leadId])).get(leadId) ?? null;
  }
  async markErasing(leadId: string) {
    await this.keys.updateOne({ _id: leadId, wrapped: { $ne: null } }, { $set: { erasing: true } });
  }
  async pendingErasures() {
    return (await this.keys.find({ erasing: true }, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
  }
  async unmarkErasing(leadId: string) {
    await this.keys.updateOne({ _id: leadId }, { $set: { erasing: false } });
  }
  async destroy(leadId: string) {
    await this.keys.updateOne({ _id: leadId }, { $set: { wrapped: null, erasing: false } }, { upsert: true });
  }
  async close() {
    await this.client.close();
  }
}
