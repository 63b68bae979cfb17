/**
 * Runs the projections over an event store file into a read store file and reports every commit on
 * stdout, until it is killed. Used by the crash test, which SIGKILLs it at random moments.
 * Arguments: <events file> <read store file> <max batch size>.
 */
import { SqliteEventStore } from '@lead/event-store';
import { ProjectionRunner, READ_MODEL_PROJECTIONS, SqliteReadStore } from '@lead/projections';
import { silentLogger } from '../../../libs/projections/src/testing/projection.test-kit';

const [eventsFile, readFile, batch] = process.argv.slice(2);
const store = new SqliteEventStore({ path: eventsFile, pollIntervalMs: 20 });
const readStore = new SqliteReadStore({ path: readFile });
const runner = new ProjectionRunner(store, readStore, READ_MODEL_PROJECTIONS, {
  logger: silentLogger,
  maxBatchSize: Number(batch),
  onCommit: ({ position }) => process.stdout.write(`commit ${position.commit}\n`),
});
runner.start().then(
  () => process.stdout.write('started\n'),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
