import { stringify } from 'csv-stringify/sync';

/** Plain aligned table for terminals; CSV and JSON are offered beside it where analysts need them. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

export function toCsv(header: string[], rows: (string | number)[][]): string {
  return stringify([header, ...rows]);
}

/** Errors the user can act on are printed without a stack; the exit code says it failed. */
export function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}
