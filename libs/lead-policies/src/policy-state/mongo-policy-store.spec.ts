import { describeWithMongo, startMongoForTests, type MongoForTests } from '../../../../test/support/mongo-server';
import { MongoPolicyStore } from './mongo-policy-store';
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
