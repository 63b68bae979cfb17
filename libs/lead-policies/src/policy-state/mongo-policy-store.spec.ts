import { MongoPolicyStore } from './mongo-policy-store';
import { policyStoreContract } from './policy-store.contract';

const url = process.env.MONGODB_URL;
const skipReason = url
  ? undefined
  : 'no MongoDB: MONGODB_URL is not set (a replica set, e.g. docker compose -f docker/compose.yml up mongodb)';

if (skipReason) {
  console.warn(`Skipping MongoPolicyStore suite: ${skipReason}`);
  describe.skip(`MongoPolicyStore (skipped: ${skipReason})`, () => it('needs a server', () => undefined));
} else {
  describe('MongoPolicyStore', () => {
    policyStoreContract(async () => {
      const store = await MongoPolicyStore.connect({ url: url!, prefix: `policy_test_${process.pid}_` });
      await store.clear();
      return store;
    });
  });
}
