import { MongoClient } from 'mongodb';
import { describeWithMongo, startMongoForTests, type MongoForTests } from '../../../../test/support/mongo-server';
import { startMongoDouble } from '../../../../test/support/mongo-double';
import { MongoReadStore, MongoReadStoreConfigError } from './mongo-read-store';
import type { CollectionSpec, ProjectionCommit } from './read-store.port';

const COUNTERS: CollectionSpec = { name: 'fault_counters', fields: { day: 'text' }, indexes: [[['day', 1]]] };
const checkpoint = (n: number) => ({ position: { commit: BigInt(n), prepare: BigInt(n) }, recordedAt: n, version: 1 });
const batch = (n: number): ProjectionCommit[] => [
  {
    projection: 'counters',
    ops: [
      { op: 'update', collection: COUNTERS.name, key: 'd1', update: { inc: { n: 1 }, upsert: { day: 'd1' } } },
      { op: 'update', collection: COUNTERS.name, key: 'd2', update: { inc: { n: 10 }, upsert: { day: 'd2' } } },
    ],
    checkpoint: checkpoint(n),
  },
];

// Fault injection through failCommand: the test double always allows it; a real server only with
// enableTestCommands, which MONGODB_TEST_COMMANDS=1 says it has.
const faultsSkipReason =
  process.env.MONGODB_URL && !process.env.MONGODB_TEST_COMMANDS
    ? 'MONGODB_URL names a real server and MONGODB_TEST_COMMANDS=1 (enableTestCommands) is not set'
    : undefined;

describeWithMongo('MongoReadStore under injected faults', () => {
  let mongo: MongoForTests;
  let admin: MongoClient;
  let store: MongoReadStore;
  const failPoint = (mode: object | string, data: object = {}) =>
    admin.db('admin').command({ configureFailPoint: 'failCommand', mode, data });

  if (faultsSkipReason) {
    console.warn(`Skipping the fault injection cases: ${faultsSkipReason}`);
    it.skip(`injects faults (skipped: ${faultsSkipReason})`, () => undefined);
    return;
  }

  beforeAll(async () => {
    mongo = await startMongoForTests();
    admin = await MongoClient.connect(mongo.url('leads_read_store_faults'));
  });
  afterAll(async () => {
    await admin?.close();
    await mongo?.stop();
  });
  beforeEach(async () => {
    store = await MongoReadStore.connect({ url: mongo.url('leads_read_store_faults') });
    await store.reset('counters', 1, [COUNTERS]);
  });
  afterEach(async () => {
    await failPoint('off');
    await store.close();
  });

  it('retries a batch that hit a transient transaction error, and applies its increments once', async () => {
    await store.commit(batch(1));
    await failPoint({ times: 1 }, { failCommands: ['update'], errorCode: 112, errorLabels: ['TransientTransactionError'] });
    await store.commit(batch(2));
    expect(await store.get(COUNTERS.name, 'd1')).toEqual({ day: 'd1', n: 2 });
    expect(await store.get(COUNTERS.name, 'd2')).toEqual({ day: 'd2', n: 20 });
    expect(await store.checkpoint('counters')).toEqual(checkpoint(2));
  });

  it('retries a commit whose connection dropped, without applying the batch twice', async () => {
    await failPoint({ times: 1 }, { failCommands: ['commitTransaction'], closeConnection: true });
    await store.commit(batch(1));
    expect(await store.get(COUNTERS.name, 'd1')).toEqual({ day: 'd1', n: 1 });
    expect(await store.checkpoint('counters')).toEqual(checkpoint(1));
  });

  it('writes nothing of a batch that fails for good, and keeps the checkpoint', async () => {
    await store.commit(batch(1));
    await failPoint({ times: 1 }, { failCommands: ['update'], errorCode: 2 });
    await expect(store.commit(batch(2))).rejects.toMatchObject({ code: 2 });
    expect(await store.get(COUNTERS.name, 'd1')).toEqual({ day: 'd1', n: 1 });
    expect(await store.get(COUNTERS.name, 'd2')).toEqual({ day: 'd2', n: 10 });
    expect(await store.checkpoint('counters')).toEqual(checkpoint(1));
  });
});

describe('MongoReadStore.connect', () => {
  it('refuses a standalone server at start, explaining that transactions need a replica set', async () => {
    const double = await startMongoDouble({ standalone: true });
    try {
      await expect(MongoReadStore.connect({ url: double.url('leads') })).rejects.toThrow(
        new MongoReadStoreConfigError(
          'The MongoDB read store needs a replica set (a single node is enough: start mongod with --replSet rs0 and run rs.initiate()), ' +
            'because every projection batch is written with its checkpoint in one multi-document transaction',
        ),
      );
      await new Promise((r) => setTimeout(r, 100)); // the server sees the sockets close a moment later
      expect(double.openConnections()).toBe(0);
    } finally {
      await double.stop();
    }
  });
});
