import { MongoClient } from 'mongodb';
import { startMongoDouble } from '../../../../test/support/mongo-double';
import { describeWithMongo, startMongoForTests, type MongoForTests } from '../../../../test/support/mongo-server';
import { MongoPolicyStore, MongoPolicyStoreConfigError } from './mongo-policy-store';
import { policyStoreContract } from './policy-store.contract';

// A real replica set when MONGODB_URL is set (e.g. docker compose -f docker/compose.yml up mongodb), else the MongoDB test double.
describeWithMongo('MongoPolicyStore', () => {
  let server: MongoForTests;
  beforeAll(async () => {
    server = await startMongoForTests();
  });
  afterAll(() => server?.stop());

  policyStoreContract(async () => {
    const store = await MongoPolicyStore.connect({ url: server.url('leads_policy_test'), prefix: `policy_test_${process.pid}_` });
    await store.clear();
    return store;
  });
});

describe('MongoPolicyStore.connect', () => {
  it('closes its client when the start fails (here: creating its indexes), leaving no connection open', async () => {
    const double = await startMongoDouble();
    const admin = await MongoClient.connect(double.url('admin'));
    try {
      await admin
        .db('admin')
        .command({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['createIndexes'], errorCode: 2 } });
      const before = double.openConnections();
      await expect(MongoPolicyStore.connect({ url: double.url('leads_policy_start') })).rejects.toMatchObject({ code: 2 });
      await new Promise((r) => setTimeout(r, 50));
      expect(double.openConnections()).toBe(before);
    } finally {
      await admin.close();
      await double.stop();
    }
  });
});

describe('MongoPolicyStore on a standalone server', () => {
  it('is refused at start, explaining that its transactions need a replica set, rather than failing at the first commit', async () => {
    const double = await startMongoDouble({ standalone: true });
    try {
      await expect(MongoPolicyStore.connect({ url: double.url('leads') })).rejects.toThrow(MongoPolicyStoreConfigError);
      await expect(MongoPolicyStore.connect({ url: double.url('leads') })).rejects.toThrow(/needs a replica set/);
      await new Promise((r) => setTimeout(r, 100)); // the server sees the sockets close a moment later
      expect(double.openConnections()).toBe(0);
    } finally {
      await double.stop();
    }
  });
});
