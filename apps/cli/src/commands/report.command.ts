import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  defaultFunnelDefinition,
  FunnelDefinitionError,
  funnelReportHtml,
  measureFunnel,
  ModelComparisonError,
  parseModelComparison,
  readFunnelDefinition,
  replayHistory,
  type FunnelDefinition,
  type ModelComparison,
} from '@lead/analytics';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { withEngine } from '../cli.context';
import { fail } from '../output';
import { checkBreakdown, parseTravelTime } from './funnel-definition.output';

interface ReportOptions {
  html?: string;
  definition?: string;
  backtest?: string;
  breakdown: string;
  knownAt?: string;
  asOccurred?: string;
}

/** `report --html out.html`: the funnel (and a backtest's comparison) as one self-contained HTML file. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('an HTML report that opens offline: funnel, trend, time to convert, drop-off, breakdown, and backtest charts')
    .requiredOption('--html <file>', 'the HTML file to write')
    .option('--definition <file>', 'funnel definition (YAML or JSON); default: the built-in funnel')
    .option('--backtest <file>', 'model comparison JSON from `scoring backtest --model a.yaml --model b.yaml --format json`')
    .option('--breakdown <property>', 'lead property for the breakdown table', 'channel')
    .option('--known-at <time>', 'as the data was known then (recorded time)')
    .option('--as-occurred <time>', 'as it had happened by then (business time)')
    .action(async (options: ReportOptions) => {
      // Everything is checked before the replay, so a bad file costs no wait and writes nothing.
      const definition = readDefinition(options.definition);
      const comparison = options.backtest === undefined ? undefined : readComparison(options.backtest);
      const breakdown = checkBreakdown(options.breakdown);
      const knownAt = parseTravelTime('known-at', options.knownAt);
      const asOccurred = parseTravelTime('as-occurred', options.asOccurred);
      await withEngine(async (engine) => {
        const replay = await replayHistory(engine.get<EventStore>(EVENT_STORE), definition, {
          ...(knownAt ? { knownAt } : {}),
          ...(asOccurred ? { asOccurred } : {}),
        });
        writeFileSync(options.html!, funnelReportHtml(measureFunnel(replay, { breakdown }), comparison));
        console.error(`wrote ${options.html}`);
      });
    });
}

function readDefinition(file: string | undefined): FunnelDefinition {
  try {
    return file ? readFunnelDefinition(file) : defaultFunnelDefinition();
  } catch (error) {
    if (error instanceof FunnelDefinitionError) fail(error.message);
    fail(`cannot read --definition ${file}: ${(error as Error).message}`);
  }
}

function readComparison(file: string): ModelComparison {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read --backtest ${file}: ${(error as Error).message}`);
  }
  try {
    return parseModelComparison(text, file);
  } catch (error) {
    if (error instanceof ModelComparisonError) fail(error.message);
    throw error;
  }
}
