import type { Command } from 'commander';
import { ScoringModelError, evaluateOnXEducation, formatProblem, loadScoringModelFile } from '@lead/scoring';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fail, printTable } from '../output';

const DEFAULT_DATASET = resolve(process.cwd(), '..', 'shared', 'datasets', 'x_education_leads', 'Leads.csv');

export function registerScoring(program: Command): void {
  const scoring = program.command('scoring').description('scoring models: validate, evaluate on real data');

  scoring
    .command('validate')
    .description('check a scoring model file; every problem is reported with its line and field')
    .argument('<file>', 'YAML or JSON scoring model')
    .action((file: string) => {
      try {
        const model = loadScoringModelFile(file);
        console.log(
          `${file}: valid scoring model, version ${model.version} (hot ≥ ${model.thresholds.hot}, warm ≥ ${model.thresholds.warm})`,
        );
      } catch (error) {
        if (error instanceof ScoringModelError)
          fail(`${error.problems.length} problem(s)\n${error.problems.map(formatProblem).join('\n')}`);
        throw error;
      }
    });

  scoring
    .command('evaluate')
    .description('train the predictive score on part of the X Education data and report on the held-out part')
    .option('--csv <file>', 'Leads.csv of the X Education data set', DEFAULT_DATASET)
    .option('--seed <n>', 'seed of the stratified split', (v) => Number(v), 2026)
    .option('--test-fraction <x>', 'share held out for the report', (v) => Number(v), 0.3)
    .option('--model <file>', 'scoring model for the total score and thresholds (default: the X Education model)')
    .option('-f, --format <format>', 'table or json', 'table')
    .action((opts: { csv: string; seed: number; testFraction: number; model?: string; format: string }) => {
      if (!existsSync(opts.csv)) fail(`no such file: ${opts.csv} (pass --csv)`);
      const report = evaluateOnXEducation(opts.csv, {
        seed: opts.seed,
        testFraction: opts.testFraction,
        ...(opts.model ? { scoringModel: loadScoringModelFile(opts.model) } : {}),
      });
      if (opts.format === 'json') {
        const { model: _, ...rest } = report;
        return void console.log(JSON.stringify(rest, null, 2));
      }
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      console.log(
        `X Education: ${report.trainLeads} leads for training, ${report.testLeads} held out (${pct(report.testConversionRate)} converted), seed ${opts.seed}`,
      );
      console.log(
        `predictive score ROC AUC ${report.predictive.auc.toFixed(4)}; total score (model ${report.score.scoringModelVersion}) ROC AUC ${report.score.auc.toFixed(4)}`,
      );
      const hot = report.score.hot;
      console.log(`hot (total ≥ ${hot.threshold}): ${hot.selected} leads, precision ${pct(hot.precision)}, recall ${pct(hot.recall)}\n`);
      printTable(
        ['decile', 'leads', 'won', 'conversion', 'lift', 'cumulative won'],
        report.predictive.lift.map((d) => [
          String(d.decile),
          String(d.leads),
          String(d.won),
          pct(d.conversionRate),
          d.lift.toFixed(2),
          pct(d.cumulativeCapture),
        ]),
      );
    });
}
