import type { Command } from 'commander';
import { LeadRuleRefusedError } from '@lead/domain';
import { EVENT_STORE, type EventStore } from '@lead/event-store';
import { Clock } from '@lead/lifecycle';
import { DEFAULT_RESAMPLES, ScoringModelService, backtest, readLeadHistories, resolvePoliciesSettings } from '@lead/policies';
import type { PredictiveModel } from '@lead/scoring';
import { withEngine } from '../cli.context';
import { historyProgress } from '../history-progress';
import { fail, printTable } from '../output';
import { compareCommand, loadModelOrFail, type BacktestCliOptions } from './scoring-compare';

const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`);

/**
 * `scoring train` and `scoring backtest`: the predictive model and the thresholds, both learned
 * from and checked against what became of the leads in the event history.
 */
export function registerScoringHistory(program: Command): void {
  const scoring = program.commands.find((c) => c.name() === 'scoring') ?? program.command('scoring').description('scoring models');

  scoring
    .command('train')
    .description(
      'train the predictive score on the event history (SaleWon = converted; SaleLost, Disqualified = not) and append it as the next version (PredictiveModelTrained); a running engine rescores live leads with it',
    )
    .option('--actor <actor>', 'recorded as the actor of the event', 'service:lead-engine-cli')
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (opts: { actor: string; format: string }) => {
      await withEngine(async (engine) => {
        const service = new ScoringModelService(
          engine.get<EventStore>(EVENT_STORE),
          engine.get(Clock),
          resolvePoliciesSettings({ reactor: false }),
        );
        const progress = historyProgress('reading history');
        let result;
        try {
          result = await service.retrain(opts.actor, (p) => progress.update(p));
        } catch (error) {
          progress.stop();
          if (error instanceof LeadRuleRefusedError) fail(error.message);
          throw error;
        }
        progress.stop();
        if (opts.format === 'json') return void console.log(JSON.stringify(result, null, 2));
        console.log(
          `trained ${result.version} on ${result.trainedOn.leads} leads with an outcome (${result.trainedOn.won} won) at position ${result.position}`,
        );
        console.log(
          `left out: ${result.excluded.withoutOutcome} without an outcome, ${result.excluded.erased} erased, ${result.excluded.merged} merged`,
        );
        console.log(
          `in-sample ROC AUC ${result.metrics.inSampleAuc.toFixed(4)}, log loss ${result.metrics.logLoss.toFixed(4)} (a check of the fit, not of accuracy on new leads)`,
        );
      });
    });

  scoring
    .command('backtest')
    .description(
      'replay the event history and report how scoring models would have classified the leads against their outcomes; with two or more --model, compare them on one seeded split',
    )
    .requiredOption('--model <file>', 'YAML or JSON scoring model to try (repeat to compare models)', collect, [])
    .option('--hot <n>', 'hot threshold instead of the model’s (one model only)', (v) => Number(v))
    .option('--warm <n>', 'warm threshold instead of the model’s (one model only)', (v) => Number(v))
    .option('--with-predictive', 'score the predictive rule with the latest trained model (it was trained on these outcomes: in-sample)')
    .option('--seed <n>', 'seed of the split and of the bootstrap (comparison)', (v) => Number(v), 2026)
    .option('--test-share <x>', 'share of the leads held out (comparison)', (v) => Number(v), 0.3)
    .option('--resamples <n>', 'bootstrap resamples for the ROC AUC interval (comparison)', (v) => Number(v), DEFAULT_RESAMPLES)
    .option('-f, --format <format>', 'table or json', 'table')
    .action(async (opts: BacktestCliOptions) => {
      if (opts.model.length > 1) return compareCommand(opts);
      const model = loadModelOrFail(opts.model[0]);
      for (const [name, value] of [
        ['--hot', opts.hot],
        ['--warm', opts.warm],
      ] as const)
        if (value !== undefined && !Number.isFinite(value)) fail(`${name} must be a number`);
      await withEngine(async (engine) => {
        const store = engine.get<EventStore>(EVENT_STORE);
        let predictive: PredictiveModel | undefined;
        if (opts.withPredictive) {
          const trained = (await new ScoringModelService(store, engine.get(Clock), resolvePoliciesSettings({ reactor: false })).history())
            .filter((h) => h.event.type === 'PredictiveModelTrained')
            .at(-1);
          if (!trained || trained.event.type !== 'PredictiveModelTrained')
            fail('no predictive model has been trained yet (run `scoring train`)');
          predictive = trained.event.data.model;
        }
        const progress = historyProgress('replaying history');
        const histories = await readLeadHistories(store, (p) => progress.update(p));
        progress.stop();
        let report;
        try {
          report = backtest(histories, { model, thresholds: { hot: opts.hot, warm: opts.warm }, predictive });
        } catch (error) {
          fail((error as Error).message);
        }
        if (opts.format === 'json') return void console.log(JSON.stringify(report, null, 2));
        const { thresholds: t } = report;
        console.log(
          `model ${report.modelVersion}${predictive ? ` with predictive ${predictive.version}` : ''}, hot ≥ ${t.hot}, warm ≥ ${t.warm}`,
        );
        console.log(
          `${report.leads} leads with an outcome, ${report.converted} converted (${pct(report.conversionRate)}); left out ${report.excluded.withoutOutcome} without an outcome, ${report.excluded.erased} erased, ${report.excluded.merged} merged`,
        );
        if (report.leads === 0) return;
        console.log(`ROC AUC of the total ${report.auc.toFixed(4)}`);
        console.log(
          `hot: ${report.hot.selected} leads, precision ${pct(report.hot.precision)}, recall ${pct(report.hot.recall)}; warm or hot: precision ${pct(report.warmOrHot.precision)}, recall ${pct(report.warmOrHot.recall)}\n`,
        );
        printTable(
          ['temperature', 'leads', 'converted', 'conversion'],
          (['hot', 'warm', 'cold'] as const).map((temp) => [
            temp,
            String(report.byTemperature[temp].leads),
            String(report.byTemperature[temp].converted),
            pct(report.byTemperature[temp].conversionRate),
          ]),
        );
        console.log();
        printTable(
          ['decile', 'leads', 'converted', 'conversion', 'lift', 'cumulative converted'],
          report.lift.map((d) => [
            String(d.decile),
            String(d.leads),
            String(d.won),
            pct(d.conversionRate),
            Number.isNaN(d.lift) ? '–' : d.lift.toFixed(2),
            pct(d.cumulativeCapture),
          ]),
        );
      });
    });
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
