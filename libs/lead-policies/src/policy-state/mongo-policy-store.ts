import { MongoClient, type Collection, type Db } from 'mongodb';
import type { LeadPolicyRow } from './lead-policy-row';
import {
  SCORED_STATUS_LIST,
  type ActiveModels,
  type DueQuery,
  type PolicyCheckpoint,
  type PolicyStateChanges,
  type PolicyStateStore,
} from './policy-state.store';

type LeadDoc = LeadPolicyRow & { _id: string };
type CheckpointDoc = { _id: string } & PolicyCheckpoint;
type CounterDoc = { _id: string; counter: number };
/** Models are kept as JSON text: their keys ("attribute.city=cluj") are not all valid MongoDB field names. */
type ModelDoc = { _id: 'scoring' | 'predictive'; json: string };

/** The MongoDB server cannot run multi-document transactions (a standalone mongod). */
export class MongoPolicyStoreConfigError extends Error {
  override readonly name = 'MongoPolicyStoreConfigError';
}

export interface MongoPolicyStoreOptions {
  url: string;
  /** Database name; default: the one in the URL, else "leads". */
  database?: string;
  /** Prefix of the collections (default "policy_"). */
  prefix?: string;
}

/**
 * The policy state in MongoDB. A batch is applied in one multi-document transaction (the
 * deployment must be a replica set — a single-node one is enough, as docker/compose.yml starts),
 * so rows, counters, models and the checkpoint move together.
 */
export class MongoPolicyStore implements PolicyStateStore {
  private readonly leads: Collection<LeadDoc>;
  private readonly checkpoints: Collection<CheckpointDoc>;
  private readonly counters: Collection<CounterDoc>;
  private readonly modelDocs: Collection<ModelDoc>;
  private indexes: Promise<unknown> | undefined;

  private constructor(
    private readonly client: MongoClient,
    db: Db,
    prefix: string,
  ) {
    this.leads = db.collection<LeadDoc>(`${prefix}leads`);
    this.checkpoints = db.collection<CheckpointDoc>(`${prefix}checkpoints`);
    this.counters = db.collection<CounterDoc>(`${prefix}round_robin`);
    this.modelDocs = db.collection<ModelDoc>(`${prefix}models`);
  }

  static async connect(options: MongoPolicyStoreOptions): Promise<MongoPolicyStore> {
    const client = new MongoClient(options.url, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    const store = new MongoPolicyStore(client, client.db(options.database), options.prefix ?? 'policy_');
    try {
      await store.checkTransactions(client);
      await store.ensureIndexes();
    } catch (error) {
      // Otherwise the client's pool and monitor stay open and keep the process alive.
      await client.close();
      throw error;
    }
    return store;
  }

  private async checkTransactions(client: MongoClient): Promise<void> {
    const hello = await client.db('admin').command({ hello: 1 });
    if (typeof hello.setName === 'string' || hello.msg === 'isdbgrid') return;
    throw new MongoPolicyStoreConfigError(
      'The MongoDB policy store needs a replica set (a single node is enough: start mongod with --replSet rs0 and run rs.initiate()), ' +
        'because each batch of policy state is written with its checkpoint in one multi-document transaction',
    );
  }

  private ensureIndexes(): Promise<unknown> {
    this.indexes ??= Promise.all([
      this.leads.createIndex({ nextRescoreAt: 1 }, { sparse: true }),
      this.leads.createIndex({ status: 1, revisitAt: 1 }),
      this.leads.createIndex({ status: 1, slaClockFrom: 1 }),
    ]);
    return this.indexes;
  }

  async checkpoint(): Promise<PolicyCheckpoint | null> {
    const doc = await this.checkpoints.findOne({ _id: 'reactor' });
    return doc ? { commit: doc.commit, prepare: doc.prepare } : null;
  }

  async lead(leadId: string): Promise<LeadPolicyRow | undefined> {
    const doc = await this.leads.findOne({ _id: leadId });
    if (!doc) return undefined;
    const { _id, ...row } = doc;
    return row as LeadPolicyRow;
  }

  async roundRobin(): Promise<Record<string, number>> {
    return Object.fromEntries((await this.counters.find().toArray()).map((d) => [d._id, d.counter]));
  }

  async models(): Promise<ActiveModels> {
    const models: ActiveModels = {};
    for (const d of await this.modelDocs.find().toArray()) (models as Record<string, unknown>)[d._id] = JSON.parse(d.json);
    return models;
  }

  async due(query: DueQuery): Promise<LeadPolicyRow[]> {
    const due: object[] = [{ nextRescoreAt: { $lte: query.now } }, { status: 'nurturing', revisitAt: { $lte: query.now } }];
    if (query.slaClockBefore) due.push({ status: 'open', slaClockFrom: { $lte: query.slaClockBefore } });
    const docs = await this.leads
      .find({ _id: { $gt: query.afterLeadId ?? '' }, $or: due })
      .sort({ _id: 1 })
      .limit(query.limit)
      .toArray();
    return docs.map(({ _id, ...row }) => row as LeadPolicyRow);
  }

  async commit(c: PolicyStateChanges): Promise<void> {
    const session = this.client.startSession();
    try {
      await session.withTransaction(async () => {
        const opts = { session };
        for (const row of c.upsert ?? []) {
          // A row is replaced whole: fields a change removed (e.g. revisitAt) must not linger.
          await this.leads.replaceOne({ _id: row.leadId }, { _id: row.leadId, ...withoutUndefined(row) } as LeadDoc, {
            ...opts,
            upsert: true,
          });
        }
        if (c.remove?.length) await this.leads.deleteMany({ _id: { $in: c.remove } }, opts);
        for (const [category, counter] of Object.entries(c.roundRobin ?? {})) {
          await this.counters.updateOne({ _id: category }, { $set: { counter } }, { ...opts, upsert: true });
        }
        for (const kind of ['scoring', 'predictive'] as const) {
          const model = c.models?.[kind];
          if (model) await this.modelDocs.updateOne({ _id: kind }, { $set: { json: JSON.stringify(model) } }, { ...opts, upsert: true });
        }
        if (c.rescoreAllAt)
          await this.leads.updateMany({ status: { $in: [...SCORED_STATUS_LIST] } }, { $set: { nextRescoreAt: c.rescoreAllAt } }, opts);
        if (c.checkpoint)
          await this.checkpoints.updateOne(
            { _id: 'reactor' },
            { $set: { commit: c.checkpoint.commit, prepare: c.checkpoint.prepare } },
            { ...opts, upsert: true },
          );
      });
    } finally {
      await session.endSession();
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Test helper: forget everything (used by the contract suite between cases). */
  async clear(): Promise<void> {
    await Promise.all([
      this.leads.deleteMany({}),
      this.checkpoints.deleteMany({}),
      this.counters.deleteMany({}),
      this.modelDocs.deleteMany({}),
    ]);
  }
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
