import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { compareModels, readLeadHistories, type ModelToCompare } from '@lead/policies';
import { ScoringModelError, formatProblem, loadScoringModelFile, type ScoringModel } from '@lead/scoring';
import { basename } from 'node:path';
import { withEngine } from '../cli.context';
import { historyProgress } from '../history-progress';
import { fail, printTable } from '../output';

export interface BacktestCliOptions {
  model: string[];
  hot?: number;
  warm?: number;
  withPredictive?: boolean;
  seed: number;
  testShare: number;
  resamples: number;
  format: string;
}

export function loadModelOrFail(file: string): ScoringModel {
  try {
    return loadScoringModelFile(file);
  } catch (error) {
    if (error instanceof ScoringModelError) fail(`${error.problems.length} problem(s)\n${error.problems.map(formatProblem).join('\n')}`);
    fail((error as Error).message);
  }
}

const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`);

/** `scoring backtest --model a.yaml --model b.yaml`: champion and challenger side by side on one split. */
export async function compareCommand(opts: BacktestCliOptions): Promise<void> {
  if (opts.hot !== undefined || opts.warm !== undefined) fail('--hot and --warm apply to one model; put the thresholds in each model file');
  if (opts.withPredictive) fail('--with-predictive applies to one model; a comparison trains the predictive rule on its training part');
  if (!Number.isInteger(opts.seed)) fail('--seed must be an integer');
  if (!(opts.testShare > 0 && opts.testShare < 1)) fail('--test-share must be between 0 and 1');
  if (!(Number.isInteger(opts.resamples) && opts.resamples > 0)) fail('--resamples must be a positive integer');
  if (!['table', 'json'].includes(opts.format)) fail('--format must be table or json');
  const models: ModelToCompare[] = opts.model.map((file) => ({ name: basename(file), model: loadModelOrFail(file) }));
  await withEngine(async (engine) => {
    const progress = historyProgress('replaying history');
    const histories = await readLeadHistories(engine.get<EventStore>(EVENT_STORE), (p) => progress.update(p));
    progress.stop();
    const report = compareModels(histories, { models, seed: opts.seed, testShare: opts.testShare, resamples: opts.resamples });
    if (opts.format === 'json') return void console.log(JSON.stringify(report, null, 2));
    const { split } = report;
    console.log(
      `split seed ${split.seed}: ${split.trainLeads} leads for training, ${split.testLeads} held out (${split.convertedInTest} converted); ROC AUC interval from ${opts.resamples} bootstrap resamples`,
    );
    console.log('calibration: each 10-point band of the total predicts the conversion seen in that band on the training part\n');
    printTable(
      ['model', 'version', 'ROC AUC', '95% interval', 'Brier', 'hot ≥', 'precision', 'recall', 'to sales/week'],
      report.models.map((m, i) => {
        const hot = m.thresholds.find((t) => t.threshold === models[i].model.thresholds.hot)!;
        return [
          m.name,
          m.version,
          m.rocAuc.toFixed(4),
          `${m.rocAucCi95[0].toFixed(4)}–${m.rocAucCi95[1].toFixed(4)}`,
          m.calibration.brier.toFixed(4),
          String(hot.threshold),
          pct(hot.precision),
          pct(hot.recall),
          hot.perWeek.toFixed(1),
        ];
      }),
    );
    console.log();
    printTable(
      ['threshold', ...report.models.flatMap((m) => [`${m.name} precision`, 'recall', 'per week'])],
      [...new Set(report.models.flatMap((m) => m.thresholds.map((t) => t.threshold)))]
        .sort((a, b) => a - b)
        .map((threshold) => [
          String(threshold),
          ...report.models.flatMap((m) => {
            const row = m.thresholds.find((x) => x.threshold === threshold);
            return row ? [pct(row.precision), pct(row.recall), row.perWeek.toFixed(1)] : ['–', '–', '–'];
          }),
        ]),
    );
    console.log();
    printTable(
      ['decile', ...report.models.map((m) => `${m.name} lift`)],
      Array.from({ length: 10 }, (_, d) => [String(d + 1), ...report.models.map((m) => m.liftByDecile[d].toFixed(2))]),
    );
    console.log(`\n${report.routedDifferently.count} held-out leads would be routed differently`);
    if (report.routedDifferently.sample.length)
      printTable(
        ['lead', ...report.models.map((m) => m.name)],
        report.routedDifferently.sample.map((s) => [s.leadId, ...s.routes]),
      );
  });
}
