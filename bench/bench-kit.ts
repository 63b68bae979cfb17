import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

/** One measured figure, printed in the benchmark table and pasted into README. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The limit it is compared with, e.g. "raw one-event SQLite transactions". */
  comparedWith?: string;
  note?: string;
}

/** Runs `work` repeatedly for about `seconds` (after a short warm-up) and returns operations per second. */
export async function opsPerSecond(work: () => Promise<number> | number, seconds = 3): Promise<number> {
  const warmUntil = Date.now() + 300;
  while (Date.now() < warmUntil) await work();
  let ops = 0;
  const start = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) ops += await work();
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return ops / elapsed;
}

export function machineDescription(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

export function printResults(results: BenchResult[]): void {
  const rows = results.map((r) => [r.name, `${formatNumber(r.value)} ${r.unit}`, r.comparedWith ?? '', r.note ?? '']);
  const header = ['benchmark', 'figure', 'compared with', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

export function formatNumber(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** Runs one benchmark file on its own (`ts-node bench/<name>.bench.ts [dir]`), in a temporary directory unless one is given. */
export function runStandalone(bench: (dir: string) => Promise<BenchResult[]>): void {
  const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'lead-engine-bench-'));
  console.log(`${new Date().toISOString()} — ${machineDescription()}`);
  bench(dir)
    .then(printResults)
    .finally(() => {
      if (process.argv[2] === undefined) rmSync(dir, { recursive: true, force: true });
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}

/**
 * A performance mechanism measured on its own path with it on and off in alternating rounds (on, off,
 * on, off, …) in one run: the machine drifts between runs, so only figures taken side by side compare.
 * `measure` returns a rate (higher is better).
 */
export async function alternate(
  mechanism: string,
  path: string,
  unit: string,
  measure: (on: boolean) => Promise<number> | number,
  rounds = 2,
): Promise<BenchResult> {
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < rounds; round++) {
    on.push(await measure(true));
    off.push(await measure(false));
  }
  const medianOn = median(on);
  const medianOff = median(off);
  const gain = medianOn / medianOff - 1;
  return {
    name: `${mechanism}: on / off (${path})`,
    value: medianOn,
    unit,
    comparedWith: `off ${formatNumber(medianOff)} ${unit}: ${gain >= 0 ? '+' : ''}${(100 * gain).toFixed(1)}% ${gain >= KEEP_GAIN ? '(keep)' : '(below 20%)'}`,
    note: `on ${on.map(formatNumber).join(', ')}; off ${off.map(formatNumber).join(', ')}`,
  };
}

/** What a mechanism must buy on its own path to stay. */
export const KEEP_GAIN = 0.2;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `--ab a,b`: the mechanisms to measure on and off instead of the group's usual figures. */
export function mechanismsToCompare(argv: readonly string[] = process.argv): string[] {
  const at = argv.indexOf('--ab');
  return at < 0 ? [] : (argv[at + 1] ?? '').split(',').filter(Boolean);
}
