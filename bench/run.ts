import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineDescription, printResults, type BenchResult } from './bench-kit';
import { benchCommands } from './commands.bench';
import { benchEventStore, rawOneEventTransactionsPerSecond } from './event-store.bench';
import { benchFunnel } from './funnel.bench';
import { benchProjections } from './projections.bench';
import { benchScoring } from './scoring.bench';

const GROUPS = ['event-store', 'commands', 'scoring', 'projections', 'funnel'] as const;

/**
 * `npm run bench [-- <only>]`: every benchmark, each figure next to the limit it is compared with
 * (the raw SQLite rate measured on the same machine and file system in the same run).
 * <only>: event-store, commands, scoring, projections, funnel (default: all, each in a process of its own so
 * that no group inherits another's heap, compiled code or lingering work).
 */
async function main(): Promise<void> {
  const only = process.argv[2];
  const asJson = process.argv.includes('--json');
  if (only && !(GROUPS as readonly string[]).includes(only))
    throw new Error(`Unknown benchmark group "${only}" (known: ${GROUPS.join(', ')})`);
  if (!asJson) console.log(`${new Date().toISOString()} — ${machineDescription()}`);
  const results: BenchResult[] = only ? await runGroup(only as (typeof GROUPS)[number]) : [];
  if (!only) for (const group of GROUPS) results.push(...runInChild(group));
  if (asJson) console.log(`${RESULTS_MARK}${JSON.stringify(results)}`);
  else printResults(results);
}

const RESULTS_MARK = 'BENCH-RESULTS ';

async function runGroup(group: (typeof GROUPS)[number]): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lead-engine-bench-'));
  try {
    switch (group) {
      case 'event-store':
        return await benchEventStore(dir);
      case 'commands':
        return await benchCommands(dir, await rawOneEventTransactionsPerSecond(join(dir, 'raw-for-commands.sqlite')));
      case 'scoring':
        return await benchScoring();
      case 'projections':
        return await benchProjections(dir);
      case 'funnel':
        return await benchFunnel(dir);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runInChild(group: string): BenchResult[] {
  process.stderr.write(`running ${group}…\n`);
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, group, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith(RESULTS_MARK));
  if (child.status !== 0 || !line) throw new Error(`Benchmark group "${group}" failed (exit ${child.status})`);
  return JSON.parse(line.slice(RESULTS_MARK.length)) as BenchResult[];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
