import { SqliteEventStore } from '@lead/event-store';
import { SqliteReadStore, ProjectionRunner, READ_MODEL_PROJECTIONS } from '@lead/projections';
import { appendCommands, generateLeads, chronological } from '../../libs/projections/src/testing/lead-history.generator';
import { silentLogger } from '../../libs/projections/src/testing/projection.test-kit';

async function main() {
  const store = new SqliteEventStore({ path: '/tmp/scratch/prof-events.sqlite', synchronous: 'NORMAL' });
  if ((await store.headPosition()) === null) await appendCommands(store, chronological(generateLeads({ leads: 10000, seed: 42 })));
  const only = process.env.ONLY;
  const defs = only ? READ_MODEL_PROJECTIONS.filter((p) => p.name === only) : READ_MODEL_PROJECTIONS;
  const readStore = new SqliteReadStore({ path: ':memory:' });
  const runner = new ProjectionRunner(store, readStore, defs, { logger: silentLogger });
  const t = Date.now();
  await runner.start();
  await runner.waitForPosition((await store.headPosition())!, 120000);
  console.log(only ?? 'all', 'project ms', Date.now() - t);
  await runner.stop();
}
main();
