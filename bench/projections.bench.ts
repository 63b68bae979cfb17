import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@lead/event-store';
import { PersonalDataEventStore, SqliteKeyStore, loadOrCreateKeyFile } from '@lead/privacy';
import { ProjectionRunner, READ_MODEL_PROJECTIONS, SqliteReadStore } from '@lead/projections';
import { appendCommands, chronological, generateLeads } from '../libs/projections/src/testing/lead-history.generator';
import { silentLogger } from '../libs/projections/src/testing/projection.test-kit';
import { alternate, mechanismsToCompare, runStandalone, type BenchResult } from './bench-kit';
import { rawReadParsePerSecond } from './event-store.bench';

/** At least this many events: catch-up over a history of realistic size, not a cache artefact. */
export const PROJECTION_BENCH_EVENTS = 1_000_000;
/** Leads of ~8.7 events each on average, captured over three years (about 100 a day). */
const LEADS = 116_000;
const MB = 2 ** 20;

/** Writes the generated history into a store file, in the order live work would have appended it. */
async function seedHistory(file: string): Promise<{ events: number; seconds: number }> {
  const store = encrypted(new SqliteEventStore({ path: file, synchronous: 'NORMAL' }), file);
  const started = process.hrtime.bigint();
  try {
    // Multi-event appends issued together are group-committed: one transaction per few thousand appends.
    const events = await appendCommands(
      store,
      chronological(generateLeads({ leads: LEADS, seed: 2024, start: '2022-01-01', days: 3 * 365, importedShare: 0.05 })),
      5000,
    );
    return { events, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  } finally {
    await store.close();
  }
}

/**
 * Catch-up of all four read models together from scratch into a SQLite read store file, next to the
 * raw read + parse rate of the same events, with the heap used at each quarter of the catch-up.
 */
export async function benchProjections(dir: string, compare: readonly string[] = mechanismsToCompare()): Promise<BenchResult[]> {
  mkdirSync(dir, { recursive: true });
  const eventsFile = join(dir, 'projection-events.sqlite');
  const seeded = await seedHistory(eventsFile);
  if (seeded.events < PROJECTION_BENCH_EVENTS) throw new Error(`Generated ${seeded.events} events, fewer than ${PROJECTION_BENCH_EVENTS}`);
  if (compare.length > 0) return compareMechanisms(dir, eventsFile, compare);
  // Each measured in a process of its own, as an engine starting on an existing store would run: not in
  // this one, whose heap and compiled code are those of generating a million events.
  const raw = inChild<number>({ measure: 'raw', eventsFile });

  // Two catch-ups, each from scratch into a new read store file; the faster counts, as for the raw rate.
  const first = inChild<CatchUpResult>({
    measure: 'catch-up',
    eventsFile,
    readFile: join(dir, 'projection-read-models-1.sqlite'),
    sample: false,
  });
  const second = inChild<CatchUpResult>({
    measure: 'catch-up',
    eventsFile,
    readFile: join(dir, 'projection-read-models-2.sqlite'),
    sample: false,
  });
  // The heap is sampled in a third, untimed catch-up: each sample forces a full collection.
  const { heap, heapBefore } = inChild<CatchUpResult>({
    measure: 'catch-up',
    eventsFile,
    readFile: join(dir, 'projection-read-models-3.sqlite'),
    sample: true,
  });
  const head = Number(first.head);
  const seconds = Math.min(first.seconds, second.seconds);
  const rate = head / seconds;
  const results: BenchResult[] = [
    {
      name: 'history generated and appended (batched multi-event appends)',
      value: seeded.events / seeded.seconds,
      unit: 'events/s',
      note: `${seeded.events.toLocaleString('en-US')} events, ${LEADS.toLocaleString('en-US')} leads`,
    },
    { name: 'raw SQLite: read + JSON.parse of the same events', value: raw, unit: 'events/s', note: 'the catch-up limit' },
    {
      name: 'projections catch-up from scratch, 4 read models together',
      value: rate,
      unit: 'events/s',
      comparedWith: `raw read + parse (${((100 * rate) / raw).toFixed(0)}%)`,
      note: `${seconds.toFixed(1)} s for ${head.toLocaleString('en-US')} events, indexes included (best of ${first.seconds.toFixed(1)} s and ${second.seconds.toFixed(1)} s); SQLite read store file`,
    },
  ];
  for (const { quarter, mb } of heap) {
    results.push({
      name: `heap used at ${quarter}% of a catch-up`,
      value: mb,
      unit: 'MB',
      note: `${heapBefore.toFixed(0)} MB before it started${(globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for live-heap figures)'}`,
    });
  }
  return results;
}

/** The catch-up's performance mechanisms, each on unless switched off. */
interface Mechanisms {
  /** The read store commits on a writer thread. */
  readonly writerThread?: boolean;
}

const SWITCHES: Record<string, (on: boolean) => Mechanisms> = {
  'writer-thread': (on) => ({ writerThread: on }),
};

/** `npm run bench -- projections --ab writer-thread`: each mechanism on and off in alternating catch-ups. */
async function compareMechanisms(dir: string, eventsFile: string, mechanisms: readonly string[]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  let run = 0;
  for (const mechanism of mechanisms) {
    const switchOf = SWITCHES[mechanism];
    if (!switchOf) throw new Error(`Unknown mechanism "${mechanism}" (known: ${Object.keys(SWITCHES).join(', ')})`);
    results.push(
      await alternate(mechanism, 'projections catch-up', 'events/s', (on) => {
        const readFile = join(dir, `projection-read-models-ab-${run++}.sqlite`);
        const { head, seconds } = inChild<CatchUpResult>({ measure: 'catch-up', eventsFile, readFile, sample: false, ...switchOf(on) });
        rmSync(readFile, { force: true });
        return Number(head) / seconds;
      }),
    );
  }
  return results;
}

/** As the engine opens it: personal data encrypted, the data keys in a key store file beside the events. */
function encrypted(store: SqliteEventStore, eventsFile: string): PersonalDataEventStore {
  const keys = new SqliteKeyStore(`${eventsFile}.keys`);
  return new PersonalDataEventStore(store, { keys, masterKey: loadOrCreateKeyFile(`${eventsFile}.master-key`) });
}

type Measure =
  { measure: 'raw'; eventsFile: string } | ({ measure: 'catch-up'; eventsFile: string; readFile: string; sample: boolean } & Mechanisms);
type CatchUpResult = { head: string; seconds: number; heap: { quarter: number; mb: number }[]; heapBefore: number };
const CHILD_FLAG = '--measure';

function inChild<T>(measure: Measure): T {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, CHILD_FLAG, JSON.stringify(measure)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`Measuring ${measure.measure} failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as T;
}

async function measureInThisProcess(measure: Measure): Promise<number | CatchUpResult> {
  if (measure.measure === 'raw') return Math.max(rawReadParsePerSecond(measure.eventsFile), rawReadParsePerSecond(measure.eventsFile));
  const { head, ...rest } = await catchUp(measure.eventsFile, measure.readFile, measure.sample, measure);
  return { head: head.toString(), ...rest };
}

/** One catch-up of the four read models from scratch; with `sample`, the heap used at each quarter. */
async function catchUp(
  eventsFile: string,
  readFile: string,
  sample: boolean,
  mechanisms: Mechanisms = {},
): Promise<{ head: bigint; seconds: number; heap: { quarter: number; mb: number }[]; heapBefore: number }> {
  const store = encrypted(new SqliteEventStore({ path: eventsFile }), eventsFile);
  const readStore = new SqliteReadStore({ path: readFile, writer: mechanisms.writerThread === false ? 'inline' : 'worker' });
  const head = (await store.headPosition())!.commit;
  const heap: { quarter: number; mb: number }[] = [];
  let nextQuarter = 1;
  const sampleHeap = (quarter: number) => {
    // With --expose-gc the figure is the live heap, without it an upper bound that includes garbage.
    (globalThis as { gc?: () => void }).gc?.();
    heap.push({ quarter, mb: process.memoryUsage().heapUsed / MB });
  };
  const runner = new ProjectionRunner(store, readStore, READ_MODEL_PROJECTIONS, {
    logger: silentLogger,
    onCommit: ({ position }) => {
      while (sample && nextQuarter <= 4 && position.commit * 4n >= head * BigInt(nextQuarter)) sampleHeap(25 * nextQuarter++);
    },
  });
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed / MB;
  try {
    const started = process.hrtime.bigint();
    await runner.start();
    await runner.waitUntilCaughtUp(30 * 60_000);
    return { head, seconds: Number(process.hrtime.bigint() - started) / 1e9, heap, heapBefore };
  } finally {
    await runner.stop();
    await readStore.close();
    await store.close();
  }
}

if (require.main === module) {
  const flag = process.argv.indexOf(CHILD_FLAG);
  if (flag < 0) runStandalone(benchProjections);
  else
    measureInThisProcess(JSON.parse(process.argv[flag + 1]) as Measure).then(
      (result) => console.log(JSON.stringify(result)),
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
}
