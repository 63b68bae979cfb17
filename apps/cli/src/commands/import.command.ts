import type { Command } from 'commander';
import { DEFAULT_ACTIVITY_TYPES, type LeadPolicy } from '@lead/domain';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { LEAD_POLICY, appendHistoricalLeads, deterministicUuid } from '@lead/lifecycle';
import {
  ImportMappingError,
  RowMapper,
  SHIPPED_MAPPINGS_DIR,
  checkColumns,
  formatProblem,
  parseImportMapping,
  readCsvTable,
  type ImportMapping,
  type MappedRow,
  type RefusedRow,
} from '@lead/scoring';
import { Presets, SingleBar } from 'cli-progress';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { withEngine } from '../cli.context';
import { fail, toCsv } from '../output';

interface ImportOptions {
  mapping: string;
  report?: string;
  limit?: number;
  batch: number;
}

/**
 * `import csv <file> --mapping m.yaml`: each row becomes the commands a real lead would have gone
 * through, at the business times the mapping derives. Ids derive from the mapping's key column,
 * so a re-run (or a run resumed after Ctrl-C) appends nothing twice. Refused rows go to a report
 * file (line, column, reason); nothing of a refused row is written.
 */
export function registerImport(program: Command): void {
  const importCommand = program.command('import').description('import historical lead data');
  const common = (c: Command) =>
    c
      .option('--report <file>', 'where refused rows are listed (default: <file name>.refused.csv in the current directory)')
      .option('--limit <n>', 'import only the first n rows', (v) => Number(v))
      .option('--batch <n>', 'leads appended per batch (one transaction on the embedded store)', (v) => Number(v), 500);

  common(
    importCommand
      .command('csv')
      .description('import a CSV file under a mapping (columns → contact, company, source, properties, stage times, outcome)')
      .argument('<file>', 'CSV file')
      .requiredOption('--mapping <file>', `YAML mapping (shipped: ${SHIPPED_MAPPINGS_DIR}/x-education.yaml, uci-bank-marketing.yaml)`),
  ).action((file: string, opts: ImportOptions) => importCsv(file, opts));

  common(
    importCommand
      .command('x-education')
      .description('import the X Education Leads.csv (the shipped mapping x-education.yaml)')
      .argument('<file>', 'path to Leads.csv'),
  ).action((file: string, opts: Omit<ImportOptions, 'mapping'>) =>
    importCsv(file, { ...opts, mapping: join(SHIPPED_MAPPINGS_DIR, 'x-education.yaml') }),
  );
}

async function importCsv(file: string, opts: ImportOptions): Promise<void> {
  if (!existsSync(file)) fail(`no such file: ${file}`);
  if (!existsSync(opts.mapping)) fail(`no such mapping: ${opts.mapping}`);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) fail('--limit must be a positive integer');
  if (!(Number.isInteger(opts.batch) && opts.batch > 0)) fail('--batch must be a positive integer');
  const mappingText = readFileSync(opts.mapping, 'utf8');
  let mapping: ImportMapping;
  try {
    mapping = parseImportMapping(mappingText, basename(opts.mapping));
  } catch (error) {
    if (error instanceof ImportMappingError)
      fail(`${error.problems.length} problem(s) in the mapping\n${error.problems.map(formatProblem).join('\n')}`);
    throw error;
  }
  const started = process.hrtime.bigint();
  const table = readCsvTable(readFileSync(file, 'utf8'), mapping.csv.delimiter);
  const columnProblems = checkColumns(mapping, mappingText, basename(opts.mapping), table.header);
  if (columnProblems.length)
    fail(`the mapping does not fit ${basename(file)}; nothing imported\n${columnProblems.map(formatProblem).join('\n')}`);
  if (opts.limit !== undefined) table.rows.splice(opts.limit);

  const mapper = new RowMapper(mapping, table, { idFactory: deterministicUuid, now: new Date() });
  const refused: RefusedRow[] = [];
  // Rows are mapped as the appender takes them; only the refusals are kept.
  const columns = new Map<number, Record<string, string>>();
  function* mapped(): Generator<MappedRow> {
    for (let i = 0; i < table.rows.length; i++) {
      const r = mapper.map(i);
      if ('commands' in r) {
        columns.set(r.row, r.columns);
        yield r;
      } else refused.push(r);
    }
  }

  const activityTypes = [...new Set([...DEFAULT_ACTIVITY_TYPES, ...mapping.activityTypes])];
  const result = await withEngine(
    async (engine) => {
      const bar = new SingleBar(
        { format: 'importing |{bar}| {value}/{total} leads | {eta_formatted} left', stream: process.stderr },
        Presets.shades_classic,
      );
      bar.start(table.rows.length, 0);
      try {
        return await appendHistoricalLeads(engine.get<EventStore>(EVENT_STORE), engine.get<LeadPolicy>(LEAD_POLICY), mapped(), {
          batchSize: opts.batch,
          onProgress: (done) => bar.update(done + refused.length),
        });
      } finally {
        bar.stop();
      }
    },
    { activityTypes },
  );
  for (const r of result.refused) {
    refused.push({ row: r.row, column: columns.get(r.row)?.[r.field] ?? '', message: r.field ? `${r.field}: ${r.message}` : r.message });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rows = table.rows.length;
  console.log(
    `${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s): ${result.appended} leads appended, ${result.alreadyPresent} already imported` +
      (result.conflicting ? `, ${result.conflicting} left as they were (their stream holds other events)` : '') +
      `, ${refused.length ? new Set(refused.map((r) => r.row)).size : 0} rows refused`,
  );
  if (refused.length) {
    const report = opts.report ?? `${basename(file)}.refused.csv`;
    refused.sort((a, b) => a.row - b.row);
    writeFileSync(
      report,
      toCsv(
        ['row', 'column', 'message'],
        refused.map((r) => [r.row, r.column, r.message]),
      ),
    );
    console.log(`refused rows and their reasons: ${report}`);
  }
}
