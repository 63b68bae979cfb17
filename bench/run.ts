import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineDescription, printResults, type BenchResult } from './bench-kit';
import { benchCommands } from './commands.bench';
import { benchEventStore, rawOneEventTransactionsPerSecond } from './event-store.bench';
import { benchProjections } from './projections.bench';
import { benchScoring } from './scoring.bench';

/**
 * `npm run bench [-- <only>]`: every benchmark, each figure next to the limit it is compared with
 * (the raw SQLite rate measured on the same machine and file system in the same run).
 * <only>: event-store, commands, scoring, projections (default: all).
 */
async function main(): Promise<void> {
  const only = process.argv[2];
  const dir = mkdtempSync(join(tmpdir(), 'lead-engine-bench-'));
  const results: BenchResult[] = [];
  console.log(`${new Date().toISOString()} — ${machineDescription()}`);
  try {
    if (!only || only === 'event-store') results.push(...(await benchEventStore(dir)));
    if (!only || only === 'commands') {
      const raw = await rawOneEventTransactionsPerSecond(join(dir, 'raw-for-commands.sqlite'));
      results.push(...(await benchCommands(dir, raw)));
    }
    if (!only || only === 'scoring') results.push(...(await benchScoring()));
    if (!only || only === 'projections') results.push(...(await benchProjections(dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printResults(results);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
