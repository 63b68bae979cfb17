import { SqliteEventStore } from '@lead/event-store';
import { SqliteReadStore, ProjectionRunner, READ_MODEL_PROJECTIONS, type ProjectionCommit } from '@lead/projections';
import { silentLogger } from '../../libs/projections/src/testing/projection.test-kit';

async function main() {
  const store = new SqliteEventStore({ path: '/tmp/scratch/prof-events.sqlite', synchronous: 'NORMAL' });
  const readStore = new SqliteReadStore({ path: process.env.RS ?? ':memory:' });
  const counts: Record<string, number> = {};
  let commitMs = 0;
  const commit = readStore.commit.bind(readStore);
  readStore.commit = async (commits: readonly ProjectionCommit[]) => {
    for (const c of commits) for (const op of c.ops) counts[`${op.collection} ${op.op}`] = (counts[`${op.collection} ${op.op}`] ?? 0) + 1;
    const t = process.hrtime.bigint();
    await commit(commits);
    commitMs += Number(process.hrtime.bigint() - t) / 1e6;
  };
  const runner = new ProjectionRunner(store, readStore, READ_MODEL_PROJECTIONS, { logger: silentLogger, maxBatchSize: Number(process.env.BATCH ?? 1000), cacheSize: Number(process.env.CACHE ?? 10000) });
  const t = Date.now();
  await runner.start();
  await runner.waitForPosition((await store.headPosition())!, 120000);
  console.log('project ms', Date.now() - t, 'commit ms', Math.round(commitMs), counts);
  await runner.stop();
}
main();
