import { MongoClient, MongoServerError, type Collection } from 'mongodb';
import { ApiKeyNameTakenError, type ApiKeyRecord } from './api-key';
import type { ApiKeyStore } from './api-key.store';

type KeyDoc = Omit<ApiKeyRecord, 'name'> & { _id: string };

const toRecord = ({ _id, ...rest }: KeyDoc): ApiKeyRecord => ({ name: _id, ...rest });

/** API keys in a MongoDB collection (READ_STORE=mongodb): every instance of the deployment reads the same keys. */
export class MongoApiKeyStore implements ApiKeyStore {
  readonly kind = 'mongodb' as const;
  private indexes: Promise<unknown> | undefined;

  private constructor(
    private readonly client: MongoClient,
    private readonly keys: Collection<KeyDoc>,
  ) {}

  static async connect(options: { url: string; database?: string; collection?: string }): Promise<MongoApiKeyStore> {
    const client = await new MongoClient(options.url).connect();
    const db = client.db(options.database ?? (client.options.dbName || 'leads'));
    return new MongoApiKeyStore(client, db.collection<KeyDoc>(options.collection ?? 'api_keys'));
  }

  private ready(): Promise<unknown> {
    return (this.indexes ??= this.keys.createIndex({ hash: 1 }, { unique: true }));
  }

  async create(record: ApiKeyRecord): Promise<void> {
    await this.ready();
    const { name, ...rest } = record;
    try {
      await this.keys.insertOne({ _id: name, ...rest });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === 11000) throw new ApiKeyNameTakenError(name);
      throw error;
    }
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | null> {
    const doc = await this.keys.findOne({ hash });
    return doc ? toRecord(doc) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.keys.find().sort({ createdAt: 1, _id: 1 }).toArray()).map(toRecord);
  }

  async revoke(name: string, at: string): Promise<boolean> {
    const exists = await this.keys.countDocuments({ _id: name }, { limit: 1 });
    await this.keys.updateOne({ _id: name, revokedAt: null }, { $set: { revokedAt: at } });
    return exists > 0;
  }

  async touch(name: string, at: string): Promise<void> {
    await this.keys.updateOne({ _id: name }, { $set: { lastUsedAt: at } });
  }

  async count(): Promise<number> {
    return this.keys.countDocuments();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
