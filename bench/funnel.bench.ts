import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { measureFunnel, readFunnelDefinition, replayHistory, SHIPPED_FUNNELS_DIR } from '@lead/analytics';
import { SqliteEventStore } from '@lead/event-store';
import { appendCommands, chronological, generateLeads } from '../libs/projections/src/testing/lead-history.generator';
import { runStandalone, type BenchResult } from './bench-kit';
import { rawReadParsePerSecond } from './event-store.bench';

/** The same history as the projections benchmark: ~1.0 M events of 116,000 leads over three years. */
const LEADS = 116_000;
const MIN_EVENTS = 1_000_000;
const MB = 2 ** 20;
const DEFINITION = join(SHIPPED_FUNNELS_DIR, 'fast-sales.yaml');

/**
 * A funnel definition (ordered, window, exclusion) replayed over the whole store through the port,
 * measured with its breakdown, next to the raw read + parse rate of the same file in the same run.
 */
export async function benchFunnel(dir: string): Promise<BenchResult[]> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'funnel-events.sqlite');
  const store = new SqliteEventStore({ path: file, synchronous: 'NORMAL' });
  const events = await appendCommands(
    store,
    chronological(generateLeads({ leads: LEADS, seed: 2024, start: '2022-01-01', days: 3 * 365, importedShare: 0.05 })),
    5000,
  );
  await store.close();
  if (events < MIN_EVENTS) throw new Error(`Generated ${events} events, fewer than ${MIN_EVENTS}`);
  // Each in a process of its own, as a CLI run would be: not in this one, whose heap is the generator's.
  const raw = inChild<number>({ measure: 'raw', file });
  const first = inChild<ReplayResult>({ measure: 'replay', file, sample: false });
  const second = inChild<ReplayResult>({ measure: 'replay', file, sample: false });
  const sampled = inChild<ReplayResult>({ measure: 'replay', file, sample: true });
  const seconds = Math.min(first.seconds, second.seconds);
  const rate = events / seconds;
  return [
    { name: 'raw SQLite: read + JSON.parse of the same events', value: raw, unit: 'events/s', note: 'the replay limit' },
    {
      name: 'funnel replay under a definition (fast-sales, breakdown by channel)',
      value: rate,
      unit: 'events/s',
      comparedWith: `raw read + parse (${((100 * rate) / raw).toFixed(0)}%)`,
      note: `${seconds.toFixed(1)} s for ${events.toLocaleString('en-US')} events, ${first.leads.toLocaleString('en-US')} leads (best of ${first.seconds.toFixed(1)} s and ${second.seconds.toFixed(1)} s)`,
    },
    ...sampled.heap.map(({ quarter, mb }) => ({
      name: `heap used at ${quarter}% of a funnel replay`,
      value: mb,
      unit: 'MB',
      note: `${sampled.heapBefore.toFixed(0)} MB before it started`,
    })),
  ];
}

type Measure = { measure: 'raw'; file: string } | { measure: 'replay'; file: string; sample: boolean };
type ReplayResult = { seconds: number; leads: number; heap: { quarter: number; mb: number }[]; heapBefore: number };
const CHILD_FLAG = '--measure';

function inChild<T>(measure: Measure): T {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, CHILD_FLAG, JSON.stringify(measure)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`Measuring ${measure.measure} failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as T;
}

async function replay(file: string, sample: boolean): Promise<ReplayResult> {
  const store = new SqliteEventStore({ path: file });
  const definition = readFunnelDefinition(DEFINITION);
  const head = Number((await store.headPosition())!.commit);
  const heap: { quarter: number; mb: number }[] = [];
  let nextQuarter = 1;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed / MB;
  try {
    const started = process.hrtime.bigint();
    const result = await replayHistory(store, definition, {}, (events) => {
      while (sample && nextQuarter <= 4 && events * 4 >= head * nextQuarter) {
        gc?.();
        heap.push({ quarter: 25 * nextQuarter++, mb: process.memoryUsage().heapUsed / MB });
      }
    });
    const report = measureFunnel(result, { breakdown: 'channel' });
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, leads: report.totals.leads, heap, heapBefore };
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  const flag = process.argv.indexOf(CHILD_FLAG);
  if (flag < 0) runStandalone(benchFunnel);
  else {
    const measure = JSON.parse(process.argv[flag + 1]) as Measure;
    const work =
      measure.measure === 'raw'
        ? Promise.resolve(Math.max(rawReadParsePerSecond(measure.file), rawReadParsePerSecond(measure.file)))
        : replay(measure.file, measure.sample);
    work.then(
      (result) => console.log(JSON.stringify(result)),
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
  }
}
